// Client agents (issue 7 items 2 and 4) and `dcsgw agent -backend=URL` (issue 8), as processes a
// user starts: one genuine etcd is the store, a server agent and client agents all run over it
// with -backend (the same machinery a client agent uses with the servers' RPC). What is checked is
// what users of the seed's Kubernetes deployment (../shared/seeds/004) suffered from:
// - a deregistration issued anywhere sticks: register on client c1, deregister through the
//   server, through client c2 and through the owner, in every order; full anti-entropy passes
//   (ae_interval 1s, as Consul's own test agents shorten it) and a restart of c1 bring nothing back
//   (genuine Consul re-registers the service at its next sync: "deregistered three times, some never");
// - a client agent that loses its servers comes back by itself: it keeps serving, keeps what is
//   registered on it meanwhile, and registers its node and services again when the store answers,
//   even a store that lost everything; a client started before the store joins once it is up;
// - health checks run only on the agent that owns the service: its HTTP check stops being called
//   when that agent is killed, and a status change on it reaches the catalog, DNS and ?passing.
// Plus: one store and many views (a KV key written through c1, read through c2, the server and
// etcdctl), `dcsgw reload` picking up a service file dropped into -config-dir, and a client's
// graceful leave on SIGTERM (exit 0, its node leaves the catalog).
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allocatePorts, etcdctl, hasBinary, hasDcsgwBuild, makeTempDir, skipUnlessBinaries, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';
import { bin, catalogIds, dig, json, put, http, startAgent, until, waitForLine, type Agent, type AgentSpec } from './agents.js';
import { deregistrationInEveryOrder, deregistrationWhileOwnerFrozen } from './deregistration-scenarios.js';

const RANGE = { from: 15000, to: 15199 };
const noBuild = !hasDcsgwBuild();
const skip = noBuild || skipUnlessBinaries('etcd', 'etcdctl', 'dig');
if (noBuild) console.warn('SKIP client agent tests: no build (dist/src/cli/main.js)');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-client-agents-'));
/** Consul's hidden ae_interval (its own test agents shorten it the same way): a full sync every second. */
const FAST_AE = ['-hcl', 'ae_interval = "1s"'];
const AE_MS = 1000;

let etcd: RunningMember;
let httpPort: number;
let dnsPort: number;
let server: Agent;
let c1: Agent;
let c2: Agent;

function spec(node: string, addr: string, extra: Partial<AgentSpec> = {}): AgentSpec {
  const dataDir = join(work, node);
  mkdirSync(dataDir, { recursive: true });
  return { node, addr, dataDir, backend: `etcd://127.0.0.1:${etcd.clientPort}`, httpPort, dnsPort, extra: FAST_AE, ...extra };
}

