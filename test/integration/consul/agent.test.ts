// /v1/agent/... against the in-process Consul face (reference §1 "/v1/agent/self shape", §2.6,
// §2.11): registration through the agent lands in the catalog and health under this agent's node,
// TTL checks pass and expire, an HTTP check follows a real local server, maintenance mode,
// the agent's ownership of its entries (anti-entropy), and Consul's error texts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
const url = (p: string) => `${face.url}${p}`;
const put = (p: string, body?: unknown) => fetch(url(p), { method: 'PUT', ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
const get = (p: string, init?: RequestInit) => fetch(url(p), init);
const json = async <T = any>(p: string): Promise<T> => (await (await get(p)).json()) as T; // eslint-disable-line @typescript-eslint/no-explicit-any

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await what();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await what();
  }
  return last;
}

async function expectOk(r: Response): Promise<void> {
  expect(`${r.status} ${await r.text()}`).toBe('200 ');
}

beforeAll(async () => {
  face = await startConsulFace({ agent: { nodeName: 'agent-one' } });
});
afterAll(async () => {
  await face?.close();
});

describe('this agent in the catalog', () => {
  it('registers its node with the serfHealth check Consul shows', async () => {
    const checks = await json<Array<Record<string, unknown>>>('/v1/health/node/agent-one');
    const serf = checks.find((c) => c.CheckID === 'serfHealth');
    expect(serf).toMatchObject({ Node: 'agent-one', Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable', ServiceID: '' });
    const nodes = await json<Array<Record<string, unknown>>>('/v1/catalog/nodes');
    expect(nodes.find((n) => n.Node === 'agent-one')).toMatchObject({ Address: '127.0.0.1', Datacenter: 'dc1' });
    // A server also has the `consul` service.
    expect(Object.keys(await json('/v1/catalog/services'))).toContain('consul');
  });
});

describe('service registration', () => {
  it('shows a registered service in /v1/agent/services, the catalog and health under the agent node', async () => {
    await expectOk(await put('/v1/agent/service/register', { name: 'web', id: 'web-1', port: 8080, tags: ['v1'], check: { ttl: '30s', status: 'passing' } }));
    const services = await json<Record<string, Record<string, unknown>>>('/v1/agent/services');
    expect(services['web-1']).toEqual({
      ID: 'web-1',
      Service: 'web',
      Tags: ['v1'],
      Meta: {},
      Port: 8080,
      Address: '',
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      Datacenter: 'dc1',
    });
    const catalog = await json<Array<Record<string, unknown>>>('/v1/catalog/service/web');
    expect(catalog).toHaveLength(1);
    expect(catalog[0]).toMatchObject({ Node: 'agent-one', ServiceID: 'web-1', ServiceName: 'web', ServicePort: 8080, ServiceTags: ['v1'] });
    const health = await json<Array<{ Node: { Node: string }; Checks: Array<{ CheckID: string; Status: string; Name: string }> }>>('/v1/health/service/web');
    expect(health).toHaveLength(1);
    expect(health[0]!.Node.Node).toBe('agent-one');
    expect(health[0]!.Checks.map((c) => c.CheckID).sort()).toEqual(['serfHealth', 'service:web-1']);
    expect(health[0]!.Checks.find((c) => c.CheckID === 'service:web-1')).toMatchObject({ Status: 'passing', Name: "Service 'web' check" });
  });

  it('names multiple checks service:<id>:<n> and reports their Type, Interval and Timeout', async () => {
    await expectOk(
      await put('/v1/agent/service/register', {
        Name: 'multi',
        Checks: [{ TTL: '10s' }, { TCP: '127.0.0.1:1', Interval: '30s', Timeout: '2s' }],
      }),
    );
    const checks = await json<Record<string, Record<string, unknown>>>('/v1/agent/checks');
    expect(checks['service:multi:1']).toMatchObject({ Type: 'ttl', Interval: '0s', Timeout: '0s', Status: 'critical', ServiceName: 'multi', ServiceTags: [] });
    expect(checks['service:multi:2']).toMatchObject({ Type: 'tcp', Interval: '30s', Timeout: '2s' });
    await expectOk(await put('/v1/agent/service/deregister/multi'));
    expect(Object.keys(await json('/v1/agent/checks'))).not.toContain('service:multi:1');
  });

  it('keeps a slash in the service ID (Patroni) and deregisters with GET as python-consul 0.7.1 sends it', async () => {
    await expectOk(await put('/v1/agent/service/register', { name: 'batman', id: 'batman/postgresql0', port: 5432 }));
    expect(Object.keys(await json('/v1/agent/services'))).toContain('batman/postgresql0');
    await expectOk(await get('/v1/agent/service/deregister/batman/postgresql0'));
    expect(Object.keys(await json('/v1/agent/services'))).not.toContain('batman/postgresql0');
    expect(await json('/v1/catalog/service/batman')).toEqual([]);
  });

  it("answers bad registrations with Consul's status and text", async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ port: 1 }, 400, 'Missing service name'],
      [{ name: 'x', address: '0.0.0.0' }, 400, 'Invalid service address'],
      [{ name: 'x', port: 'eighty' }, 400, 'Request decode failed: json: cannot unmarshal string into Go struct field ServiceDefinition.Port of type int'],
      [{ name: 'x', check: { http: 'http://127.0.0.1:1/' } }, 400, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
      [{ name: 'x', check: { ttl: '10s', status: 'bogus' } }, 400, "Status for checks must 'passing', 'warning', 'critical'"],
      [{ name: 'x', check: { ttl: '10x' } }, 400, 'Request decode failed: time: invalid duration "10x"'],
      [{ name: 'x', meta: { 'bad key': 'v' } }, 400, "Invalid Service Meta: Couldn't load metadata pair ('bad key', 'v'): Key contains invalid characters"],
      [{ name: 'x', check: { args: ['/bin/true'], interval: '10s' } }, 500, "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true"],
    ];
    for (const [body, status, text] of cases) {
      const r = await put('/v1/agent/service/register', body);
      expect(`${r.status} ${await r.text()}`).toBe(`${status} ${text}`);
    }
    const r = await put('/v1/agent/service/register', '{not json');
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^Request decode failed: invalid character/);
    expect(Object.keys(await json('/v1/agent/services'))).not.toContain('x');
  });

  it('refuses an unknown service ID on deregistration and a wrong method', async () => {
    const r = await put('/v1/agent/service/deregister/nope');
    expect(`${r.status} ${await r.text()}`).toBe('404 Unknown service ID "nope". Ensure that the service ID is passed, not the service name.');
    const m = await get('/v1/agent/service/register');
    expect(`${m.status} ${await m.text()}`).toBe('405 method GET not allowed');
  });

  it('GET /v1/agent/service/:id answers with a content hash and blocks on ?hash until the service changes', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'hashy', Port: 1 }));
    const first = await get('/v1/agent/service/hashy');
    const hash = first.headers.get('x-consul-contenthash');
    const body = (await first.json()) as Record<string, unknown>;
    expect(hash).toMatch(/^[0-9a-f]+$/);
    expect(body.ContentHash).toBe(hash);
    // Same hash, short wait: returns the unchanged service after the wait.
    const t0 = Date.now();
    const unchanged = await get(`/v1/agent/service/hashy?hash=${hash}&wait=300ms`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(unchanged.headers.get('x-consul-contenthash')).toBe(hash);
    // A change releases a waiting query with the new hash.
    const waiting = get(`/v1/agent/service/hashy?hash=${hash}&wait=10s`);
    await new Promise((r) => setTimeout(r, 100));
    await expectOk(await put('/v1/agent/service/register', { Name: 'hashy', Port: 2 }));
    const changed = await waiting;
    expect(changed.headers.get('x-consul-contenthash')).not.toBe(hash);
    expect(((await changed.json()) as { Port: number }).Port).toBe(2);
    const missing = await get('/v1/agent/service/none');
    expect(`${missing.status} ${await missing.text()}`).toBe('404 unknown service ID: none');
  });

  it('?replace-existing-checks drops the checks the new registration leaves out', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'repl', Checks: [{ TTL: '30s' }, { TTL: '60s' }] }));
    await expectOk(await put('/v1/agent/service/register', { Name: 'repl', Port: 9 }));
    // Without the flag the checks stay.
    expect(Object.keys(await json('/v1/agent/checks'))).toEqual(expect.arrayContaining(['service:repl:1', 'service:repl:2']));
    await expectOk(await put('/v1/agent/service/register?replace-existing-checks=true', { Name: 'repl', Port: 10 }));
    const left = Object.keys(await json('/v1/agent/checks')).filter((id) => id.startsWith('service:repl'));
    expect(left).toEqual([]);
    const h = await get('/v1/agent/health/service/id/repl');
    expect(h.status).toBe(200);
    expect(((await h.json()) as { Service: { Port: number } }).Service.Port).toBe(10);
  });

  it('keeps named ports of a multi-port service and its content hash follows them', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'mp', Ports: [{ Name: 'http', Port: 8080, Default: true }, { Name: 'metrics', Port: 9090 }] }));
    const svc = await json<{ Ports: unknown[]; ContentHash: string }>('/v1/agent/service/mp');
    expect(svc.Ports).toEqual([
      { Name: 'http', Port: 8080, Default: true },
      { Name: 'metrics', Port: 9090, Default: false },
    ]);
    await expectOk(await put('/v1/agent/service/register', { Name: 'mp', Ports: [{ Name: 'http', Port: 8081, Default: true }] }));
    expect((await json<{ ContentHash: string }>('/v1/agent/service/mp')).ContentHash).not.toBe(svc.ContentHash);
  });

  it('refuses OSService checks as Consul does off Windows', async () => {
    const r = await put('/v1/agent/check/register', { Name: 'os-one', OSService: 'sshd', Interval: '10s' });
    expect(`${r.status} ${await r.text()}`).toBe('500 not implemented');
    expect(Object.keys(await json('/v1/agent/checks'))).not.toContain('os-one');
  });

  it('filters /v1/agent/services and /v1/agent/checks with ?filter', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'filt', ID: 'filt-a', Tags: ['blue'], Check: { TTL: '30s' } }));
    await expectOk(await put('/v1/agent/service/register', { Name: 'filt', ID: 'filt-b', Tags: ['green'] }));
    const services = await json<Record<string, unknown>>(`/v1/agent/services?filter=${encodeURIComponent('blue in Tags')}`);
    expect(Object.keys(services)).toEqual(['filt-a']);
    const checks = await json<Record<string, unknown>>(`/v1/agent/checks?filter=${encodeURIComponent('ServiceID == "filt-a"')}`);
    expect(Object.keys(checks)).toEqual(['service:filt-a']);
    const bad = await get(`/v1/agent/services?filter=${encodeURIComponent('Nope == 1')}`);
    expect(bad.status).toBe(500);
    expect(await bad.text()).toMatch(/^Failed to create boolean expression evaluator/);
  });
});

