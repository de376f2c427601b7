// Scale: the same data set loaded into dcsgw and genuine etcd 3.4 side by side, then the same
// operations timed on both (issue 10, item 3). Usage:
//   npm run bench:scale -- [--keys 1000000] [--big-keys 100000] [--value 256] [--big-value 10240]
//     [--range-rounds 5] [--ranges-only] [--snapshot-only] [--snapshot-rounds 1] [--port-base 20100]
//     [--log-dir D] [--only dcsgw|etcd]
// Environment: DCSGW_BIN (another dcsgw entry script), DCSGW_NODE_FLAGS (node flags for dcsgw).
// `--snapshot-only`: after the load, only the snapshot save / restart / restore + start rows, in
// `--snapshot-rounds` rounds alternating between the servers (median time, longest stall).
// Every phase prints a progress line; the table at the end is dcsgw/etcd ratios (Markdown).
// `--store-only`: no servers; the MVCC store in this process, its event loop watched with
// perf_hooks.monitorEventLoopDelay while it answers large ranges, compacts (apply + background removal)
// and defragments.
// "Max stall" is the longest answer to a 1-key Range probed every 20 ms during the phase: what a
// client sees of an event loop (or a bbolt lock) held up, measured the same way for both servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { putRequest, rangeRequest } from '../src/adapters/requests.js';
import { fastPutRequest, fastRangeRequest, fastRangeResponse } from '../src/gateway/etcd/codec/fast-kv.js';
import type { RangeResult } from '../src/native/mvcc/api.js';
import { openMvccStore } from '../src/native/mvcc/index.js';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { repoRoot } from './servers.js';

type Kind = 'etcd' | 'dcsgw';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const KEYS = arg('keys', 1_000_000);
const BIG_KEYS = arg('big-keys', 100_000);
const VALUE = arg('value', 256);
const BIG_VALUE = arg('big-value', 10_240);
const IN_FLIGHT = arg('in-flight', 256);
const WATCH_EVENTS = arg('watch-events', Math.min(KEYS, 100_000));
const RANGE_ROUNDS = arg('range-rounds', 5);
/** --ranges-only: load, memory and disk, the range rows, then stop (the other phases take minutes). */
const RANGES_ONLY = process.argv.includes('--ranges-only');
const SNAPSHOT_ONLY = process.argv.includes('--snapshot-only');
const SNAPSHOT_ROUNDS = arg('snapshot-rounds', 1);
/** --only dcsgw|etcd: run one server alone (to try a change without waiting for etcd's half); no ratios then. */
const ONLY = process.argv.includes('--only') ? (process.argv[process.argv.indexOf('--only') + 1] as Kind) : undefined;
if (ONLY !== undefined && ONLY !== 'dcsgw' && ONLY !== 'etcd') throw new Error(`--only takes dcsgw or etcd, not ${ONLY}`);
const KINDS: Kind[] = ONLY ? [ONLY] : ['etcd', 'dcsgw'];
const PORT_BASE = arg('port-base', 20100); // this bench's ports: base+1..base+22
/** --log-dir D: the servers' logs (stdout and stderr, e.g. dcsgw's --trace-gc lines) go to D/<kind>.log and are kept. */
const LOG_DIR = process.argv.includes('--log-dir') ? process.argv[process.argv.indexOf('--log-dir') + 1]! : undefined;

/** DCSGW_BIN: another entry script (a private build being tried out), as test/support/members.ts. */
const DCSGW_BIN = process.env.DCSGW_BIN ?? join(repoRoot, 'bin', 'dcsgw');
/** DCSGW_NODE_FLAGS: node flags for the dcsgw process (e.g. "--trace-gc"), space-separated. */
const DCSGW_NODE_FLAGS = (process.env.DCSGW_NODE_FLAGS ?? '').split(' ').filter(Boolean);

const PORTS: Record<Kind, { client: number; peer: number }> = {
  etcd: { client: PORT_BASE + 1, peer: PORT_BASE + 2 },
  dcsgw: { client: PORT_BASE + 11, peer: PORT_BASE + 12 },
};

