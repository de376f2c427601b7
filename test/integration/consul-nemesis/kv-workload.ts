// KV clients of a Consul nemesis run. Register keys: consistent reads, plain writes and ?cas=
// writes of unique values, recorded for the linearizability check (consul-kv model). Ledger
// keys: every client also writes keys of its own, once each; every acknowledged one must exist
// with its value at the end (the explicit "no acknowledged write lost" count).
import { HistoryRecorder } from '../../support/linearizability/index.js';
import type { ConsulKvInput, ConsulKvOutput } from '../../support/linearizability/models/consul-kv.js';
import { sleep } from '../../support/index.js';
import type { Random } from '../nemesis/random.js';
import { ConsulHttpError, isDefinite, putBool, readKey } from './consul-http.js';

export type ConsulKvRecorder = HistoryRecorder<ConsulKvInput, ConsulKvOutput>;

export interface LedgerWrite {
  key: string;
  value: string;
}

export interface KvClientStats {
  ledgerAcked: LedgerWrite[];
  ledgerUnknown: number;
  /** Per agent URL: operations answered, failed, and their total / largest latency (ms). */
  byEndpoint: Map<string, { answered: number; failed: number; totalMs: number; maxMs: number }>;
}

export async function runKvClient(
  id: number,
  endpoints: readonly string[],
  keys: readonly string[],
  recorder: ConsulKvRecorder,
  rng: Random,
  shouldStop: () => boolean,
  stats: KvClientStats,
): Promise<void> {
  let seq = 0;
  let at = id % endpoints.length;
  const lastSeen = new Map<string, number>();
  while (!shouldStop()) {
    const base = endpoints[at]!;
    const key = rng.pick(keys);
    const roll = rng.next();
    let failed = false;
    const started = performance.now();
    if (roll < 0.4) {
      const out = await recorder.record(
        id,
        { kind: 'read', key: key },
        async () => {
          const e = await readKey(base, `nemesis/reg/${key}`);
          return e === null ? { kind: 'read' as const, value: null } : { kind: 'read' as const, value: e.Value, modifyIndex: e.ModifyIndex };
        },
        { failureHasNoEffect: true },
      );
      if (out?.kind === 'read') lastSeen.set(key, out.value === null ? 0 : out.modifyIndex!);
      failed = out === undefined;
    } else if (roll < 0.55) {
      const value = `c${id}.${seq++}`;
      const out = await recorder.record(id, { kind: 'put', key, value }, async () => {
        if (!(await putBool(base, `/v1/kv/nemesis/reg/${key}`, value))) throw new ConsulHttpError('plain PUT answered false', false);
        return { kind: 'put' as const };
      });
      failed = out === undefined;
    } else if (roll < 0.85) {
      const index = lastSeen.get(key) ?? 0;
      const value = `c${id}.${seq++}`;
      const out = await recorder.record(id, { kind: 'cas', key, index, value }, async () => ({
        kind: 'cas' as const,
        ok: await putBool(base, `/v1/kv/nemesis/reg/${key}?cas=${index}`, value),
      }));
      failed = out === undefined;
    } else {
      const w = { key: `nemesis/ledger/c${id}/${seq}`, value: `c${id}.${seq++}` };
      try {
        if (await putBool(base, `/v1/kv/${w.key}`, w.value)) stats.ledgerAcked.push(w);
      } catch (err) {
        if (!isDefinite(err)) stats.ledgerUnknown++;
        failed = true;
      }
    }
    const took = performance.now() - started;
    const e = stats.byEndpoint.get(base) ?? { answered: 0, failed: 0, totalMs: 0, maxMs: 0 };
    if (failed) e.failed++;
    else e.answered++;
    e.totalMs += took;
    e.maxMs = Math.max(e.maxMs, took);
    stats.byEndpoint.set(base, e);
    if (failed) {
      // that agent is down, paused or without a leader: try the next one after a pause
      at = (at + 1) % endpoints.length;
      await sleep(150);
    } else {
      await sleep(5 + rng.int(20));
    }
  }
}

/** The final register values (read through `base` once the cluster has healed), as history operations. */
export async function finalReads(base: string, keys: readonly string[], recorder: ConsulKvRecorder): Promise<void> {
  for (const key of keys) {
    await recorder.record('final', { kind: 'read', key }, async () => {
      const e = await readKey(base, `nemesis/reg/${key}`);
      return e === null ? { kind: 'read' as const, value: null } : { kind: 'read' as const, value: e.Value, modifyIndex: e.ModifyIndex };
    });
  }
}

/** Acknowledged ledger writes that are missing or hold another value at the end. */
export async function lostLedgerWrites(base: string, acked: readonly LedgerWrite[]): Promise<string[]> {
  const lost: string[] = [];
  for (const w of acked) {
    const e = await readKey(base, w.key);
    if (e === null) lost.push(`${w.key}: acknowledged ${w.value}, absent at the end`);
    else if (e.Value !== w.value) lost.push(`${w.key}: acknowledged ${w.value}, holds ${String(e.Value)}`);
  }
  return lost;
}
