// Runs scenarios against one target (a running member) and records the normalised answers.
// Scenarios run one after another on a target, so revisions advance identically on both targets;
// the two targets run side by side.
import { startMemberOfKind, waitHealthy, type RunningMember } from '../../support/index.js';
import { ScenarioStepRunner, type BackgroundStep } from '../../../src/compat/conformance/etcd/step-runner.js';
import { template } from '../../../src/compat/conformance/etcd/templates.js';
import type { NormaliseContext } from './normalise.js';
import type { CtlStep, Scenario, Step, StepContext } from './types.js';

export interface ScenarioOutcome {
  name: string;
  /** One normalised text per step. */
  observations: string[];
}

export interface ClusterOptions {
  /** Spare loopback ports of this target for scenarios (`{X1}`...; labelled <X1>...), e.g. member add URLs. */
  sparePorts?: number[];
  /** The target serves https with client-certificate auth: every client (etcdctl, gRPC, etcd3, HTTP) uses these files. */
  tls?: TargetTls;
}

export interface TargetTls {
  ca: string;
  cert: string;
  key: string;
}

export class TargetRunner extends ScenarioStepRunner {
  readonly member: RunningMember;
  /** Cluster mode (more than one member): IDs and ports are labelled by member name. */
  readonly members: RunningMember[];
  private fixedIds = new Set<string>();
  private idLabels: Array<[bigint, string]> | undefined;
  private readonly sparePorts: number[];

  constructor(members: RunningMember | RunningMember[], opts: ClusterOptions = {}) {
    const all = Array.isArray(members) ? [...members] : [members];
    const first = all[0];
    if (!first) throw new Error('TargetRunner needs a member');
    const t = opts.tls;
    super({ endpoint: first.clientUrl, tls: t && { caFile: t.ca, certFile: t.cert, keyFile: t.key }, etcdctl: 'etcdctl', tmpPrefix: `conf-${first.kind}-` });
    this.members = all;
    this.member = first;
    this.sparePorts = opts.sparePorts ?? [];
  }

  private get clusterMode(): boolean {
    return this.members.length > 1;
  }

  /** Cluster mode: label every member ID by name and the cluster ID, from the member list. */
  private async labelIds(): Promise<Array<[bigint, string]>> {
    if (this.idLabels) return this.idLabels;
    const res = await this.grpc.unary('Cluster.MemberList', {});
    if (res.error) throw new Error(`member list for ID labels: ${res.text}`);
    const v = res.value as { header: { cluster_id: string }; members: { ID: string; name: string }[] };
    this.idLabels = [[BigInt(v.header.cluster_id), '<CLUSTER>'], ...v.members.map((m): [bigint, string] => [BigInt(m.ID), `<M:${m.name}>`])];
    for (const [id] of this.idLabels) this.fixedIds.add(id.toString(10));
    return this.idLabels;
  }

  private portLabels(): Array<[number, string]> {
    const out: Array<[number, string]> = [];
    for (const m of this.members) out.push([m.clientPort, `<C:${m.name}>`], [m.peerPort, `<P:${m.name}>`]);
    this.sparePorts.forEach((p, i) => out.push([p, `<X${i + 1}>`]));
    return out;
  }

  /** Revision and raft index now (via Maintenance.Status; a KV range when Status is not served). */
  private async position(): Promise<{ revision: number; raftIndex: number; term: number }> {
    // Status is answered from what this member has applied: a write the previous scenario sent
    // through another member may not be applied here yet (genuine etcd applies asynchronously and
    // lags under load). A linearizable read first waits until this member has applied everything
    // committed so far (ReadIndex: no log entry, so revision and raft index stay as they are).
    if (this.clusterMode) await this.grpc.unary('KV.Range', { key: Buffer.from('\0') });
    const st = await this.grpc.unary('Maintenance.Status', {});
    if (!st.error) {
      const v = st.value as { header: { revision: string; member_id: string; cluster_id: string; raft_term: string }; raftIndex: string };
      this.fixedIds.add(v.header.member_id).add(v.header.cluster_id);
      return { revision: Number(v.header.revision), raftIndex: Number(v.raftIndex), term: Number(v.header.raft_term) };
    }
    const r = await this.grpc.unary('KV.Range', { key: Buffer.from('\0') });
    const v = r.value as { header?: { revision: string; raft_term: string } } | undefined;
    return { revision: Number(v?.header?.revision ?? 0), raftIndex: 0, term: Number(v?.header?.raft_term ?? 0) };
  }