const log = (msg: string) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface Server {
  kind: Kind;
  dir: string;
  child?: ChildProcess;
}

function logFile(s: Server): string {
  return LOG_DIR ? join(LOG_DIR, `${s.kind}.log`) : `${s.dir}.log`;
}

function endpoint(kind: Kind): string {
  return `http://127.0.0.1:${PORTS[kind].client}`;
}

/** Servers running now: an interrupted bench (Ctrl-C, SIGTERM) stops them instead of leaving them behind. */
const running = new Set<ChildProcess>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of running) c.kill('SIGKILL');
    log(`${sig}: servers stopped (data left in ${tmpdir()}/dcsgw-scale-*)`);
    process.exit(130);
  });
}

function start(s: Server): void {
  const p = PORTS[s.kind];
  const args = [
    '--name', `${s.kind}1`, '--data-dir', s.dir,
    '--listen-client-urls', endpoint(s.kind), '--advertise-client-urls', endpoint(s.kind),
    '--listen-peer-urls', `http://127.0.0.1:${p.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
    '--initial-cluster', `${s.kind}1=http://127.0.0.1:${p.peer}`,
    '--quota-backend-bytes', String(8 * 1024 * 1024 * 1024),
  ];
  const fd = openSync(logFile(s), 'a');
  s.child =
    s.kind === 'etcd'
      ? spawn('/usr/bin/etcd', args, { stdio: ['ignore', fd, fd] })
      : spawn(process.execPath, [...DCSGW_NODE_FLAGS, DCSGW_BIN, ...args, '--consul-http-addr', 'off', '--consul-dns-addr', 'off'], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const child = s.child;
  running.add(child);
  child.once('exit', () => running.delete(child));
}

async function stop(s: Server): Promise<void> {
  const c = s.child;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
  });
}

function call(conn: H2GrpcConnection, path: string, frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    conn.unary(path, frame, (err, status, message, body) => {
      if (err) reject(err);
      else if (status !== 0) reject(new Error(`grpc-status ${status}: ${message}`));
      else resolve(body as Buffer);
    }),
  );
}

const PROBE = fastRangeRequest.encodeFramed?.(rangeRequest(Buffer.from('probe'))) as Buffer;

