// Network partitions between cluster members without root: each member advertises a peer URL
// that is this proxy, which forwards to the member's real --listen-peer-urls. etcd's peer traffic
// is HTTP/1.1 and every raft request (pipeline POSTs, the long-lived stream GETs, snapshots)
// carries the sender's member ID in X-Server-From, so the proxy knows who is talking to its
// member and can cut a pair in both directions: a raft stream a member dialed also carries the
// other side's messages back, so blocking "from B at A's door" and "from A at B's door" severs
// A<->B completely. Connections without that header (version probes) pass, but stay watched:
// Go reuses keep-alive connections, so a later request on one may name its sender.
// The same doors can also slow a pair down: bytes in both directions wait a while, in order.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Partitioner, PartitionStats } from './partitioner.js';

const HEADER = /\r\nx-server-from:\s*([0-9a-f]+)\s*\r\n/i;
const MAX_HEAD = 64 * 1024;

/** What the doors did: evidence that a partition really cut raft traffic. */
export interface DoorStats extends PartitionStats {
  /** Connections identified by X-Server-From. */
  identified: number;
  /** Connections refused at accept time because their pair was partitioned. */
  refused: number;
  /** Live connections cut when a partition began. */
  cut: number;
  /** Chunks held back by a slow link. */
  delayed: number;
}

interface DoorRules {
  isBlocked(from: string): boolean;
  /** Milliseconds to hold traffic of a connection from this sender (0: none). */
  delayOf(from: string | undefined): number;
}

export interface DelayedWriter {
  /** Returns false when dst wants the source paused (backpressure). */
  write(chunk: Buffer): boolean;
  /** When the last held-back chunk will have been written (ms since epoch). */
  pendingUntil(): number;
}

/**
 * Writes chunks to dst in order, each no earlier than `delay()` ms after it arrived. One FIFO
 * and one timer at a time: separate timers per chunk are NOT fired in due order (node computes
 * their expiry from its cached loop time), and a reordered byte stream corrupts raft messages
 * (etcd then panics with "tocommit(N) is out of range").
 */
export function orderedDelayedWriter(dst: Socket, delay: () => number, onDelayed: () => void): DelayedWriter {
  const queue: { due: number; chunk: Buffer }[] = [];
  let lastDue = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      if (!dst.destroyed) dst.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, Math.max(1, queue[0]!.due - now));
  };
  return {
    pendingUntil: () => lastDue,
    write(chunk) {
      const now = Date.now();
      const d = delay();
      if (d <= 0 && queue.length === 0) return dst.write(chunk);
      const due = Math.max(lastDue, now + Math.max(0, d));
      lastDue = due;
      onDelayed();
      queue.push({ due, chunk });
      if (timer === undefined) timer = setTimeout(pump, Math.max(1, due - now));
      return true;
    },
  };
}

class MemberDoor {
  private readonly server: Server;
  private readonly open = new Set<{ from: string | undefined; sockets: Socket[] }>();

  constructor(
    readonly listenPort: number,
    private readonly upstreamPort: number,
    private readonly rules: DoorRules,
    private readonly stats: DoorStats,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
  }

