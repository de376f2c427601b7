// Autopilot on the raft leader (Consul's autopilot, with its configuration from
// /v1/operator/autopilot/configuration):
// - a server that joined as a non-voter (a raft learner) is promoted once it has caught up with the
//   leader's log and has been healthy for ServerStabilizationTime;
// - with CleanupDeadServers, a server the member list says failed is removed from the raft
//   configuration, unless that would leave fewer voters than MinQuorum or remove a majority
//   (autopilot never removes servers whose loss would cost the cluster its quorum);
// - a server that left (or was force-left) is removed from the configuration at once.
import type { Member } from '../../adapters/backend.js';
import type { NativeBackend } from '../../adapters/native.js';
import { getAutopilotConfig } from '../../compat/agent/autopilot-config.js';
import type { Hclog } from '../../cli/agent/hclog.js';
import { MemberStatus, type MemberRecord } from './member-record.js';

export interface AutopilotOptions {
  backend: NativeBackend;
  log: Hclog;
  /** The member list as the leader keeps it (member-tracker.ts). */
  memberOf: (name: string) => MemberRecord | undefined;
  /** Consul's server address of a raft member (host:8300). */
  addressOf: (m: Member) => string;
  /** Server IDs for the lines autopilot logs (the node ID from the member's tags). */
  idOf: (m: Member) => string;
  intervalMs?: number;
}

export class Autopilot {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** When each learner was first seen healthy (caught up and alive). */
  private readonly healthySince = new Map<bigint, number>();

  constructor(private readonly opts: AutopilotOptions) {}

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
    const m = list.members.find((x) => x.name === name);
    if (!m) return;
    if (m.id === b.memberId) {
      // the leader itself is leaving: hand leadership over first, the next leader removes it
      const other = list.members.find((x) => x.id !== b.memberId && !x.isLearner);
      if (other) await b.moveLeader(other.id).catch(() => undefined);
      throw new Error('leadership transferred; ask the new leader');
    }
    this.opts.log.info('agent.server.autopilot', reason === 'left' ? 'removing server by ID' : 'Attempting removal of failed server node', {
      id: this.opts.idOf(m),
      name: m.name,
      address: this.opts.addressOf(m),
    });
    await b.memberRemove(m.id);
    this.opts.log.info('agent.server.raft', 'updating configuration', { command: 'RemoveServer', 'server-id': this.opts.idOf(m), 'server-addr': '' });
  }

  private async tick(): Promise<void> {
    const b = this.opts.backend;
    if (this.running || !b.isLeader()) return;
    this.running = true;
    try {
      const config = (await getAutopilotConfig(b)).config;
      const list = (await b.memberList(false)).members;
      const raft = b.raftStatus?.();
      const progress = new Map((raft?.progress ?? []).map((p) => [p.id, p.match]));
      const commit = raft?.commit ?? 0;
      const now = Date.now();
      for (const m of list.filter((x) => x.isLearner)) {
        const rec = this.opts.memberOf(m.name);
        const caughtUp = (progress.get(m.id) ?? 0) + config.MaxTrailingLogs >= commit && (progress.get(m.id) ?? 0) > 0;
        if (!caughtUp || (rec && rec.Status !== MemberStatus.Alive)) {
          this.healthySince.delete(m.id);
          continue;
        }
        const since = this.healthySince.get(m.id) ?? now;
        this.healthySince.set(m.id, since);
        if (now - since < config.ServerStabilizationTime / 1e6) continue;
        this.opts.log.info('agent.server.autopilot', 'Promoting server', { id: this.opts.idOf(m), address: this.opts.addressOf(m), name: m.name });
        try {
          await b.memberPromote(m.id);
          this.healthySince.delete(m.id);
        } catch (err) {
          this.opts.log.warn('agent.server.autopilot', 'Failed to promote server', { name: m.name, error: (err as Error).message });
        }
      }
      if (!config.CleanupDeadServers) return;
      const voters = list.filter((x) => !x.isLearner);
      const failed = list.filter((x) => x.id !== b.memberId && this.opts.memberOf(x.name)?.Status === MemberStatus.Failed);
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
