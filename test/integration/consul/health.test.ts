// /v1/health against the in-process Consul face: entries with node checks first, Consul's
// ?passing rule (warning is not passing), states, filters, blocking released by a check change,
// and the catalog API the DNS and session code use (healthyInstances, checkStatus) — reference §2.8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import { decodeRegisterRequest } from '../../../src/compat/catalog-decode.js';

let face: ConsulFace;
const url = (p: string) => `${face.url}${p}`;
const put = (p: string, body: unknown) => fetch(url(p), { method: 'PUT', body: JSON.stringify(body) });
const get = (p: string) => fetch(url(p));
const index = (r: Response) => Number(r.headers.get('x-consul-index'));
const json = async <T = unknown>(p: string): Promise<T> => (await (await get(p)).json()) as T;

async function register(body: unknown): Promise<void> {
  const r = await put('/v1/catalog/register', body);
  expect(await r.text()).toBe('true');
}

const serf = (status: string) => ({ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: status, Output: 'Agent alive and reachable' });

beforeAll(async () => {
  face = await startConsulFace();
  // api-1: all passing. api-2: its service check warns. api-3: its node check is critical.
  await register({ Node: 'h1', Address: '10.0.1.1', Service: { ID: 'api-1', Service: 'api', Tags: ['v1'], Port: 9001 }, Checks: [serf('passing'), { CheckID: 'api-1-http', Name: 'api http', ServiceID: 'api-1', Status: 'passing', Definition: { HTTP: 'http://10.0.1.1:9001/health', Interval: '10s' } }] });
  await register({ Node: 'h2', Address: '10.0.1.2', Service: { ID: 'api-2', Service: 'api', Tags: ['v2'], Port: 9002 }, Checks: [serf('passing'), { CheckID: 'api-2-ttl', Name: 'api ttl', ServiceID: 'api-2', Status: 'warning', Definition: { TTL: '30s' } }] });
  await register({ Node: 'h3', Address: '10.0.1.3', Service: { ID: 'api-3', Service: 'api', Tags: ['v1'], Port: 9003 }, Checks: [serf('critical'), { CheckID: 'api-3-tcp', Name: 'api tcp', ServiceID: 'api-3', Status: 'passing' }] });
});
afterAll(async () => {
  await face?.close();
});

interface Entry {
  Node: { Node: string };
  Service: { ID: string; Tags: string[] };
  Checks: Array<{ Node: string; CheckID: string; Status: string; ServiceID: string; ServiceName: string; ServiceTags: string[]; Type: string; Definition: Record<string, unknown> }>;
}
const ids = (list: Entry[]) => list.map((e) => e.Service.ID).sort();

