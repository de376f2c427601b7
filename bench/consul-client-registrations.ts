// Where health checks run, and what it costs the servers (issue 7, the seed's "Consul is very slow
// when services register directly on the servers"). In the same run, three set-ups of one server
// agent, each measured the same way for --duration seconds once settled:
//   idle       the server alone;
//   on-server  N services, each with an HTTP check, registered on the server agent itself: the
//              server runs every check;
//   on-clients the same N services registered on client agents (half on each of two): the clients
//              run the checks, the servers only receive the registrations and status changes.
// Measured: the server process's CPU (ms of CPU per second of wall time, /proc) and the latency of
// KV PUTs sent to the server's HTTP API one after another (p50 / p99 / max), side by side.
// The server is pinned to CPU 0 and everything else (clients, the checks' HTTP target, this
// driver) to CPU 1 (taskset), so the client agents' own work does not land on the server's core,
// as it would not in a deployment where clients run on other machines.
//
//   node dist/bench/consul-client-registrations.js [--services 1000] [--interval 1s] [--duration 10]
//        [--clients-via retry-join|backend]
// --clients-via: how the client agents reach the server: `retry-join` (client agents of a Consul
// cluster, the server RPC) or `backend` (the server's etcd API as -backend=etcd://: the same
// registration and check traffic, through the etcd face). Default: retry-join.
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Agent as HttpAgent, request } from 'undici';
import { Histogram } from './histogram.js';
import { processCpuUs } from './proc-cpu.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'dcsgw');
const SERVER_ADDR = '127.0.2.51';
const CLIENT_ADDRS = ['127.0.2.52', '127.0.2.53'];
const TARGET_ADDR = '127.0.2.54';
const HTTP_PORT = 15210;
const DNS_PORT = 15211;
const ETCD_PORT = 15212;
const TARGET_PORT = 15213;

type Mode = 'idle' | 'on-server' | 'on-clients';

interface Row {
  mode: Mode;
  services: number;
  serverCpuMsPerSec: number;
  putP50Ms: number;
  putP99Ms: number;
  putMaxMs: number;
  puts: number;
  registerSeconds: number;
}

const log = (line: string): void => void process.stderr.write(line + '\n');

/** The processes this run started (killed with it on Ctrl-C). */
const live = new Set<Proc>();

interface Proc {
  child: ChildProcess;
  out: () => string;
  stop: () => Promise<void>;
}

