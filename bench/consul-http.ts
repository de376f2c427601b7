// The Consul face's benchmark (`npm run bench:consul`, BENCHMARKS.md): in the same run, genuine
// etcd 3.4's JSON gateway, dcsgw's etcd JSON gateway and dcsgw's Consul KV API under the same
// HTTP/1.1 load (keep-alive connections, one request in flight each), reported as ratios to
// genuine etcd; then the blocking-query fan-out: N concurrent `GET /v1/kv/k?index=` released by
// one write, beside N etcd JSON-gateway watch streams on one key released the same way.
//
//   npm run bench:consul -- [--clients 1,100] [--duration 5] [--fanout 10000]
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Agent, Pool, request } from 'undici';
import { Histogram } from './histogram.js';
import { processCpuUs } from './proc-cpu.js';
import { available, startServer, type RunningServer } from './servers.js';

type Face = 'etcd-gw' | 'dcsgw-gw' | 'consul';
type Op = 'put' | 'get';

interface Row {
  op: Op;
  clients: number;
  face: Face;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerOp: number;
  errors: number;
}

/** A 256-byte value that differs on every call: Consul (and dcsgw's Consul face) skip a PUT that changes nothing, etcd does not, so every face must be given a real change. */
let valueSeq = 0;
const nextValue = (): string => String(++valueSeq).padStart(256, 'v');
const log = (line: string): void => void process.stderr.write(line + '\n');
const b64 = (s: string) => Buffer.from(s).toString('base64');

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** One request of `op` on `face`: method, path, body. */
function call(face: Face, op: Op, key: string): { method: 'PUT' | 'POST' | 'GET'; path: string; body?: string } {
  if (face === 'consul') return op === 'put' ? { method: 'PUT', path: `/v1/kv/${key}`, body: nextValue() } : { method: 'GET', path: `/v1/kv/${key}` };
  return op === 'put'
    ? { method: 'POST', path: '/v3/kv/put', body: JSON.stringify({ key: b64(key), value: b64(nextValue()) }) }
    : { method: 'POST', path: '/v3/kv/range', body: JSON.stringify({ key: b64(key) }) };
}

