// Autopilot on the raft leader (Consul's autopilot, with its configuration from
// /v1/operator/autopilot/configuration):
// - a server that joined as a non-voter (a raft learner) is promoted once it has caught up with the
//   leader's log and has been healthy for ServerStabilizationTime;
// - with CleanupDeadServers, a server the member list has said failed for ServerStabilizationTime
//   (and that has not replicated meanwhile) is removed from the raft configuration, unless that
//   would leave fewer voters than MinQuorum or remove a majority (autopilot never removes servers
//   whose loss would cost the cluster its quorum). The wait lets a restarting server come back as
//   the member it was: a removed member cannot return under its old ID (etcd's rule), it has to
//   join again as a new one;
// - a server that left (or was force-left) is removed from the configuration at once.
import type { Member } from '../../adapters/backend.js';
import type { NativeBackend } from '../../adapters/native.js';
import { getAutopilotConfig } from '../../compat/agent/autopilot-config.js';
import type { Hclog } from '../../cli/agent/hclog.js';
import { MemberStatus, type MemberRecord } from './member-record.js';

export interface AutopilotOptions {
  backend: NativeBackend;
  log: Hclog;
  /** The member list (member-record.ts): a raft member's entry is found by name, or by its peer address before it published its name. */
  records: () => Promise<MemberRecord[]>;
  intervalMs?: number;
  /** The member list's failure timeout: a server that replicated within it is not removed as dead. */
  failAfterMs?: number;
}

export class Autopilot {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** When each learner was first seen healthy (caught up and alive). */
  private readonly healthySince = new Map<bigint, number>();
  /** Each member's replication progress and when it last moved: a server still replicating is not dead. */
  private readonly lastMatch = new Map<bigint, { match: number; at: number }>();

  private recordList: MemberRecord[] = [];
  /** Learners already reported (raft's "added peer" line is logged once per learner). */
  private readonly announced = new Set<bigint>();

  constructor(private readonly opts: AutopilotOptions) {}

  private memberOf(m: Member): MemberRecord | undefined {
    const byName = m.name !== '' ? this.recordList.find((r) => r.Name === m.name) : undefined;
    if (byName) return byName;
    let host = '';
    let port = '';
    try {
      const u = new URL(m.peerURLs[0] ?? '');
      host = u.hostname.replace(/^\[|\]$/g, '');
      port = u.port || '8300';
    } catch {
      return undefined;
    }
    return this.recordList.find((r) => r.Tags.role === 'consul' && r.Addr === host && (r.Tags.port ?? '8300') === port);
  }

  private addressOf(m: Member): string {
    try {
      return new URL(m.peerURLs[0] ?? '').host;
    } catch {
      return '';
    }
  }

