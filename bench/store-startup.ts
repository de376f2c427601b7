// How long the MVCC store takes to open (the store's share of a member's restart to ready) at
// N keys: a store of N keys of 256-byte values is written once into --dir (kept between runs,
// so repeated measurements read the same file), then opened --rounds times, each open timed and
// its CPU profile optionally written (--cpu-prof is node's own flag).
//
//   node dist/bench/store-startup.js --keys 1000000 --dir /tmp/me-store-1m --rounds 3
import { existsSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { putRequest } from '../src/adapters/requests.js';
import { openMvccStore } from '../src/native/mvcc/index.js';

function arg(name: string, dflt: number): number;
function arg(name: string, dflt: string): string;
function arg(name: string, dflt: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  return typeof dflt === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1]!;
}

const KEYS = arg('keys', 1_000_000);
const VALUE = arg('value', 256);
const DIR = arg('dir', `/tmp/dcsgw-store-startup-${KEYS}`);
const ROUNDS = arg('rounds', 3);
const logger = pino({ level: 'silent' });

function key(i: number): Buffer {
  return Buffer.from(`s/${String(i).padStart(8, '0')}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--fresh')) rmSync(DIR, { recursive: true, force: true });
  if (!existsSync(DIR)) {
    const store = openMvccStore({ dir: DIR, quotaBackendBytes: -1, minLeaseTtl: 2, logger });
    const value = Buffer.alloc(VALUE, 'v');
    let index = 0;
    const t0 = performance.now();
    for (let i = 0; i < KEYS; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(KEYS, i + 1000); j++) batch.push({ index: ++index, term: 1, command: { kind: 'put' as const, req: putRequest(key(j), value) } });
      store.applyBatch(batch);
    }
    store.close();
    await new Promise((r) => setTimeout(r, 500));
    console.log(`wrote ${KEYS} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const store = openMvccStore({ dir: DIR, quotaBackendBytes: -1, minLeaseTtl: 2, logger });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    console.log(`open ${r + 1}: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU, rev ${store.currentRevision()}, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`);
    store.close();
    await new Promise((r) => setTimeout(r, 300));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