function start(cpu: number, args: string[]): Proc {
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DCSGW_BACKEND: '' } });
  let out = '';
  const keep = (c: Buffer): void => {
    out += c.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = {
    child,
    out: () => out,
    async stop() {
      live.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  live.add(proc);
  return proc;
}

async function waitLine(p: Proc, re: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!re.test(p.out())) {
    if (p.child.exitCode !== null) throw new Error(`${what}: the process exited\n${p.out()}`);
    if (Date.now() > until) throw new Error(`${what}: timed out\n${p.out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pool = new HttpAgent({ connections: 16 });

async function httpPut(base: string, path: string, body: string): Promise<number> {
  const res = await request(`${base}${path}`, { method: 'PUT', body, dispatcher: pool });
  await res.body.text();
  return res.statusCode;
}

async function httpGet(base: string, path: string): Promise<string> {
  const res = await request(`${base}${path}`, { dispatcher: pool });
  return res.body.text();
}

/** Registers n services with one HTTP check each on the agent at `base`, `parallel` at a time. */
async function registerServices(base: string, names: string[], interval: string, parallel = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      const body = JSON.stringify({ Name: name, ID: name, Port: TARGET_PORT, Check: { HTTP: `http://${TARGET_ADDR}:${TARGET_PORT}/${name}`, Interval: interval } });
      const code = await httpPut(base, '/v1/agent/service/register', body);
      if (code !== 200) throw new Error(`register ${name}: HTTP ${code}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function passingCount(base: string): Promise<number> {
  const list = JSON.parse(await httpGet(base, '/v1/health/state/passing')) as Array<{ ServiceID: string }>;
  return list.filter((c) => c.ServiceID.startsWith('svc-')).length;
}

/** KV PUTs one after another to the server for `seconds`, with the server's CPU over the same window. */
async function measure(base: string, serverPid: number, seconds: number): Promise<{ cpuMsPerSec: number; hist: Histogram; maxUs: number }> {
  // warm-up: the connection, the key set, the JIT (not measured)
  for (let i = 0; i < 64; i++) await httpPut(base, `/v1/kv/bench/probe-${i}`, 'warm');
  const hist = new Histogram();
  let maxUs = 0;
  const cpu0 = processCpuUs(serverPid);
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const s = performance.now();
    const code = await httpPut(base, `/v1/kv/bench/probe-${i % 64}`, `v${i}`);
    const us = (performance.now() - s) * 1000;
    if (code !== 200) throw new Error(`kv put: HTTP ${code}`);
    hist.record(us);
    maxUs = Math.max(maxUs, us);
    i++;
    // an application's config writes, not a load test: about 50 per second
    await new Promise((r) => setTimeout(r, 20));
  }
  const wall = (performance.now() - t0) / 1000;
  return { cpuMsPerSec: (processCpuUs(serverPid) - cpu0) / 1000 / wall, hist, maxUs };
}

async function runMode(mode: Mode, opts: { services: number; interval: string; duration: number; via: 'retry-join' | 'backend' }): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), `dcsgw-bench-clients-${mode}-`));
  const procs: Proc[] = [];
  try {
    const server = start(0, [
      bin, 'agent', '-server', '-bootstrap', '-node=s1', `-bind=${SERVER_ADDR}`, `-client=${SERVER_ADDR}`,
      `-http-port=${HTTP_PORT}`, `-dns-port=${DNS_PORT}`, `-etcd-port=${ETCD_PORT}`, `-data-dir=${join(dir, 's1')}`,
    ]);
    procs.push(server);
    const serverUrl = `http://${SERVER_ADDR}:${HTTP_PORT}`;
    await waitLine(server, /Consul agent running!/, 'server start');
    for (const until = Date.now() + 30_000; (await httpGet(serverUrl, '/v1/status/leader').catch(() => '""')) === '""'; ) {
      if (Date.now() > until) throw new Error('server: no leader after 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const target = start(1, ['-e', `require('http').createServer((q,s)=>s.end('ok')).listen(${TARGET_PORT}, '${TARGET_ADDR}')`]);
    procs.push(target);

    const names = Array.from({ length: mode === 'idle' ? 0 : opts.services }, (_, i) => `svc-${i}`);
    // where the catalog is read: the server; with -backend clients the catalog they write lives in
    // the server's etcd keyspace (not its Consul one), so it is read back through a client
    let catalogUrl = serverUrl;
    const t0 = performance.now();
    if (mode === 'on-server') {
      await registerServices(serverUrl, names, opts.interval);
    } else if (mode === 'on-clients') {
      const clients = CLIENT_ADDRS.map((addr, i) => {
        const joinFlags = opts.via === 'retry-join' ? [`-retry-join=${SERVER_ADDR}`] : [`-backend=etcd://${SERVER_ADDR}:${ETCD_PORT}`];
        const p = start(1, [bin, 'agent', `-node=c${i + 1}`, `-bind=${addr}`, `-client=${addr}`, `-http-port=${HTTP_PORT}`, `-dns-port=${DNS_PORT}`, '-etcd-port=-1', `-data-dir=${join(dir, `c${i + 1}`)}`, ...joinFlags]);
        procs.push(p);
        return { p, url: `http://${addr}:${HTTP_PORT}` };
      });
      for (const c of clients) await waitLine(c.p, /Consul agent running!/, 'client start');
      if (opts.via === 'backend') catalogUrl = clients[0]!.url;
      const half = Math.ceil(names.length / clients.length);
      await Promise.all(clients.map((c, i) => registerServices(c.url, names.slice(i * half, (i + 1) * half), opts.interval)));
    }
    // settled: every check has passed once and the catalog shows it (seen through the server)
    if (names.length > 0) {
      const until = Date.now() + 120_000;
      for (;;) {
        const n = await passingCount(catalogUrl).catch(() => 0);
        if (n >= names.length) break;
        if (Date.now() > until) throw new Error(`${mode}: only ${n} of ${names.length} checks passing after 120 s`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const registerSeconds = (performance.now() - t0) / 1000;
    log(`${mode}: ${names.length} services registered and passing in ${registerSeconds.toFixed(1)} s; measuring ${opts.duration} s`);
    const m = await measure(serverUrl, server.child.pid!, opts.duration);
    return {
      mode,
      services: names.length,
      serverCpuMsPerSec: m.cpuMsPerSec,
      putP50Ms: m.hist.quantile(0.5) / 1000,
      putP99Ms: m.hist.quantile(0.99) / 1000,
      putMaxMs: m.maxUs / 1000,
      puts: m.hist.total,
      registerSeconds,
    };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const program = new Command()
  .option('--services <n>', 'services (each with an HTTP check)', '1000')
  .option('--interval <d>', 'check interval', '1s')
  .option('--duration <s>', 'seconds measured per set-up', '10')
  .option('--clients-via <how>', 'retry-join | backend')
  .parse();
const o = program.opts<{ services: string; interval: string; duration: string; clientsVia?: string }>();
const via = (o.clientsVia ?? 'retry-join') as 'retry-join' | 'backend';
if (via !== 'retry-join' && via !== 'backend') throw new Error(`--clients-via: retry-join or backend, not ${String(via)}`);
const opts = { services: Number(o.services), interval: o.interval, duration: Number(o.duration), via };
log(`consul-client-registrations: ${opts.services} services, HTTP check every ${opts.interval}, clients via ${via}; server on CPU 0, the rest on CPU 1`);
// the agents this run started go with it on Ctrl-C
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const p of live) p.child.kill('SIGKILL');
    process.exit(130);
  });
}
const rows: Row[] = [];
for (const mode of ['idle', 'on-server', 'on-clients'] as const) rows.push(await runMode(mode, opts));
await pool.close();

const f = (n: number, d = 1): string => n.toFixed(d);
console.log(`| set-up | services with checks | server CPU (ms/s) | KV PUT p50 (ms) | p99 (ms) | max (ms) | PUTs | registered+passing (s) |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const name = r.mode === 'idle' ? 'server alone' : r.mode === 'on-server' ? 'registered on the server' : `registered on 2 client agents (${via})`;
  console.log(`| ${name} | ${r.services} | ${f(r.serverCpuMsPerSec)} | ${f(r.putP50Ms, 2)} | ${f(r.putP99Ms, 2)} | ${f(r.putMaxMs, 2)} | ${r.puts} | ${r.mode === 'idle' ? '-' : f(r.registerSeconds)} |`);
}
