// Where one write's time goes (issue 10): a single client puts one key at a time into genuine etcd
// and into dcsgw (single member each, started as `npm run bench` starts them), in interleaved
// rounds, while in the same rounds this process measures a plain durable append of the same
// size on the same disk — the floor any server pays. dcsgw runs with DCSGW_WRITE_TRACE, so it
// reports its own phases (src/native/node/write-trace.ts); what the client sees beyond them is
// the gRPC layer (receive, decode, encode, respond) and loopback.
//
//   node dist/bench/write-breakdown.js [--rounds 6] [--seconds 2] [--variant NAME=VALUE]
//
// --variant starts a second dcsgw with that environment variable set (e.g.
// DCSGW_WAL_INLINE_MAX_ENTRIES=0) and puts to it in the same turns: an A/B under the same disk.
// --tree NAME=DIR starts the second dcsgw from another compiled tree instead (DIR as for
// bench/ab.ts: `npx tsc -p tsconfig.json --outDir DIR`, package.json "type": "module", a
// node_modules and a proto link, bin/dcsgw importing ../src/cli/main.js, a dist -> . link), traced
// too: the phases of a change and of the tree before it, side by side from the same turns.
// Ports: DCSGW_BENCH_PORT_BASE as for `npm run bench` (the variant uses base + 300).
import { closeSync, constants, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, write, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { putRequest } from '../src/adapters/requests.js';
import { fastPutRequest } from '../src/gateway/etcd/codec/fast-kv.js';
import { encodeCommand } from '../src/native/mvcc/command.js';
import { EnvelopeKind, encodeEnvelope } from '../src/native/node/envelope.js';
import { WRITE_TRACE_PHASES, type WriteTraceDump } from '../src/native/node/write-trace.js';
import { HARD_STATE_FRAME_SIZE, entryFrameSize } from '../src/native/wal/record.js';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { Histogram } from './histogram.js';
import { benchKey } from './load-protocol.js';
import { processCpuUs } from './proc-cpu.js';
import { type RunningServer, startServer } from './servers.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const ROUNDS = arg('--rounds', 6);
const SECONDS = arg('--seconds', 2);
const VALUE = Buffer.alloc(256, 0x61);
const KEYS = 10_000;
const vi = process.argv.indexOf('--variant');
const VARIANT = vi > 0 ? (process.argv[vi + 1] ?? '') : '';
const ti = process.argv.indexOf('--tree');
const TREE = ti > 0 ? (process.argv[ti + 1] ?? '') : '';

function frames(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < KEYS; i++) out.push(fastPutRequest.encodeFramed?.(putRequest(benchKey((i * 7919) % KEYS, 8), VALUE)) as Buffer);
  return out;
}

/** Bytes one put adds to dcsgw's WAL: the entry frame and the hard state saved with it. */
function walBytesPerPut(): number {
  const cmd = encodeCommand({ kind: 'put', req: putRequest(benchKey(1, 8), VALUE) });
  const data = encodeEnvelope(EnvelopeKind.Store, 1n, 1, cmd);
  return entryFrameSize({ index: 1, term: 1, type: 0, data } as Parameters<typeof entryFrameSize>[0]) + HARD_STATE_FRAME_SIZE;
}

interface Side {
  conn: H2GrpcConnection;
  pid: number;
  rtt: Histogram;
  ops: number;
  cpuUs: number;
}

function putOnce(side: Side, frame: Buffer): Promise<void> {
  const t0 = performance.now();
  return new Promise<void>((resolve, reject) =>
    side.conn.unary('/etcdserverpb.KV/Put', frame, (err, status, message) => {
      if (err || status !== 0) return reject(err ?? new Error(`grpc status ${status}: ${message}`));
      side.rtt.record((performance.now() - t0) * 1000);
      side.ops++;
      resolve();
    }),
  );
}