/** Polls until a Range answers; returns the ms it took from `t0`. */
async function waitReady(s: Server, t0: number): Promise<number> {
  for (;;) {
    if (s.child && s.child.exitCode !== null) throw new Error(`${s.kind} exited (${logFile(s)})`);
    const conn = new H2GrpcConnection(endpoint(s.kind));
    const ok = await Promise.race([call(conn, '/etcdserverpb.KV/Range', PROBE).then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
    conn.session.destroy();
    if (ok) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the probe thread measured during one phase. */
interface ProbeReport {
  answered: number[];
  failures: number;
  probes: number;
}

/**
 * The stall probe runs on a worker thread of its own: on the bench's main thread it waited for the
 * loader's work and GC (256 puts in flight; up to 0.4 s of the bench's own event-loop delay on a
 * loaded machine), which it then counted as the server's stall, for both servers alike.
 */
function probeThread(): void {
  const { endpoint: target } = workerData as { endpoint: string };
  let report: ProbeReport = { answered: [], failures: 0, probes: 0 };
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  parentPort!.on('message', (msg: 'start' | 'stop') => {
    if (msg === 'start') {
      report = { answered: [], failures: 0, probes: 0 };
      running = true;
      // a connection per phase, as the server may have been restarted in between
      const conn = new H2GrpcConnection(target);
      loop = (async () => {
        while (running) {
          report.probes++;
          const t = performance.now();
          const ok = await call(conn, '/etcdserverpb.KV/Range', PROBE).then(() => true, () => false);
          if (ok) report.answered.push(performance.now() - t);
          else report.failures++;
          if (running) await new Promise((r) => setTimeout(r, 20));
        }
        conn.session.destroy();
      })();
      parentPort!.postMessage('started');
    } else {
      running = false;
      // the probe in flight when the work ended counts too
      void loop.then(() => parentPort!.postMessage(report));
    }
  });
}

/** One probe thread per server, started at its first phase and kept for the run. */
const probeThreads = new Map<Kind, Worker>();

function probeThreadFor(kind: Kind): Worker {
  let w = probeThreads.get(kind);
  if (!w) {
    w = new Worker(new URL(import.meta.url), { workerData: { probeThread: true, endpoint: endpoint(kind) } });
    w.unref();
    probeThreads.set(kind, w);
  }
  return w;
}

function ask<T>(w: Worker, msg: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    w.once('error', onError);
    w.once('message', (m: T) => {
      w.off('error', onError);
      resolve(m);
    });
    w.postMessage(msg);
  });
}

/**
 * dcsgw's own view of its event loop: the /metrics gauge dcsgw_event_loop_max_stall_seconds
 * (monitorEventLoopDelay in the server, the longest stall since the previous scrape) in ms.
 * A scrape before a phase resets it, the one after reads the phase's figure. etcd has none.
 */
async function serverLoopStallMs(kind: Kind): Promise<number | undefined> {
  if (kind !== 'dcsgw') return undefined;
  try {
    const text = await (await fetch(`${endpoint(kind)}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const m = /^dcsgw_event_loop_max_stall_seconds (\S+)$/m.exec(text);
    return m ? Number(m[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Probes a 1-key Range every 20 ms while `work` runs; returns the work's result and the longest probe. */
async function withStallProbe<T>(kind: Kind, work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const thread = probeThreadFor(kind);
  // This bench's own event loop (its GC, the loader's puts) is logged beside the probes: with the
  // probe on its own thread it no longer adds to them, but it says how loaded the client was.
  const ownDelay = monitorEventLoopDelay({ resolution: 10 });
  ownDelay.enable();
  await serverLoopStallMs(kind); // resets the server's figure
  await ask<string>(thread, 'start');
  const t0 = performance.now();
  let report: ProbeReport | undefined;
  try {
    const result = await work();
    report = await ask<ProbeReport>(thread, 'stop');
    const serverLoop = await serverLoopStallMs(kind);
    const { answered, failures, probes } = report;
    if (failures > 0) log(`${kind}: ${failures} stall probes failed`);
    // Each phase's stall as it ends (the table comes at the end of a run that takes many minutes).
    // The longest is one sample; how many went over 100 ms and the 99th percentile say how often.
    const sorted = answered.sort((a, b) => a - b);
    const stallMs = sorted.length > 0 ? sorted[sorted.length - 1]! : 0;
    const p99 = sorted.length > 0 ? sorted[Math.floor(0.99 * (sorted.length - 1))]! : 0;
    const over100 = sorted.length - sorted.filter((ms) => ms <= 100).length;
    log(
      `${kind}: longest stall probe ${stallMs.toFixed(0)} ms (${probes} probes, ${over100} over 100 ms, p99 ${p99.toFixed(0)} ms; ` +
        (serverLoop !== undefined ? `the server's own event loop stalled up to ${serverLoop.toFixed(0)} ms (its /metrics); ` : '') +
        `this bench's own event loop delayed up to ${(ownDelay.max / 1e6).toFixed(0)} ms; ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    return { result, stallMs };
  } finally {
    ownDelay.disable();
    if (!report) await ask<ProbeReport>(thread, 'stop').catch(() => undefined);
  }
}

function key(prefix: string, i: number): Buffer {
  return Buffer.from(`${prefix}${String(i).padStart(8, '0')}`);
}

/** Pipelined puts (IN_FLIGHT outstanding over 4 connections): the same loader for both servers. */
async function load(kind: Kind, prefix: string, count: number, valueSize: number): Promise<number> {
  // nothing to load (--big-keys 0): no answer would ever come to settle the promise below
  if (count === 0) return 0;
  const value = Buffer.alloc(valueSize, 'v');
  const conns = Array.from({ length: 4 }, () => new H2GrpcConnection(endpoint(kind)));
  let next = 0;
  let done = 0;
  let lastReport = performance.now();
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const issue = (slot: number): void => {
      if (next >= count) return;
      const i = next++;
      const frame = fastPutRequest.encodeFramed?.(putRequest(key(prefix, i), value)) as Buffer;
      conns[slot % conns.length]!.unary('/etcdserverpb.KV/Put', frame, (err, status, message) => {
        if (err || status !== 0) return reject(err ?? new Error(`put: grpc-status ${status}: ${message}`));
        done++;
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          log(`${kind}: loaded ${done}/${count} ${prefix}* (${Math.round(done / ((lastReport - t0) / 1000))}/s)`);
        }
        if (done === count) resolve();
        else issue(slot);
      });
    };
    for (let s = 0; s < Math.min(IN_FLIGHT, count); s++) issue(s);
  });
  for (const c of conns) c.session.destroy();
  return count / ((performance.now() - t0) / 1000);
}

/** VmRSS, or one of its parts: RssAnon (heaps, the process's own memory) and RssFile (mapped data-file pages). */
function rssMb(s: Server, field: 'VmRSS' | 'RssAnon' | 'RssFile' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${s.child?.pid}/status`, 'utf8');
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

function duMb(dir: string): number {
  const r = spawnSync('du', ['-sk', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]) / 1024;
}

/** etcdctl as a child process (asynchronous, so the stall probe keeps running beside it). */
function etcdctl(kind: Kind, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/etcdctl', ['--endpoints', endpoint(kind), '--command-timeout', '600s', ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`etcdctl ${args.join(' ')} (${kind}): ${err}`))));
  });
}

async function dbSizeMb(kind: Kind): Promise<number> {
  const st = JSON.parse(await etcdctl(kind, 'endpoint', 'status', '-w', 'json')) as { Status: { dbSize: number } }[];
  return st[0]!.Status.dbSize / 1024 / 1024;
}

async function revision(kind: Kind): Promise<number> {
  const st = JSON.parse(await etcdctl(kind, 'endpoint', 'status', '-w', 'json')) as { Status: { header: { revision: number } } }[];
  return st[0]!.Status.header.revision;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** Range over [from, to) with keys_only and a limit; returns the number of keys answered (from the count field is enough). */
async function range(kind: Kind, from: string, to: string, limit: number): Promise<void> {
  const conn = new H2GrpcConnection(endpoint(kind));
  try {
    const req = rangeRequest(Buffer.from(from), { rangeEnd: Buffer.from(to), keysOnly: true, limit });
    await call(conn, '/etcdserverpb.KV/Range', fastRangeRequest.encodeFramed?.(req) as Buffer);
  } finally {
    conn.session.destroy();
  }
}

/** etcdctl watch from revision 1 over the small keys: time until `events` events have been printed. */
function watchFromOld(kind: Kind, events: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/etcdctl', ['--endpoints', endpoint(kind), 'watch', '--rev', '1', '--prefix', 's/'], { env: { ...process.env, ETCDCTL_API: '3' } });
    let lines = 0;
    child.stdout.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) lines++;
      if (lines >= events * 3) {
        const ms = performance.now() - t0;
        child.kill();
        resolve(ms);
      }
    });
    child.on('exit', () => reject(new Error(`watch ended after ${lines / 3} events`)));
  });
}

