// The side-by-side benchmark (entry point: ./run.ts, `npm run bench`): genuine etcd and dcsgw (and optionally the bare gRPC layer, "echo")
// under the same load in the same run; reports ops/s, p50/p99 latency and server CPU per op, and
// the ratios dcsgw/etcd. See BENCHMARKS.md.
//
//   npm run bench -- [--targets etcd,dcsgw] [--ops put,range-l,range-s] [--clients 1,100]
//                    [--duration 10] [--warmup 2] [--workers 2] [--keys 10000] [--cluster] [--profile]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { PutRequest } from '../src/adapters/backend.js';
import { fastPutRequest } from '../src/gateway/etcd/codec/fast-kv.js';
import { firstEndpointRole } from './cluster-leader.js';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { Histogram } from './histogram.js';
import { benchKey, type BenchOp, type FromWorker, type WorkerConfig, type WorkerResult } from './load-protocol.js';
import { processCpuUs } from './proc-cpu.js';
import { summarizeProfiles } from './profile.js';
import { available, startServer, type RunningServer, type TargetKind } from './servers.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Options {
  targets: TargetKind[];
  ops: BenchOp[];
  clients: number[];
  duration: number;
  warmup: number;
  workers: number;
  keys: number;
  cluster: boolean;
  profile: boolean;
}

export interface ScenarioResult {
  target: TargetKind;
  op: BenchOp;
  clients: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerOp: number;
  /** Load generator CPU as a share of one core. */
  generatorCores: number;
  errors: number;
  firstError: string;
}

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

