// /v1/catalog against the in-process Consul face: shapes as Consul 1.22 answers them (field names,
// order, null vs [] defaults), its refusals and texts, indexes and blocking, ?tag, ?node-meta,
// ?filter, ?near (reference §2.7, Consul's catalog API documentation).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
beforeAll(async () => {
  face = await startConsulFace();
});
afterAll(async () => {
  await face?.close();
});

const url = (p: string) => `${face.url}${p}`;
const put = (p: string, body: unknown) => fetch(url(p), { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (p: string) => fetch(url(p));
const index = (r: Response) => Number(r.headers.get('x-consul-index'));
const json = async <T = unknown>(p: string): Promise<T> => (await (await get(p)).json()) as T;

async function register(body: unknown): Promise<void> {
  const r = await put('/v1/catalog/register', body);
  expect(await r.text()).toBe('true');
  expect(r.status).toBe(200);
}

const NODE_KEYS = ['ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'Meta', 'CreateIndex', 'ModifyIndex'];
const CATALOG_SERVICE_KEYS = [
  'ID',
  'Node',
  'Address',
  'Datacenter',
  'TaggedAddresses',
  'NodeMeta',
  'ServiceKind',
  'ServiceID',
  'ServiceName',
  'ServiceTags',
  'ServiceAddress',
  'ServiceWeights',
  'ServiceMeta',
  'ServicePort',
  'ServiceSocketPath',
  'ServiceEnableTagOverride',
  'ServiceProxy',
  'ServiceConnect',
  'ServiceLocality',
  'CreateIndex',
  'ModifyIndex',
];
const NODE_SERVICE_KEYS = ['ID', 'Service', 'Tags', 'Address', 'Meta', 'Port', 'Weights', 'EnableTagOverride', 'Proxy', 'Connect', 'CreateIndex', 'ModifyIndex'];

describe('register and read back', () => {
  beforeAll(async () => {
    // The example of Consul's catalog register documentation.
    await register({
      Datacenter: 'dc1',
      ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
      Node: 'foobar',
      Address: '192.168.10.10',
      TaggedAddresses: { lan: '192.168.10.10', wan: '10.0.10.10' },
      NodeMeta: { somekey: 'somevalue' },
      Service: {
        ID: 'redis1',
        Service: 'redis',
        Tags: ['primary', 'v1'],
        Address: '127.0.0.1',
        TaggedAddresses: { lan: { address: '127.0.0.1', port: 8000 }, wan: { address: '198.18.0.1', port: 80 } },
        Meta: { redis_version: '4.0' },
        Port: 8000,
      },
      Check: { Node: 'foobar', CheckID: 'service:redis1', Name: 'Redis health check', Notes: 'Script based health check', Status: 'passing', ServiceID: 'redis1' },
    });
  });

  it('/v1/catalog/nodes lists the node with Consul\'s fields in Consul\'s order', async () => {
    const r = await get('/v1/catalog/nodes');
    expect(r.status).toBe(200);
    const nodes = (await r.json()) as Array<Record<string, unknown>>;
    const n = nodes.find((x) => x.Node === 'foobar')!;
    expect(Object.keys(n)).toEqual(NODE_KEYS);
    expect(n).toMatchObject({
      ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
      Address: '192.168.10.10',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '192.168.10.10', wan: '10.0.10.10' },
      Meta: { somekey: 'somevalue' },
    });
    expect(n.CreateIndex).toBe(n.ModifyIndex);
    expect(index(r)).toBeGreaterThanOrEqual(n.ModifyIndex as number);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    expect(r.headers.get('x-consul-lastcontact')).toBe('0');
  });

  it('/v1/catalog/services maps names to tags', async () => {
    const services = await json<Record<string, string[]>>('/v1/catalog/services');
    expect(services.redis).toEqual(['primary', 'v1']);
  });

  it('/v1/catalog/service/:name flattens node and service fields', async () => {
    const [s] = await json<Array<Record<string, unknown>>>('/v1/catalog/service/redis');
    expect(Object.keys(s!).filter((k) => k !== 'ServiceTaggedAddresses')).toEqual(CATALOG_SERVICE_KEYS);
    expect(s).toMatchObject({
      ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
      Node: 'foobar',
      Address: '192.168.10.10',
      NodeMeta: { somekey: 'somevalue' },
      ServiceKind: '',
      ServiceID: 'redis1',
      ServiceName: 'redis',
      ServiceTags: ['primary', 'v1'],
      ServiceAddress: '127.0.0.1',
      ServiceTaggedAddresses: { lan: { Address: '127.0.0.1', Port: 8000 }, wan: { Address: '198.18.0.1', Port: 80 } },
      ServiceWeights: { Passing: 1, Warning: 1 },
      ServiceMeta: { redis_version: '4.0' },
      ServicePort: 8000,
      ServiceSocketPath: '',
      ServiceEnableTagOverride: false,
      ServiceProxy: { Mode: '', MeshGateway: {}, Expose: {} },
      ServiceConnect: {},
      ServiceLocality: null,
    });
  });

  it('an unknown service is an empty list, an unknown node is null', async () => {
    const r = await get('/v1/catalog/service/nope');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('[]');
    expect(await (await get('/v1/catalog/node/nope')).text()).toBe('null');
    expect(await json('/v1/catalog/node-services/nope')).toEqual({ Node: null, Services: [] });
  });

  it('/v1/catalog/node/:node answers {Node, Services: {id: service}}; node names match case-insensitively', async () => {
    const body = await json<{ Node: Record<string, unknown>; Services: Record<string, Record<string, unknown>> }>('/v1/catalog/node/FOOBAR');
    expect(Object.keys(body)).toEqual(['Node', 'Services']);
    expect(body.Node.Node).toBe('foobar');
    expect(Object.keys(body.Services)).toEqual(['redis1']);
    const svc = body.Services.redis1!;
    expect(Object.keys(svc)).toEqual(['ID', 'Service', 'Tags', 'Address', 'TaggedAddresses', 'Meta', 'Port', 'Weights', 'EnableTagOverride', 'Proxy', 'Connect', 'CreateIndex', 'ModifyIndex']);
    expect(svc).toMatchObject({ ID: 'redis1', Service: 'redis', Tags: ['primary', 'v1'], Port: 8000, Weights: { Passing: 1, Warning: 1 } });
  });

  it('/v1/catalog/node-services/:node answers {Node, Services: [service]}', async () => {
    const body = await json<{ Node: Record<string, unknown>; Services: Array<Record<string, unknown>> }>('/v1/catalog/node-services/foobar');
    expect(body.Node.Node).toBe('foobar');
    expect(body.Services.map((s) => s.ID)).toEqual(['redis1']);
  });

  it('/v1/catalog/datacenters is this datacenter', async () => {
    expect(await json('/v1/catalog/datacenters')).toEqual(['dc1']);
  });

  it('connect and gateway-services answer as Consul with mesh off (no proxies, no gateways)', async () => {
    expect(await json('/v1/catalog/connect/redis')).toEqual([]);
    expect(await json('/v1/catalog/gateway-services/gw')).toEqual([]);
  });
});

describe('Connect endpoints with mesh off', () => {
  it('a registered sidecar proxy is listed by /v1/catalog/connect and /v1/health/connect for its destination', async () => {
    await register({
      Node: 'mesh1',
      Address: '10.7.0.1',
      Service: { kind: 'connect-proxy', id: 'web-sidecar', service: 'web-sidecar-proxy', port: 21000, proxy: { destination_service_name: 'meshweb', local_service_port: 8080 } },
    });
    const [p] = await json<Array<Record<string, unknown>>>('/v1/catalog/connect/meshweb');
    expect(p).toMatchObject({ ServiceKind: 'connect-proxy', ServiceID: 'web-sidecar', ServicePort: 21000 });
    expect(p!.ServiceProxy).toEqual({ DestinationServiceName: 'meshweb', LocalServicePort: 8080, Mode: '', MeshGateway: {}, Expose: {} });
    // What the Go client's TestAPI_CatalogConnect registers comes back intact, in Go's member order.
    const upstreams = [
      { DestinationName: 'db', LocalBindPort: 9191, Config: { connect_timeout_ms: 1000 } },
      { DestinationType: 'prepared_query', DestinationName: 'geo-cache', LocalBindPort: 8181 },
    ];
    await register({
      Node: 'mesh1',
      Address: '10.7.0.1',
      Service: {
        Kind: 'connect-proxy',
        ID: 'web-proxy1',
        Service: 'web-proxy',
        Port: 8001,
        Proxy: { DestinationServiceName: 'meshweb2', DestinationServiceID: 'web1', LocalServiceAddress: '127.0.0.2', LocalServicePort: 8080, Mode: 'transparent', Upstreams: upstreams, TransparentProxy: { OutboundListenerPort: 808 } },
      },
    });
    const node = await json<{ Services: Record<string, { Proxy: Record<string, unknown> }> }>('/v1/catalog/node/mesh1');
    const proxy = node.Services['web-proxy1']!.Proxy;
    expect(Object.keys(proxy)).toEqual(['DestinationServiceName', 'DestinationServiceID', 'LocalServiceAddress', 'LocalServicePort', 'Mode', 'Upstreams', 'MeshGateway', 'Expose', 'TransparentProxy']);
    expect(proxy).toMatchObject({ Mode: 'transparent', Upstreams: upstreams, TransparentProxy: { OutboundListenerPort: 808 } });
    const [h] = await json<Array<{ Service: Record<string, unknown> }>>('/v1/health/connect/meshweb');
    expect(h!.Service).toMatchObject({ Kind: 'connect-proxy', ID: 'web-sidecar' });
    expect(await json('/v1/catalog/service/meshweb')).toEqual([]);
  });

  it('a connect-proxy without a destination is refused with Consul\'s text', async () => {
    const r = await put('/v1/catalog/register', { Node: 'mesh1', Address: '10.7.0.1', Service: { Kind: 'connect-proxy', Service: 'p' } });
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('Proxy.DestinationServiceName must be non-empty for Connect proxy services');
  });
});

describe('defaults of a minimal registration', () => {
  it('absent maps are null, absent tags []', async () => {
    await register({ Node: 'min1', Address: '10.9.0.1', Service: { Service: 'minsvc' } });
    const [n] = (await json<Array<Record<string, unknown>>>('/v1/catalog/nodes?filter=' + encodeURIComponent('Node == min1')));
    expect(n).toMatchObject({ ID: '', TaggedAddresses: null, Meta: null });
    const [s] = await json<Array<Record<string, unknown>>>('/v1/catalog/service/minsvc');
    expect(s).toMatchObject({ ServiceID: 'minsvc', ServiceTags: [], ServiceMeta: null, ServicePort: 0, NodeMeta: null });
    expect('ServiceTaggedAddresses' in s!).toBe(false);
  });

  it('check definition durations are stored as Go prints them, and give the check its type', async () => {
    await register({ Node: 'dur1', Address: '10.9.0.3', Check: { Name: 'web', Definition: { http: 'http://10.9.0.3/', interval: '10000ms', timeout: 1500000000 } } });
    const [c] = await json<Array<{ Type: string; Definition: Record<string, unknown> }>>('/v1/health/node/dur1');
    expect(c!.Type).toBe('http');
    expect(c!.Definition).toEqual({ HTTP: 'http://10.9.0.3/', Interval: '10s', Timeout: '1.5s' });
  });

  it('a node registered with a Locality shows it after Meta; a service\'s as ServiceLocality', async () => {
    const loc = { Region: 'us-west-1', Zone: 'us-west-1a' };
    await register({ Node: 'loc1', Address: '10.9.0.4', Locality: loc, Service: { Service: 'locsvc', Locality: loc } });
    const [n] = await json<Array<Record<string, unknown>>>('/v1/catalog/nodes?filter=' + encodeURIComponent('Node == loc1'));
    expect(Object.keys(n!)).toEqual(['ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'Meta', 'Locality', 'CreateIndex', 'ModifyIndex']);
    expect(n!.Locality).toEqual(loc);
    const [s] = await json<Array<Record<string, unknown>>>('/v1/catalog/service/locsvc');
    expect(s!.ServiceLocality).toEqual(loc);
  });

  it('body field names match case-insensitively (python-consul sends lower case) and snake_case', async () => {
    await register({ node: 'lower1', address: '10.9.0.2', node_meta: { env: 'qa' }, service: { service: 'lowersvc', port: 81, tags: ['x'] } });
    const [s] = await json<Array<Record<string, unknown>>>('/v1/catalog/service/lowersvc');
    expect(s).toMatchObject({ Node: 'lower1', Address: '10.9.0.2', NodeMeta: { env: 'qa' }, ServicePort: 81, ServiceTags: ['x'] });
  });
});

describe('SkipNodeUpdate', () => {
  // Consul's RegisterRequest.ChangesNode: a missing node is created even with SkipNodeUpdate; an
  // existing one is left as it is. The Go client's own filter tests register a node's services and
  // its node record in random (Go map) order and rely on this.
  it('a service registered before its node creates the node; the node\'s own registration then fills it in', async () => {
    await register({ Node: 'early-node', SkipNodeUpdate: true, Address: '10.7.0.9', Service: { ID: 'early1', Service: 'early' }, Checks: [{ CheckID: 'early:c', Name: 'c', ServiceID: 'early1', Status: 'passing' }] });
    const first = await json<{ Node: Record<string, unknown>; Services: Record<string, unknown> }>('/v1/catalog/node/early-node');
    expect(first.Node).toMatchObject({ Node: 'early-node', Address: '10.7.0.9', ID: '' });
    expect(Object.keys(first.Services)).toEqual(['early1']);
    const [check] = await json<Array<Record<string, unknown>>>('/v1/health/checks/early');
    expect(check).toMatchObject({ Node: 'early-node', CheckID: 'early:c', ServiceID: 'early1', Status: 'passing' });

    await register({ Node: 'early-node', ID: '2b1c6f0e-37a4-4c1e-9d7e-5b0f1e2d3c4a', Address: '127.0.0.9', NodeMeta: { env: 'prod' } });
    const after = await json<{ Node: Record<string, unknown>; Services: Record<string, unknown> }>('/v1/catalog/node/early-node');
    expect(after.Node).toMatchObject({ ID: '2b1c6f0e-37a4-4c1e-9d7e-5b0f1e2d3c4a', Address: '127.0.0.9', Meta: { env: 'prod' } });
    expect(Object.keys(after.Services)).toEqual(['early1']);
  });

  it('an existing node is left as it is', async () => {
    await register({ Node: 'kept-node', Address: '10.7.0.10', NodeMeta: { a: 'b' } });
    await register({ Node: 'kept-node', SkipNodeUpdate: true, Address: '10.99.99.99', NodeMeta: { c: 'd' }, Service: { Service: 'kept' } });
    const { Node } = await json<{ Node: Record<string, unknown> }>('/v1/catalog/node/kept-node');
    expect(Node).toMatchObject({ Address: '10.7.0.10', Meta: { a: 'b' } });
  });
});

describe('refusals with Consul\'s texts', () => {
  const cases: Array<[string, unknown, number, string]> = [
    ['no node', { Address: '1.2.3.4' }, 500, 'Must provide node'],
    ['no address', { Node: 'x' }, 500, 'Must provide address if SkipNodeUpdate is not set'],
    ['a bad node ID', { Node: 'x', Address: '1.2.3.4', ID: 'nope' }, 500, 'Bad node ID: uuid string is wrong length'],
    ['a check for an unknown service', { Node: 'x', Address: '1.2.3.4', Check: { Name: 'c', ServiceID: 'ghost' } }, 500, 'failed inserting check: Missing service registration'],
    ['a service ID without a name', { Node: 'x', Address: '1.2.3.4', Service: { ID: 'only-id' } }, 500, 'Must provide service name with ID'],
    ['a service on 0.0.0.0', { Node: 'x', Address: '1.2.3.4', Service: { Service: 's', Address: '0.0.0.0' } }, 500, 'Invalid service address'],
    ['a string where a number goes', { Node: 'x', Address: '1.2.3.4', Service: { Service: 's', Port: 'eighty' } }, 400, 'Request decode failed: json: cannot unmarshal string into Go struct field NodeService.Port of type int'],
    ['a service meta key Consul reserves', { Node: 'x', Address: '1.2.3.4', Service: { ID: 's1', Service: 's', Meta: { 'consul-x': 'y' } } }, 500, "failed inserting service: Invalid Service Meta for node x and serviceID s1: Couldn't load metadata pair ('consul-x', 'y'): Key prefix 'consul-' is reserved for internal use"],
    ['a service meta key with a dot', { Node: 'x', Address: '1.2.3.4', Service: { ID: 's1', Service: 's', Meta: { 'a.b': 'y' } } }, 500, "failed inserting service: Invalid Service Meta for node x and serviceID s1: Couldn't load metadata pair ('a.b', 'y'): Key contains invalid characters"],
    ['a check of another node', { Node: 'x', Address: '1.2.3.4', Check: { Node: 'y', CheckID: 'c' } }, 500, "Node 'y' for check 'c' doesn't match register request node 'x'"],
    ['a check interval Go cannot parse', { Node: 'x', Address: '1.2.3.4', Check: { Name: 'c', Definition: { HTTP: 'http://x', Interval: 'ten' } } }, 400, 'Request decode failed: time: invalid duration "ten"'],
    ['an empty body', '', 400, 'Request decode failed: EOF'],
    ['malformed JSON', '{"Node":', 400, 'Request decode failed: unexpected EOF'],
  ];
  for (const [what, body, status, text] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await put('/v1/catalog/register', body);
      expect(r.status).toBe(status);
      expect(await r.text()).toBe(text);
    });
  }

  it('a refused registration writes nothing (the node of a failed txn is absent)', async () => {
    await put('/v1/catalog/register', { Node: 'half', Address: '1.2.3.4', Check: { Name: 'c', ServiceID: 'ghost' } });
    expect(await (await get('/v1/catalog/node/half')).text()).toBe('null');
  });

  it('deregister without a node is refused', async () => {
    const r = await put('/v1/catalog/deregister', { ServiceID: 'x' });
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('Must provide node');
  });

  it('a wrong method answers 405', async () => {
    const r = await get('/v1/catalog/register');
    expect(r.status).toBe(405);
    const r2 = await put('/v1/catalog/nodes', {});
    expect(r2.status).toBe(405);
  });

  it('?cached reads answer X-Cache MISS, then HIT with Age 0, as the agent cache does; other reads carry no cache headers', async () => {
    const first = await get('/v1/catalog/service/redis?cached');
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.headers.get('age')).toBeNull();
    const second = await get('/v1/catalog/service/redis?cached&index=1');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('age')).toBe('0');
    expect((await get('/v1/catalog/service/redis')).headers.get('x-cache')).toBeNull();
    expect((await get('/v1/catalog/nodes?cached')).headers.get('x-cache')).toBeNull();
    expect((await get('/v1/health/service/redis?cached')).headers.get('x-cache')).toBe('MISS');
  });

  it('another datacenter has no path', async () => {
    const r = await get('/v1/catalog/nodes?dc=dc9');
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('No path to datacenter');
  });

  it('a bad ?index is refused', async () => {
    const r = await get('/v1/catalog/nodes?index=abc');
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('Invalid index');
  });
});