describe('/v1/health/service/:name', () => {
  it('lists every instance with its node checks first, then its own; shapes as Consul', async () => {
    const r = await get('/v1/health/service/api');
    expect(r.status).toBe(200);
    const list = (await r.json()) as Entry[];
    expect(ids(list)).toEqual(['api-1', 'api-2', 'api-3']);
    const e = list.find((x) => x.Service.ID === 'api-1')!;
    expect(Object.keys(e)).toEqual(['Node', 'Service', 'Checks']);
    expect(e.Checks.map((c) => c.CheckID)).toEqual(['serfHealth', 'api-1-http']);
    expect(Object.keys(e.Checks[0]!)).toEqual([
      'Node', 'CheckID', 'Name', 'Status', 'Notes', 'Output', 'ServiceID', 'ServiceName', 'ServiceTags', 'Type', 'Interval', 'Timeout', 'ExposedPort', 'Definition', 'CreateIndex', 'ModifyIndex',
    ]);
    expect(e.Checks[0]).toMatchObject({ ServiceID: '', ServiceName: '', ServiceTags: [], Type: '', Definition: {} });
    expect(e.Checks[1]).toMatchObject({ ServiceID: 'api-1', ServiceName: 'api', ServiceTags: ['v1'], Type: 'http', Definition: { HTTP: 'http://10.0.1.1:9001/health', Interval: '10s' } });
    expect(list.find((x) => x.Service.ID === 'api-2')!.Checks[1]).toMatchObject({ Type: 'ttl', Definition: { TTL: '30s' } });
    expect(index(r)).toBeGreaterThan(0);
  });

  it('?passing keeps only instances whose every check (node checks too) passes; warning is not passing', async () => {
    expect(ids(await json('/v1/health/service/api?passing'))).toEqual(['api-1']);
    expect(ids(await json('/v1/health/service/api?passing=1'))).toEqual(['api-1']);
    expect(ids(await json('/v1/health/service/api?passing=false'))).toEqual(['api-1', 'api-2', 'api-3']);
  });

  it('?passing with a value Go cannot parse as a bool is refused', async () => {
    const r = await get('/v1/health/service/api?passing=maybe');
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('Invalid value for ?passing');
  });

  it('?tag and ?filter narrow the entries', async () => {
    expect(ids(await json('/v1/health/service/api?tag=v1'))).toEqual(['api-1', 'api-3']);
    expect(ids(await json(`/v1/health/service/api?filter=${encodeURIComponent('Checks.Status == critical')}`))).toEqual(['api-3']);
    expect(ids(await json(`/v1/health/service/api?filter=${encodeURIComponent('Service.Port == 9002 or Node.Node == h1')}`))).toEqual(['api-1', 'api-2']);
    expect(ids(await json(`/v1/health/service/api?filter=${encodeURIComponent('"v2" in Service.Tags')}`))).toEqual(['api-2']);
  });

  it('?peer names a cluster peer; with no peering every read for one is empty', async () => {
    expect(await json('/v1/health/service/api?peer=non-existent-peer')).toEqual([]);
    expect(await json('/v1/health/node/h1?peer=p')).toEqual([]);
    expect(await json('/v1/catalog/service/api?peer=p')).toEqual([]);
    expect(await json('/v1/catalog/services?peer=p')).toEqual({});
    expect(await json('/v1/catalog/node/h1?peer=p')).toBeNull();
    expect((await json<unknown[]>('/v1/health/service/api')).length).toBe(3);
  });

  it('an unknown service is an empty list; connect and ingress are empty with mesh off', async () => {
    expect(await (await get('/v1/health/service/none')).text()).toBe('[]');
    expect(await json('/v1/health/connect/api')).toEqual([]);
    expect(await json('/v1/health/ingress/api')).toEqual([]);
  });

  it('a blocking query is released by a check status change, and the entry then passes', async () => {
    const first = await get('/v1/health/service/api?passing');
    const idx = index(first);
    const pending = get(`/v1/health/service/api?passing&index=${idx}&wait=10s`);
    await new Promise((r) => setTimeout(r, 150));
    await face.ctx.core.catalog.updateCheck('h2', 'api-2-ttl', 'passing', 'ok again');
    const r = await pending;
    expect(index(r)).toBeGreaterThan(idx);
    expect(ids((await r.json()) as Entry[])).toEqual(['api-1', 'api-2']);
    await face.ctx.core.catalog.updateCheck('h2', 'api-2-ttl', 'warning', '');
  });
});

describe('per-service index', () => {
  it('a blocking query on one service is not woken by changes to another, and is by its own', async () => {
    await register({ Node: 'ix1', Address: '10.8.0.1', Service: { ID: 'alone', Service: 'alone' } });
    const first = await get('/v1/health/service/alone');
    const idx = index(first);
    const started = Date.now();
    const quiet = get(`/v1/health/service/alone?index=${idx}&wait=600ms`);
    await new Promise((r) => setTimeout(r, 100));
    await register({ Node: 'ix2', Address: '10.8.0.2', Service: { ID: 'other', Service: 'other' } });
    const r = await quiet;
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(index(r)).toBe(idx);
    const pending = get(`/v1/catalog/service/alone?index=${idx}&wait=10s`);
    await new Promise((r2) => setTimeout(r2, 100));
    await register({ Node: 'ix1', Address: '10.8.0.1', Checks: [{ CheckID: 'ix1-node', Name: 'node check', Status: 'passing' }] });
    const woken = await pending;
    expect(index(woken)).toBeGreaterThan(idx);
  });

  it('a service that disappears keeps an index that does not go backwards', async () => {
    await register({ Node: 'ix3', Address: '10.8.0.3', Service: { ID: 'brief', Service: 'brief' } });
    const before = index(await get('/v1/health/service/brief'));
    await put('/v1/catalog/deregister', { Node: 'ix3', ServiceID: 'brief' });
    const gone = await get('/v1/health/service/brief');
    expect(await gone.json()).toEqual([]);
    expect(index(gone)).toBeGreaterThan(before);
  });
});