interface Row {
  name: string;
  unit: string;
  value: Record<Kind, number>;
  stall?: Record<Kind, number>;
  /** true: higher is better (a rate) */
  higherBetter?: boolean;
}

async function main(): Promise<void> {
  for (const need of ['/usr/bin/etcd', '/usr/bin/etcdctl', process.env.DCSGW_BIN ?? join(repoRoot, 'dist', 'src', 'cli', 'main.js')]) {
    if (!existsSync(need)) throw new Error(`${need} missing (install etcd-server etcd-client; npm run build)`);
  }
  const work = mkdtempSync(join(tmpdir(), 'dcsgw-scale-'));
  const servers: Record<Kind, Server> = { etcd: { kind: 'etcd', dir: join(work, 'etcd') }, dcsgw: { kind: 'dcsgw', dir: join(work, 'dcsgw') } };
  const rows: Row[] = [];
  const row = (name: string, unit: string, higherBetter = false): Row => {
    const r: Row = { name, unit, value: { etcd: NaN, dcsgw: NaN }, stall: { etcd: NaN, dcsgw: NaN }, higherBetter };
    rows.push(r);
    return r;
  };
  const kinds = KINDS;
  try {
    log(`${KEYS} keys of ${VALUE} B and ${BIG_KEYS} keys of ${BIG_VALUE} B into each of etcd and dcsgw (work dir ${work})`);
    for (const k of kinds) {
      start(servers[k]);
      await waitReady(servers[k], performance.now());
    }
    const small = row(`load ${KEYS} x ${VALUE} B`, 'puts/s', true);
    const big = row(`load ${BIG_KEYS} x ${BIG_VALUE} B`, 'puts/s', true);
    for (const k of kinds) {
      const a = await withStallProbe(k, () => load(k, 's/', KEYS, VALUE));
      small.value[k] = a.result;
      small.stall![k] = a.stallMs;
      log(`${k}: ${KEYS} small keys at ${Math.round(a.result)}/s`);
      const b = await withStallProbe(k, () => load(k, 'b/', BIG_KEYS, BIG_VALUE));
      big.value[k] = b.result;
      big.stall![k] = b.stallMs;
      log(`${k}: ${BIG_KEYS} big keys at ${Math.round(b.result)}/s`);
    }
    const rss = row('resident memory after load', 'MiB');
    // A data file mapped into the process (bbolt's mmap, LMDB's write map) counts in VmRSS as its
    // resident pages: the anonymous part is the memory the process itself holds.
    const anon = row('RSS: anonymous part (RssAnon: heaps)', 'MiB');
    const file = row('RSS: mapped-file part (RssFile: the data file)', 'MiB');
    const disk = row('on-disk size (data dir)', 'MiB');
    for (const k of kinds) {
      rss.value[k] = rssMb(servers[k]);
      anon.value[k] = rssMb(servers[k], 'RssAnon');
      file.value[k] = rssMb(servers[k], 'RssFile');
      disk.value[k] = duMb(servers[k].dir);
      log(`${k}: RSS ${rss.value[k].toFixed(0)} MiB (anonymous ${anon.value[k].toFixed(0)}, mapped files ${file.value[k].toFixed(0)}), disk ${disk.value[k].toFixed(0)} MiB`);
    }
    if (SNAPSHOT_ONLY) {
      await snapshotRows(servers, row, work);
      printTable(rows);
      rmSync(work, { recursive: true, force: true });
      return;
    }
    // Ranges are quick and the machine is shared: rounds interleaved between the servers, the
    // median time and the longest stall of all rounds.
    const full = row(`range s/ keys-only, no limit (median of ${RANGE_ROUNDS})`, 'ms');
    const tenK = row(`range 10 000 keys (keys-only, median of ${RANGE_ROUNDS})`, 'ms');
    const times: Record<Kind, { full: number[]; tenK: number[] }> = { etcd: { full: [], tenK: [] }, dcsgw: { full: [], tenK: [] } };
    for (const k of kinds) full.stall![k] = tenK.stall![k] = 0;
    for (let round = 0; round < RANGE_ROUNDS; round++) {
      for (const k of kinds) {
        const f = await withStallProbe(k, () => timed(() => range(k, 's/', 's0', 0)));
        times[k].full.push(f.result.ms);
        full.stall![k] = Math.max(full.stall![k], f.stallMs);
        const t = await withStallProbe(k, () => timed(() => range(k, 's/', 's0', 10_000)));
        times[k].tenK.push(t.result.ms);
        tenK.stall![k] = Math.max(tenK.stall![k], t.stallMs);
        log(`${k}: full range ${f.result.ms.toFixed(0)} ms, 10k range ${t.result.ms.toFixed(1)} ms (round ${round + 1})`);
      }
    }
    for (const k of kinds) {
      full.value[k] = median(times[k].full);
      tenK.value[k] = median(times[k].tenK);
    }
    if (RANGES_ONLY) {
      printTable(rows);
      rmSync(work, { recursive: true, force: true });
      return;
    }
    const watch = row(`watch from rev 1: ${WATCH_EVENTS} events delivered`, 'ms');
    for (const k of kinds) {
      const w = await withStallProbe(k, () => watchFromOld(k, WATCH_EVENTS));
      watch.value[k] = w.result;
      watch.stall![k] = w.stallMs;
      log(`${k}: watch from rev 1 delivered ${WATCH_EVENTS} events in ${w.result.toFixed(0)} ms`);
    }
    // Overwrite the small keys once so compaction has a revision per key to remove.
    const over = row(`overwrite ${KEYS} x ${VALUE} B`, 'puts/s', true);
    for (const k of kinds) {
      const o = await withStallProbe(k, () => load(k, 's/', KEYS, VALUE));
      over.value[k] = o.result;
      over.stall![k] = o.stallMs;
    }
    const compactRow = row('compaction --physical (all keys overwritten once)', 'ms');
    const defragRow = row('defragmentation', 'ms');
    const dbBefore = row('db size before compaction', 'MiB');
    const dbAfter = row('db size after compaction + defrag', 'MiB');
    for (const k of kinds) {
      dbBefore.value[k] = await dbSizeMb(k);
      const rev = await revision(k);
      const c = await withStallProbe(k, () => timed(() => etcdctl(k, 'compaction', '--physical', String(rev))));
      compactRow.value[k] = c.result.ms;
      compactRow.stall![k] = c.stallMs;
      const d = await withStallProbe(k, () => timed(() => etcdctl(k, 'defrag')));
      defragRow.value[k] = d.result.ms;
      defragRow.stall![k] = d.stallMs;
      dbAfter.value[k] = await dbSizeMb(k);
      log(`${k}: compaction ${c.result.ms.toFixed(0)} ms, defrag ${d.result.ms.toFixed(0)} ms, db ${dbBefore.value[k].toFixed(0)} -> ${dbAfter.value[k].toFixed(0)} MiB`);
    }
    await snapshotRows(servers, row, work);
    printTable(rows);
    rmSync(work, { recursive: true, force: true });
  } finally {
    for (const k of kinds) await stop(servers[k]);
    if (existsSync(work)) log(`kept ${work} (server logs: *.log)`);
  }
}

