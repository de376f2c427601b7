// Watch fan-out (issue 10, item 4): W watchers on one prefix, writes at R/s under it, the delivery
// latency (write sent -> event received, per watcher) and the server's CPU, dcsgw beside genuine
// etcd 3.4 started the same way. Usage:
//   npm run bench:watch-fanout -- [--watchers 10000] [--rate 1000] [--seconds 10] [--streams 100]
// Watches are multiplexed as the Go client does: --streams gRPC Watch streams over 8 connections,
// watchers/streams watches on each. Each value carries its send time, so latency needs no clock
// beyond this process's. The client is one Node process: when it cannot keep up, "delivered/s"
// falls short of watchers x rate and the latencies include its own queueing (said in the output).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { putRequest, rangeRequest } from '../src/adapters/requests.js';
import { fastPutRequest, fastRangeRequest } from '../src/gateway/etcd/codec/fast-kv.js';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { Histogram } from './histogram.js';
import { processCpuUs } from './proc-cpu.js';
import { repoRoot } from './servers.js';

type Kind = 'etcd' | 'dcsgw';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const WATCHERS = arg('watchers', 10_000);
const RATE = arg('rate', 1000);
const SECONDS = arg('seconds', 10);
const STREAMS = Math.min(arg('streams', 100), WATCHERS);
const CONNECTIONS = 8;
const PORT_BASE = arg('port-base', 20200);
const PORTS: Record<Kind, { client: number; peer: number }> = {
  etcd: { client: PORT_BASE + 1, peer: PORT_BASE + 2 },
  dcsgw: { client: PORT_BASE + 11, peer: PORT_BASE + 12 },
};
const PREFIX = 'fan/';

const log = (msg: string) => console.log(`[watch-fanout ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const endpoint = (kind: Kind) => `http://127.0.0.1:${PORTS[kind].client}`;

function start(kind: Kind, dir: string): ChildProcess {
  const p = PORTS[kind];
  const args = [
    '--name', `${kind}1`, '--data-dir', dir,
    '--listen-client-urls', endpoint(kind), '--advertise-client-urls', endpoint(kind),
    '--listen-peer-urls', `http://127.0.0.1:${p.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
    '--initial-cluster', `${kind}1=http://127.0.0.1:${p.peer}`,
  ];
  const fd = openSync(`${dir}.log`, 'a');
  const child =
    kind === 'etcd'
      ? spawn('/usr/bin/etcd', args, { stdio: ['ignore', fd, fd] })
      : spawn(process.execPath, [join(repoRoot, 'bin', 'dcsgw'), ...args, '--consul-http-addr', 'off', '--consul-dns-addr', 'off'], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });
}

function unary(conn: H2GrpcConnection, path: string, frame: Buffer): Promise<number> {
  return new Promise((resolve, reject) => conn.unary(path, frame, (err, status, message) => (err ? reject(err) : status !== 0 ? reject(new Error(message)) : resolve(status))));
}

