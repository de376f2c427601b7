// An agent's membership in the cluster (servers and clients alike): its serf LAN listener, joining
// through -join / -retry-join / PUT /v1/agent/join addresses, and the heartbeat that keeps it alive
// in the member list. The heartbeat goes to any server every probe interval; that server hands it
// to the raft leader, which keeps the member list (member-tracker.ts). When no server answers the
// agent keeps trying the servers it knew and, every retry interval, its join addresses: it rejoins
// by itself whenever a server is back, forever.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SerfMember } from '../../compat/agent/agent-self.js';
import { AgentError } from '../../compat/agent/agent-error.js';
import { goDialError } from '../../compat/agent/checks/go-net-errors.js';
import type { Hclog } from '../../cli/agent/hclog.js';
import { isServer, serfAddress } from './member-record.js';
import {
  listenSerf,
  serfCall,
  SerfRequestError,
  type ForceLeaveRequest,
  type HeartbeatReply,
  type HeartbeatRequest,
  type HelloReply,
  type HelloRequest,
  type SerfListener,
} from './serf-port.js';

/** What a server adds to the membership: it answers heartbeats and force-leaves (forwarding them to the leader). */
export interface ServerRole {
  clustered(): boolean;
  /** The servers the cluster was bootstrapped with, when this server was one of them. */
  initialMembers(): SerfMember[] | undefined;
  heartbeat(req: HeartbeatRequest): Promise<HeartbeatReply>;
  forceLeave(req: ForceLeaveRequest): Promise<void>;
}

export interface MembershipOptions {
  self: SerfMember;
  bindHost: string;
  startJoin: string[];
  retryJoin: string[];
  retryIntervalMs: number;
  /** 0 = retry forever (Consul's retry_max default). */
  retryMax?: number;
  /** How often the agent says it is alive (gossip_lan.probe_interval, 1 s). */
  heartbeatMs: number;
  log: Hclog;
  server?: ServerRole;
  /** Called whenever the set of known servers changes. */
  onServers?: (servers: SerfMember[]) => void;
  /** Called with every heartbeat answer (a server checks it is still in the raft configuration). */
  onHeartbeatAnswer?: (reply: HeartbeatReply) => void;
  /**
   * Where the servers this agent knows are kept across restarts (serf keeps its members in
   * <data-dir>/serf/local.snapshot): a restarted agent rejoins them even without a join address.
   */
  snapshotFile?: string;
}

const SERF_LAN_PORT = 8301;
/** How long a leave keeps trying to reach a server. */
const LEAVE_PROPAGATE_MS = 15_000;

function withDefaultPort(addr: string): string {
  if (/^\[[^\]]+\]:\d+$/.test(addr) || /^[^:]+:\d+$/.test(addr)) return addr;
  if (addr.startsWith('[')) return `${addr}:${SERF_LAN_PORT}`;
  return addr.includes(':') ? `[${addr}]:${SERF_LAN_PORT}` : `${addr}:${SERF_LAN_PORT}`;
}

function serversKey(list: SerfMember[]): string {
  return list
    .map((s) => `${s.Name}@${serfAddress(s)}`)
    .sort()
    .join(',');
}

export class AgentMembership {
  private listener: SerfListener | undefined;
  private readonly known = new Map<string, SerfMember>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private status = 1;
  private lastSeq = 0;
  private preferred: string | undefined;
  private lastContact = 0;
  private lastJoinAttempt = 0;
  private retryJoined = false;
  private lastHello = new Map<string, HelloReply>();
  private beating = false;

  constructor(private readonly opts: MembershipOptions) {
    if (opts.snapshotFile && existsSync(opts.snapshotFile)) {
      try {
        const saved = JSON.parse(readFileSync(opts.snapshotFile, 'utf8')) as { servers?: SerfMember[] };
        for (const s of saved.servers ?? []) if (isServer(s) && s.Name !== opts.self.Name) this.known.set(s.Name, s);
      } catch {
        // an unreadable snapshot only costs the shortcut: the join addresses still work
      }
    }
  }

