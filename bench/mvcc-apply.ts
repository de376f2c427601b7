// Micro-benchmark of the MVCC state machine's apply path: decode + applyBatch of puts, in batches
// the size group commit produces at 100 clients (~24), over a keyspace of 10k keys, 256-byte values
// (etcd benchmark's defaults: --key-space-size 10000... here fixed). Prints microseconds of
// main-thread time per put. Run: npm run build && node dist/bench/mvcc-apply.js [puts] [batch] [watchers]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { CommittedCommand } from '../src/native/mvcc/api.js';
import { decodeCommand, encodeCommand, openMvccStore } from '../src/native/mvcc/index.js';

const total = Number(process.argv[2] ?? 200_000);
const batchSize = Number(process.argv[3] ?? 24);
const watchers = Number(process.argv[4] ?? 0);
const KEYS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'mvcc-bench-'));
const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
let delivered = 0;
for (let i = 0; i < watchers; i++) {
  store.watch(
    { key: Buffer.from(`key-${String(i % KEYS).padStart(6, '0')}`), rangeEnd: Buffer.alloc(0), startRevision: 0, prevKv: false, filters: [] },
    { onEvents: (evs) => (delivered += evs.length), onCompacted: () => undefined, onCanceled: () => undefined },
  );
}

// Pre-encode the raft payloads, as the WAL would hand them over.
const value = Buffer.alloc(256, 0x61);
const payloads: Uint8Array[] = [];
for (let i = 0; i < total; i++) {
  const key = Buffer.from(`key-${String((i * 7919) % KEYS).padStart(6, '0')}`);
  payloads.push(encodeCommand({ kind: 'put', req: { key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }));
}

function run(from: number, to: number): number {
  let index = store.consistentIndex();
  const t0 = process.cpuUsage();
  for (let i = from; i < to; i += batchSize) {
    const batch: CommittedCommand[] = [];
    for (let j = i; j < Math.min(i + batchSize, to); j++) batch.push({ index: ++index, term: 1, command: decodeCommand(payloads[j]!) });
    store.applyBatch(batch);
  }
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / (to - from);
}

const warm = Math.min(20_000, total / 4);
run(0, warm);
const us = run(warm, total);
console.log(
  JSON.stringify({
    bench: 'mvcc-apply',
    puts: total - warm,
    batch: batchSize,
    watchers,
    usPerPut: Number(us.toFixed(2)),
    revision: store.currentRevision(),
    eventsDelivered: delivered,
    dbSizeInUse: store.dbSizeInUse(),
  }),
);
store.close();
rmSync(dir, { recursive: true, force: true });