/** A durable append of buf: on this thread (the syscall alone) or through the thread pool. */
function appendInline(fd: number, buf: Buffer, h: Histogram): void {
  const t0 = performance.now();
  writeSync(fd, buf);
  if (constants.O_DSYNC === undefined) fdatasyncSync(fd);
  h.record((performance.now() - t0) * 1000);
}
function appendPooled(fd: number, buf: Buffer, h: Histogram): Promise<void> {
  const t0 = performance.now();
  return new Promise<void>((resolve, reject) =>
    write(fd, buf, (err) => {
      if (err) return reject(err);
      h.record((performance.now() - t0) * 1000);
      resolve();
    }),
  );
}

/**
 * One round: for `seconds`, one etcd put, one dcsgw put, one plain append on this thread and one
 * through the thread pool, in turn — so all four see the same disk (others' load on a shared disk
 * changes fsync times by 10x from one second to the next).
 */
async function round(sides: Side[], fr: Buffer[], fd: number, buf: Buffer, seconds: number, inline: Histogram, pooled: Histogram, measure: boolean): Promise<void> {
  const cpu0 = sides.map((s) => processCpuUs(s.pid));
  const end = performance.now() + seconds * 1000;
  let i = 0;
  const scratch = new Histogram();
  while (performance.now() < end) {
    const frame = fr[i++ % fr.length] as Buffer;
    for (const s of sides) await putOnce(s, frame);
    appendInline(fd, buf, measure ? inline : scratch);
    await appendPooled(fd, buf, measure ? pooled : scratch);
  }
  sides.forEach((s, k) => (s.cpuUs += processCpuUs(s.pid) - (cpu0[k] as number)));
}