describe('TTL checks', () => {
  it('pass / warn / fail / update set status and output; expiry turns critical with "TTL expired"', async () => {
    await expectOk(await put('/v1/agent/check/register', { Name: 'ttl-one', TTL: '1s' }));
    const check = async () => (await json<Record<string, { Status: string; Output: string }>>('/v1/agent/checks'))['ttl-one']!;
    expect((await check()).Status).toBe('critical');
    await expectOk(await put('/v1/agent/check/pass/ttl-one?note=all%20good'));
    expect(await check()).toMatchObject({ Status: 'passing', Output: 'all good' });
    await expectOk(await put('/v1/agent/check/warn/ttl-one'));
    expect(await check()).toMatchObject({ Status: 'warning', Output: '' });
    await expectOk(await put('/v1/agent/check/update/ttl-one', { Status: 'passing', Output: 'fine' }));
    expect(await check()).toMatchObject({ Status: 'passing', Output: 'fine' });
    // The catalog follows (anti-entropy pushes the change).
    const node = await json<Array<{ CheckID: string; Status: string; Output: string }>>('/v1/health/node/agent-one');
    expect(node.find((c) => c.CheckID === 'ttl-one')).toMatchObject({ Status: 'passing', Output: 'fine' });
    // No update within the TTL: critical, keeping the last output.
    const expired = await until(check, (c) => c.Status === 'critical', 15_000);
    expect(expired.Output).toBe('TTL expired (last output before timeout follows): fine');
    const catalog = await until(
      async () => (await json<Array<{ CheckID: string; Status: string }>>('/v1/health/node/agent-one')).find((c) => c.CheckID === 'ttl-one')!,
      (c) => c.Status === 'critical',
    );
    expect(catalog.Status).toBe('critical');
    await expectOk(await put('/v1/agent/check/fail/ttl-one'));
    await expectOk(await put('/v1/agent/check/deregister/ttl-one'));
  });

  it('expires with plain "TTL expired" when nothing was ever reported', async () => {
    await expectOk(await put('/v1/agent/check/register', { Name: 'ttl-two', TTL: '1s', Status: 'passing' }));
    const c = await until(
      async () => (await json<Record<string, { Status: string; Output: string }>>('/v1/agent/checks'))['ttl-two']!,
      (c) => c.Status === 'critical',
      4000,
    );
    expect(c.Output).toBe('TTL expired');
    await expectOk(await put('/v1/agent/check/deregister/ttl-two'));
  });

  it("answers updates of unknown or non-TTL checks with Consul's errors", async () => {
    let r = await put('/v1/agent/check/pass/missing');
    expect(`${r.status} ${await r.text()}`).toBe('404 Unknown check ID "missing". Ensure that the check ID is passed, not the check name.');
    await expectOk(await put('/v1/agent/check/register', { Name: 'tcp-one', TCP: '127.0.0.1:1', Interval: '30s' }));
    r = await put('/v1/agent/check/pass/tcp-one');
    expect(`${r.status} ${await r.text()}`).toBe('500 CheckID "tcp-one" does not have associated TTL');
    r = await put('/v1/agent/check/update/tcp-one', { Status: 'nope' });
    expect(`${r.status} ${await r.text()}`).toBe("400 Invalid check status: 'nope'");
    r = await put('/v1/agent/check/register', { TTL: '10s' });
    expect(`${r.status} ${await r.text()}`).toBe('400 Missing check name');
    r = await put('/v1/agent/check/register', { Name: 'orphan', TTL: '10s', ServiceID: 'ghost' });
    expect(`${r.status} ${await r.text()}`).toBe('404 ServiceID "ghost" does not exist');
    r = await put('/v1/agent/check/register', { Name: 'both', TTL: '10s', Interval: '10s', HTTP: 'http://x' });
    expect(`${r.status} ${await r.text()}`).toBe('400 Invalid check: Interval and TTL cannot both be specified');
    // GET is taken for pass/warn/fail (python-consul 0.7.1), not for update.
    expect((await get('/v1/agent/check/update/tcp-one')).status).toBe(405);
    await expectOk(await get('/v1/agent/check/deregister/tcp-one'));
  });
});