async function waitReady(kind: Kind, child: ChildProcess): Promise<void> {
  const probe = fastRangeRequest.encodeFramed?.(rangeRequest(Buffer.from('probe'))) as Buffer;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited`);
    const conn = new H2GrpcConnection(endpoint(kind));
    const ok = await Promise.race([unary(conn, '/etcdserverpb.KV/Range', probe).then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
    conn.session.destroy();
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- protobuf, only what a watch needs --------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lenField(field: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(data.length)]), data]);
}

/** WatchRequest{create_request: WatchCreateRequest{key, range_end}}, gRPC-framed. */
function watchCreateFrame(prefix: string): Buffer {
  const key = Buffer.from(prefix);
  const end = Buffer.from(key);
  end[end.length - 1]!++;
  const msg = lenField(1, Buffer.concat([lenField(1, key), lenField(2, end)]));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

function readVarint(b: Buffer, pos: { p: number }): number {
  let n = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos.p++]!;
    n += (byte & 0x7f) * mul;
    if (byte < 0x80) return n;
    mul *= 128;
  }
}

/** Calls onValue for each event's kv.value in a WatchResponse (field 11 events -> 2 kv -> 5 value). */
function eachEventValue(msg: Buffer, onValue: (v: Buffer) => void): void {
  const walk = (b: Buffer, path: number[], depth: number): void => {
    const pos = { p: 0 };
    while (pos.p < b.length) {
      const tag = readVarint(b, pos);
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 0) readVarint(b, pos);
      else if (wire === 2) {
        const len = readVarint(b, pos);
        const sub = b.subarray(pos.p, pos.p + len);
        pos.p += len;
        if (field === path[depth]) {
          if (depth === path.length - 1) onValue(sub);
          else walk(sub, path, depth + 1);
        }
      } else if (wire === 1) pos.p += 8;
      else if (wire === 5) pos.p += 4;
      else return;
    }
  };
  walk(msg, [11, 2, 5], 0);
}

// ---- the run ----------------------------------------------------------------------------------

interface Result {
  delivered: number;
  expected: number;
  hist: Histogram;
  serverCpuS: number;
  seconds: number;
}

async function run(kind: Kind, child: ChildProcess): Promise<Result> {
  const sessions = Array.from({ length: CONNECTIONS }, () => http2.connect(endpoint(kind), { settings: { initialWindowSize: 1 << 22 } }));
  for (const s of sessions) s.on('error', () => undefined);
  const hist = new Histogram();
  let delivered = 0;
  let created = 0;
  let measuring = false;
  const streams: http2.ClientHttp2Stream[] = [];
  const perStream = Math.ceil(WATCHERS / STREAMS);
  let remaining = WATCHERS;
  for (let s = 0; s < STREAMS && remaining > 0; s++) {
    const st = sessions[s % sessions.length]!.request({ ':method': 'POST', ':path': '/etcdserverpb.Watch/Watch', 'content-type': 'application/grpc', te: 'trailers' });
    st.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    st.on('data', (d: Buffer) => {
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      while (pending.length >= 5) {
        const len = pending.readUInt32BE(1);
        if (pending.length < 5 + len) break;
        const msg = pending.subarray(5, 5 + len);
        pending = pending.subarray(5 + len);
        let events = 0;
        eachEventValue(msg, (v) => {
          events++;
          if (measuring && v.length === 8) {
            hist.record((performance.now() - v.readDoubleLE(0)) * 1000);
            delivered++;
          }
        });
        if (events === 0) created++; // a created (or progress) response
      }
    });
    const n = Math.min(perStream, remaining);
    remaining -= n;
    const frame = watchCreateFrame(PREFIX);
    for (let i = 0; i < n; i++) st.write(frame);
    streams.push(st);
  }
  const t0 = performance.now();
  while (created < WATCHERS) {
    if (performance.now() - t0 > 120_000) throw new Error(`${kind}: only ${created}/${WATCHERS} watches created`);
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`${kind}: ${WATCHERS} watchers on ${PREFIX} over ${streams.length} streams`);
  const writer = new H2GrpcConnection(endpoint(kind));
  const value = Buffer.alloc(8);
  const cpu0 = processCpuUs(child.pid!);
  const w0 = performance.now();
  measuring = true;
  let sent = 0;
  let inFlight = 0;
  const total = RATE * SECONDS;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      // Open loop: the writes due by now, whatever the answers (up to 64 outstanding).
      const due = Math.min(total, Math.floor(((performance.now() - w0) / 1000) * RATE));
      while (sent < due && inFlight < 64) {
        value.writeDoubleLE(performance.now(), 0);
        const frame = fastPutRequest.encodeFramed?.(putRequest(Buffer.from(`${PREFIX}${sent % 100}`), Buffer.from(value))) as Buffer;
        sent++;
        inFlight++;
        writer.unary('/etcdserverpb.KV/Put', frame, () => inFlight--);
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const expected = sent * WATCHERS;
  const drainUntil = performance.now() + 10_000;
  while (delivered < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - w0) / 1000;
  const serverCpuS = (processCpuUs(child.pid!) - cpu0) / 1e6;
  measuring = false;
  writer.session.destroy();
  for (const st of streams) st.close();
  for (const s of sessions) s.destroy();
  return { delivered, expected, hist, serverCpuS, seconds };
}

async function main(): Promise<void> {
  for (const need of ['/usr/bin/etcd', join(repoRoot, 'dist', 'src', 'cli', 'main.js')]) {
    if (!existsSync(need)) throw new Error(`${need} missing (install etcd-server; npm run build)`);
  }
  const work = mkdtempSync(join(tmpdir(), 'dcsgw-fanout-'));
  const results: Partial<Record<Kind, Result>> = {};
  try {
    for (const kind of ['etcd', 'dcsgw'] as const) {
      const child = start(kind, join(work, kind));
      try {
        await waitReady(kind, child);
        const r = await run(kind, child);
        results[kind] = r;
        log(`${kind}: delivered ${r.delivered}/${r.expected} events, p50 ${(r.hist.quantile(0.5) / 1000).toFixed(1)} ms, p99 ${(r.hist.quantile(0.99) / 1000).toFixed(1)} ms, server CPU ${r.serverCpuS.toFixed(1)} s over ${r.seconds.toFixed(1)} s`);
      } finally {
        await stop(child);
      }
    }
    const e = results.etcd!;
    const d = results.dcsgw!;
    const ms = (r: Result, q: number) => r.hist.quantile(q) / 1000;
    console.log('');
    console.log(`${WATCHERS} watchers on one prefix, ${RATE} writes/s for ${SECONDS} s (${WATCHERS * RATE} events/s offered)`);
    console.log('');
    console.log('| measure | dcsgw | etcd 3.4.23 | dcsgw/etcd |');
    console.log('|---|---|---|---|');
    const line = (name: string, dv: number, ev: number, unit: string) => console.log(`| ${name} | ${dv.toFixed(dv >= 100 ? 0 : 1)} ${unit} | ${ev.toFixed(ev >= 100 ? 0 : 1)} ${unit} | ${(dv / ev).toFixed(2)}x |`);
    line('events delivered', (100 * d.delivered) / d.expected, (100 * e.delivered) / e.expected, '%');
    line('delivery latency p50', ms(d, 0.5), ms(e, 0.5), 'ms');
    line('delivery latency p99', ms(d, 0.99), ms(e, 0.99), 'ms');
    line('server CPU', d.serverCpuS / d.seconds * 100, e.serverCpuS / e.seconds * 100, '% of a core');
    line('server CPU per 1 000 events', (d.serverCpuS * 1e6) / Math.max(1, d.delivered), (e.serverCpuS * 1e6) / Math.max(1, e.delivered), 'ms');
    rmSync(work, { recursive: true, force: true });
  } finally {
    if (existsSync(work)) log(`kept ${work} (server logs: *.log)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