  private saveSnapshot(): void {
    const file = this.opts.snapshotFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify({ servers: [...this.known.values()] }));
      renameSync(`${file}.tmp`, file);
    } catch {
      // best effort, as serf's snapshot
    }
  }

  get self(): SerfMember {
    return this.opts.self;
  }

  /** Servers this agent knows (itself included when it is one). */
  servers(): SerfMember[] {
    const list = [...this.known.values()];
    if (isServer(this.opts.self) && !this.known.has(this.opts.self.Name)) list.push(this.opts.self);
    return list;
  }

  /** The last hello answer of each server contacted (formation compares the servers' views). */
  helloOf(name: string): HelloReply | undefined {
    return this.lastHello.get(name);
  }

  /** Binds the serf LAN port. */
  async listen(): Promise<void> {
    this.listener = await listenSerf(this.opts.bindHost, this.opts.self.Port, {
      hello: async (req) => this.onHello(req),
      heartbeat: async (req) => {
        if (!this.opts.server) throw new SerfRequestError(400, 'not a server');
        return this.opts.server.heartbeat(req);
      },
      forceLeave: async (req) => {
        if (!this.opts.server) throw new SerfRequestError(400, 'not a server');
        return this.opts.server.forceLeave(req);
      },
    });
  }

  get address(): { host: string; port: number } | undefined {
    return this.listener?.address;
  }

  /** Starts joining (-join once now, -retry-join until one answers) and the heartbeat. */
  start(): void {
    if (this.opts.retryJoin.length > 0) this.retryLoop(1);
    this.heartbeatTimer = setInterval(() => void this.beat(), this.opts.heartbeatMs);
    this.heartbeatTimer.unref();
    void this.beat();
  }

  private retryLoop(attempt: number): void {
    if (this.stopped || this.retryJoined) return;
    const log = this.opts.log;
    log.info('agent', 'Joining cluster...', { cluster: 'LAN' });
    void this.join(this.opts.retryJoin).then(
      (n) => {
        this.retryJoined = true;
        log.info('agent', 'Join cluster completed. Synced with initial agents', { cluster: 'LAN', num_agents: n });
      },
      (err: Error) => {
        const max = this.opts.retryMax ?? 0;
        if (max > 0 && attempt >= max) {
          log.error('agent', 'max join retry exhausted, exiting', { cluster: 'LAN' });
          return;
        }
        log.warn('agent', 'Join cluster failed, will retry', { cluster: 'LAN', retry_interval: `${this.opts.retryIntervalMs / 1000}s`, error: err.message.trim() });
        this.retryTimer = setTimeout(() => this.retryLoop(attempt + 1), this.opts.retryIntervalMs);
        this.retryTimer.unref();
      },
    );
  }

  /**
   * Contacts every address (host or host:port of a serf LAN port); resolves with how many answered,
   * or rejects with memberlist's multierror text when none did (what Consul's join reports).
   */
  async join(addrs: string[], quiet = false): Promise<number> {
    const errors: string[] = [];
    let ok = 0;
    await Promise.all(
      addrs.map(async (raw) => {
        if (/^provider=/.test(raw.trim())) {
          errors.push(`Failed to join ${raw}: dcsgw: cloud auto-join (provider=...) is not supported; give host or host:port addresses (DNS names work)`);
          return;
        }
        const addr = withDefaultPort(raw);
        try {
          await this.hello(addr);
          ok++;
        } catch (err) {
          errors.push(`Failed to join ${addr}: ${err instanceof SerfRequestError ? err.message : goDialError(addr, err)}`);
        }
      }),
    );
    if (ok === 0) {
      const list = errors.map((e) => `\t* ${e}`).join('\n');
      throw new AgentError(500, `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${list}\n\n`);
    }
    if (!quiet) this.opts.log.info('agent', '(LAN) joined', { number_of_nodes: ok });
    return ok;
  }

  /** One hello exchange with an agent's serf port: both sides learn the servers the other knows. */
  async hello(addr: string): Promise<HelloReply> {
    const reply = await serfCall<HelloReply>(addr, '/dcsgw/serf/hello', { from: this.opts.self, servers: this.servers() } satisfies HelloRequest);
    if (isServer(reply.self)) this.lastHello.set(reply.self.Name, reply);
    this.learn([...(isServer(reply.self) ? [reply.self] : []), ...reply.servers]);
    return reply;
  }

  private onHello(req: HelloRequest): HelloReply {
    this.learn([...(isServer(req.from) ? [req.from] : []), ...(req.servers ?? [])]);
    const initial = this.opts.server?.initialMembers();
    return { self: this.opts.self, servers: this.servers(), clustered: this.opts.server?.clustered() ?? false, ...(initial ? { initialMembers: initial } : {}) };
  }

  private learn(servers: SerfMember[]): void {
    const before = serversKey(this.servers());
    for (const s of servers) {
      if (!isServer(s) || s.Name === this.opts.self.Name) continue;
      this.known.set(s.Name, s);
    }
    if (serversKey(this.servers()) !== before) {
      this.saveSnapshot();
      this.opts.onServers?.(this.servers());
    }
  }

  /** Replaces the known servers with the cluster's current list (from a heartbeat answer). */
  private adopt(servers: SerfMember[]): void {
    if (servers.length === 0) return;
    const before = serversKey(this.servers());
    this.known.clear();
    for (const s of servers) if (s.Name !== this.opts.self.Name) this.known.set(s.Name, s);
    if (serversKey(this.servers()) !== before) {
      this.saveSnapshot();
      this.opts.onServers?.(this.servers());
    }
  }

  /** A heartbeat now (a server whose leader duties just started records itself at once). */
  beatNow(): Promise<void> {
    return this.beat();
  }

  /** One heartbeat: to this agent's own server role, else to the server that answered last, else any known. */
  private async beat(): Promise<void> {
    if (this.stopped || this.beating) return;
    this.beating = true;
    try {
      await this.sendStatus(this.status);
    } catch {
      // every server unreachable: also try the join addresses every retry interval (rejoin forever)
      const addrs = [...this.opts.startJoin, ...this.opts.retryJoin];
      if (addrs.length > 0 && Date.now() - this.lastJoinAttempt >= Math.min(this.opts.retryIntervalMs, 5000)) {
        this.lastJoinAttempt = Date.now();
        await this.join(addrs, true).catch(() => undefined);
      }
    } finally {
      this.beating = false;
    }
  }

  /** Delivers this agent's status to the leader (through its own server role or any known server). */
  private async sendStatus(status: number): Promise<void> {
    const req: HeartbeatRequest = { member: this.opts.self, status, seq: this.nextSeq() };
    let lastErr: unknown = new Error('no known servers');
    if (this.opts.server?.clustered()) {
      try {
        const reply = await this.opts.server.heartbeat(req);
        this.adopt(reply.servers);
        this.opts.onHeartbeatAnswer?.(reply);
        this.lastContact = Date.now();
        return;
      } catch (err) {
        // this server does not know its leader yet (a learner catching up): ask the others
        lastErr = err;
      }
    }
    const candidates = this.servers().filter((s) => s.Name !== this.opts.self.Name);
    if (this.preferred) candidates.sort((a, b) => (a.Name === this.preferred ? -1 : b.Name === this.preferred ? 1 : 0));
    for (const s of candidates) {
      try {
        const reply = await serfCall<HeartbeatReply>(serfAddress(s), '/dcsgw/serf/heartbeat', req, 2000);
        this.preferred = s.Name;
        this.adopt(reply.servers);
        this.opts.onHeartbeatAnswer?.(reply);
        this.lastContact = Date.now();
        return;
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** Wall-clock microseconds, bumped past the last one: later than any sent before a restart too. */
  private nextSeq(): number {
    this.lastSeq = Math.max(Date.now() * 1000, this.lastSeq + 1);
    return this.lastSeq;
  }

  /** When a server last acknowledged this agent (0 = never). */
  lastContactAt(): number {
    return this.lastContact;
  }

  /** Asks the leader to mark a member left (PUT /v1/agent/force-leave). */
  async forceLeave(node: string, prune: boolean): Promise<void> {
    const req: ForceLeaveRequest = { node, prune };
    if (this.opts.server?.clustered()) return this.opts.server.forceLeave(req);
    let lastErr: unknown = new AgentError(500, 'No known Consul servers');
    for (const s of this.servers().filter((x) => x.Name !== this.opts.self.Name)) {
      try {
        await serfCall(serfAddress(s), '/dcsgw/serf/force-leave', req, 5000);
        return;
      } catch (err) {
        if (err instanceof SerfRequestError && err.status !== 503) throw new AgentError(500, err.message);
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /**
   * Graceful leave: the member turns leaving, then left; heartbeats stop. The left status is
   * retried for a while (a busy server may miss one 2 s answer): a leave nobody heard ends as a
   * failed member, not a left one.
   */
  async leave(): Promise<void> {
    this.status = 2;
    await this.sendStatus(2).catch(() => undefined);
    this.status = 3;
    const giveUpAt = Date.now() + LEAVE_PROPAGATE_MS;
    for (;;) {
      try {
        await this.sendStatus(3);
        break;
      } catch (err) {
        if (this.stopped || Date.now() >= giveUpAt) {
          this.opts.log.warn('agent', 'dcsgw: could not tell a server about the leave', { error: (err as Error).message });
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.stopHeartbeats();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeats();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.listener?.close();
  }
}
