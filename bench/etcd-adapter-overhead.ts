// What `dcsgw --backend etcd://` costs over talking to the same genuine etcd directly: gRPC Put and
// (linearizable) Range of one key, sent by one lean HTTP/2 gRPC client (bench/h2-grpc-client.ts)
// either to genuine etcd or to a dcsgw process whose backend is that etcd. Reported per op: etcd's
// CPU, the gateway's CPU (dcsgw process) and both together, at 1 and 64 requests in flight, medians
// of interleaved rounds (the machine is shared). Ops/s are shown but swing; judge by CPU per op.
// Run: npm run build && node dist/bench/etcd-adapter-overhead.js [rounds] [opsPerRun]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { repoRoot } from './servers.js';
import { cpuOf, freePort, interleavedRounds, measure, median, type Sample } from './shared-adapter-overhead.js';

const rounds = Number(process.argv[2] ?? 3);
const opsPerRun = Number(process.argv[3] ?? 4000);
const KEYS = 1000;
const VALUE = Buffer.alloc(256, 0x61);

/** Protobuf length-delimited field (wire type 2). */
function field(no: number, bytes: Buffer): Buffer {
  const len: number[] = [];
  let n = bytes.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([(no << 3) | 2, ...len]), bytes]);
}

/** The 5-byte gRPC message prefix (not compressed, length). */
function framed(msg: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(`bench/adapter/key-${String(i).padStart(5, '0')}`));
const putFrames = keys.map((k) => framed(Buffer.concat([field(1, k), field(2, VALUE)])));
const rangeFrames = keys.map((k) => framed(field(1, k)));
const PUT = '/etcdserverpb.KV/Put';
const RANGE = '/etcdserverpb.KV/Range';

async function waitHealthy(url: string, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited (${proc.exitCode})`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok && ((await r.json()) as { health?: string }).health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy`);
}

function call(conn: H2GrpcConnection, path: string, frame: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    conn.unary(path, frame, (err, status, message) => (err ? reject(err) : status !== 0 ? reject(new Error(`grpc ${status} ${message}`)) : resolve())),
  );
}

type Meter = 'etcd' | 'gateway';

async function main(): Promise<void> {
  const taken = new Set<number>();
  const [etcdClient, etcdPeer, gwClient, gwPeer] = [
    await freePort(13900, 13999, taken), await freePort(13900, 13999, taken), await freePort(13900, 13999, taken), await freePort(13900, 13999, taken),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-etcd-adapter-bench-'));
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const gwUrl = `http://127.0.0.1:${gwClient}`;
  const etcd = spawn('etcd', ['--name', 'bench', '--data-dir', join(dir, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster', `bench=http://127.0.0.1:${etcdPeer}`, '--log-level', 'error', '--logger', 'zap'], { stdio: 'ignore' });
  const gateway = spawn(process.execPath, [join(repoRoot, 'bin', 'dcsgw'), '--backend', `etcd://127.0.0.1:${etcdClient}`, '--name', 'gw', '--data-dir', join(dir, 'gw'),
    '--listen-client-urls', gwUrl, '--advertise-client-urls', gwUrl, '--listen-peer-urls', `http://127.0.0.1:${gwPeer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${gwPeer}`, '--initial-cluster', `gw=http://127.0.0.1:${gwPeer}`,
    '--consul-http-addr', 'off', '--consul-dns-addr', 'off', '--log-level', 'error'], { stdio: 'ignore' });
  let direct: H2GrpcConnection | undefined;
  let viaGateway: H2GrpcConnection | undefined;
  try {
    await waitHealthy(etcdUrl, etcd);
    await waitHealthy(gwUrl, gateway);
    // connected once both listen (a session refused at connect never becomes ready)
    direct = new H2GrpcConnection(etcdUrl);
    viaGateway = new H2GrpcConnection(gwUrl);
    await Promise.all([direct.ready(), viaGateway.ready()]);
    const meters = { etcd: cpuOf(etcd.pid!), gateway: cpuOf(gateway.pid!) };
    const cases = [
      { op: 'put', via: 'etcd directly', conn: direct, path: PUT, frames: putFrames },
      { op: 'put', via: 'dcsgw --backend etcd://', conn: viaGateway, path: PUT, frames: putFrames },
      { op: 'range', via: 'etcd directly', conn: direct, path: RANGE, frames: rangeFrames },
      { op: 'range', via: 'dcsgw --backend etcd://', conn: viaGateway, path: RANGE, frames: rangeFrames },
    ].map((c) => ({ ...c, name: `${c.op}|${c.via}` }));
    const timed = (c: (typeof cases)[number], concurrency: number): Promise<Sample<Meter>> =>
      measure(opsPerRun, concurrency, (i) => call(c.conn, c.path, c.frames[i % KEYS]!), meters);
    // warm up: every key written, JIT and connections hot
    for (const c of cases) await timed(c, 16);
    const samplesOf = await interleavedRounds(rounds, [1, 64], cases, timed);
    console.log(`genuine etcd ${etcdClient}, dcsgw --backend on ${gwClient}; ${opsPerRun} ops per run, ${rounds} rounds, 256-byte values over ${KEYS} keys; medians; CPU in us per op`);
    console.log('| op | in flight | via | ops/s | etcd CPU | gateway CPU | total CPU | gateway CPU / direct total | total / direct total |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const op of ['put', 'range']) {
      for (const concurrency of [1, 64]) {
        const rows = cases.filter((c) => c.op === op).map((c) => {
          const s = samplesOf(c.name, concurrency);
          return { via: c.via, ops: median(s.map((x) => x.opsPerSec)), etcd: median(s.map((x) => x.us.etcd)), gw: median(s.map((x) => x.us.gateway)), total: median(s.map((x) => x.us.etcd + x.us.gateway)) };
        });
        const base = rows[0]!;
        for (const r of rows) {
          const viaGw = r !== base;
          console.log(`| ${op} | ${concurrency} | ${r.via} | ${Math.round(r.ops)} | ${r.etcd.toFixed(1)} | ${viaGw ? r.gw.toFixed(1) : '-'} | ${(viaGw ? r.total : r.etcd).toFixed(1)} | ${viaGw ? `${Math.round((100 * r.gw) / base.etcd)} %` : ''} | ${viaGw ? `${(r.total / base.etcd).toFixed(2)}x` : ''} |`);
        }
      }
    }
  } finally {
    direct?.close();
    viaGateway?.close();
    for (const p of [gateway, etcd]) {
      p.kill('SIGTERM');
      if (p.exitCode === null) await new Promise((r) => p.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
