// A read-only txn (every op a range) on the native store: served as etcd serves it (a ReadIndex
// then a local read, or a local read when serializable) against the same txn forced through raft
// (a proposal: WAL append + fsync + apply), as every read-only txn went before. One-member native
// backend in process, 100 concurrent callers, interleaved rounds; prints ops/s and process CPU per
// txn (median, min, max) and the raft index moved per variant.
// Run: node scripts/ensure-ready.mjs && node dist/bench/readonly-txn-cost.js [rounds] [txnsPerRound]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { TxnRequest } from '../src/adapters/backend.js';
import { createNativeBackend } from '../src/adapters/native.js';
import { putRequest, rangeRequest } from '../src/adapters/requests.js';

const rounds = Number(process.argv[2] ?? 7);
const perRound = Number(process.argv[3] ?? 5000);
const CLIENTS = 100;

const dataDir = mkdtempSync(join(tmpdir(), 'rotxn-bench-'));
const be = await createNativeBackend({
  name: 'default',
  dataDir,
  memberId: 0x8e9e05c52164694dn,
  clusterId: 0xcdf818194e3a8c32n,
  initialCluster: [{ id: 0x8e9e05c52164694dn, name: 'default', peerURLs: ['http://127.0.0.1:2380'] }],
  initialClusterState: 'new',
  advertiseClientURLs: ['http://127.0.0.1:2379'],
  advertisePeerURLs: ['http://127.0.0.1:2380'],
  snapshotCount: 1_000_000,
  heartbeatMs: 100,
  electionMs: 1000,
  quotaBackendBytes: 2 ** 31,
  logger: pino({ level: 'silent' }),
});
await be.ready();
const value = Buffer.alloc(256, 0x61);
for (let i = 0; i < 100; i++) await be.put(putRequest(Buffer.from(`k${i}`), value));
await be.put({ ...putRequest(Buffer.from('kv/k1'), Buffer.from('{"flags":0}')), keyspace: 'system' });

// A Consul KV GET's shape: the user value and its system metadata record, at one revision.
const req = (serializable: boolean): TxnRequest => ({
  compare: [],
  success: [
    { requestRange: rangeRequest(Buffer.from('k1'), { serializable }) },
    { requestRange: { ...rangeRequest(Buffer.from('kv/k1'), { serializable }), keyspace: 'system' } },
  ],
  failure: [],
});
const variants: Record<string, () => Promise<unknown>> = {
  linearizable: () => be.txn(req(false)),
  serializable: () => be.txn(req(true)),
  proposed: () => be.node.proposeAndMap({ kind: 'txn', req: req(false) }, (r) => r),
};

async function round(run: () => Promise<unknown>): Promise<{ opsPerSec: number; usCpu: number; raftEntries: number }> {
  let left = perRound;
  const i0 = be.node.committedIndex();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (left-- > 0) await run();
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { opsPerSec: perRound / secs, usCpu: (c.user + c.system) / perRound, raftEntries: be.node.committedIndex() - i0 };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(1));
  return { median: r(s[Math.floor(s.length / 2)]!), min: r(s[0]!), max: r(s[s.length - 1]!) };
};
const names = Object.keys(variants);
const results: Record<string, { ops: number[]; cpu: number[]; entries: number[] }> = {};
for (const n of names) results[n] = { ops: [], cpu: [], entries: [] };
for (const n of names) await round(variants[n]!); // warm-up
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const n of order) {
    const x = await round(variants[n]!);
    results[n]!.ops.push(x.opsPerSec);
    results[n]!.cpu.push(x.usCpu);
    results[n]!.entries.push(x.raftEntries);
  }
}
const out: Record<string, unknown> = { bench: 'readonly-txn-cost', rounds, txnsPerRound: perRound, clients: CLIENTS };
for (const n of names) {
  out[n] = { opsPerSec: stats(results[n]!.ops), usCpuPerTxn: stats(results[n]!.cpu), raftEntriesPerRound: stats(results[n]!.entries) };
}
console.log(JSON.stringify(out, null, 2));
await be.close();
rmSync(dataDir, { recursive: true, force: true });
