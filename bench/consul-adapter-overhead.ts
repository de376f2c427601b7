// What the Consul adapter (src/adapters/consul.ts) costs over talking to Consul's HTTP API
// directly: put and range of one key through the Backend interface beside plain KV PUT and GET of
// the same keys and values (undici, keep-alive), on one Consul server started here: dcsgw's own
// Consul face (`bin/dcsgw agent -dev`), since no genuine Consul server can be had on these
// machines. Reported per op: this Node process's CPU (the client side: the adapter or the plain
// calls), the Consul server's CPU, both together, and the HTTP requests each op makes; at 1 and 16
// requests in flight, median of interleaved rounds (the machine is shared). Ops/s swing: judge by
// CPU per op.
// Run: npm run build && node dist/bench/consul-adapter-overhead.js [rounds] [opsPerRun]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createConsulBackend } from '../src/adapters/consul.js';
import { putRequest, rangeRequest } from '../src/adapters/requests.js';
import { cpuOf, freePort, interleavedRounds, measure, median, ownCpu } from './shared-adapter-overhead.js';

const rounds = Number(process.argv[2] ?? 3);
const opsPerRun = Number(process.argv[3] ?? 2000);
const KEYS = 500;
const root = join(import.meta.dirname, '..', '..');
const value = Buffer.alloc(256, 0x61);
// each way of writing has keys of its own, so that no way finds its keys changed by another
const names = Array.from({ length: KEYS }, (_, i) => `bench/plain/key-${String(i).padStart(5, '0')}`);
const handNames = Array.from({ length: KEYS }, (_, i) => `bench/hand/key-${String(i).padStart(5, '0')}`);
const keys = Array.from({ length: KEYS }, (_, i) => Buffer.from(`bench/adapter/key-${String(i).padStart(5, '0')}`));

interface Sample {
  opsPerSec: number;
  clientUs: number;
  serverUs: number;
  requests: number;
}

let requestsMade = 0;