beforeAll(async () => {
  if (skip) return;
  etcd = await startEtcd({ name: 'store', portRange: RANGE });
  [httpPort, dnsPort] = await allocatePorts(2, RANGE);
  mkdirSync(join(work, 'c1.d'));
  [server, c1, c2] = await Promise.all([
    startAgent(spec('s1', '127.0.2.41', { server: true })),
    startAgent(spec('c1', '127.0.2.42', { configDir: join(work, 'c1.d') })),
    startAgent(spec('c2', '127.0.2.43')),
  ]);
}, 180_000);

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)('client agents over one store (-backend=etcd://, genuine etcd)', () => {
  test('a client agent says what it is, and one store has many views: KV through c1, c2, the server and etcdctl', async () => {
    expect(c1.proc.output()).toContain('               Server: false (Bootstrap: false)\n');
    expect(c1.proc.output()).toMatch(/agent: dcsgw: this agent keeps no replicated data: reads and writes go to the etcd store etcd:\/\/127\.0\.0\.1:\d+/);
    const self = await json<{ Config: { Server: boolean; NodeName: string } }>(c1, '/v1/agent/self');
    expect(self.Config).toMatchObject({ Server: false, NodeName: 'c1' });

    expect((await put(c1, '/v1/kv/test/kv', 'test_1')).body).toBe('true');
    expect((await http(c2, '/v1/kv/test/kv?raw')).body).toBe('test_1');
    expect((await http(server, '/v1/kv/test/kv?raw')).body).toBe('test_1');
    const got = await etcdctl([`http://127.0.0.1:${etcd.clientPort}`], ['get', 'test/kv', '--print-value-only']);
    expect(got.stdout.trim()).toBe('test_1');

    const nodes = await json<Array<{ Node: string; Address: string }>>(c2, '/v1/catalog/nodes');
    expect(nodes.map((n) => `${n.Node}@${n.Address}`).sort()).toEqual(['c1@127.0.2.42', 'c2@127.0.2.43', 's1@127.0.2.41']);
    // only the server agent registers the `consul` service
    expect(await catalogIds(c1, 'consul')).toEqual(['s1/consul']);
  });

  test('a deregistration issued on any agent sticks, in every order of server, other client and owner', async () => {
    await deregistrationInEveryOrder({ server, c1, c2, aeMs: AE_MS });
  }, 90_000);

  test('a deregistration the owner could not see (frozen, then killed) sticks after its restart', async () => {
    await deregistrationWhileOwnerFrozen({ server, c1, c2, aeMs: AE_MS });
  }, 60_000);

  test("health checks run only on the owner; their status reaches the catalog, ?passing and DNS", async () => {
    let hits = 0;
    let healthy = true;
    const target: Server = createServer((_req, res) => {
      hits++;
      res.statusCode = healthy ? 200 : 503;
      res.end(healthy ? 'ok' : 'down');
    });
    const [checkPort] = await allocatePorts(1, RANGE);
    await new Promise<void>((r) => target.listen(checkPort, '127.0.2.42', r));
    try {
      const reg = await put(c1, '/v1/agent/service/register', {
        Name: 'counting',
        ID: 'counting-c1',
        Port: checkPort,
        Address: '127.0.2.42',
        Check: { HTTP: `http://127.0.2.42:${checkPort}/health`, Interval: '200ms' },
      });
      expect(reg.status, reg.body).toBe(200);
      await until('passing through the server', () => json<unknown[]>(server, '/v1/health/service/counting?passing'), (l) => l.length === 1);
      expect(dig('127.0.2.43', dnsPort, 'counting.service.consul')).toEqual(['127.0.2.42']);

      healthy = false;
      await until('critical in the catalog', () => json<Array<{ Status: string; CheckID: string }>>(server, '/v1/health/checks/counting'), (l) => l.some((c) => c.Status === 'critical'));
      expect(await json(c2, '/v1/health/service/counting?passing')).toEqual([]);
      await until('out of DNS', async () => dig('127.0.2.43', dnsPort, 'counting.service.consul'), (a) => a.length === 0);
      healthy = true;
      await until('passing again', () => json<unknown[]>(c2, '/v1/health/service/counting?passing'), (l) => l.length === 1);

      // the owner dies: nobody else runs its check (the servers are not loaded with it)
      await c1.proc.stop('SIGKILL');
      const after = hits;
      await sleep(1500);
      expect(hits).toBe(after);
      await c1.restart();
      await until('the owner runs it again', async () => hits, (h) => h > after);
    } finally {
      await new Promise((r) => target.close(r));
      await put(c1, '/v1/agent/service/deregister/counting-c1');
    }
  }, 60_000);

  test('dcsgw reload picks up a service file dropped into -config-dir; removing it and reloading deregisters it', async () => {
    const dir = join(work, 'c1.d');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'counting.json');
    writeFileSync(file, JSON.stringify({ service: { name: 'counting', tags: ['go'], port: 9001 } }));
    const r = spawnSync(process.execPath, [bin, 'reload'], { encoding: 'utf8', env: { ...process.env, CONSUL_HTTP_ADDR: `127.0.2.42:${httpPort}` }, timeout: 20_000 });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'Configuration reload triggered\n', stderr: '' });
    await waitForLine(c1.proc, /agent: Synced service: service=counting\n/, 'Synced service: service=counting');
    await until('counting through c2', () => catalogIds(c2, 'counting'), (l) => l.includes('c1/counting'));
    expect(dig('127.0.2.43', dnsPort, 'counting.service.consul')).toEqual(['127.0.2.42']);

    unlinkSync(file);
    const again = spawnSync(process.execPath, [bin, 'consul', 'reload', `-http-addr=http://127.0.2.42:${httpPort}`], { encoding: 'utf8', timeout: 20_000 });
    expect(again.status).toBe(0);
    await until('counting gone', () => catalogIds(server, 'counting'), (l) => l.length === 0);

    // consul reload's error for an agent that is not there
    const none = spawnSync(process.execPath, [bin, 'reload', '-http-addr=127.0.2.49:1'], { encoding: 'utf8', timeout: 20_000 });
    expect(none.status).toBe(1);
    expect(none.stderr).toBe('Error reloading: Put "http://127.0.2.49:1/v1/agent/reload": dial tcp 127.0.2.49:1: connect: connection refused\n');
  }, 60_000);

  test('a client agent that loses its store keeps serving and comes back by itself, even to a store that lost everything', async () => {
    expect((await put(c2, '/v1/agent/service/register', { Name: 'web', ID: 'web-c2', Port: 80, Check: { TTL: '10m', Status: 'passing' } })).status).toBe(200);
    await until('web registered', () => catalogIds(server, 'web'), (l) => l.length === 1);

    await etcd.stop(); // the store is gone, with its data dir
    await waitForLine(c2.proc, /agent\.client: removing server/, 'c2 noticed the servers are gone');
    // the agent's own endpoints still answer; a registration is kept locally
    expect((await put(c2, '/v1/agent/service/register', { Name: 'late', ID: 'late-c2', Port: 81 })).status).toBe(200);
    expect(Object.keys(await json<Record<string, unknown>>(c2, '/v1/agent/services')).sort()).toEqual(['late-c2', 'web-c2']);
    expect((await http(c2, '/v1/kv/test/kv')).status).toBe(500);

    // a client started while the store is down serves at once and joins later
    const c3 = await startAgent(spec('c3', '127.0.2.44'), false);
    await waitForLine(c3.proc, /agent: Join cluster failed, will retry/, 'c3 reports the failed join');
    expect(await json(c3.url, '/v1/agent/services')).toEqual({});

    etcd = await etcd.restart({ dataDir: makeTempDir('dcsgw-client-agents-etcd2-') });
    // the agents retry on their own timers: generous waits for a loaded machine (they poll)
    await until('c2 registered its node and services again', () => catalogIds(server, 'web'), (l) => l.includes('c2/web-c2'), 60_000);
    await until('late registration synced', () => catalogIds(server, 'late'), (l) => l.includes('c2/late-c2'), 60_000);
    await until('c3 joined', () => json<Array<{ Node: string }>>(server, '/v1/catalog/nodes'), (l) => l.some((n) => n.Node === 'c3'), 60_000);
    expect((await put(c2, '/v1/kv/after', 'x')).body).toBe('true');
    expect((await http(c1, '/v1/kv/after?raw')).body).toBe('x');

    // and a deregistration through the server still sticks on the new store
    await put(server, '/v1/catalog/deregister', { Node: 'c2', ServiceID: 'web-c2' });
    await until("gone from c2's services", () => json<Record<string, unknown>>(c2, '/v1/agent/services'), (s) => !('web-c2' in s)).catch((err: Error) => {
      throw new Error(`${err.message}\n--- c2 ---\n${c2.proc.output().split("servers answer as a different store").slice(-1)[0]!.slice(0, 6000)}`);
    });
    await sleep(2 * AE_MS);
    expect(await catalogIds(server, 'web')).toEqual([]);
    await c3.proc.stop('SIGKILL');
  }, 240_000);

  test('SIGTERM: a client leaves gracefully (exit 0) and its node leaves the catalog', async () => {
    const code = await c2.proc.stop('SIGTERM');
    expect(code).toBe(0);
    expect(c2.proc.output()).toMatch(/agent: Graceful exit completed/);
    await until('c2 left the catalog', () => json<Array<{ Node: string }>>(server, '/v1/catalog/nodes'), (l) => !l.some((n) => n.Node === 'c2'));
  });
});

if (!hasBinary('dig')) console.warn('SKIP client agent tests: dig is not installed');
