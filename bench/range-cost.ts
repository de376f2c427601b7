// The cost of a large Range in the native store itself (issue 10, item 3): N keys of 256 B, then
// keys-only and full Ranges over all of them and over 10 000, timed in-process (best of 5), the
// sliced form under perf_hooks.monitorEventLoopDelay (its longest event-loop stall), and the gRPC
// answer's encoding (the fast codec) of the same kvs. Usage:
//   npm run build && node dist/bench/range-cost.js [--keys 100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import type { RangeRequest } from '../src/adapters/backend.js';
import { putRequest, rangeRequest } from '../src/adapters/requests.js';
import { fastRangeResponse } from '../src/gateway/etcd/codec/fast-kv.js';
import type { RangeResult } from '../src/native/mvcc/api.js';
import { openMvccStore } from '../src/native/mvcc/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const KEYS = arg('keys', 100_000);
const ROUNDS = arg('rounds', 5);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-range-cost-'));
  const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
  try {
    const value = Buffer.alloc(256, 'v');
    let index = 0;
    for (let i = 0; i < KEYS; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(KEYS, i + 1000); j++) {
        batch.push({ index: ++index, term: 1, command: { kind: 'put' as const, req: putRequest(Buffer.from(`s/${String(j).padStart(8, '0')}`), value) } });
      }
      store.applyBatch(batch);
    }
    const prefix = (opts: Partial<RangeRequest>) => rangeRequest(Buffer.from('s/'), { rangeEnd: Buffer.from('s0'), ...opts });
    const cases: [string, RangeRequest][] = [
      ['count only', prefix({ countOnly: true })],
      [`all ${KEYS} keys, keys-only`, prefix({ keysOnly: true })],
      ['10 000 keys, keys-only', prefix({ keysOnly: true, limit: 10_000 })],
      ['10 000 keys with values', prefix({ limit: 10_000 })],
      [`all ${KEYS} keys with values`, prefix({})],
    ];
    console.log(`| range over ${KEYS} keys | store, one piece (best of ${ROUNDS}) | store, sliced | longest stall, sliced | gRPC encoding |`);
    console.log('|---|---|---|---|---|');
    for (const [name, req] of cases) {
      let whole = Infinity;
      let sliced = Infinity;
      let stall = 0;
      let r: RangeResult | undefined;
      for (let i = 0; i < ROUNDS; i++) {
        let t0 = performance.now();
        r = store.range(req);
        whole = Math.min(whole, performance.now() - t0);
        const h = monitorEventLoopDelay({ resolution: 1 });
        h.enable();
        t0 = performance.now();
        await store.rangeSliced(req);
        sliced = Math.min(sliced, performance.now() - t0);
        await new Promise((res) => setTimeout(res, 5)); // the histogram sees the last turn
        h.disable();
        stall = Math.max(stall, h.max / 1e6);
      }
      let enc = Infinity;
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        fastRangeResponse.encodeFramed!({ header: { clusterId: 1n, memberId: 2n, revision: r!.revision, raftTerm: 2 }, kvs: r!.kvs, more: r!.more, count: r!.count });
        enc = Math.min(enc, performance.now() - t0);
      }
      console.log(`| ${name} | ${whole.toFixed(1)} ms | ${sliced.toFixed(1)} ms | ${stall.toFixed(1)} ms | ${enc.toFixed(1)} ms |`);
    }
  } finally {
    store.close();
    await new Promise((r) => setTimeout(r, 300)); // the environment closes asynchronously
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