/**
 * snapshot save (under the stall probe), restart to ready, etcdctl snapshot restore + start on the
 * restored dir: SNAPSHOT_ROUNDS rounds alternating between the servers, each left running after.
 */
async function snapshotRows(servers: Record<Kind, Server>, row: (name: string, unit: string) => Row, work: string): Promise<void> {
  const kinds = KINDS;
  const save = row('snapshot save', 'ms');
  const restore = row('snapshot restore + start to ready', 'ms');
  const restart = row('restart to ready', 'ms');
  const times: Record<Kind, { save: number[]; restore: number[]; restart: number[] }> = {
    etcd: { save: [], restore: [], restart: [] },
    dcsgw: { save: [], restore: [], restart: [] },
  };
  for (const k of kinds) save.stall![k] = 0;
  for (let round = 0; round < SNAPSHOT_ROUNDS; round++) {
    for (const k of kinds) {
      const file = join(work, `${k}.snap.db`);
      rmSync(file, { force: true });
      const sv = await withStallProbe(k, () => timed(() => etcdctl(k, 'snapshot', 'save', file)));
      times[k].save.push(sv.result.ms);
      save.stall![k] = Math.max(save.stall![k], sv.stallMs);
      await stop(servers[k]);
      const t0 = performance.now();
      start(servers[k]);
      times[k].restart.push(await waitReady(servers[k], t0));
      log(`${k}: snapshot save ${sv.result.ms.toFixed(0)} ms, restart to ready ${times[k].restart.at(-1)!.toFixed(0)} ms (round ${round + 1})`);
      await stop(servers[k]);
      const restored: Server = { kind: k, dir: join(work, `${k}-restored`) };
      rmSync(restored.dir, { recursive: true, force: true });
      const p = PORTS[k];
      const r0 = performance.now();
      const r = spawnSync('/usr/bin/etcdctl', ['snapshot', 'restore', file, '--data-dir', restored.dir, '--name', `${k}1`, '--initial-cluster', `${k}1=http://127.0.0.1:${p.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
      if (r.status !== 0) throw new Error(`snapshot restore (${k}): ${r.stderr}`);
      start(restored);
      times[k].restore.push(await waitReady(restored, r0));
      log(`${k}: snapshot restore + start ${times[k].restore.at(-1)!.toFixed(0)} ms (round ${round + 1})`);
      await stop(restored);
      rmSync(restored.dir, { recursive: true, force: true });
      if (round + 1 < SNAPSHOT_ROUNDS) {
        start(servers[k]);
        await waitReady(servers[k], performance.now());
      }
    }
  }
  for (const k of kinds) {
    save.value[k] = median(times[k].save);
    restore.value[k] = median(times[k].restore);
    restart.value[k] = median(times[k].restart);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function printTable(rows: Row[]): void {
  console.log('');
  console.log('| measure | dcsgw | etcd 3.4.23 | dcsgw/etcd | max stall dcsgw / etcd (ms) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = r.value.dcsgw / r.value.etcd;
    const stall = r.stall && Number.isFinite(r.stall.dcsgw) ? `${fmt(r.stall.dcsgw)} / ${fmt(r.stall.etcd)}` : '';
    console.log(`| ${r.name} | ${fmt(r.value.dcsgw)} ${r.unit} | ${fmt(r.value.etcd)} ${r.unit} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-'}${r.higherBetter ? ' (rate)' : ''} | ${stall} |`);
  }
}

/**
 * V8's GC pauses as PerformanceObserver 'gc' entries (each one's main-thread pause): the cause of an
 * event-loop stall told apart from the work itself. mark()/since(m): the pauses after a mark.
 */
function watchGcPauses(): { mark(): number; since(m: number): { longest: number; total: number; count: number } } {
  const pauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.duration);
  }).observe({ entryTypes: ['gc'] });
  return {
    mark: () => pauses.length,
    since(m) {
      const xs = pauses.slice(m);
      return { longest: xs.length > 0 ? Math.max(...xs) : 0, total: xs.reduce((a, b) => a + b, 0), count: xs.length };
    },
  };
}