describe('HTTP and TCP checks', () => {
  let server: Server;
  let healthy = true;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end(healthy ? `ok ${req.method} ${req.headers['x-probe'] ?? ''}` : 'down');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('turns passing while the server answers 2xx and critical when it answers 503, with Consul output', async () => {
    const target = `http://127.0.0.1:${port}/health`;
    await expectOk(
      await put('/v1/agent/service/register', {
        name: 'api',
        port,
        check: { http: target, interval: '1s', method: 'POST', header: { 'X-Probe': ['yes'] } },
      }),
    );
    const check = async () => (await json<Record<string, { Status: string; Output: string }>>('/v1/agent/checks'))['service:api']!;
    const passing = await until(check, (c) => c.Status === 'passing');
    expect(passing.Output).toBe(`HTTP POST ${target}: 200 OK Output: ok POST yes`);
    const inCatalog = await until(
      () => json<Array<{ Service: { ID: string } }>>('/v1/health/service/api?passing'),
      (l) => l.length === 1,
    );
    expect(inCatalog[0]!.Service.ID).toBe('api');
    healthy = false;
    const critical = await until(check, (c) => c.Status === 'critical');
    expect(critical.Output).toBe(`HTTP POST ${target}: 503 Service Unavailable Output: down`);
    await until(
      () => json<unknown[]>('/v1/health/service/api?passing'),
      (l) => l.length === 0,
    );
    healthy = true;
  });

  it('reports a refused connection with Go\'s dial error', async () => {
    await expectOk(await put('/v1/agent/check/register', { Name: 'refused', HTTP: 'http://127.0.0.1:1/x', Interval: '1s', Status: 'passing' }));
    const c = await until(
      async () => (await json<Record<string, { Status: string; Output: string }>>('/v1/agent/checks')).refused!,
      (c) => c.Status === 'critical',
    );
    expect(c.Output).toBe('Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused');
    await expectOk(await put('/v1/agent/check/deregister/refused'));
  });

  it('runs TCP checks: "TCP connect <addr>: Success" when the port answers', async () => {
    await expectOk(await put('/v1/agent/check/register', { Name: 'tcp-ok', TCP: `127.0.0.1:${port}`, Interval: '1s' }));
    const c = await until(
      async () => (await json<Record<string, { Status: string; Output: string }>>('/v1/agent/checks'))['tcp-ok']!,
      (c) => c.Status === 'passing',
    );
    expect(c.Output).toBe(`TCP connect 127.0.0.1:${port}: Success`);
    await expectOk(await put('/v1/agent/check/deregister/tcp-ok'));
  });
});

