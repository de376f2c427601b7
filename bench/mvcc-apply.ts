// Micro-benchmark of the MVCC state machine's apply path: decode + applyBatch of puts, in batches
// the size group commit produces at 100 clients (~24), over a keyspace of 10k keys, 256-byte values
// (etcd benchmark's defaults: --key-space-size 10000... here fixed). Prints microseconds of
// main-thread time per put. Run: npm run build && node dist/bench/mvcc-apply.js [puts] [batch] [watchers]
//
//   --after-dsync    each batch is applied right after a durable append of its WAL-sized bytes
//                    (O_DSYNC, this thread), as in a member, where the apply finds a process just
//                    back from that write; also prints applyBatch's wall time p50/p90 per batch.
//   --tree NAME=DIR  the same puts on the store of another compiled tree (DIR as for bench/ab.ts)
//                    in the same process, rounds interleaved: an A/B of a store change.
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { CommittedCommand } from '../src/native/mvcc/api.js';
import * as own from '../src/native/mvcc/index.js';

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--tree'));
const total = Number(positional[0] ?? 200_000);
const batchSize = Number(positional[1] ?? 24);
const watchers = Number(positional[2] ?? 0);
const afterDsync = process.argv.includes('--after-dsync');
const ti = process.argv.indexOf('--tree');
const tree = ti > 0 ? (process.argv[ti + 1] ?? '') : '';
const KEYS = 10_000;
/** Puts per side per round when two stores take turns. */
const ROUND = Math.max(batchSize, 2000 - (2000 % batchSize));
/** WAL bytes of one put (entry + hard state frames), written before each batch with --after-dsync. */
const WAL_BYTES_PER_PUT = 345;

type StoreModule = typeof own;
interface Side {
  name: string;
  store: ReturnType<StoreModule['openMvccStore']>;
  decode: StoreModule['decodeCommand'];
  payloads: Uint8Array[];
  dir: string;
  fd: number;
  cpuUs: number;
  puts: number;
  wallUs: number[];
  delivered: number;
}

const value = Buffer.alloc(256, 0x61);
const walChunk = Buffer.alloc(WAL_BYTES_PER_PUT * batchSize, 0x62);

function openSide(name: string, m: StoreModule): Side {
  const dir = mkdtempSync(join(tmpdir(), 'mvcc-bench-'));
  const store = m.openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
  const side: Side = { name, store, decode: m.decodeCommand, payloads: [], dir, fd: -1, cpuUs: 0, puts: 0, wallUs: [], delivered: 0 };
  for (let i = 0; i < watchers; i++) {
    store.watch(
      { key: Buffer.from(`key-${String(i % KEYS).padStart(6, '0')}`), rangeEnd: Buffer.alloc(0), startRevision: 0, prevKv: false, filters: [] },
      { onEvents: (evs) => (side.delivered += evs.length), onCompacted: () => undefined, onCanceled: () => undefined },
    );
  }
  // Pre-encoded raft payloads, as the WAL would hand them over (each tree with its own encoder).
  for (let i = 0; i < total; i++) {
    const key = Buffer.from(`key-${String((i * 7919) % KEYS).padStart(6, '0')}`);
    side.payloads.push(m.encodeCommand({ kind: 'put', req: { key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }));
  }
  if (afterDsync) side.fd = openSync(join(dir, 'wal'), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (constants.O_DSYNC ?? 0), 0o600);
  return side;
}

function run(s: Side, from: number, to: number, measure: boolean): void {
  let index = s.store.consistentIndex();
  // Without the appends, CPU over the whole run (no per-batch clock reads in the figure).
  const whole = s.fd < 0 ? process.cpuUsage() : undefined;
  for (let i = from; i < to; i += batchSize) {
    const n = Math.min(batchSize, to - i);
    if (s.fd >= 0) writeSync(s.fd, walChunk, 0, WAL_BYTES_PER_PUT * n);
    const c0 = whole ? undefined : process.cpuUsage();
    const t0 = performance.now();
    const batch: CommittedCommand[] = [];
    for (let j = i; j < i + n; j++) batch.push({ index: ++index, term: 1, command: s.decode(s.payloads[j]!) });
    s.store.applyBatch(batch);
    if (!measure) continue;
    s.wallUs.push((performance.now() - t0) * 1000);
    if (c0) {
      const c = process.cpuUsage(c0);
      s.cpuUs += c.user + c.system;
    }
  }
  if (!measure) return;
  s.puts += to - from;
  if (whole) {
    const c = process.cpuUsage(whole);
    s.cpuUs += c.user + c.system;
  }
}

function pct(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const sides = [openSide('this tree', own)];
  if (tree) {
    const [name, dir] = tree.split('=') as [string, string];
    const other = (await import(join(resolve(dir), 'src', 'native', 'mvcc', 'index.js'))) as StoreModule;
    sides.push(openSide(name, other));
  }
  const warm = Math.min(20_000, Math.floor(total / 4));
  for (const s of sides) run(s, 0, warm, false);
  // Rounds interleaved (the order alternating), so both stores see the same machine and disk.
  let r = 0;
  for (let from = warm; from < total; from += ROUND, r++) {
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) run(s, from, Math.min(from + ROUND, total), true);
  }
  for (const s of sides) {
    console.log(
      JSON.stringify({
        bench: 'mvcc-apply',
        side: s.name,
        puts: s.puts,
        batch: batchSize,
        watchers,
        afterDsync,
        usPerPut: Number((s.cpuUs / s.puts).toFixed(2)),
        ...(afterDsync ? { applyWallUsP50: Number(pct(s.wallUs, 0.5).toFixed(1)), applyWallUsP90: Number(pct(s.wallUs, 0.9).toFixed(1)) } : {}),
        revision: s.store.currentRevision(),
        eventsDelivered: s.delivered,
        dbSizeInUse: s.store.dbSizeInUse(),
      }),
    );
  }
  for (const s of sides) {
    if (s.fd >= 0) closeSync(s.fd);
    s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