  async run(scenario: Scenario): Promise<ScenarioOutcome> {
    const pos = await this.position();
    const prefix = `${scenario.name}/`;
    const nctx: NormaliseContext = {
      clientPort: this.member.clientPort,
      peerPort: this.member.peerPort,
      tmp: this.tmp,
      baseRevision: pos.revision,
      baseRaftIndex: pos.raftIndex,
      fixedIds: this.fixedIds,
      leases: [],
      prefix,
      ...(this.clusterMode ? { portLabels: this.portLabels(), idLabels: [...(await this.labelIds())], baseTerm: pos.term } : {}),
    };
    const ctx: StepContext = {
      p: prefix,
      baseRevision: pos.revision,
      rev: (n) => pos.revision + n,
      leases: nctx.leases,
      tmp: this.tmp,
      clientUrl: this.member.clientUrl,
      ports: this.sparePorts,
      peerPorts: this.members.map((m) => m.peerPort),
      memberIds: (nctx.idLabels ?? [])
        .filter(([, l]) => l.startsWith('<M:'))
        .sort(([, a], [, b]) => a.localeCompare(b))
        .map(([id]) => id),
      newMemberIds: () => (nctx.idLabels ?? []).filter(([, l]) => l.startsWith('<NEW')).map(([id]) => id),
    };
    const observations = await this.observe(scenario, ctx, nctx, new Map<string, BackgroundStep>());
    return { name: scenario.name, observations };
  }

  /** The steps only a harness that starts its members can run (member changes, all leases). */
  protected override extraStep(step: Step, ctx: StepContext): Promise<string> | undefined {
    if ('revokeAllLeases' in step) return this.revokeAllLeases();
    if ('stopMember' in step || 'startMember' in step || 'startNewMember' in step || 'dropMember' in step || 'waitHealthy' in step) return this.memberStep(step, ctx);
    return undefined;
  }

  protected override ctlEndpoints(step: CtlStep): string[] {
    if (step.hostPort) return [`127.0.0.1:${this.member.clientPort}`];
    if (step.endpoints === 'all') return this.members.flatMap((m) => m.endpoints);
    if (typeof step.endpoints === 'number') return this.members[step.endpoints]?.endpoints ?? [];
    return this.member.endpoints;
  }

  private async revokeAllLeases(): Promise<string> {
    // report what the leases held (keys carry scenario prefixes): a leaked lease names its scenario
    const list = await this.grpc.unary('Lease.LeaseLeases', {});
    const leases = (list.value as { leases?: { ID: string }[] } | undefined)?.leases ?? [];
    const held: string[] = [];
    let keyless = 0;
    for (const l of leases) {
      const ttl = await this.grpc.unary('Lease.LeaseTimeToLive', { ID: l.ID, keys: true });
      const keys = ((ttl.value as { keys?: Buffer[] } | undefined)?.keys ?? []).map((k) => k.toString());
      if (keys.length === 0) keyless++;
      held.push(...keys);
      await this.grpc.unary('Lease.LeaseRevoke', { ID: l.ID });
    }
    // how many leases exist (and how many hold no key) depends on timing: etcdctl lock/elect
    // sessions interrupted by SIGINT linger until their TTL runs out; only the held keys are stable
    void keyless;
    return `revoked all leases${list.error ? ` (${list.text})` : ''}; they held keys:\n${held.sort().join('\n')}`;
  }

  private async memberStep(step: Step, ctx: StepContext): Promise<string> {
    if ('stopMember' in step) {
      const m = this.members[step.stopMember];
      if (!m) throw new Error(`no member ${step.stopMember}`);
      await m.stop({ keepDataDir: true });
      return `stopped member ${m.name}`;
    }
    if ('startMember' in step) {
      const m = this.members[step.startMember];
      if (!m) throw new Error(`no member ${step.startMember}`);
      this.members[step.startMember] = await m.restart({ initialClusterState: 'existing', waitReady: false });
      return `started member ${m.name}`;
    }
    if ('startNewMember' in step) {
      const first = this.member;
      const name = step.startNewMember.name;
      const peerPort = Number(template(step.startNewMember.peerPort, ctx));
      const clientPort = Number(template(step.startNewMember.clientPort, ctx));
      const initialCluster = [...this.members.map((m) => `${m.name}=${m.peerUrl}`), `${name}=http://127.0.0.1:${peerPort}`].join(',');
      const m = await startMemberOfKind(first.kind, {
        name,
        clientPort,
        peerPort,
        initialCluster,
        initialClusterState: 'existing',
        initialClusterToken: first.options.initialClusterToken,
        waitReady: false,
      });
      this.members.push(m);
      return `started new member ${name}`;
    }
    if ('dropMember' in step) {
      const m = this.members[step.dropMember];
      if (!m) throw new Error(`no member ${step.dropMember}`);
      await m.stop();
      this.members.splice(step.dropMember, 1);
      return `dropped member ${m.name}`;
    }
    if ('waitHealthy' in step) {
      for (const i of step.waitHealthy) {
        const m = this.members[i];
        if (!m) throw new Error(`no member ${i}`);
        await waitHealthy(m.clientUrl, 30_000, m.process);
      }
      return '';
    }
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  }

}