describe('maintenance mode', () => {
  it('node maintenance adds the critical _node_maintenance check and takes it away again', async () => {
    let r = await put('/v1/agent/maintenance');
    expect(`${r.status} ${await r.text()}`).toBe('400 Missing value for enable');
    r = await put('/v1/agent/maintenance?enable=maybe');
    expect(`${r.status} ${await r.text()}`).toBe('400 Invalid value for enable: "maybe"');
    await expectOk(await put('/v1/agent/maintenance?enable=true&reason=upgrading'));
    const checks = await json<Record<string, Record<string, unknown>>>('/v1/agent/checks');
    expect(checks._node_maintenance).toMatchObject({ Name: 'Node Maintenance Mode', Status: 'critical', Notes: 'upgrading', Type: 'maintenance', ServiceID: '' });
    const node = await json<Array<{ CheckID: string; Status: string }>>('/v1/health/node/agent-one');
    expect(node.find((c) => c.CheckID === '_node_maintenance')?.Status).toBe('critical');
    await expectOk(await put('/v1/agent/maintenance?enable=false'));
    expect(Object.keys(await json('/v1/agent/checks'))).not.toContain('_node_maintenance');
    const after = await json<Array<{ CheckID: string }>>('/v1/health/node/agent-one');
    expect(after.map((c) => c.CheckID)).not.toContain('_node_maintenance');
  });

  it('service maintenance uses _service_maintenance:<id> with the default reason', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'maint', Check: { TTL: '60s', Status: 'passing' } }));
    await expectOk(await put('/v1/agent/service/maintenance/maint?enable=true'));
    const checks = await json<Record<string, Record<string, unknown>>>('/v1/agent/checks');
    expect(checks['_service_maintenance:maint']).toMatchObject({
      Name: 'Service Maintenance Mode',
      Status: 'critical',
      ServiceID: 'maint',
      ServiceName: 'maint',
      Notes: 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
    });
    // Agent-local health: maintenance counts as critical (503).
    const h = await get('/v1/agent/health/service/id/maint?format=text');
    expect(`${h.status} ${await h.text()}`).toBe('503 maintenance');
    expect(await json('/v1/health/service/maint?passing')).toEqual([]);
    await expectOk(await put('/v1/agent/service/maintenance/maint?enable=false'));
    const back = await get('/v1/agent/health/service/id/maint?format=text');
    expect(`${back.status} ${await back.text()}`).toBe('200 passing');
    const r = await put('/v1/agent/service/maintenance/ghost?enable=true');
    expect(`${r.status} ${await r.text()}`).toBe('404 Unknown service ID "ghost". Ensure that the service ID is passed, not the service name.');
  });
});