/** The store alone: N keys written twice, then compaction and defragmentation under monitorEventLoopDelay. */
async function storeOnly(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-scale-store-'));
  // --batch-limit above --keys: the whole compaction inside its apply (how it was before the background compactor).
  const batchLimit = arg('batch-limit', 1000);
  const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }), compactionBatchLimit: batchLimit });
  let index = 0;
  const value = Buffer.alloc(VALUE, 'v');
  const gcPauses = watchGcPauses();
  try {
    const t0 = performance.now();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < KEYS; i += 1000) {
        const batch = [];
        for (let j = i; j < Math.min(KEYS, i + 1000); j++) batch.push({ index: ++index, term: 1, command: { kind: 'put' as const, req: putRequest(key('s/', j), value) } });
        store.applyBatch(batch);
        if (i % 100_000 === 0) log(`store: round ${round + 1}, ${i}/${KEYS} keys`);
      }
    }
    log(`store: ${2 * KEYS} puts applied in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 100)); // gc entries are delivered asynchronously
    const load = gcPauses.since(0);
    const phase = async (name: string, fn: () => Promise<void>) => {
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      const g = gcPauses.mark();
      const p0 = performance.now();
      await fn();
      const ms = performance.now() - p0;
      h.disable();
      await new Promise((r) => setTimeout(r, 100)); // gc entries are delivered asynchronously
      const gc = gcPauses.since(g);
      console.log(`| ${name} at ${KEYS} keys | ${ms.toFixed(0)} ms | ${(h.max / 1e6).toFixed(1)} ms | ${gc.longest.toFixed(1)} ms (${gc.total.toFixed(0)} ms in ${gc.count}) |`);
    };
    console.log('');
    const heap = process.memoryUsage();
    console.log(`heap used ${(heap.heapUsed / 1048576).toFixed(0)} MiB, RSS ${(heap.rss / 1048576).toFixed(0)} MiB; load: longest GC pause ${load.longest.toFixed(1)} ms, ${load.total.toFixed(0)} ms of GC in ${load.count} pauses`);
    console.log('| store phase | time | longest event-loop stall | longest GC pause (total in n) |');
    console.log('|---|---|---|---|');
    // The machine's own noise: the same heap, nothing to do (other processes, GC of the loaded index).
    await phase('idle baseline (4 s, same heap)', () => new Promise((r) => setTimeout(r, 4000)));
    // Range reads as the server runs them (in slices across event-loop turns), then the parts that
    // still run in one piece: the same range unsliced (a txn's range) and the answer's gRPC encoding.
    const all = rangeRequest(Buffer.from('s/'), { rangeEnd: Buffer.from('s0'), keysOnly: true });
    await store.rangeSliced({ ...all, limit: 10_000 }); // compiled before it is timed, as in a running server
    let answer: RangeResult | undefined;
    await phase('range s/ keys-only, no limit (sliced)', async () => void (answer = await store.rangeSliced(all)));
    await phase('range 10 000 keys, keys-only (sliced)', async () => void (await store.rangeSliced({ ...all, limit: 10_000 })));
    await phase('range 10 000 keys with values (sliced)', async () => void (await store.rangeSliced({ ...all, keysOnly: false, limit: 10_000 })));
    const e0 = performance.now();
    store.range(all);
    console.log(`| range s/ keys-only, no limit, in one piece (as inside a txn) | ${(performance.now() - e0).toFixed(0)} ms | the same (one turn) | |`);
    const response = { header: { clusterId: 1n, memberId: 1n, revision: answer!.revision, raftTerm: 2 }, kvs: answer!.kvs, more: false, count: answer!.count };
    // As the gRPC server encodes it: in slices across turns when the answer is large.
    await phase(`gRPC encoding of that answer (${answer!.kvs.length} kvs)`, async () => void (await (fastRangeResponse.encodeFramedSliced?.(response) ?? fastRangeResponse.encodeFramed?.(response))));
    const rev = store.currentRevision();
    let applyMs = 0;
    await phase('compaction (apply, then background removal to the end)', async () => {
      const a0 = performance.now();
      const [r] = store.applyBatch([{ index: ++index, term: 1, command: { kind: 'compaction', req: { revision: rev, physical: true } } }]);
      applyMs = performance.now() - a0;
      if (!r!.ok) throw r!.error;
      await store.waitPhysicalCompaction(rev);
    });
    console.log(`| compaction apply alone | ${applyMs.toFixed(1)} ms | | |`);
    const st = store.compactionSteps();
    console.log(`| background compaction: ${st.steps} steps of <= ${batchLimit} keys, the longest | ${st.longestStepMs.toFixed(1)} ms | | |`);
    const before = store.dbSize();
    await phase('defragmentation', () => store.defragment());
    console.log(`| db file before / after defragmentation | ${(before / 1048576).toFixed(0)} / ${(store.dbSize() / 1048576).toFixed(0)} MiB | | |`);
  } finally {
    store.close();
    await new Promise((r) => setTimeout(r, 500)); // the environment closes asynchronously
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread && (workerData as { probeThread?: boolean } | undefined)?.probeThread) probeThread();
else
  (process.argv.includes('--store-only') ? storeOnly() : main()).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