export async function prefill(server: RunningServer, keys: number): Promise<void> {
  const conn = new H2GrpcConnection(server.endpoints[0] as string);
  await conn.ready();
  const value = Buffer.alloc(256, 98);
  let next = 0;
  let failed = '';
  await new Promise<void>((resolve) => {
    let active = 0;
    const pump = (): void => {
      while (active < 64 && next < keys) {
        const req: PutRequest = { key: benchKey(next++, 8), value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false };
        active++;
        conn.unary('/etcdserverpb.KV/Put', fastPutRequest.encodeFramed?.(req) as Buffer, (err, status, message) => {
          active--;
          if ((err || status !== 0) && !failed) failed = err ? err.message : `${status} ${message}`;
          if (next >= keys && active === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  conn.close();
  if (failed) throw new Error(`prefill of ${server.kind} failed: ${failed}`);
}

function cpuOf(server: RunningServer): number {
  return server.pids.reduce((sum, pid) => sum + processCpuUs(pid), 0);
}

/** One closed-loop load of `clients` clients on `server` for opts.duration seconds (after opts.warmup). */
export async function runScenario(
  server: RunningServer,
  op: BenchOp,
  clients: number,
  opts: Pick<Options, 'duration' | 'warmup' | 'workers' | 'keys'>,
): Promise<ScenarioResult> {
  const nWorkers = Math.max(1, Math.min(opts.workers, clients));
  const totalConns = Math.max(1, Math.ceil(clients / 10));
  const workers: ChildProcess[] = [];
  const results: WorkerResult[] = [];
  const progress = new Array<number>(nWorkers).fill(0);
  const label = `${server.kind} ${op} clients=${clients}`;
  let readyCount = 0;
  let onAllReady: () => void = () => undefined;
  let onAllDone: () => void = () => undefined;
  let failure: string | undefined;
  const allReady = new Promise<void>((r) => (onAllReady = r));
  const allDone = new Promise<void>((r) => (onAllDone = r));

  for (let w = 0; w < nWorkers; w++) {
    const child = fork(join(here, 'load-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    workers.push(child);
    child.on('message', (m: FromWorker) => {
      if (m.type === 'ready' && ++readyCount === nWorkers) onAllReady();
      else if (m.type === 'progress') progress[w] = m.ops;
      else if (m.type === 'result') {
        results.push(m);
        if (results.length === nWorkers) onAllDone();
      } else if (m.type === 'failed') {
        failure = m.error;
        onAllReady();
        onAllDone();
      }
    });
    const share = Math.floor(clients / nWorkers) + (w < clients % nWorkers ? 1 : 0);
    const connShare = Math.max(1, Math.floor(totalConns / nWorkers) + (w < totalConns % nWorkers ? 1 : 0));
    const cfg: WorkerConfig = {
      type: 'config',
      endpoints: server.endpoints,
      op,
      clients: share,
      conns: Math.min(connShare, share),
      keys: opts.keys,
      keySize: 8,
      valueSize: 256,
      seed: w * 1009 + 17,
    };
    child.send(cfg);
  }
  await allReady;
  if (failure) throw new Error(`${label}: worker failed: ${failure}`);
  for (const w of workers) w.send({ type: 'run' });
  await new Promise((r) => setTimeout(r, opts.warmup * 1000));
  const cpu0 = cpuOf(server);
  const t0 = performance.now();
  for (const w of workers) w.send({ type: 'measure' });
  const ticker = setInterval(() => {
    const secs = (performance.now() - t0) / 1000;
    const ops = progress.reduce((a, b) => a + b, 0);
    log(`  [${label}] ${secs.toFixed(0)}s ${Math.round(ops / secs)} ops/s`);
  }, 2000);
  await new Promise((r) => setTimeout(r, opts.duration * 1000));
  for (const w of workers) w.send({ type: 'stop' });
  const cpu1 = cpuOf(server);
  const elapsed = (performance.now() - t0) / 1000;
  clearInterval(ticker);
  await allDone;
  if (failure) throw new Error(`${label}: worker failed: ${failure}`);
  const hist = new Histogram();
  let ops = 0;
  let errors = 0;
  let firstError = '';
  let genCpu = 0;
  for (const r of results) {
    hist.merge(new Histogram(r.hist));
    ops += r.ops;
    errors += r.errors;
    genCpu += r.cpuUs;
    if (!firstError && r.firstError) firstError = r.firstError;
  }
  return {
    target: server.kind,
    op,
    clients,
    opsPerSec: ops / elapsed,
    p50Ms: hist.quantile(0.5) / 1000,
    p99Ms: hist.quantile(0.99) / 1000,
    serverCpuUsPerOp: ops > 0 ? (cpu1 - cpu0) / ops : NaN,
    generatorCores: genCpu / 1e6 / elapsed,
    errors,
    firstError,
  };
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function printTable(results: ScenarioResult[], targets: TargetKind[]): void {
  const base = targets[0] as TargetKind;
  const rows: string[][] = [['scenario', 'target', 'ops/s', 'p50 ms', 'p99 ms', 'server CPU us/op', 'gen cores', 'errors', `ops/s vs ${base}`, `CPU/op vs ${base}`]];
  const key = (r: ScenarioResult) => `${r.op} c=${r.clients}`;
  for (const r of results) {
    const ref = results.find((x) => x.target === base && key(x) === key(r));
    rows.push([
      key(r),
      r.target,
      fmt(r.opsPerSec),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      fmt(r.serverCpuUsPerOp, 1),
      fmt(r.generatorCores, 2),
      String(r.errors),
      ref && r.target !== base ? fmt(r.opsPerSec / ref.opsPerSec, 2) + 'x' : '',
      ref && r.target !== base ? fmt(r.serverCpuUsPerOp / ref.serverCpuUsPerOp, 2) + 'x' : '',
    ]);
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ') + ' |';
  console.log(line(rows[0] as string[]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows.slice(1)) console.log(line(r));
  for (const r of results) if (r.firstError) console.log(`first error (${r.target} ${key(r)}): ${r.firstError}`);
}

/** Runs the benchmark; `argv` as process.argv (node, script, ...options). Prints the table to stdout. */
export async function runBench(argv: string[]): Promise<void> {
  const program = new Command()
    .name('dcsgw-bench')
    .option('--targets <list>', 'etcd,dcsgw,echo (the first is the reference)', 'etcd,dcsgw')
    .option('--ops <list>', 'put,range-l,range-s', 'put,range-l,range-s')
    .option('--clients <list>', 'concurrent clients per scenario', '1,100')
    .option('--duration <s>', 'measured seconds per scenario', '10')
    .option('--warmup <s>', 'unmeasured seconds before each scenario', '2')
    .option('--workers <n>', 'load generator processes (at most one per client)', '2')
    .option('--keys <n>', 'key space (prefilled before the range scenarios)', '10000')
    .option('--cluster', 'three members per target instead of one', false)
    .option('--profile', 'run node targets with --cpu-prof and print their hottest functions', false)
    .parse(argv);
  const o = program.opts<Record<string, string | boolean>>();
  const opts: Options = {
    targets: list(String(o['targets'])) as TargetKind[],
    ops: list(String(o['ops'])) as BenchOp[],
    clients: list(String(o['clients'])).map(Number),
    duration: Number(o['duration']),
    warmup: Number(o['warmup']),
    workers: Number(o['workers']),
    keys: Number(o['keys']),
    cluster: Boolean(o['cluster']),
    profile: Boolean(o['profile']),
  };
  const profileRoot = opts.profile ? mkdtempSync(join(tmpdir(), 'dcsgw-bench-prof-')) : undefined;
  const members = opts.cluster ? 3 : 1;
  const targets: TargetKind[] = [];
  for (const t of opts.targets) {
    const why = available(t);
    if (why) log(`skipping ${t}: ${why}`);
    else targets.push(t);
  }
  if (targets.length === 0) throw new Error('nothing to benchmark');

  const servers: RunningServer[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  process.on('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });
  try {
    for (const t of targets) {
      log(`starting ${t} (${members} member${members > 1 ? 's' : ''})`);
      try {
        const dir = profileRoot === undefined ? undefined : join(profileRoot, t);
        if (dir !== undefined) mkdirSync(dir);
        servers.push(await startServer(t, members, dir));
      } catch (err) {
        log(`skipping ${t}: ${(err as Error).message}`);
      }
    }
    const running = servers.map((s) => s.kind);
    if (running.length === 0) throw new Error('no target could be started');
    if (opts.ops.some((op) => op !== 'put')) {
      for (const s of servers) {
        log(`prefilling ${s.kind} with ${opts.keys} keys`);
        await prefill(s, opts.keys);
      }
    }
    const roles = new Map<RunningServer, string>();
    if (members > 1) for (const s of servers) roles.set(s, firstEndpointRole(s.endpoints));
    const results: ScenarioResult[] = [];
    for (const op of opts.ops) {
      for (const clients of opts.clients) {
        for (const s of servers) {
          const r = await runScenario(s, op, clients, opts);
          log(
            `${s.kind} ${op} clients=${clients}: ${fmt(r.opsPerSec)} ops/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms, ` +
              `server ${fmt(r.serverCpuUsPerOp, 1)} us CPU/op, generator ${fmt(r.generatorCores, 2)} cores, errors ${r.errors}`,
          );
          results.push(r);
        }
      }
    }
    console.log(`\n${members === 1 ? 'single member' : `${members}-member clusters`}, ${opts.duration}s per scenario, 8-byte keys, 256-byte values\n`);
    // one client uses the first endpoint only: at a follower a put takes one more round trip
    if (members > 1) console.log(`member 1 (the endpoint of one client) at the start: ${servers.map((s) => `${s.kind}: ${roles.get(s) ?? 'unknown'}`).join('; ')}\n`);
    printTable(results, running);
  } finally {
    await stopAll();
  }
  if (profileRoot !== undefined) {
    for (const s of servers) {
      if (s.kind === 'etcd') continue;
      console.log(`\nCPU profile of ${s.kind} (self time, whole run; files in ${join(profileRoot, s.kind)})`);
      for (const line of summarizeProfiles(join(profileRoot, s.kind))) console.log(line);
    }
  }
}