describe('agent-local health', () => {
  it('answers 200 / 429 / 503 by aggregated status, by ID and by name', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'lh', ID: 'lh-1', Check: { TTL: '60s', Status: 'passing' } }));
    await expectOk(await put('/v1/agent/service/register', { Name: 'lh', ID: 'lh-2', Check: { TTL: '60s', Status: 'passing' } }));
    let r = await get('/v1/agent/health/service/id/lh-1');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { AggregatedStatus: string; Service: { ID: string }; Checks: Array<{ CheckID: string }> };
    expect(body.AggregatedStatus).toBe('passing');
    expect(body.Service.ID).toBe('lh-1');
    expect(body.Checks.map((c) => c.CheckID)).toContain('service:lh-1');
    await expectOk(await put('/v1/agent/check/warn/service:lh-2'));
    r = await get('/v1/agent/health/service/name/lh');
    expect(r.status).toBe(429);
    expect(((await r.json()) as unknown[]).length).toBe(2);
    await expectOk(await put('/v1/agent/check/fail/service:lh-1'));
    r = await get('/v1/agent/health/service/name/lh', { headers: { Accept: 'text/plain' } });
    expect(`${r.status} ${await r.text()}`).toBe('503 critical');
    r = await get('/v1/agent/health/service/id/none?format=text');
    expect(`${r.status} ${await r.text()}`).toBe('404 ServiceId none not found');
    r = await get('/v1/agent/health/service/name/none');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual([]);
  });
});

