// Runs corpus scenarios against a live etcd cluster (genuine or not) for `dcsgw conformance`.
// Every key a run writes lies under one run prefix, `~conformance/<run id>/<scenario>/`: the run
// id grows with time (a crashed run's leftovers sort before a later run's keys, so from-key ranges
// and watches of the later run see none of them) and the prefix is 24 bytes (a multiple of 3, so its
// base64 is the same leading text in every key's base64). After each scenario its keys are deleted
// and the leases it granted revoked; after the run, the whole run prefix is deleted.
// Answers are normalised as the project's differential suite normalises them, plus what differs
// between any two clusters: the run prefix, the endpoint, member and cluster IDs, the raft term.
import { ScenarioStepRunner, type BackgroundStep } from './step-runner.js';
import type { EtcdConformanceTarget } from './live-target.js';
import type { NormaliseContext } from './normalise.js';
import type { Scenario, Step, StepContext } from './types.js';

export interface LiveOutcome {
  name: string;
  /** One normalised text per step that reports something. */
  observations: string[];
}

const PREFIX_HEAD = '~conformance/';
let runCounter = 0;

/** A fresh run prefix: `~conformance/` + 10 characters that sort by time + `/` (24 bytes). */
export function newRunPrefix(now = Date.now()): string {
  const id = now.toString(36).padStart(8, '0').slice(-8) + (runCounter++ % 1296).toString(36).padStart(2, '0');
  return `${PREFIX_HEAD}${id}/`;
}

/** The first key after every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = b[i]! + 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

export interface LiveRunnerOptions {
  etcdctl: string;
  runPrefix?: string;
  /** Which of the target's endpoints every client talks to (default the first). */
  endpointIndex?: number;
}

export class LiveEtcdRunner extends ScenarioStepRunner {
  readonly runPrefix: string;
  private idLabels: Array<[bigint, string]> = [];
  private readonly fixedIds = new Set<string>();

  constructor(
    private readonly target: EtcdConformanceTarget,
    opts: LiveRunnerOptions,
  ) {
    const first = target.endpoints[opts.endpointIndex ?? 0];
    if (!first) throw new Error('a conformance target needs an endpoint');
    super({ endpoint: first, tls: target.tls, etcdctl: opts.etcdctl, tmpPrefix: 'dcsgw-conformance-' });
    this.runPrefix = opts.runPrefix ?? newRunPrefix();
  }

  /** A runner on the first of the target's endpoints that answers (every client of a run talks to
   * that one member: answers then do not depend on which member a client picked). */
  static async open(target: EtcdConformanceTarget, opts: LiveRunnerOptions): Promise<LiveEtcdRunner> {
    const failures: string[] = [];
    for (let i = 0; i < target.endpoints.length; i++) {
      const runner = new LiveEtcdRunner(target, { ...opts, endpointIndex: i });
      try {
        await runner.connect();
        return runner;
      } catch (err) {
        runner.close();
        failures.push((err as Error).message);
      }
    }
    throw new Error(failures.join('; '));
  }

  /** Checks the target answers and learns its member and cluster IDs (labelled in every answer). */
  async connect(): Promise<void> {
    const res = await this.grpc.unary('Cluster.MemberList', {}, 5_000);
    if (res.error) throw new Error(`${this.target.display} does not answer as etcd at ${this.endpoint}: ${res.text}`);
    const v = res.value as { header: { cluster_id: string }; members: { ID: string }[] };
    this.idLabels = [[BigInt(v.header.cluster_id), '<CLUSTER>'], ...v.members.map((m): [bigint, string] => [BigInt(m.ID), '<MEMBER>'])];
    for (const [id] of this.idLabels) this.fixedIds.add(id.toString(10));
  }

  /** Deletes everything the run wrote (its whole prefix); answers how many keys were left. */
  async cleanupRun(): Promise<number> {
    const res = await this.grpc.unary('KV.DeleteRange', { key: Buffer.from(this.runPrefix), range_end: prefixEnd(this.runPrefix) });
    return Number((res.value as { deleted?: string } | undefined)?.deleted ?? 0);
  }

  async run(scenario: Scenario): Promise<LiveOutcome> {
    const prefix = `${this.runPrefix}${scenario.name}/`;
    // a linearizable read: the revision and term every later answer is relative to
    const head = await this.grpc.unary('KV.Range', { key: Buffer.from(prefix), limit: 1 });
    if (head.error) throw new Error(`${this.target.display}: ${head.text}`);
    const header = (head.value as { header: { revision: string; raft_term: string } }).header;
    const baseRevision = Number(header.revision);
    const nctx: NormaliseContext = {
      clientPort: -1,
      peerPort: -1,
      tmp: this.tmp,
      baseRevision,
      baseRaftIndex: 0,
      fixedIds: this.fixedIds,
      leases: [],
      prefix,
      idLabels: [...this.idLabels],
      baseTerm: Number(header.raft_term),
    };
    const ctx: StepContext = {
      p: prefix,
      baseRevision,
      rev: (n) => baseRevision + n,
      leases: nctx.leases,
      tmp: this.tmp,
      clientUrl: this.endpoint,
      ports: [],
      peerPorts: [],
      memberIds: [],
      newMemberIds: () => [],
    };
    const background = new Map<string, BackgroundStep>();
    let observations: string[];
    try {
      observations = await this.observe(scenario, ctx, nctx, background);
    } finally {
      for (const bg of background.values()) {
        bg.abort.abort();
        await bg.done.catch(() => undefined);
      }
      await this.grpc.unary('KV.DeleteRange', { key: Buffer.from(prefix), range_end: prefixEnd(prefix) });
      for (const id of nctx.leases) await this.grpc.unary('Lease.LeaseRevoke', { ID: id.toString(10) });
    }
    return { name: scenario.name, observations };
  }

  /** What differs between any two clusters running the same scenario: the run prefix (as text,
   * base64, hex and etcdctl's \x escapes) and the endpoint. */
  protected override relabel(raw: string): string {
    const p = Buffer.from(this.runPrefix);
    let t = raw;
    t = t.split(this.runPrefix).join('<RUN>/');
    t = t.split(p.toString('base64')).join('<RUN64>');
    t = t.split(p.toString('hex')).join('<RUNHEX>');
    t = t.split([...p].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')).join('<RUNX>');
    t = t.split(this.endpoint).join('<ENDPOINT-URL>');
    t = t.split(this.hostPort).join('<ENDPOINT>');
    return t;
  }

  // member, lease-wide and other steps are refused by liveExclusion before a run
  protected override refuse(step: Step): never {
    throw new Error(`step not run against a live cluster: ${JSON.stringify(step)}`);
  }
}