async function load(base: string, pid: number, face: Face, op: Op, clients: number, seconds: number): Promise<Row> {
  const pool = new Pool(base, { connections: clients, pipelining: 1 });
  const hist = new Histogram();
  let ops = 0;
  let errors = 0;
  let measuring = false;
  const warmupEnd = Date.now() + 1000;
  const end = warmupEnd + seconds * 1000;
  let cpu0 = 0;
  let t0 = 0;
  const worker = async (w: number) => {
    let i = 0;
    while (Date.now() < end) {
      if (!measuring && Date.now() >= warmupEnd) {
        measuring = true;
        cpu0 = processCpuUs(pid);
        t0 = Date.now();
      }
      const c = call(face, op, `bench/k${(w * 7919 + i++) % 1000}`);
      const start = process.hrtime.bigint();
      try {
        const res = await pool.request({ origin: base, method: c.method, path: c.path, body: c.body });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      if (measuring) {
        hist.record(Number(process.hrtime.bigint() - start) / 1000);
        ops++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  const cpu = processCpuUs(pid) - cpu0;
  const elapsed = (Date.now() - t0) / 1000;
  await pool.close();
  return { op, clients, face, opsPerSec: ops / elapsed, p50Ms: hist.quantile(0.5) / 1000, p99Ms: hist.quantile(0.99) / 1000, cpuUsPerOp: cpu / Math.max(1, ops), errors };
}

/** N blocking Consul GETs on one key, released by one PUT: time until every one has answered, RSS held while they wait. */
async function consulFanout(base: string, pid: number, n: number): Promise<{ releaseMs: number; heldBytes: number; answered: number }> {
  const agent = new Agent({ connections: n + 10, keepAliveTimeout: 60_000 });
  await request(`${base}/v1/kv/fan`, { method: 'PUT', body: 'before', dispatcher: agent }).then((r) => r.body.arrayBuffer());
  const first = await request(`${base}/v1/kv/fan`, { dispatcher: agent });
  await first.body.arrayBuffer();
  const index = String(first.headers['x-consul-index']);
  const rss0 = rssBytes(pid);
  let answered = 0;
  let lastAt = 0;
  const pending = Array.from({ length: n }, async () => {
    const r = await request(`${base}/v1/kv/fan?index=${index}&wait=60s`, { dispatcher: agent, headersTimeout: 120_000, bodyTimeout: 120_000 });
    await r.body.arrayBuffer();
    answered++;
    lastAt = Date.now();
  });
  await new Promise((r) => setTimeout(r, Math.max(3000, n / 2)));
  const heldBytes = rssBytes(pid) - rss0;
  const t0 = Date.now();
  await request(`${base}/v1/kv/fan`, { method: 'PUT', body: 'after', dispatcher: agent }).then((r) => r.body.arrayBuffer());
  await Promise.all(pending);
  await agent.close();
  return { releaseMs: lastAt - t0, heldBytes, answered };
}

/** N etcd JSON-gateway watch streams on one key, released by one put: the etcd counterpart of the fan-out. */
async function etcdFanout(base: string, pid: number, n: number): Promise<{ releaseMs: number; heldBytes: number; answered: number }> {
  const agent = new Agent({ connections: n + 10 });
  const rss0 = rssBytes(pid);
  let answered = 0;
  let lastAt = 0;
  let created = 0;
  const streams = Array.from({ length: n }, async () => {
    const r = await request(`${base}/v3/watch`, { method: 'POST', body: JSON.stringify({ create_request: { key: b64('fan') } }), dispatcher: agent, bodyTimeout: 120_000 });
    let text = '';
    for await (const chunk of r.body) {
      text += chunk.toString();
      if (text.includes('"created"') && !text.includes('#c')) {
        created++;
        text += '#c';
      }
      if (text.includes('"events"')) {
        answered++;
        lastAt = Date.now();
        r.body.destroy();
        break;
      }
    }
  });
  const deadline = Date.now() + 120_000;
  while (created < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const heldBytes = rssBytes(pid) - rss0;
  const t0 = Date.now();
  await request(`${base}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('fan'), value: b64('after') }), dispatcher: agent }).then((r) => r.body.arrayBuffer());
  await Promise.all(streams.map((s) => s.catch(() => undefined)));
  await agent.destroy();
  return { releaseMs: lastAt - t0, heldBytes, answered };
}

const fmt = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');

async function main(argv: string[]): Promise<void> {
  const o = new Command()
    .option('--clients <list>', 'concurrent connections per scenario', '1,100')
    .option('--duration <s>', 'measured seconds per scenario', '5')
    .option('--fanout <n>', 'blocking queries / watches in the fan-out (0 = skip)', '10000')
    .parse(argv)
    .opts<{ clients: string; duration: string; fanout: string }>();
  const clients = o.clients.split(',').map(Number);
  const seconds = Number(o.duration);
  for (const k of ['etcd', 'dcsgw'] as const) {
    const why = available(k);
    if (why) throw new Error(`${k}: ${why}`);
  }
  const consulPort = Number(process.env['DCSGW_BENCH_CONSUL_PORT'] ?? 26890);
  process.env['DCSGW_CONSUL_HTTP_ADDR'] = `127.0.0.1:${consulPort}`;
  process.env['DCSGW_CONSUL_DNS_ADDR'] = 'off';
  const servers: RunningServer[] = [];
  try {
    log('starting genuine etcd and dcsgw');
    const etcd = await startServer('etcd', 1);
    servers.push(etcd);
    const dcsgw = await startServer('dcsgw', 1);
    servers.push(dcsgw);
    const bases: Record<Face, { base: string; pid: number }> = {
      'etcd-gw': { base: etcd.endpoints[0]!, pid: etcd.pids[0]! },
      'dcsgw-gw': { base: dcsgw.endpoints[0]!, pid: dcsgw.pids[0]! },
      consul: { base: `http://127.0.0.1:${consulPort}`, pid: dcsgw.pids[0]! },
    };
    const rows: Row[] = [];
    for (const op of ['put', 'get'] as const) {
      for (const c of clients) {
        for (const face of ['etcd-gw', 'dcsgw-gw', 'consul'] as const) {
          const r = await load(bases[face].base, bases[face].pid, face, op, c, seconds);
          log(`${op} c=${c} ${face}: ${fmt(r.opsPerSec)} ops/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms, ${fmt(r.cpuUsPerOp, 1)} us CPU/op, errors ${r.errors}`);
          rows.push(r);
        }
      }
    }
    console.log(`\nsingle member, ${seconds}s per scenario, HTTP/1.1 keep-alive, 256-byte values; ratios against genuine etcd's JSON gateway\n`);
    console.log('| scenario | face | ops/s | p50 ms | p99 ms | server CPU us/op | errors | ops/s vs etcd | CPU/op vs etcd |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const ref = rows.find((x) => x.op === r.op && x.clients === r.clients && x.face === 'etcd-gw')!;
      const ratio = r.face === 'etcd-gw' ? ['', ''] : [`${(r.opsPerSec / ref.opsPerSec).toFixed(2)}x`, `${(r.cpuUsPerOp / ref.cpuUsPerOp).toFixed(2)}x`];
      console.log(`| ${r.op} c=${r.clients} | ${r.face} | ${fmt(r.opsPerSec)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuUsPerOp, 1)} | ${r.errors} | ${ratio[0]} | ${ratio[1]} |`);
    }
    const n = Number(o.fanout);
    if (n > 0) {
      log(`fan-out: ${n} blocking queries (Consul) and ${n} watch streams (etcd JSON gateway)`);
      const c = await consulFanout(bases.consul.base, dcsgw.pids[0]!, n);
      const e = await etcdFanout(bases['etcd-gw'].base, etcd.pids[0]!, n);
      console.log(`\n| fan-out of ${n} | released | time to release all | memory held while waiting |`);
      console.log('|---|---|---|---|');
      console.log(`| dcsgw Consul blocking GET | ${c.answered} | ${c.releaseMs} ms | ${(c.heldBytes / 1048576).toFixed(1)} MiB |`);
      console.log(`| genuine etcd JSON-gateway watch | ${e.answered} | ${e.releaseMs} ms | ${(e.heldBytes / 1048576).toFixed(1)} MiB |`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