describe('anti-entropy: the agent owns its entries', () => {
  it('writes nothing when the catalog already has what the agent has (no index churn)', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'steady', Port: 5, Tags: ['a'], Meta: { k: 'v' }, Check: { TTL: '5m', Status: 'passing' } }));
    await face.runtime.syncNow();
    const before = (await get('/v1/catalog/service/steady')).headers.get('x-consul-index');
    const checksBefore = (await get('/v1/health/checks/steady')).headers.get('x-consul-index');
    await face.runtime.syncNow();
    await face.runtime.syncNow();
    expect((await get('/v1/catalog/service/steady')).headers.get('x-consul-index')).toBe(before);
    expect((await get('/v1/health/checks/steady')).headers.get('x-consul-index')).toBe(checksBefore);
  });

  it('keeps a catalog deregistration of its service (the owner drops it: DESIGN "Agents") and removes a catalog-only service on its node', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'owned', Port: 7 }));
    expect(await (await put('/v1/catalog/deregister', { Node: 'agent-one', ServiceID: 'owned' })).text()).toBe('true');
    expect(await json('/v1/catalog/service/owned')).toEqual([]);
    await until(() => json<Record<string, unknown>>('/v1/agent/services'), (s) => !('owned' in s));
    expect(
      await (await put('/v1/catalog/register', { Node: 'agent-one', Address: '127.0.0.1', Service: { Service: 'intruder', Port: 9 } })).text(),
    ).toBe('true');
    // An agent write pushes only the agent's own changes (Consul's syncChanges): the foreign entry
    // stays until the next full anti-entropy pass.
    await expectOk(await put('/v1/agent/service/register', { Name: 'bystander', Port: 8 }));
    expect((await json<unknown[]>('/v1/catalog/service/intruder')).length).toBe(1);
    await face.runtime.syncNow();
    expect(await json('/v1/catalog/service/owned')).toEqual([]);
    expect(await json('/v1/catalog/service/intruder')).toEqual([]);
    expect((await json<unknown[]>('/v1/catalog/service/bystander')).length).toBe(1);
  });
});

describe('anti-entropy: the node itself', () => {
  it('re-registers its node (with serfHealth and its services) after the node was deregistered through the catalog', async () => {
    await expectOk(await put('/v1/agent/service/register', { Name: 'survivor', Port: 3 }));
    expect(await (await put('/v1/catalog/deregister', { Node: 'agent-one' })).text()).toBe('true');
    expect(await json('/v1/catalog/service/survivor')).toEqual([]);
    await face.runtime.syncNow();
    const checks = await json<Array<{ CheckID: string; Status: string }>>('/v1/health/node/agent-one');
    expect(checks.find((c) => c.CheckID === 'serfHealth')?.Status).toBe('passing');
    expect((await json<Array<{ Node: string }>>('/v1/catalog/service/survivor')).map((s) => s.Node)).toEqual(['agent-one']);
  });
});

