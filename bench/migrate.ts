// `dcsgw migrate` etcd -> etcd throughput beside genuine `etcdctl make-mirror` in the same run,
// genuine etcd 3.4 on every side: one source holding N keys, two empty destinations. Each round
// times (wall clock, process start to the last key in the destination) `dcsgw migrate --no-verify`
// into one destination and `etcdctl make-mirror` into the other (make-mirror never exits: it is
// timed until the destination holds every key, polled every 10 ms, then stopped); then
// `dcsgw migrate` with its verification. Rounds interleave and the medians are reported, with the
// peak RSS of the migrate process. `--memory` instead copies 100 000 keys of 10 KiB (1 GiB of
// values) etcd -> etcd and etcd -> snapshot file and reports the peak RSS against the data size.
// Run: npm run build && node dist/bench/migrate.js [rounds] [keys] [valueBytes]   (or --memory)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtcdBackend } from '../src/adapters/etcd.js';
import { prefixEnd, putRequest, rangeRequest } from '../src/adapters/requests.js';
import { allocatePorts } from '../test/support/ports.js';

const memoryMode = process.argv.includes('--memory');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rounds = memoryMode ? 1 : Number(args[0] ?? 3);
const KEYS = memoryMode ? 100_000 : Number(args[1] ?? 20_000);
const VALUE = memoryMode ? 10_240 : Number(args[2] ?? 1024);
const PORTS = { from: 12500, to: 12599 };
const root = join(import.meta.dirname, '..', '..');
const PREFIX = 'bench/';
const work = mkdtempSync(join(tmpdir(), 'dcsgw-bench-migrate-'));
const children: ChildProcess[] = [];

interface Etcd {
  endpoint: string;
  proc: ChildProcess;
}

