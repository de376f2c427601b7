// The raft leader's side of membership: it hears every agent's heartbeat (through any server),
// keeps the member list in the store (member-record.ts) and reconciles the catalog with it, as
// Consul's leader reconciles serf members:
// - a member heard from is alive; its node gets serfHealth passing ("Agent alive and reachable");
// - a member silent for longer than the failure timeout is failed; serfHealth turns critical
//   ("Agent not live or unreachable"), which invalidates the sessions bound to it (session-reaper);
// - a member that leaves (or is force-left) is left; a server that leaves is removed from the raft
//   configuration first; its node is deregistered;
// - failed members are reaped (record and node gone) after reconnect_timeout (72 h), left ones
//   after tombstone_timeout (24 h); force-leave -prune reaps at once.
// A new leader gives every member a full failure timeout before judging it (it has not heard them
// yet). Member writes are serialised, and a heartbeat that changes nothing writes nothing.
import type { Catalog } from '../../compat/catalog.js';
import type { SerfMember } from '../../compat/agent/agent-self.js';
import type { Hclog } from '../../cli/agent/hclog.js';
import type { NativeBackend } from '../../adapters/native.js';
import { MemberStatus, STATUS_NAME, deleteMember, isServer, readMembers, writeMember, type MemberRecord } from './member-record.js';
import { SerfRequestError, type ForceLeaveRequest, type HeartbeatReply, type HeartbeatRequest } from './serf-port.js';

export const SERF_CHECK_ID = 'serfHealth';
const SERF_CHECK_NAME = 'Serf Health Status';
const ALIVE_OUTPUT = 'Agent alive and reachable';
const FAILED_OUTPUT = 'Agent not live or unreachable';

export interface MemberTrackerOptions {
  backend: NativeBackend;
  catalog: Catalog;
  datacenter: string;
  log: Hclog;
  /** Silence after which a member is failed (probe interval x suspicion multiplier + probe timeout). */
  failAfterMs: number;
  reconnectTimeoutMs: number;
  tombstoneTimeoutMs: number;
  /** Called on the leader after a server member left or was force-left (autopilot removes it from raft). */
  onServerGone?: (m: MemberRecord) => Promise<void>;
}

