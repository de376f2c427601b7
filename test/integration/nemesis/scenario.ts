// One nemesis run end to end: start the cluster, run clients and the nemesis for a while, heal,
// read every key back, then check the recorded history for linearizability (etcd KV model with
// revisions) and for acknowledged writes that were lost.
import type { MemberKind, PortRange } from '../../support/index.js';
import {
  checkLinearizable,
  type KvOperation,
  etcdKvModel,
  findLostWrites,
  HistoryRecorder,
  type CheckResult,
  type FinalRead,
  type KvInput,
  type KvOutput,
} from '../../support/linearizability/index.js';
import { startNemesisCluster } from './cluster.js';
import type { PartitionStats } from './partitioner.js';
import { EtcdKvClient } from './etcd-kv-client.js';
import { runNemesis, type FaultKind, type FaultRecord } from './nemesis.js';
import { seededRandom } from './random.js';
import { runClient } from './workload.js';

export interface ScenarioOptions {
  kind: MemberKind;
  portRange: PortRange;
  seconds: number;
  seed: number;
  faults: readonly FaultKind[];
  clientsPerMember: number;
  keys: number;
  checkTimeoutMs: number;
  log: (line: string) => void;
}

export interface ScenarioReport {
  seed: number;
  operations: { total: number; acknowledged: number; unknown: number; dropped: number };
  faults: FaultRecord[];
  check: CheckResult;
  checkMs: number;
  lostWrites: string[];
  finalReads: Map<string, FinalRead>;
  /** The recorded history (final reads included), for saving when a check fails. */
  history: KvOperation[];
  /** The model's starting revision (to check a saved history again). */
  initialRevision: number;
  /** The partitioner's counters (partitions that cut nothing prove nothing). */
  partitions: PartitionStats;
  /**
   * The same history with one read turned stale (it returns the key's first value although an
   * overwrite had already been acknowledged): the checker must refute it, showing the pipeline
   * can see an anomaly in this very run. undefined when the history has no suitable read.
   */
  staleReadCheck?: CheckResult;
}

export async function runNemesisScenario(opts: ScenarioOptions): Promise<ScenarioReport> {
  const rng = seededRandom(opts.seed);
  const tStart = performance.now();
  const cluster = await startNemesisCluster(opts.kind, opts.portRange);
  const clients: EtcdKvClient[] = [];
  try {
    opts.log(`cluster up in ${(performance.now() - tStart).toFixed(0)} ms`);
    const prefix = `/nemesis/${opts.seed}/`;
    const keys = Array.from({ length: opts.keys }, (_, i) => `${prefix}k${i}`);
    const probe = new EtcdKvClient(cluster.clientUrl(0), 5_000);
    clients.push(probe);
    const start = await probe.get(keys[0]!);
    const initialRevision = start.revision;

    const recorder = new HistoryRecorder<KvInput, KvOutput>();
    const stopAt = Date.now() + opts.seconds * 1000;
    const shouldStop = (): boolean => Date.now() >= stopAt;
    const workers: Promise<void>[] = [];
    let id = 0;
    for (let m = 0; m < cluster.names.length; m++) {
      for (let c = 0; c < opts.clientsPerMember; c++) {
        const client = new EtcdKvClient(cluster.clientUrl(m), 1_500);
        clients.push(client);
        workers.push(runClient(id, client, keys, recorder, seededRandom(opts.seed * 31 + id), shouldStop));
        id++;
      }
    }
    const faults = await runNemesis(cluster, opts.faults, rng, shouldStop, opts.log);
    await Promise.all(workers);

    const tHeal = performance.now();
    await cluster.healAll();
    opts.log(`heal took ${(performance.now() - tHeal).toFixed(0)} ms`);
    // The final reads are part of the history too: they are linearizable reads like the others.
    const finalReads = new Map<string, FinalRead>();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const reader = clients[1 + ((i % cluster.names.length) * opts.clientsPerMember)]!;
      let out: KvOutput | undefined;
      for (let attempt = 0; attempt < 20 && out === undefined; attempt++) {
        out = await recorder.record('final', { kind: 'get', key }, () => reader.get(key), { failureHasNoEffect: true });
        if (out === undefined) await new Promise((r) => setTimeout(r, 250));
      }
      if (out?.kind !== 'get') throw new Error(`final read of ${key} kept failing after the cluster healed`);
      finalReads.set(key, { value: out.value, modRevision: out.modRevision });
    }

    const history = recorder.history();
    const t0 = performance.now();
    const check = checkLinearizable(etcdKvModel({ initialRevision }), history, { timeoutMs: opts.checkTimeoutMs });
    const checkMs = performance.now() - t0;
    const tStale = performance.now();
    const staleReadCheck = checkWithStaleRead(history, initialRevision, opts.checkTimeoutMs);
    opts.log(`stale-read check took ${(performance.now() - tStale).toFixed(0)} ms`);
    return {
      partitions: { ...cluster.partitioner.stats },
      staleReadCheck,
      seed: opts.seed,
      operations: recorder.counts(),
      faults,
      check,
      checkMs,
      lostWrites: findLostWrites(history, finalReads),
      finalReads,
      history,
      initialRevision,
    };
  } finally {
    clients.forEach((c) => c.close());
    await cluster.stop();
  }
}

/**
 * Rewrites an early read of the first written key to return that key's first value although a
 * later acknowledged overwrite had already returned: a stale read. An early one keeps the
 * refutation cheap (the search must exhaust every linearization of the prefix up to it).
 */
function checkWithStaleRead(history: readonly KvOperation[], initialRevision: number, timeoutMs: number): CheckResult | undefined {
  const puts = history
    .filter((op) => op.input.kind === 'put' && op.output?.kind === 'put')
    .sort((a, b) => (a.output as { revision: number }).revision - (b.output as { revision: number }).revision);
  const first = puts[0];
  if (!first || first.input.kind !== 'put' || first.output?.kind !== 'put') return undefined;
  const key = first.input.key;
  const firstValue = first.input.value;
  const firstRevision = first.output.revision;
  const overwrite = puts.find((op) => op.input.kind === 'put' && op.input.key === key && op !== first);
  if (!overwrite) return undefined;
  let target = -1;
  history.forEach((op, i) => {
    if (op.input.kind === 'get' && op.input.key === key && op.output?.kind === 'get' && op.call > overwrite.return) {
      if (target < 0 || op.call < history[target]!.call) target = i;
    }
  });
  if (target < 0) return undefined;
  const mutated = history.slice();
  const read = mutated[target]!;
  const out = read.output as Extract<KvOutput, { kind: 'get' }>;
  mutated[target] = { ...read, output: { kind: 'get', revision: out.revision, value: firstValue, modRevision: firstRevision } };
  return checkLinearizable(etcdKvModel({ initialRevision }), mutated, { timeoutMs });
}