describe('writes and indexes', () => {
  it('re-registering unchanged data moves no index; a change moves ModifyIndex, not CreateIndex', async () => {
    const body = { Node: 'idx1', Address: '10.1.0.1', Service: { Service: 'idxsvc', Port: 1 } };
    await register(body);
    const r1 = await get('/v1/catalog/service/idxsvc');
    const [a] = (await r1.json()) as Array<{ CreateIndex: number; ModifyIndex: number }>;
    await register(body);
    const r2 = await get('/v1/catalog/service/idxsvc');
    expect(index(r2)).toBe(index(r1));
    await register({ ...body, Service: { Service: 'idxsvc', Port: 2 } });
    const [b] = await json<Array<{ CreateIndex: number; ModifyIndex: number; ServicePort: number }>>('/v1/catalog/service/idxsvc');
    expect(b!.ServicePort).toBe(2);
    expect(b!.CreateIndex).toBe(a!.CreateIndex);
    expect(b!.ModifyIndex).toBeGreaterThan(a!.ModifyIndex);
  });

  it('deregistering a service removes its checks; deregistering the node removes everything on it', async () => {
    await register({
      Node: 'dereg1',
      Address: '10.2.0.1',
      Service: { ID: 'd1', Service: 'dsvc' },
      Checks: [
        { CheckID: 'd1-check', Name: 'd1 check', ServiceID: 'd1', Status: 'passing' },
        { CheckID: 'node-check', Name: 'node check', Status: 'passing' },
      ],
    });
    await register({ Node: 'dereg1', Address: '10.2.0.1', Service: { ID: 'd2', Service: 'dsvc2' } });
    expect((await json<unknown[]>('/v1/health/node/dereg1')).length).toBe(2);
    const r = await put('/v1/catalog/deregister', { Node: 'dereg1', ServiceID: 'd1' });
    expect(await r.text()).toBe('true');
    const checks = await json<Array<{ CheckID: string }>>('/v1/health/node/dereg1');
    expect(checks.map((c) => c.CheckID)).toEqual(['node-check']);
    expect(await json('/v1/catalog/service/dsvc')).toEqual([]);
    await put('/v1/catalog/deregister', { Node: 'dereg1', CheckID: 'node-check' });
    expect(await json('/v1/health/node/dereg1')).toEqual([]);
    await put('/v1/catalog/deregister', { Node: 'dereg1' });
    expect(await (await get('/v1/catalog/node/dereg1')).text()).toBe('null');
    expect(await json('/v1/catalog/service/dsvc2')).toEqual([]);
  });

  it('deregistering what does not exist succeeds', async () => {
    const r = await put('/v1/catalog/deregister', { Node: 'never-there', ServiceID: 'x' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('true');
  });

  it('a blocking /v1/catalog/services is released by a registration', async () => {
    const first = await get('/v1/catalog/services');
    const idx = index(first);
    const started = Date.now();
    const pending = get(`/v1/catalog/services?index=${idx}&wait=30s`);
    await new Promise((r) => setTimeout(r, 150));
    await register({ Node: 'block1', Address: '10.3.0.1', Service: { Service: 'late-arrival' } });
    const r = await pending;
    // released by the registration, well before the wait runs out (a loose bound: a loaded machine is slow)
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(index(r)).toBeGreaterThan(idx);
    expect(Object.keys((await r.json()) as object)).toContain('late-arrival');
  });

  it('a blocking query times out with the same index when nothing changes', async () => {
    const first = await get('/v1/catalog/nodes');
    const idx = index(first);
    const started = Date.now();
    const r = await get(`/v1/catalog/nodes?index=${idx}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(index(r)).toBe(idx);
  });
});

describe('node IDs, as Consul\'s state store keeps them unique', () => {
  const U1 = 'a5e1f6a2-0000-4000-8000-000000000001';
  const U2 = 'a5e1f6a2-0000-4000-8000-000000000002';
  const U3 = 'a5e1f6a2-0000-4000-8000-000000000003';
  const serfCheck = (status: string) => ({ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: status });

  it('registering a known ID under a new name renames the node: the old name and what was on it go', async () => {
    await register({ Node: 'old-name', ID: U1, Address: '10.6.0.1', Service: { Service: 'renamed-svc' } });
    await register({ Node: 'new-name', ID: U1, Address: '10.6.0.1' });
    expect(await (await get('/v1/catalog/node/old-name')).text()).toBe('null');
    expect(await json('/v1/catalog/service/renamed-svc')).toEqual([]);
    const n = await json<{ Node: { ID: string; Node: string } }>('/v1/catalog/node/new-name');
    expect(n.Node).toMatchObject({ ID: U1, Node: 'new-name' });
  });

  it('a name held by a live node with another ID is refused; once its serfHealth is critical it may be taken', async () => {
    await register({ Node: 'held', ID: U2, Address: '10.6.0.2', Check: serfCheck('passing') });
    const r = await put('/v1/catalog/register', { Node: 'held', ID: U3, Address: '10.6.0.3' });
    expect(r.status).toBe(500);
    expect(await r.text()).toBe(`failed inserting node: Error while renaming Node ID: "${U3}": Node name held is reserved by node ${U2} with name held (10.6.0.2)`);
    await register({ Node: 'held', ID: U2, Address: '10.6.0.2', Check: serfCheck('critical') });
    await register({ Node: 'held', ID: U3, Address: '10.6.0.3' });
    const n = await json<{ Node: { ID: string; Address: string } }>('/v1/catalog/node/held');
    expect(n.Node).toMatchObject({ ID: U3, Address: '10.6.0.3' });
  });

  it('the same check twice in one registration stores the later one', async () => {
    await register({ Node: 'dup', Address: '10.6.0.4', Check: { CheckID: 'c', Name: 'c', Status: 'passing' }, Checks: [{ CheckID: 'c', Name: 'c', Status: 'warning' }] });
    const checks = await json<Array<{ CheckID: string; Status: string }>>('/v1/health/node/dup');
    expect(checks).toMatchObject([{ CheckID: 'c', Status: 'warning' }]);
  });
});

describe('?tag, ?node-meta, ?filter, ?near', () => {
  beforeAll(async () => {
    await register({ Node: 'web-a', Address: '10.4.0.1', NodeMeta: { rack: 'r1', os: 'linux' }, Service: { ID: 'web-a', Service: 'webq', Tags: ['primary', 'v2'], Port: 80, Meta: { version: '2' } } });
    await register({ Node: 'web-b', Address: '10.4.0.2', NodeMeta: { rack: 'r2', os: 'linux' }, Service: { ID: 'web-b', Service: 'webq', Tags: ['secondary', 'v2'], Port: 8080 } });
    await register({ Node: 'web-c', Address: '10.4.0.3', NodeMeta: { rack: 'r1', os: 'windows' }, Service: { ID: 'web-c', Service: 'webq', Tags: ['Secondary'], Port: 81 } });
  });

  const nodesOf = (list: Array<{ Node: string }>) => list.map((s) => s.Node);

  it('?tag keeps instances carrying every given tag (case-insensitively)', async () => {
    expect(nodesOf(await json('/v1/catalog/service/webq?tag=secondary'))).toEqual(['web-b', 'web-c']);
    expect(nodesOf(await json('/v1/catalog/service/webq?tag=secondary&tag=v2'))).toEqual(['web-b']);
  });

  it('?node-meta keeps nodes with every key:value', async () => {
    expect(nodesOf(await json('/v1/catalog/service/webq?node-meta=rack:r1'))).toEqual(['web-a', 'web-c']);
    expect(nodesOf(await json('/v1/catalog/nodes?node-meta=rack:r1&node-meta=os:linux'))).toEqual(['web-a']);
    const services = await json<Record<string, string[]>>('/v1/catalog/services?node-meta=os:windows');
    expect(Object.keys(services)).toEqual(['webq']);
    expect(services.webq).toEqual(['Secondary']);
  });

  it('?filter selects with the expression language', async () => {
    const q = (p: string, f: string) => json<Array<{ Node: string }>>(`${p}?filter=${encodeURIComponent(f)}`);
    expect(nodesOf(await q('/v1/catalog/service/webq', 'ServicePort == 8080'))).toEqual(['web-b']);
    expect(nodesOf(await q('/v1/catalog/service/webq', '"primary" in ServiceTags or NodeMeta.os == windows'))).toEqual(['web-a', 'web-c']);
    expect(nodesOf(await q('/v1/catalog/service/webq', 'ServiceMeta is empty'))).toEqual(['web-b', 'web-c']);
    expect(nodesOf(await q('/v1/catalog/nodes', 'Meta.rack == r2'))).toEqual(['web-b']);
    expect(nodesOf(await q('/v1/catalog/nodes', 'Node matches "^web-[ab]$" and not (Meta.rack == r1)'))).toEqual(['web-b']);
    const services = await json<Record<string, string[]>>(`/v1/catalog/services?filter=${encodeURIComponent('ServiceName == webq and NodeMeta.rack == r2')}`);
    expect(services).toEqual({ webq: ['secondary', 'v2'] });
    const node = await json<{ Services: Record<string, unknown> }>(`/v1/catalog/node/web-a?filter=${encodeURIComponent('Port == 81')}`);
    expect(node.Services).toEqual({});
  });

  it('a bad filter is refused with Consul\'s text', async () => {
    const r = await get(`/v1/catalog/service/webq?filter=${encodeURIComponent('NoSuchField == 1')}`);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('Failed to create boolean expression evaluator: Selector "NoSuchField" is not valid');
    const r2 = await get(`/v1/catalog/nodes?filter=${encodeURIComponent('Node ==')}`);
    expect(r2.status).toBe(500);
    expect(await r2.text()).toMatch(/^Failed to create boolean expression evaluator: 1:8 \(7\): no match found, expected: /);
  });

  it('?near sorts by estimated round-trip time from that node\'s coordinate', async () => {
    const vec = (x: number) => [x, 0, 0, 0, 0, 0, 0, 0];
    for (const [node, x] of [['web-a', 0.05], ['web-b', 0.001], ['web-c', 0.02]] as const) {
      const r = await put('/v1/coordinate/update', { Node: node, Coord: { Vec: vec(x), Error: 0.1, Adjustment: 0, Height: 0.00001 } });
      expect(r.status).toBe(200);
    }
    expect(nodesOf(await json('/v1/catalog/service/webq?near=web-b'))).toEqual(['web-b', 'web-c', 'web-a']);
    expect(nodesOf(await json('/v1/catalog/service/webq?near=web-a'))).toEqual(['web-a', 'web-c', 'web-b']);
    const nodes = await json<Array<{ Node: string }>>('/v1/catalog/nodes?near=web-b&node-meta=os:linux');
    expect(nodesOf(nodes)).toEqual(['web-b', 'web-a']);
  });
});

describe('service weights', () => {
  it('invalid weights (the Go client sends {0, 0} when its user set none) are stored as {1, 1}; valid ones as given', async () => {
    const reg = (id: string, Weights: unknown) =>
      fetch(`${face.url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'w-node', Address: '10.0.0.9', Service: { ID: id, Service: 'weighted', Weights } }) });
    expect((await reg('w0', { Passing: 0, Warning: 0 })).status).toBe(200);
    expect((await reg('w5', { Passing: 5, Warning: 2 })).status).toBe(200);
    const list = (await (await fetch(`${face.url}/v1/catalog/service/weighted`)).json()) as Array<{ ServiceID: string; ServiceWeights: unknown }>;
    expect(Object.fromEntries(list.map((e) => [e.ServiceID, e.ServiceWeights]))).toEqual({ w0: { Passing: 1, Warning: 1 }, w5: { Passing: 5, Warning: 2 } });
  });
});
