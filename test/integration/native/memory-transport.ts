// An in-process stand-in for the peer transport, so native cluster behaviour (election,
// replication, forwarding, failover) can be tested without sockets. Messages are cloned and
// delivered asynchronously, like a network would; a member that closed its transport is down.
import type { Message, NodeId } from '../../../src/native/raft/api.js';
import { SnapshotStatus, MessageType } from '../../../src/native/raft/api.js';
import type { PeerRequestHandler, Transport, TransportEvents } from '../../../src/native/transport/api.js';

export class MemoryNetwork {
  readonly members = new Map<NodeId, MemoryTransport>();
  /** Pairs "a-b" whose traffic is dropped (both directions). */
  readonly cut = new Set<string>();

  transport(id: NodeId): MemoryTransport {
    return new MemoryTransport(this, id);
  }
  isCut(a: NodeId, b: NodeId): boolean {
    return this.cut.has(`${a}-${b}`) || this.cut.has(`${b}-${a}`);
  }
}

export class MemoryTransport implements Transport {
  private events: TransportEvents | undefined;
  private readonly handlers = new Map<string, PeerRequestHandler>();
  private readonly peers = new Set<NodeId>();

  constructor(
    private readonly net: MemoryNetwork,
    readonly id: NodeId,
  ) {}

  start(events: TransportEvents): Promise<void> {
    this.events = events;
    this.net.members.set(this.id, this);
    return Promise.resolve();
  }
  send(msgs: Message[]): void {
    for (const m of msgs) {
      const to = this.net.members.get(m.to);
      if (!to || !this.peers.has(m.to) || this.net.isCut(this.id, m.to)) {
        if (m.type === MessageType.MsgSnap) setImmediate(() => this.events?.onSnapshotStatus(m.to, SnapshotStatus.Failure));
        setImmediate(() => this.events?.onUnreachable(m.to));
        continue;
      }
      const copy = structuredClone(m);
      setImmediate(() => {
        to.deliver([copy]);
        if (m.type === MessageType.MsgSnap) this.events?.onSnapshotStatus(m.to, SnapshotStatus.Finish);
      });
    }
  }
  private deliver(msgs: Message[]): void {
    this.events?.onMessages(msgs);
  }
  addPeer(id: NodeId): void {
    this.peers.add(id);
  }
  updatePeer(): void {}
  removePeer(id: NodeId): void {
    this.peers.delete(id);
  }
  isActive(id: NodeId): boolean {
    return this.net.members.has(id) && !this.net.isCut(this.id, id);
  }
  async request(to: NodeId, route: string, body: Buffer, _timeoutMs: number): Promise<Buffer> {
    const peer = this.net.members.get(to);
    if (!peer || this.net.isCut(this.id, to)) throw new Error(`peer ${to.toString(16)} unreachable`);
    const h = peer.handlers.get(route);
    if (!h) throw new Error(`no handler for ${route}`);
    return h(this.id, Buffer.from(body));
  }
  handle(route: string, handler: PeerRequestHandler): void {
    this.handlers.set(route, handler);
  }
  close(): Promise<void> {
    if (this.net.members.get(this.id) === this) this.net.members.delete(this.id);
    this.events = undefined;
    return Promise.resolve();
  }
}