export class MemberTracker {
  private readonly lastSeen = new Map<string, number>();
  /** The latest heartbeat sequence heard from each member (HeartbeatRequest.seq). */
  private readonly lastSeq = new Map<string, number>();
  private records = new Map<string, MemberRecord>();
  private loadedTerm = -1;
  private queue: Promise<unknown> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: MemberTrackerOptions) {}

  start(): void {
    this.sweepTimer = setInterval(() => void this.serial(() => this.sweep()).catch(() => undefined), 500);
    this.sweepTimer.unref();
  }

  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** The alive servers as the leader knows them. */
  aliveServers(): SerfMember[] {
    return [...this.records.values()].filter((r) => isServer(r) && r.Status === MemberStatus.Alive).map(({ StatusSince: _s, ...m }) => m);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Loads the member list once per leadership term (a new leader starts from the store's list). */
  private async ensureLoaded(): Promise<void> {
    const term = this.opts.backend.header().raftTerm;
    if (this.loadedTerm === term) return;
    const list = await readMembers(this.opts.backend, false);
    this.records = new Map(list.map((r) => [r.Name, r]));
    const now = Date.now();
    // every member gets a full failure timeout from this leader before it can be judged failed
    for (const r of list) this.lastSeen.set(r.Name, now);
    this.loadedTerm = term;
  }

  private leaderOnly(): void {
    if (!this.opts.backend.isLeader()) throw new SerfRequestError(503, 'No cluster leader');
  }

  heartbeat(req: HeartbeatRequest): Promise<HeartbeatReply> {
    return this.serial(async () => {
      this.leaderOnly();
      await this.ensureLoaded();
      const m = req.member;
      if (req.seq !== undefined) {
        if (req.seq <= (this.lastSeq.get(m.Name) ?? 0)) return this.reply();
        this.lastSeq.set(m.Name, req.seq);
      }
      const status = req.status === MemberStatus.Leaving || req.status === MemberStatus.Left ? req.status : MemberStatus.Alive;
      this.lastSeen.set(m.Name, Date.now());
      const cur = this.records.get(m.Name);
      const changed = !cur || cur.Status !== status || cur.Addr !== m.Addr || cur.Port !== m.Port || JSON.stringify(cur.Tags) !== JSON.stringify(m.Tags);
      if (changed) {
        // a member that left stays left until it comes back with a fresh join (alive heartbeat)
        const rec: MemberRecord = { ...m, Status: status, StatusSince: cur && cur.Status === status ? cur.StatusSince : Date.now() };
        if (status === MemberStatus.Left && isServer(m)) await this.opts.onServerGone?.(rec);
        await writeMember(this.opts.backend, rec);
        this.records.set(m.Name, rec);
        if (!cur || cur.Status !== status) this.logTransition(rec, cur?.Status);
        await this.reconcileNode(rec);
      }
      return this.reply();
    });
  }

  private async reply(): Promise<HeartbeatReply> {
    const peers = (await this.opts.backend.memberList(false)).members.flatMap((x) => x.peerURLs);
    return { servers: this.aliveServers(), raftPeers: peers };
  }

  forceLeave(req: ForceLeaveRequest): Promise<void> {
    return this.serial(async () => {
      this.leaderOnly();
      await this.ensureLoaded();
      const cur = this.records.get(req.node);
      if (!cur) throw new SerfRequestError(404, `agent: No node found with name '${req.node}'`);
      // serf: an alive member refutes a leave intent about itself (a forced one, pruned or not), so
      // it stays, in the member list, the catalog and (a server) the raft configuration
      if (cur.Status === MemberStatus.Alive || cur.Status === MemberStatus.Leaving) return;
      // a failed server leaves raft too
      if (isServer(cur) && cur.Status === MemberStatus.Failed) await this.opts.onServerGone?.(cur);
      if (req.prune) {
        await deleteMember(this.opts.backend, cur.Name);
        this.records.delete(cur.Name);
        this.lastSeen.delete(cur.Name);
        this.opts.log.info('agent.server.serf.lan', `serf: EventMemberReap (forced): ${cur.Name} ${cur.Addr}`);
        await this.deregisterNode(cur.Name);
        return;
      }
      // serf's force-leave moves a failed member to left
      const rec: MemberRecord = { ...cur, Status: MemberStatus.Left, StatusSince: Date.now() };
      await writeMember(this.opts.backend, rec);
      this.records.set(rec.Name, rec);
      this.logTransition(rec, cur.Status);
      await this.reconcileNode(rec);
    });
  }

  /** The member's record as the leader keeps it (undefined on another server or for an unknown name). */
  record(name: string): MemberRecord | undefined {
    return this.records.get(name);
  }


  private async sweep(): Promise<void> {
    if (!this.opts.backend.isLeader()) {
      this.loadedTerm = -1;
      return;
    }
    await this.ensureLoaded();
    const now = Date.now();
    for (const r of [...this.records.values()]) {
      const seen = this.lastSeen.get(r.Name) ?? 0;
      if ((r.Status === MemberStatus.Alive || r.Status === MemberStatus.Leaving) && now - seen > this.opts.failAfterMs) {
        const rec: MemberRecord = { ...r, Status: MemberStatus.Failed, StatusSince: now };
        this.opts.log.info('agent.server.memberlist.lan', `memberlist: Marking ${r.Name} as failed, suspect timeout reached (0 peer confirmations)`);
        await writeMember(this.opts.backend, rec);
        this.records.set(rec.Name, rec);
        this.logTransition(rec, r.Status);
        await this.reconcileNode(rec);
        continue;
      }
      const reapAfter = r.Status === MemberStatus.Failed ? this.opts.reconnectTimeoutMs : r.Status === MemberStatus.Left ? this.opts.tombstoneTimeoutMs : Infinity;
      if (now - r.StatusSince > reapAfter) {
        this.opts.log.info('agent.server.serf.lan', `serf: EventMemberReap: ${r.Name}`);
        await deleteMember(this.opts.backend, r.Name);
        this.records.delete(r.Name);
        this.lastSeen.delete(r.Name);
        await this.deregisterNode(r.Name);
      }
    }
  }

  private logTransition(rec: MemberRecord, before: number | undefined): void {
    const log = this.opts.log;
    switch (rec.Status) {
      case MemberStatus.Alive:
        log.info('agent.server.serf.lan', `serf: EventMemberJoin: ${rec.Name} ${rec.Addr}`);
        if (isServer(rec)) log.info('agent.server', 'Adding LAN server', { server: `${rec.Name} (Addr: tcp/${rec.Addr}:${rec.Tags.port ?? '8300'}) (DC: ${rec.Tags.dc ?? ''})` });
        log.info('agent.server', 'member joined, marking health alive', { member: rec.Name, partition: 'default' });
        break;
      case MemberStatus.Failed:
        log.info('agent.server.serf.lan', `serf: EventMemberFailed: ${rec.Name} ${rec.Addr}`);
        log.info('agent.server', 'member failed, marking health critical', { member: rec.Name, partition: 'default' });
        break;
      case MemberStatus.Left:
        log.info('agent.server.serf.lan', `serf: EventMemberLeave${before === MemberStatus.Failed ? ' (forced)' : ''}: ${rec.Name} ${rec.Addr}`);
        log.info('agent.server', 'deregistering member', { member: rec.Name, partition: 'default', reason: 'left' });
        break;
      case MemberStatus.Leaving:
        log.debug('agent.server.serf.lan', `serf: member ${rec.Name} is ${STATUS_NAME[rec.Status]}`);
        break;
    }
  }

  /** The catalog follows the member: serfHealth passing / critical, or the node deregistered once it left. */
  private async reconcileNode(rec: MemberRecord): Promise<void> {
    const c = this.opts.catalog;
    try {
      if (rec.Status === MemberStatus.Left) return await this.deregisterNode(rec.Name);
      if (rec.Status === MemberStatus.Leaving) return;
      const status = rec.Status === MemberStatus.Alive ? 'passing' : 'critical';
      const output = rec.Status === MemberStatus.Alive ? ALIVE_OUTPUT : FAILED_OUTPUT;
      const node = await c.getNode(rec.Name);
      const check = node ? await c.getCheck(rec.Name, SERF_CHECK_ID) : undefined;
      if (node && check) {
        await c.updateCheck(rec.Name, SERF_CHECK_ID, status, output);
        return;
      }
      await c.register({
        ID: rec.Tags.id ?? '',
        Node: rec.Name,
        Address: rec.Addr,
        Datacenter: this.opts.datacenter,
        TaggedAddresses: null,
        NodeMeta: null,
        Service: null,
        Checks: [
          {
            Node: rec.Name,
            CheckID: SERF_CHECK_ID,
            Name: SERF_CHECK_NAME,
            Status: status,
            Notes: '',
            Output: output,
            ServiceID: '',
            Type: '',
            Interval: '',
            Timeout: '',
            ExposedPort: 0,
            Definition: {},
          } as never,
        ],
        SkipNodeUpdate: !!node,
      });
    } catch (err) {
      this.opts.log.warn('agent.server', 'dcsgw: could not update the catalog for a member', { member: rec.Name, error: (err as Error).message });
    }
  }

  private async deregisterNode(name: string): Promise<void> {
    try {
      await this.opts.catalog.deregister({ Node: name, ServiceID: '', CheckID: '', Datacenter: this.opts.datacenter });
    } catch {
      // already gone
    }
  }
}