  private idOf(m: Member): string {
    return this.memberOf(m)?.Tags.id ?? m.id.toString(16);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Removes a server that left from the raft configuration (the leader's reaction to its leave). */
  async removeServer(name: string, reason: 'left' | 'failed'): Promise<void> {
    const b = this.opts.backend;
    const list = await b.memberList(false);
    this.recordList = await this.opts.records().catch(() => this.recordList);
    const m = list.members.find((x) => x.name === name || this.memberOf(x)?.Name === name);
    if (!m) return;
    if (m.id === b.memberId) {
      // the leader itself is leaving: hand leadership over first, the next leader removes it
      const other = list.members.find((x) => x.id !== b.memberId && !x.isLearner);
      if (other) await b.moveLeader(other.id).catch(() => undefined);
      throw new Error('leadership transferred; ask the new leader');
    }
    this.opts.log.info('agent.server.autopilot', reason === 'left' ? 'removing server by ID' : 'Attempting removal of failed server node', {
      id: this.idOf(m),
      name: this.memberOf(m)?.Name ?? m.name,
      address: this.addressOf(m),
    });
    await b.memberRemove(m.id);
    this.opts.log.info('agent.server.raft', 'updating configuration', { command: 'RemoveServer', 'server-id': this.idOf(m), 'server-addr': '' });
  }

  private async tick(): Promise<void> {
    const b = this.opts.backend;
    if (this.running || !b.isLeader()) return;
    this.running = true;
    try {
      const config = (await getAutopilotConfig(b)).config;
      this.recordList = await this.opts.records();
      const list = (await b.memberList(false)).members;
      const raft = b.raftStatus?.();
      const progress = new Map((raft?.progress ?? []).map((p) => [p.id, p.match]));
      const commit = raft?.commit ?? 0;
      const now = Date.now();
      for (const [id, match] of progress) {
        const prev = this.lastMatch.get(id);
        if (!prev || prev.match !== match) this.lastMatch.set(id, { match, at: now });
      }
      const replicatingRecently = (id: bigint): boolean => now - (this.lastMatch.get(id)?.at ?? 0) < (this.opts.failAfterMs ?? 5000);
      const configuration = (suffrage: (m: Member) => boolean): string =>
        `[${list.map((x) => `{Suffrage:${suffrage(x) ? 'Voter' : 'Nonvoter'} ID:${this.idOf(x)} Address:${this.addressOf(x)}}`).join(' ')}]`;
      for (const m of list.filter((x) => x.isLearner)) {
        if (!this.announced.has(m.id)) {
          this.announced.add(m.id);
          this.opts.log.info('agent.server.raft', 'updating configuration', { command: 'AddNonvoter', 'server-id': this.idOf(m), 'server-addr': this.addressOf(m), servers: configuration((x) => !x.isLearner) });
          this.opts.log.info('agent.server.raft', 'added peer, starting replication', { peer: this.idOf(m) });
        }
        const rec = this.memberOf(m);
        const caughtUp = (progress.get(m.id) ?? 0) + config.MaxTrailingLogs >= commit && (progress.get(m.id) ?? 0) > 0;
        if (!caughtUp || (rec && rec.Status !== MemberStatus.Alive)) {
          this.healthySince.delete(m.id);
          continue;
        }
        const since = this.healthySince.get(m.id) ?? now;
        this.healthySince.set(m.id, since);
        if (now - since < config.ServerStabilizationTime / 1e6) continue;
        this.opts.log.info('agent.server.autopilot', 'Promoting server', { id: this.idOf(m), address: this.addressOf(m), name: rec?.Name ?? m.name });
        try {
          await b.memberPromote(m.id);
          this.healthySince.delete(m.id);
          this.opts.log.info('agent.server.raft', 'updating configuration', { command: 'AddVoter', 'server-id': this.idOf(m), 'server-addr': this.addressOf(m), servers: configuration((x) => !x.isLearner || x.id === m.id) });
        } catch (err) {
          this.opts.log.warn('agent.server.autopilot', 'Failed to promote server', { name: m.name, error: (err as Error).message });
        }
      }
      if (!config.CleanupDeadServers) return;
      const voters = list.filter((x) => !x.isLearner);
      // failed for at least ServerStabilizationTime: a server restarting (or briefly partitioned)
      // comes back as the member it was instead of being removed under its feet
      const deadLongEnough = (m: Member): boolean => {
        const rec = this.memberOf(m);
        return rec?.Status === MemberStatus.Failed && now - rec.StatusSince >= config.ServerStabilizationTime / 1e6;
      };
      const failed = list.filter((x) => x.id !== b.memberId && deadLongEnough(x) && !replicatingRecently(x.id));
      for (const m of failed) {
        const failedVoters = failed.filter((x) => !x.isLearner).length;
        // removal must leave a majority of the current voters healthy, and at least MinQuorum voters
        if (!m.isLearner && (failedVoters * 2 >= voters.length || voters.length - 1 < Math.max(config.MinQuorum, 1))) continue;
        await this.removeServer(m.name, 'failed').catch((err: unknown) =>
          this.opts.log.warn('agent.server.autopilot', 'failed to remove dead server', { name: m.name, error: (err as Error).message }),
        );
        return; // one configuration change at a time
      }
    } catch {
      // leadership lost or no quorum: the next tick tries again
    } finally {
      this.running = false;
    }
  }
}