function pct(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}
const meanOf = (h: Histogram): number => h.counts.reduce((a, c, i) => a + c * Math.exp(i * Math.log(1.02)), 0) / h.total;
const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'dcsgw-write-breakdown-'));
  const traceFile = join(work, 'trace.json');
  process.env['DCSGW_WRITE_TRACE'] = traceFile;
  const fr = frames();
  const size = walBytesPerPut();
  const servers: RunningServer[] = [];
  const cleanup = async (): Promise<void> => {
    for (const s of servers.splice(0)) await s.stop();
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const etcd = await startServer('etcd', 1);
    servers.push(etcd);
    const dcsgw = await startServer('dcsgw', 1);
    servers.push(dcsgw);
    delete process.env['DCSGW_WRITE_TRACE'];
    const traces: { name: string; file: string }[] = [{ name: 'dcsgw', file: traceFile }];
    const side = (srv: RunningServer): Side => ({ conn: new H2GrpcConnection(srv.endpoints[0] as string), pid: srv.pids[0] as number, rtt: new Histogram(), ops: 0, cpuUs: 0 });
    const sides: Record<string, Side> & { etcd: Side; dcsgw: Side } = { etcd: side(etcd), dcsgw: side(dcsgw) };
    if (VARIANT) {
      const [name, value] = VARIANT.split('=') as [string, string];
      // A second instance of the servers module reads the moved port base at load.
      process.env['DCSGW_BENCH_PORT_BASE'] = String(Number(process.env['DCSGW_BENCH_PORT_BASE'] ?? 26500) + 300);
      process.env[name] = value;
      const spec = './servers.js?variant';
      const second = (await import(spec)) as typeof import('./servers.js');
      const b = await second.startServer('dcsgw', 1);
      servers.push(b);
      delete process.env[name];
      sides[`dcsgw ${VARIANT}`] = side(b);
    } else if (TREE) {
      const [name, dir] = TREE.split('=') as [string, string];
      process.env['DCSGW_BENCH_PORT_BASE'] = String(Number(process.env['DCSGW_BENCH_PORT_BASE'] ?? 26500) + 300);
      const file = join(work, `trace-${name}.json`);
      process.env['DCSGW_WRITE_TRACE'] = file;
      const other = (await import(join(resolve(dir), 'bench', 'servers.js'))) as typeof import('./servers.js');
      const b = await other.startServer('dcsgw', 1);
      servers.push(b);
      delete process.env['DCSGW_WRITE_TRACE'];
      sides[`dcsgw ${name}`] = side(b);
      traces.push({ name: `dcsgw ${name}`, file });
    }
    await Promise.all(Object.values(sides).map((s) => s.conn.ready()));
    const inline = new Histogram();
    const pooled = new Histogram();
    const plainPath = join(work, 'plain.wal');
    const fd = openSync(plainPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_DSYNC ?? 0), 0o600);
    const buf = Buffer.alloc(size, 0x62);
    try {
      // Warm-up (JIT, first segment, store files), not measured.
      await round(Object.values(sides), fr, fd, buf, 1, inline, pooled, false);
      for (const s of Object.values(sides)) Object.assign(s, { rtt: new Histogram(), ops: 0, cpuUs: 0 });
      for (let r = 0; r < ROUNDS; r++) {
        await round(Object.values(sides), fr, fd, buf, SECONDS, inline, pooled, true);
        process.stderr.write(`  round ${r + 1}/${ROUNDS}: ${sides.dcsgw.ops} puts each so far\n`);
      }
    } finally {
      closeSync(fd);
      for (const s of Object.values(sides)) s.conn.close();
    }
    await cleanup();
    const lines: string[] = [];
    lines.push(`one client, single member, ${ROUNDS} rounds of ${SECONDS} s, etcd put / dcsgw put / plain ${size}-byte durable appends in turn`);
    for (const t of traces) {
      const trace = JSON.parse(readFileSync(t.file, 'utf8')) as WriteTraceDump;
      const one = trace.entries.map((n, i) => (n === 1 ? i : -1)).filter((i) => i >= 0);
      const skipWarm = one.filter((i) => i >= Math.floor(trace.entries.length * 0.1));
      lines.push('');
      lines.push(`| phase (${t.name}, one put per Ready) | p50 us | p90 us | p99 us |`);
      lines.push('|---|---|---|---|');
      for (const ph of WRITE_TRACE_PHASES) {
        const vals = skipWarm.map((i) => trace.phases[ph][i] as number);
        lines.push(`| ${ph} | ${f(pct(vals, 0.5))} | ${f(pct(vals, 0.9))} | ${f(pct(vals, 0.99))} |`);
      }
      const inl = skipWarm.filter((i) => trace.inline[i] === 1).length;
      lines.push('');
      lines.push(`(${skipWarm.length} Readies of one entry traced; WAL written on the main thread in ${inl} of them)`);
    }
    lines.push('');
    lines.push('| measured from outside | p50 us | p90 us | p99 us | server CPU us/op |');
    lines.push('|---|---|---|---|---|');
    for (const [name, s] of Object.entries(sides)) {
      lines.push(`| ${name} put, client round trip | ${f(s.rtt.quantile(0.5))} | ${f(s.rtt.quantile(0.9))} | ${f(s.rtt.quantile(0.99))} | ${(s.cpuUs / s.ops).toFixed(1)} |`);
    }
    lines.push(`| plain ${size}-byte O_DSYNC append, main thread | ${f(inline.quantile(0.5))} | ${f(inline.quantile(0.9))} | ${f(inline.quantile(0.99))} | |`);
    lines.push(`| plain ${size}-byte O_DSYNC append, thread pool | ${f(pooled.quantile(0.5))} | ${f(pooled.quantile(0.9))} | ${f(pooled.quantile(0.99))} | |`);
    const et = sides.etcd;
    lines.push('');
    for (const [name, dc] of Object.entries(sides)) {
      if (dc === et) continue;
      lines.push(
        `${name} / etcd: mean round trip ${(meanOf(dc.rtt) / meanOf(et.rtt)).toFixed(2)}x, p50 ${(dc.rtt.quantile(0.5) / et.rtt.quantile(0.5)).toFixed(2)}x, CPU/op ${(dc.cpuUs / dc.ops / (et.cpuUs / et.ops)).toFixed(2)}x`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    await cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