async function startEtcd(name: string): Promise<Etcd> {
  const [client, peer] = await allocatePorts(2, PORTS);
  const url = `http://127.0.0.1:${client}`;
  const proc = spawn('etcd', ['--name', name, '--data-dir', join(work, name), '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `${name}=http://127.0.0.1:${peer}`, '--quota-backend-bytes', String(8 * 1024 ** 3)], { stdio: 'ignore' });
  children.push(proc);
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok).catch(() => false);
    if (ok) return { endpoint: `127.0.0.1:${client}`, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd ${name} did not start`);
}

async function count(endpoint: string): Promise<number> {
  const b = createEtcdBackend({ endpoints: [endpoint] });
  try {
    return (await b.range(rangeRequest(Buffer.from(PREFIX), { rangeEnd: prefixEnd(Buffer.from(PREFIX)), countOnly: true }))).count;
  } finally {
    await b.close();
  }
}

async function load(endpoint: string): Promise<void> {
  const b = createEtcdBackend({ endpoints: [endpoint] });
  const value = Buffer.alloc(VALUE);
  let seed = 1;
  for (let i = 0; i < KEYS; i += 128) {
    const success = [];
    for (let j = i; j < Math.min(KEYS, i + 128); j++) {
      for (let k = 0; k < 16; k++) value[(j * 16 + k) % VALUE] = (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
      success.push({ requestPut: putRequest(Buffer.from(`${PREFIX}${String(j).padStart(7, '0')}`), Buffer.from(value)) });
    }
    await b.txn({ compare: [], success, failure: [] });
    if (memoryMode && i % 10_240 === 0) process.stderr.write(`loading ${i}/${KEYS}\r`);
  }
  await b.close();
}

async function clear(endpoint: string): Promise<void> {
  const b = createEtcdBackend({ endpoints: [endpoint] });
  await b.deleteRange({ key: Buffer.from(PREFIX), rangeEnd: prefixEnd(Buffer.from(PREFIX)), prevKv: false });
  await b.close();
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Run {
  seconds: number;
  rssMb: number;
}

/** Runs dcsgw migrate to its end; the peak RSS is polled while it runs (VmHWM only grows). */
async function dcsgwMigrate(src: string, dst: string, extra: string[]): Promise<Run> {
  const start = process.hrtime.bigint();
  const p = spawn(process.execPath, [join(root, 'bin', 'dcsgw'), 'migrate', src, dst, '--prefix', PREFIX, '--quiet', '--json', ...extra], { stdio: ['ignore', 'pipe', 'inherit'], cwd: work });
  let out = '';
  p.stdout!.on('data', (c: Buffer) => (out += c));
  let rss = 0;
  const poll = setInterval(() => (rss = Math.max(rss, peakRssMb(p.pid!))), 20);
  const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  clearInterval(poll);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) throw new Error(`dcsgw migrate exited ${code}: ${out}`);
  const summary = JSON.parse(out) as { keys: number; verify?: { ok: boolean } };
  if (summary.keys !== KEYS || (summary.verify && !summary.verify.ok)) throw new Error(`dcsgw migrate: ${out.slice(0, 2000)}`);
  return { seconds, rssMb: rss };
}

async function makeMirror(src: string, dst: string): Promise<Run> {
  const start = process.hrtime.bigint();
  const p = spawn('etcdctl', ['--endpoints', src, 'make-mirror', '--prefix', PREFIX, dst], { stdio: 'ignore', env: { ...process.env, ETCDCTL_API: '3' } });
  let rss = 0;
  const b = createEtcdBackend({ endpoints: [dst] });
  for (;;) {
    rss = Math.max(rss, peakRssMb(p.pid!));
    const n = (await b.range(rangeRequest(Buffer.from(PREFIX), { rangeEnd: prefixEnd(Buffer.from(PREFIX)), countOnly: true }))).count;
    if (n >= KEYS) break;
    if (p.exitCode !== null) throw new Error(`make-mirror exited ${p.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  p.kill('SIGTERM');
  await b.close();
  return { seconds, rssMb: rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = KEYS * (VALUE + PREFIX.length + 7) / 1e6;

async function main(): Promise<void> {
  const [src, d1, d2] = await Promise.all([startEtcd('src'), startEtcd('dst1'), startEtcd('dst2')]);
  console.log(`loading ${KEYS} keys of ${VALUE} bytes (${mb.toFixed(1)} MB) into genuine etcd ${src.endpoint}`);
  await load(src.endpoint);
  if (memoryMode) {
    const a = await dcsgwMigrate(`etcd://${src.endpoint}`, `etcd://${d1.endpoint}`, []);
    console.log(`etcd -> etcd (with verification): ${KEYS} keys, ${mb.toFixed(0)} MB in ${a.seconds.toFixed(1)} s (${(mb / a.seconds).toFixed(1)} MB/s), peak RSS ${a.rssMb.toFixed(0)} MB`);
    const snap = join(work, 'big.db');
    const s = await dcsgwMigrate(`etcd://${src.endpoint}`, `file:${snap}`, []);
    console.log(`etcd -> snapshot file (with verification): ${(statSync(snap).size / 1e6).toFixed(0)} MB file in ${s.seconds.toFixed(1)} s, peak RSS ${s.rssMb.toFixed(0)} MB`);
    const json = join(work, 'big.json');
    const j = await dcsgwMigrate(`file:${snap}`, `file:${json}`, []);
    console.log(`snapshot -> JSON file (with verification): ${(statSync(json).size / 1e6).toFixed(0)} MB file in ${j.seconds.toFixed(1)} s, peak RSS ${j.rssMb.toFixed(0)} MB`);
    return;
  }
  const ours: Run[] = [];
  const theirs: Run[] = [];
  const verified: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    await Promise.all([clear(d1.endpoint), clear(d2.endpoint)]);
    ours.push(await dcsgwMigrate(`etcd://${src.endpoint}`, `etcd://${d1.endpoint}`, ['--no-verify']));
    theirs.push(await makeMirror(src.endpoint, d2.endpoint));
    if ((await count(d1.endpoint)) !== KEYS || (await count(d2.endpoint)) !== KEYS) throw new Error('a destination is incomplete');
    await clear(d1.endpoint);
    verified.push(await dcsgwMigrate(`etcd://${src.endpoint}`, `etcd://${d1.endpoint}`, []));
    console.log(`round ${r + 1}: dcsgw migrate ${ours[r]!.seconds.toFixed(2)} s, make-mirror ${theirs[r]!.seconds.toFixed(2)} s, dcsgw migrate + verify ${verified[r]!.seconds.toFixed(2)} s`);
  }
  const row = (name: string, runs: Run[]) => {
    const s = median(runs.map((x) => x.seconds));
    return { name, s, line: `| ${name} | ${s.toFixed(2)} | ${Math.round(KEYS / s)} | ${(mb / s).toFixed(1)} | ${median(runs.map((x) => x.rssMb)).toFixed(0)} |` };
  };
  const o = row('`dcsgw migrate --no-verify`', ours);
  const t = row('`etcdctl make-mirror` (genuine 3.4)', theirs);
  const v = row('`dcsgw migrate` (copy + key-by-key verification)', verified);
  console.log(`\n${KEYS} keys x ${VALUE} B, etcd -> etcd, median of ${rounds} rounds\n`);
  console.log('| tool | seconds | keys/s | MB/s | peak RSS MB |\n|---|---|---|---|---|');
  console.log(`${o.line}\n${t.line}\n${v.line}`);
  console.log(`\nratio (make-mirror time / dcsgw migrate time): ${(t.s / o.s).toFixed(2)}x without verification, ${(t.s / v.s).toFixed(2)}x with it`);
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