  private accept(socket: Socket): void {
    let head = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0 && head.length < MAX_HEAD) return;
      socket.off('data', onData);
      socket.pause();
      const from = HEADER.exec(head.subarray(0, end < 0 ? head.length : end + 2).toString('latin1'))?.[1]?.toLowerCase();
      if (from !== undefined) this.stats.identified++;
      if (from !== undefined && this.rules.isBlocked(from)) {
        this.stats.refused++;
        socket.destroy();
        return;
      }
      const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
      const entry: { from: string | undefined; sockets: Socket[] } = { from, sockets: [socket, upstream] };
      this.open.add(entry);
      const close = (): void => {
        socket.destroy();
        upstream.destroy();
        this.open.delete(entry);
      };
      const delay = (): number => this.rules.delayOf(entry.from);
      const counted = (): void => void this.stats.delayed++;
      const toUpstream = orderedDelayedWriter(upstream, delay, counted);
      const toClient = orderedDelayedWriter(socket, delay, counted);
      // when one side closes, let the bytes still held back for the other side through first
      const closeAfterPending = (): void => {
        const wait = Math.max(toClient.pendingUntil(), toUpstream.pendingUntil()) - Date.now();
        if (wait > 0) setTimeout(close, wait + 5);
        else close();
      };
      upstream.on('error', close);
      socket.on('close', closeAfterPending);
      upstream.on('close', closeAfterPending);
      // Go's HTTP transports keep connections alive and etcd's prober shares them with the raft
      // pipeline and streams: a connection opened by an anonymous probe may carry raft requests
      // later. So until a connection is identified, every chunk is searched for the header.
      let tail = '';
      const forward = (chunk: Buffer): void => {
        if (entry.from === undefined) {
          const text = tail + chunk.toString('latin1');
          const found = HEADER.exec(text)?.[1]?.toLowerCase();
          tail = text.slice(-128);
          if (found !== undefined) {
            entry.from = found;
            this.stats.identified++;
            if (this.rules.isBlocked(found)) {
              this.stats.cut++;
              close();
              return;
            }
          }
        }
        if (!toUpstream.write(chunk)) {
          socket.pause();
          upstream.once('drain', () => socket.resume());
        }
      };
      upstream.on('data', (chunk: Buffer) => {
        if (!toClient.write(chunk)) {
          upstream.pause();
          socket.once('drain', () => upstream.resume());
        }
      });
      forward(head);
      socket.on('data', forward);
      socket.resume();
    };
    socket.on('data', onData);
  }

  /** Cuts the live connections that the current rules block. */
  enforce(): void {
    for (const entry of [...this.open]) {
      if (entry.from !== undefined && this.rules.isBlocked(entry.from)) {
        for (const s of entry.sockets) s.destroy();
        this.open.delete(entry);
        this.stats.cut++;
      }
    }
  }

  close(): Promise<void> {
    for (const entry of this.open) for (const s of entry.sockets) s.destroy();
    this.open.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The partition controller: one door per member. Member IDs are etcd's hex IDs. */
export class PeerPartitioner implements Partitioner {
  private readonly doors = new Map<string, MemberDoor>();
  /** Blocked unordered pairs of member names, as "a|b" with a < b. */
  private readonly blocked = new Set<string>();
  /** Slowed unordered pairs, with their delay. */
  private readonly slowed = new Map<string, number>();
  private idToName = new Map<string, string>();
  readonly stats: DoorStats = { identified: 0, refused: 0, cut: 0, delayed: 0 };

  /** Adds a member: the proxy listens on advertisePort and forwards to listenPort. */
  async addMember(name: string, advertisePort: number, listenPort: number): Promise<void> {
    const door = new MemberDoor(
      advertisePort,
      listenPort,
      {
        isBlocked: (fromId) => {
          const from = this.idToName.get(fromId);
          return from !== undefined && this.blocked.has(pairKey(name, from));
        },
        delayOf: (fromId) => {
          const from = fromId === undefined ? undefined : this.idToName.get(fromId);
          return from === undefined ? 0 : (this.slowed.get(pairKey(name, from)) ?? 0);
        },
      },
      this.stats,
    );
    await door.listen();
    this.doors.set(name, door);
  }

  /** Tells the proxy which etcd member ID belongs to which name (from MemberList). */
  setMemberIds(nameToId: ReadonlyMap<string, string>): void {
    this.idToName = new Map([...nameToId].map(([name, id]) => [id.toLowerCase(), name]));
  }

  /** Cuts every link between the two sides. */
  async partition(sideA: readonly string[], sideB: readonly string[]): Promise<void> {
    for (const a of sideA) for (const b of sideB) if (a !== b) this.blocked.add(pairKey(a, b));
    for (const door of this.doors.values()) door.enforce();
  }

  /** Holds back traffic between the two sides by delayMs, both directions. */
  async slow(sideA: readonly string[], sideB: readonly string[], delayMs: number): Promise<void> {
    for (const a of sideA) for (const b of sideB) if (a !== b) this.slowed.set(pairKey(a, b), delayMs);
  }

  async heal(): Promise<void> {
    this.blocked.clear();
    this.slowed.clear();
  }

  describe(): string {
    return this.blocked.size === 0 ? 'healed' : [...this.blocked].map((p) => p.replace('|', ' x ')).join(', ');
  }

  async close(): Promise<void> {
    await Promise.all([...this.doors.values()].map((d) => d.close()));
    this.doors.clear();
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
