// What the Consul face's IndexTracker (src/compat/index-tracker.ts) costs each etcd put: it holds a
// watch on the whole user keyspace so every write moves the 'kvs' table index. Two levels, each
// run with and without the tracker, in interleaved rounds (the machine is shared: the spread
// matters as much as the median):
//   apply: the MVCC store's applyBatch of puts in group-commit batches (no raft, no fsync) — the
//          pure CPU the watch adds per put (event building, matching, delivery, the index bump);
//   node:  a one-member native backend, 100 concurrent put callers, CPU of the whole process per
//          put (raft, WAL, fsync hand-off, apply) — how large that is beside everything else.
// Run: node scripts/ensure-ready.mjs && node dist/bench/index-tracker-cost.js [rounds] [applyPuts] [nodePuts]
// (nodePuts 0 skips the node level.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Backend } from '../src/adapters/backend.js';
import { createNativeBackend } from '../src/adapters/native.js';
import { putRequest } from '../src/adapters/requests.js';
import { IndexTracker } from '../src/compat/index-tracker.js';
import type { CommittedCommand } from '../src/native/mvcc/api.js';
import { decodeCommand, encodeCommand, openMvccStore } from '../src/native/mvcc/index.js';

const rounds = Number(process.argv[2] ?? 7);
const applyPuts = Number(process.argv[3] ?? 60_000);
const nodePuts = Number(process.argv[4] ?? 6_000);
const KEYS = 10_000;
const BATCH = 24;
const value = Buffer.alloc(256, 0x61);
const keyOf = (i: number) => Buffer.from(`key-${String((i * 7919) % KEYS).padStart(6, '0')}`);
const silent = pino({ level: 'silent' });

/** µs of CPU per put applying `applyPuts` puts to a fresh store, with or without a tracker on it. */
function applyRound(withTracker: boolean): { us: number; kvsIndex: number } {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-'));
  const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: silent });
  // The tracker needs only header() and watch() of a Backend.
  const view = { header: () => ({ revision: store.currentRevision() }), watch: store.watch.bind(store) } as unknown as Backend;
  const tracker = withTracker ? new IndexTracker(view) : undefined;
  const payloads = Array.from({ length: applyPuts }, (_, i) =>
    encodeCommand({ kind: 'put', req: putRequest(keyOf(i), value) }),
  );
  let index = 0;
  const apply = (from: number, to: number) => {
    for (let i = from; i < to; i += BATCH) {
      const batch: CommittedCommand[] = [];
      for (let j = i; j < Math.min(i + BATCH, to); j++) batch.push({ index: ++index, term: 1, command: decodeCommand(payloads[j]!) });
      store.applyBatch(batch);
    }
  };
  const warm = Math.floor(applyPuts / 5);
  apply(0, warm);
  const t0 = process.cpuUsage();
  apply(warm, applyPuts);
  const d = process.cpuUsage(t0);
  const kvsIndex = tracker?.index('kvs') ?? 0;
  tracker?.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { us: (d.user + d.system) / (applyPuts - warm), kvsIndex };
}

/** µs of process CPU per put through a one-member native backend, 100 concurrent callers. */
async function nodeRound(withTracker: boolean): Promise<{ us: number; kvsIndex: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-bench-node-'));
  const be = await createNativeBackend({
    name: 'default',
    dataDir,
    memberId: 0x8e9e05c52164694dn,
    clusterId: 0xcdf818194e3a8c32n,
    initialCluster: [{ id: 0x8e9e05c52164694dn, name: 'default', peerURLs: ['http://127.0.0.1:2380'] }],
    initialClusterState: 'new',
    advertiseClientURLs: ['http://127.0.0.1:2379'],
    advertisePeerURLs: ['http://127.0.0.1:2380'],
    snapshotCount: 100_000,
    heartbeatMs: 100,
    electionMs: 1000,
    quotaBackendBytes: 2 ** 31,
    logger: silent,
  });
  await be.ready();
  const tracker = withTracker ? new IndexTracker(be) : undefined;
  let next = 0;
  const client = async () => {
    while (next < nodePuts) await be.put(putRequest(keyOf(next++), value));
  };
  const warm = Math.floor(nodePuts / 5);
  while (next < warm) await Promise.all(Array.from({ length: 100 }, () => be.put(putRequest(keyOf(next++), value))));
  const t0 = process.cpuUsage();
  const n0 = next;
  await Promise.all(Array.from({ length: 100 }, client));
  const d = process.cpuUsage(t0);
  const kvsIndex = tracker?.index('kvs') ?? 0;
  tracker?.close();
  await be.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { us: (d.user + d.system) / (next - n0), kvsIndex };
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(2));
  return { median: r(s[Math.floor(s.length / 2)]!), min: r(s[0]!), max: r(s[s.length - 1]!) };
}

const out: Record<string, number[]> = { applyOff: [], applyOn: [], nodeOff: [], nodeOn: [] };
for (let r = 0; r < rounds; r++) {
  // alternate the order, so a slow phase of the machine does not always hit the same variant
  const order = r % 2 === 0 ? [false, true] : [true, false];
  for (const on of order) {
    const a = applyRound(on);
    if (on && a.kvsIndex < applyPuts) throw new Error(`the tracker missed writes: kvs index ${a.kvsIndex}`);
    out[on ? 'applyOn' : 'applyOff']!.push(a.us);
  }
  for (const on of nodePuts > 0 ? order : []) {
    const n = await nodeRound(on);
    if (on && n.kvsIndex < nodePuts) throw new Error(`the tracker missed writes: kvs index ${n.kvsIndex}`);
    out[on ? 'nodeOn' : 'nodeOff']!.push(n.us);
  }
}
const delta = (on: number[], off: number[]) => stats(on.map((x, i) => x - off[i]!));
console.log(
  JSON.stringify(
    {
      bench: 'index-tracker-cost',
      rounds,
      unit: 'us CPU per put',
      apply: { off: stats(out.applyOff!), on: stats(out.applyOn!), pairedDelta: delta(out.applyOn!, out.applyOff!) },
      ...(nodePuts > 0 ? { node: { off: stats(out.nodeOff!), on: stats(out.nodeOn!), pairedDelta: delta(out.nodeOn!, out.nodeOff!) } } : {}),
    },
    null,
    2,
  ),
);