describe('check lists', () => {
  it('/v1/health/node/:node lists node-level and service checks of the node', async () => {
    const checks = await json<Entry['Checks']>('/v1/health/node/h2');
    expect(checks.map((c) => [c.CheckID, c.Status])).toEqual([
      ['api-2-ttl', 'warning'],
      ['serfHealth', 'passing'],
    ]);
    expect(await json('/v1/health/node/nobody')).toEqual([]);
  });

  it('/v1/health/checks/:service lists the service\'s own checks', async () => {
    const checks = await json<Entry['Checks']>('/v1/health/checks/api');
    expect(checks.map((c) => c.CheckID).sort()).toEqual(['api-1-http', 'api-2-ttl', 'api-3-tcp']);
  });

  it('/v1/health/state/:state filters by status; any is every check; unknown states match nothing', async () => {
    const critical = await json<Entry['Checks']>('/v1/health/state/critical');
    expect(critical.map((c) => `${c.Node}/${c.CheckID}`)).toEqual(['h3/serfHealth']);
    expect((await json<unknown[]>('/v1/health/state/warning')).length).toBe(1);
    // (the agent's own node carries a serfHealth check too)
    const any = await json<Entry['Checks']>('/v1/health/state/any');
    expect(any.filter((c) => /^h\d$/.test(c.Node)).length).toBe(6);
    expect(any.length).toBe((await json<unknown[]>('/v1/health/state/passing')).length + 2);
    const bogus = await get('/v1/health/state/bogus');
    expect(bogus.status).toBe(200);
    expect(await bogus.text()).toBe('[]');
    const filtered = await json<Entry['Checks']>(`/v1/health/state/any?filter=${encodeURIComponent('ServiceName == api and Status != passing')}`);
    expect(filtered.map((c) => c.CheckID)).toEqual(['api-2-ttl']);
  });

  it('a status Consul does not know is stored as sent (the catalog does not validate it); it is neither passing nor critical', async () => {
    await register({ Node: 'odd', Address: '10.0.9.1', Service: { ID: 'odd-svc', Service: 'odd' }, Check: { CheckID: 'odd-check', ServiceID: 'odd-svc', Status: 'mystery' } });
    expect(await json<Entry['Checks']>('/v1/health/state/mystery')).toMatchObject([{ CheckID: 'odd-check', Status: 'mystery' }]);
    expect(await json('/v1/health/service/odd?passing')).toEqual([]);
    expect((await face.ctx.core.catalog.healthyInstances('odd')).length).toBe(1);
    await put('/v1/catalog/deregister', { Node: 'odd' });
  });

  it('a filter on a field checks do not have is refused', async () => {
    const r = await get(`/v1/health/state/any?filter=${encodeURIComponent('Port == 1')}`);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('Failed to create boolean expression evaluator: Selector "Port" is not valid');
  });
});

describe('the catalog API other parts of the face use', () => {
  it('healthyInstances leaves out instances with a critical check; passingOnly leaves out warnings too', async () => {
    const all = await face.ctx.core.catalog.healthyInstances('API');
    expect(all.map((i) => i.service.value.ID).sort()).toEqual(['api-1', 'api-2']);
    const passing = await face.ctx.core.catalog.healthyInstances('api', { passingOnly: true });
    expect(passing.map((i) => i.service.value.ID)).toEqual(['api-1']);
    const tagged = await face.ctx.core.catalog.healthyInstances('api', { tag: 'V2' });
    expect(tagged.map((i) => `${i.node.value.Address}:${i.service.value.Port}`)).toEqual(['10.0.1.2:9002']);
  });

  it('checkStatus reads one check; undefined when it does not exist', async () => {
    expect(await face.ctx.core.catalog.checkStatus('H3', 'serfHealth')).toBe('critical');
    expect(await face.ctx.core.catalog.checkStatus('h3', 'nope')).toBeUndefined();
  });

  it('updateCheck of a missing check is refused with Consul\'s text; an unchanged update writes nothing', async () => {
    await expect(face.ctx.core.catalog.updateCheck('h1', 'ghost', 'passing', '')).rejects.toThrow('Missing check registration');
    const before = face.backend.header().revision;
    await face.ctx.core.catalog.updateCheck('h1', 'serfHealth', 'passing', 'Agent alive and reachable');
    expect(face.backend.header().revision).toBe(before);
  });

  it('register accepts the decoded request of the agent (decodeRegisterRequest) and updates tags checks show', async () => {
    await face.ctx.core.catalog.register(decodeRegisterRequest({ Node: 'h1', Address: '10.0.1.1', Service: { ID: 'api-1', Service: 'api', Tags: ['v1', 'canary'], Port: 9001 } }));
    const checks = await json<Entry['Checks']>('/v1/health/checks/api');
    expect(checks.find((c) => c.CheckID === 'api-1-http')!.ServiceTags).toEqual(['v1', 'canary']);
  });
});