describe('self, members, metrics, host', () => {
  it('/v1/agent/self has the Config, Member, Coord, Stats and Meta clients read', async () => {
    const self = await json<Record<string, any>>('/v1/agent/self'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(self.Config).toMatchObject({ Datacenter: 'dc1', PrimaryDatacenter: 'dc1', NodeName: 'agent-one', Server: true, Version: '1.22.1', SessionTTLMin: 10_000_000_000 });
    expect(self.Coord.Vec).toHaveLength(8);
    expect(self.Member).toMatchObject({ Name: 'agent-one', Addr: '127.0.0.1', Status: 1 });
    expect(self.Meta).toEqual({ 'consul-network-segment': '', 'consul-version': '1.22.1' });
    // Consul always runs its xDS server: its gRPC ports (defaults: plaintext off, TLS 8503) and the Envoy lines it supports.
    expect(Object.keys(self).sort()).toEqual(['Config', 'Coord', 'DebugConfig', 'Member', 'Meta', 'Stats', 'xDS']);
    expect(self.xDS).toMatchObject({ Port: 8503, Ports: { Plaintext: -1, TLS: 8503 } });
    expect(self.xDS.SupportedProxies.envoy.length).toBeGreaterThan(0);
    // `consul info` prints every Stats value with %s: all must be strings.
    for (const section of Object.values(self.Stats as Record<string, Record<string, unknown>>)) {
      for (const v of Object.values(section)) expect(typeof v).toBe('string');
    }
    expect(self.Stats.consul).toMatchObject({ leader: 'true', server: 'true' });
    expect(self.Stats.raft.state).toBe('Leader');
    expect(Number(self.Stats.agent.services)).toBeGreaterThan(0);
  });

  it('/v1/agent/members lists this agent with its serf tags', async () => {
    const members = await json<Array<Record<string, any>>>('/v1/agent/members?segment=_all'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ Name: 'agent-one', Addr: '127.0.0.1', Port: 8301, Status: 1, ProtocolCur: 2 });
    expect(members[0]!.Tags).toMatchObject({ role: 'consul', dc: 'dc1', vsn: '2', vsn_min: '2', vsn_max: '3', raft_vsn: '3', port: '8300' });
    expect(members[0]!.Tags.build).toMatch(/^1\.22\.1:/);
    const wan = await json<Array<Record<string, any>>>('/v1/agent/members?wan=1'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(wan.map((m) => [m.Name, m.Port, m.Tags.role])).toEqual([['agent-one.dc1', 8302, 'consul']]);
    const r = await get('/v1/agent/members?wan=1&segment=alpha');
    expect(`${r.status} ${await r.text()}`).toBe('400 Cannot provide a segment with wan=true');
  });

  it('/v1/agent/metrics answers JSON, and an empty 200 with the reason in X-Consul-Reason for Prometheus while its retention time is not set (Consul default)', async () => {
    const m = await json<{ Timestamp: string; Gauges: Array<{ Name: string; Value: number }>; Counters: unknown[] }>('/v1/agent/metrics');
    expect(m.Timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d0 \+0000 UTC$/);
    // go-metrics puts the hostname into gauge names (telemetry.disable_hostname is off by default).
    expect(m.Gauges.find((g) => g.Name === `consul.${hostname()}.server.isLeader`)?.Value).toBe(1);
    expect(m.Gauges.some((g) => g.Name === `consul.${hostname()}.runtime.alloc_bytes`)).toBe(true);
    expect(Array.isArray(m.Counters)).toBe(true);
    const p = await get('/v1/agent/metrics?format=prometheus');
    expect(`${p.status} ${await p.text()}`).toBe('200 ');
    expect(p.headers.get('x-consul-reason')).toBe('Prometheus is not enabled since its retention time is not positive');
    const open = await get('/v1/agent/metrics', { headers: { Accept: 'application/openmetrics-text' } });
    expect(open.status).toBe(200);
    expect(open.headers.get('x-consul-reason')).toBe('Prometheus is not enabled since its retention time is not positive');
  });

  it('/v1/agent/host reports memory, CPU, host and disk', async () => {
    const h = await json<Record<string, any>>('/v1/agent/host'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(h.Memory.total).toBeGreaterThan(0);
    expect(h.CPU.length).toBeGreaterThan(0);
    expect(typeof h.Host.hostname).toBe('string');
  });
});

describe('/v1/agent/monitor', () => {
  /** The first streamed line that `wanted` accepts: the agent also logs what other tests' checks do meanwhile. */
  async function firstLine(path: string, trigger: () => Promise<void>, wanted: (line: string) => boolean): Promise<string> {
    const abort = new AbortController();
    const res = await fetch(url(path), { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await trigger();
    let text = '';
    try {
      for (;;) {
        const found = text.split('\n').slice(0, -1).find(wanted);
        if (found !== undefined) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error(`monitor stream ended without the line wanted; got:\n${text}`);
        text += Buffer.from(value).toString('utf8');
      }
    } finally {
      abort.abort();
    }
  }

  it('streams the agent log as hclog lines, or JSON with ?logjson', async () => {
    const line = await firstLine('/v1/agent/monitor?loglevel=debug', async () => {
      await expectOk(await put('/v1/agent/service/register', { Name: 'mon1' }));
    }, (l) => l.includes('mon1'));
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[(INFO|DEBUG)\]\s+agent: /);
    const jsonLine = await firstLine('/v1/agent/monitor?logjson', async () => {
      await expectOk(await put('/v1/agent/service/register', { Name: 'mon2' }));
    }, (l) => l.includes('"mon2"'));
    expect(JSON.parse(jsonLine)).toMatchObject({ '@module': 'agent', '@level': 'info', '@message': 'Synced service', service: 'mon2' });
    const bad = await get('/v1/agent/monitor?loglevel=loud');
    expect(`${bad.status} ${await bad.text()}`).toBe('400 Unknown log level: loud');
  });
});

describe('reload, join, leave, force-leave, tokens', () => {
  it('reload with nothing to reload answers 200', async () => {
    await expectOk(await put('/v1/agent/reload'));
    expect((await get('/v1/agent/reload')).status).toBe(405);
  });

  it("a join to an address that does not answer fails with memberlist's error", async () => {
    const r = await put('/v1/agent/join/127.0.0.1:1');
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('1 error occurred:\n\t* Failed to join 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused\n\n');
    // Joining itself succeeds (serf counts itself); a missing port is the agent's own serf port.
    await expectOk(await put('/v1/agent/join/127.0.0.1:8301'));
    await expectOk(await put('/v1/agent/join/127.0.0.1'));
    const self = await json<{ DebugConfig: { SerfAdvertiseAddrLAN: string } }>('/v1/agent/self');
    expect(self.DebugConfig.SerfAdvertiseAddrLAN).toBe('tcp://127.0.0.1:8301');
  });

  it('a join to another agent that answers is refused: clustering is not built yet', async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as AddressInfo).port;
    try {
      const r = await put(`/v1/agent/join/127.0.0.1:${port}`);
      expect(r.status).toBe(500);
      expect(await r.text()).toBe(
        `1 error occurred:\n\t* Failed to join 127.0.0.1:${port}: joining another agent is not supported by this dcsgw yet (single-agent shape; clustering is a later issue)\n\n`,
      );
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('force-leave of an unknown node fails; of this node is accepted', async () => {
    const r = await put('/v1/agent/force-leave/ghost');
    expect(`${r.status} ${await r.text()}`).toBe("500 agent: No node found with name 'ghost'");
    await expectOk(await get('/v1/agent/force-leave/agent-one'));
  });

  it('token endpoints answer as Consul does with ACLs disabled', async () => {
    const r = await put('/v1/agent/token/default', { Token: 'x' });
    expect(`${r.status} ${await r.text()}`).toBe('401 ACL support disabled');
  });
});