/** A measured run, with the HTTP requests it made per op. */
async function measureRequests(serverPid: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Sample> {
  const r0 = requestsMade;
  const m = await measure(opsPerRun, concurrency, op, { client: ownCpu, server: cpuOf(serverPid) });
  return { opsPerSec: m.opsPerSec, clientUs: m.us.client, serverUs: m.us.server, requests: (requestsMade - r0) / opsPerRun };
}

async function main(): Promise<void> {
  const port = await freePort(11900, 11999);
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-consul-bench-'));
  const server = spawn(process.execPath, [join(root, 'bin', 'dcsgw'), 'agent', '-dev', '-node', 'bench', '-http-port', String(port), '-dns-port', '-1', '-etcd-port', '-1', '-log-level', 'warn'], {
    stdio: 'ignore',
    cwd: dir,
    env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' },
  });
  const base = `http://127.0.0.1:${port}`;
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  // count every HTTP request this process makes, the adapter's included (undici's global dispatcher is not used by it: count at the server instead)
  const backend = createConsulBackend({ agents: [`127.0.0.1:${port}`] });
  const adapterCall = backend.http.call.bind(backend.http);
  backend.http.call = (...args: Parameters<typeof adapterCall>) => {
    requestsMade++;
    return adapterCall(...args);
  };
  try {
    await backend.ready(30_000);
    const plainPut = async (i: number) => {
      requestsMade++;
      const res = await request(`${base}/v1/kv/${names[i % KEYS]}`, { method: 'PUT', body: value, dispatcher });
      await res.body.arrayBuffer();
    };
    const plainGet = async (i: number) => {
      requestsMade++;
      const res = await request(`${base}/v1/kv/${names[i % KEYS]}?consistent`, { dispatcher });
      await res.body.arrayBuffer();
    };
    // the least a versioned put costs by hand: one /v1/txn cas at the index the previous write
    // returned, Flags = version + 1 (what the adapter sends when it knows the key)
    const handState = new Map<string, { index: number; version: number }>();
    const handPut = async (i: number) => {
      requestsMade++;
      const key = handNames[i % KEYS]!;
      const st = handState.get(key) ?? { index: 0, version: 0 };
      const body = JSON.stringify([{ KV: { Verb: 'cas', Key: key, Value: value.toString('base64'), Flags: st.version + 1, Index: st.index } }]);
      const res = await request(`${base}/v1/txn`, { method: 'PUT', body, dispatcher });
      const answer = (await res.body.json()) as { Results: Array<{ KV: { ModifyIndex: number } }> | null };
      if (answer.Results) handState.set(key, { index: answer.Results[0]!.KV.ModifyIndex, version: st.version + 1 });
    };
    const plainStale = async (i: number) => {
      requestsMade++;
      const res = await request(`${base}/v1/kv/${names[i % KEYS]}?stale`, { dispatcher });
      await res.body.arrayBuffer();
    };
    const cases: Array<{ name: string; op: 'put' | 'range' | 'stale'; via: 'HTTP' | 'hand' | 'adapter'; run: (i: number) => Promise<unknown> }> = [
      { name: 'PUT /v1/kv/<key>', op: 'put', via: 'HTTP', run: plainPut },
      { name: 'PUT /v1/txn [cas] by hand', op: 'put', via: 'hand', run: handPut },
      { name: 'Backend.put', op: 'put', via: 'adapter', run: (i) => backend.put(putRequest(keys[i % KEYS]!, value)) },
      { name: 'GET /v1/kv/<key>?consistent', op: 'range', via: 'HTTP', run: plainGet },
      { name: 'Backend.range (linearizable)', op: 'range', via: 'adapter', run: (i) => backend.range(rangeRequest(keys[i % KEYS]!)) },
      { name: 'GET /v1/kv/<key>?stale', op: 'stale', via: 'HTTP', run: plainStale },
      { name: 'Backend.range (serializable)', op: 'stale', via: 'adapter', run: (i) => backend.range(rangeRequest(keys[i % KEYS]!, { serializable: true })) },
    ];
    // warm up: every key written both ways, JIT hot
    for (const c of cases) await measureRequests(server.pid!, 8, c.run);
    const samplesOf = await interleavedRounds(rounds, [1, 16], cases, (c, concurrency) => measureRequests(server.pid!, concurrency, c.run));
    const row = (name: string, concurrency: number) => {
      const s = samplesOf(name, concurrency);
      return {
        ops: median(s.map((x) => x.opsPerSec)),
        client: median(s.map((x) => x.clientUs)),
        server: median(s.map((x) => x.serverUs)),
        total: median(s.map((x) => x.clientUs + x.serverUs)),
        requests: median(s.map((x) => x.requests)),
      };
    };
    console.log(`Consul server: dcsgw agent -dev on ${port}; ${opsPerRun} ops per run, ${rounds} rounds, 256-byte values over ${KEYS} keys; medians; CPU in us per op`);
    console.log('| op | in flight | via | HTTP requests per op | ops/s | client CPU | server CPU | total CPU | adapter / plain (client) | adapter / plain (total) | adapter / by hand (total) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const op of ['put', 'range', 'stale'] as const) {
      for (const concurrency of [1, 16]) {
        const mine = cases.filter((c) => c.op === op).map((c) => ({ c, r: row(c.name, concurrency) }));
        const plain = mine.find((m) => m.c.via === 'HTTP')!;
        const hand = mine.find((m) => m.c.via === 'hand');
        for (const { c, r } of mine) {
          const ratios =
            c.via === 'adapter'
              ? `${(r.client / plain.r.client).toFixed(2)}x | ${(r.total / plain.r.total).toFixed(2)}x | ${hand ? `${(r.total / hand.r.total).toFixed(2)}x` : ''}`
              : ' |  | ';
          console.log(`| ${op === 'stale' ? 'range (serializable)' : op} | ${concurrency} | ${c.via === 'HTTP' ? 'plain' : c.via} ${c.name} | ${r.requests.toFixed(1)} | ${Math.round(r.ops)} | ${r.client.toFixed(0)} | ${r.server.toFixed(0)} | ${r.total.toFixed(0)} | ${ratios} |`);
        }
      }
    }
  } finally {
    await backend.close();
    await dispatcher.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
