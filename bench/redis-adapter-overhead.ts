// What the Redis adapter (src/adapters/redis.ts) costs over talking to Redis directly: put and
// range of one key through the Backend interface (one Lua script each: revision, history, change
// stream, leases) beside ioredis SET and GET of the same keys and values, and beside the least a
// revisioned write costs by hand (a 3-command script: revision, history, stream), on one genuine
// redis-server started here. Reported per op: the client process's CPU (this Node process),
// redis-server's CPU, and both together, at 1 and 64 requests in flight, median of interleaved
// rounds (the machine is shared). Ops/s are shown but swing; judge by CPU per op.
// Run: npm run build && node dist/bench/redis-adapter-overhead.js [rounds] [opsPerRun]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Backend } from '../src/adapters/backend.js';
import { createRedisBackend } from '../src/adapters/redis.js';
import { parseRedisUrl } from '../src/adapters/redis-url.js';
import { putRequest, rangeRequest } from '../src/adapters/requests.js';
import { cpuOf, freePort, interleavedRounds, measure, median, ownCpu, type Sample } from './shared-adapter-overhead.js';

const rounds = Number(process.argv[2] ?? 5);
const opsPerRun = Number(process.argv[3] ?? 20_000);
const KEYS = 1000;
const value = Buffer.alloc(256, 0x61);
const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(`bench/key-${String(i).padStart(5, '0')}`));

async function main(): Promise<void> {
  const port = await freePort(10900, 10999);
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-redis-bench-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const direct = new Redis({ port, host: '127.0.0.1' });
  let backend: Backend & { ready(t?: number): Promise<void> } | undefined;
  const closers: Array<() => Promise<void>> = [];
  try {
    backend = createRedisBackend(parseRedisUrl(`redis://127.0.0.1:${port}`).options);
    await backend.ready(10_000);
    const be = backend;
    // a second gateway that, for its own row only, holds a watch over the whole keyspace (as the
    // Consul face always does): its stream reader then decodes every revision
    const watched = createRedisBackend(parseRedisUrl(`redis://127.0.0.1:${port}`).options);
    await watched.ready(10_000);
    let watchedEvents = 0;
    const all = Buffer.from([0]);
    let watchHandle: { cancel(): void } | undefined;
    const openWatch = async () => {
      const h = watched.watch({ key: all, rangeEnd: all, startRevision: 0, prevKv: false, filters: [] }, {
        onEvents: (evs) => {
          watchedEvents += evs.length;
        },
        onCompacted: () => undefined,
        onCanceled: () => undefined,
      });
      while (!h.isSynced()) await new Promise((r) => setTimeout(r, 5));
      watchHandle = h;
    };
    const closeWatch = async () => {
      watchHandle?.cancel();
      // the reader stops at its next empty read (up to 1 s): let it, so the next row pays nothing for it
      await new Promise((r) => setTimeout(r, 1100));
    };
    closers.push(() => watched.close());
    await direct.ping();
    // the least a revisioned put with history and a change stream costs in Redis, written by hand:
    // one short script (a revision counter, the key's history, one stream entry), and its read
    const handPut = String(
      await direct.script(
        'LOAD',
        "local rev = redis.call('INCR', KEYS[1]) redis.call('ZADD', KEYS[2], rev, rev .. ':' .. ARGV[2]) redis.call('XADD', KEYS[3], rev .. '-0', 'k', ARGV[1], 'v', ARGV[2]) return rev",
      ),
    );
    const hist = keys.map((k) => Buffer.concat([Buffer.from('{hand}:h:'), k]));
    const cases: Array<{ name: string; op: 'put' | 'range'; via: 'ioredis' | 'adapter'; run: (i: number) => Promise<unknown>; before?: () => Promise<void>; after?: () => Promise<void> }> = [
      { name: 'SET', op: 'put', via: 'ioredis', run: (i) => direct.set(keys[i % KEYS]!, value) },
      { name: 'EVALSHA by hand (INCR, ZADD, XADD)', op: 'put', via: 'ioredis', run: (i) => direct.callBuffer('EVALSHA', handPut, 3, '{hand}:rev', hist[i % KEYS]!, '{hand}:events', keys[i % KEYS]!, value) },
      { name: 'Backend.put', op: 'put', via: 'adapter', run: (i) => be.put(putRequest(keys[i % KEYS]!, value)) },
      { name: 'Backend.put, a watch on every key open', op: 'put', via: 'adapter', run: (i) => watched.put(putRequest(keys[i % KEYS]!, value)), before: openWatch, after: closeWatch },
      { name: 'GET', op: 'range', via: 'ioredis', run: (i) => direct.getBuffer(keys[i % KEYS]!) },
      { name: 'ZRANGE h -1 -1 by hand', op: 'range', via: 'ioredis', run: (i) => direct.zrangeBuffer(hist[i % KEYS]!, -1, -1) },
      { name: 'Backend.range', op: 'range', via: 'adapter', run: (i) => be.range(rangeRequest(keys[i % KEYS]!)) },
    ];
    // warm up: every key written both ways, JIT and script cache hot
    const meters = { client: ownCpu, server: cpuOf(redis.pid!) };
    const timed = async (c: (typeof cases)[number], concurrency: number): Promise<Sample<'client' | 'server'>> => {
      await c.before?.();
      try {
        return await measure(opsPerRun, concurrency, c.run, meters);
      } finally {
        await c.after?.();
      }
    };
    for (const c of cases) await timed(c, 16);
    const samplesOf = await interleavedRounds(rounds, [1, 64], cases, timed);
    const row = (name: string, concurrency: number) => {
      const s = samplesOf(name, concurrency);
      return { ops: median(s.map((x) => x.opsPerSec)), client: median(s.map((x) => x.us.client)), server: median(s.map((x) => x.us.server)), total: median(s.map((x) => x.us.client + x.us.server)) };
    };
    console.log(`(the watching gateway received ${watchedEvents} events)`);
    console.log(`redis-server ${port}, ${opsPerRun} ops per run, ${rounds} rounds, 256-byte values over ${KEYS} keys; medians; CPU in us per op`);
    console.log('| op | in flight | via | ops/s | client CPU | redis-server CPU | total CPU | adapter / plain | adapter / by hand |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const op of ['put', 'range'] as const) {
      for (const concurrency of [1, 64]) {
        const [plain, hand, ...adapters] = cases.filter((c) => c.op === op).map((c) => ({ c, r: row(c.name, concurrency) }));
        for (const { c, r } of [plain!, hand!, ...adapters]) {
          const ratios = c.via === 'adapter' ? `${(r.total / plain!.r.total).toFixed(2)}x | ${(r.total / hand!.r.total).toFixed(2)}x` : ' | ';
          console.log(`| ${op} | ${concurrency} | ${c.via} ${c.name} | ${Math.round(r.ops)} | ${r.client.toFixed(1)} | ${r.server.toFixed(1)} | ${r.total.toFixed(1)} | ${ratios} |`);
        }
      }
    }
  } finally {
    for (const close of closers) await close();
    await backend?.close();
    direct.disconnect();
    redis.kill('SIGTERM');
    await new Promise((r) => redis.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
