// /v1/session/* and KV locks against the in-process Consul face: creation defaults and Consul's
// refusals (reference §2.5), acquire/release (§2.3), invalidation by destroy, TTL expiry and a bound
// check turning critical, releasing or deleting the held keys with lock-delay.
import { describe, expect, it } from 'vitest';
import { decodeRegisterRequest } from '../../../src/compat/catalog-decode.js';
import { consulFaceForSuite, type ConsulFace } from '../../support/consul-face.js';

const NODE = 'dcsgw-test';

async function registerNode(f: ConsulFace, checks: Array<{ CheckID: string; Status: string }>): Promise<void> {
  await f.ctx.core.catalog.register(
    decodeRegisterRequest({ Node: NODE, Address: '127.0.0.1', Checks: checks.map((c) => ({ ...c, Name: c.CheckID })) }),
  );
}

const face = consulFaceForSuite({}, (f) =>
  registerNode(f, [
    { CheckID: 'serfHealth', Status: 'passing' },
    { CheckID: 'app', Status: 'passing' },
    { CheckID: 'down', Status: 'critical' },
  ]),
);

const url = (p: string) => `${face.url}${p}`;
const put = (p: string, body?: string) => fetch(url(p), { method: 'PUT', body });
const index = (r: Response) => Number(r.headers.get('x-consul-index'));

interface SessionEntry {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: string;
  TTL: string;
  NodeChecks: string[] | null;
  ServiceChecks: unknown;
  CreateIndex: number;
  ModifyIndex: number;
}
interface Entry {
  LockIndex: number;
  Key: string;
  Session?: string;
  ModifyIndex: number;
  Value: string | null;
}

async function create(body?: unknown): Promise<string> {
  const r = await put('/v1/session/create', body === undefined ? undefined : JSON.stringify(body));
  const text = await r.text();
  expect(r.status, text).toBe(200);
  return (JSON.parse(text) as { ID: string }).ID;
}
async function entry(key: string): Promise<Entry | undefined> {
  const r = await fetch(url(`/v1/kv/${key}`));
  if (r.status === 404) return undefined;
  return ((await r.json()) as Entry[])[0];
}
async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('session create / info / list / node / renew / destroy', () => {
  it('creates with Consul\'s defaults: this agent\'s node, serfHealth, 15s lock-delay, release', async () => {
    const id = await create();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const r = await fetch(url(`/v1/session/info/${id}`));
    expect(r.status).toBe(200);
    const [s] = (await r.json()) as SessionEntry[];
    expect(s).toMatchObject({ ID: id, Name: '', Node: NODE, LockDelay: 15_000_000_000, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null });
    expect(s!.CreateIndex).toBe(s!.ModifyIndex);
    expect(index(r)).toBeGreaterThanOrEqual(s!.ModifyIndex);
    expect(Object.keys(s!)).toEqual(['ID', 'Name', 'Node', 'LockDelay', 'Behavior', 'TTL', 'NodeChecks', 'ServiceChecks', 'CreateIndex', 'ModifyIndex']);
  });

  it('decodes python-consul\'s lowercase body (Patroni): lockdelay string, behavior, ttl, empty checks', async () => {
    const id = await create({ name: 'batman-pg0', checks: [], lockdelay: '0.001s', behavior: 'delete', ttl: '15.0s' });
    const [s] = (await (await fetch(url(`/v1/session/info/${id}`))).json()) as SessionEntry[];
    expect(s).toMatchObject({ Name: 'batman-pg0', LockDelay: 1_000_000, Behavior: 'delete', TTL: '15.0s', NodeChecks: [] });
  });

  it('check bindings as the Go client\'s tests expect: explicit NodeChecks [] stays [], NodeChecks replace serfHealth, ServiceChecks keep it', async () => {
    const info = async (id: string) => ((await (await fetch(url(`/v1/session/info/${id}`))).json()) as SessionEntry[])[0]!;
    expect((await info(await create({ NodeChecks: [] }))).NodeChecks).toEqual([]);
    expect((await info(await create({}))).NodeChecks).toEqual(['serfHealth']);
    expect((await info(await create({ NodeChecks: ['app'] }))).NodeChecks).toEqual(['app']);
    expect((await info(await create({ Checks: ['app'] }))).NodeChecks).toEqual(['app']);
    const withSvc = await info(await create({ ServiceChecks: [{ ID: 'app' }] }));
    expect(withSvc.NodeChecks).toEqual(['serfHealth']);
    expect(withSvc.ServiceChecks).toEqual([{ ID: 'app', Namespace: '' }]);
  });

  it('a numeric LockDelay below 1000 means seconds; above is nanoseconds; capped at 60s', async () => {
    const a = await create({ LockDelay: 5 });
    const b = await create({ LockDelay: 2_000_000_000 });
    const c = await create({ LockDelay: '5m' });
    const ld = async (id: string) => ((await (await fetch(url(`/v1/session/info/${id}`))).json()) as SessionEntry[])[0]!.LockDelay;
    expect(await ld(a)).toBe(5e9);
    expect(await ld(b)).toBe(2e9);
    expect(await ld(c)).toBe(60e9);
  });

  it('refuses what Consul refuses, with its status and text', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ TTL: '5s' }, 500, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
      [{ TTL: '86401s' }, 500, "Invalid Session TTL '86401000000000', must be between [10s=24h0m0s]"],
      [{ TTL: 'abc' }, 500, 'Session TTL \'abc\' invalid: time: invalid duration "abc"'],
      [{ Behavior: 'explode' }, 500, "Invalid Behavior setting 'explode'"],
      [{ Node: 'no-such-node' }, 500, 'Missing node registration'],
      [{ Checks: ['nope'] }, 500, "Missing check 'nope' registration"],
      [{ NodeChecks: ['down'] }, 500, "Check 'down' is in critical state"],
    ];
    for (const [body, status, text] of cases) {
      const r = await put('/v1/session/create', JSON.stringify(body));
      expect({ status: r.status, text: await r.text() }).toEqual({ status, text });
    }
    const bad = await put('/v1/session/create', '{"Name": ');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^Request decode failed: /);
    const wrongMethod = await fetch(url('/v1/session/create'), { method: 'POST', body: '{}' });
    expect(wrongMethod.status).toBe(405);
    expect((await put('/v1/session/destroy/')).status).toBe(400);
    expect(await (await fetch(url('/v1/session/info/'))).text()).toBe('Missing session');
    expect(await (await fetch(url('/v1/session/node/'))).text()).toBe('Missing node name');
  });

  it('TTL accepted at the bounds (10s and 24h)', async () => {
    await create({ TTL: '10s' });
    await create({ TTL: '24h' });
  });

  it('list and node list every session (arrays, never null); info of an unknown ID is []', async () => {
    const id = await create({ Name: 'listed' });
    const list = (await (await fetch(url('/v1/session/list'))).json()) as SessionEntry[];
    expect(list.some((s) => s.ID === id)).toBe(true);
    const mine = (await (await fetch(url(`/v1/session/node/${NODE}`))).json()) as SessionEntry[];
    expect(mine.some((s) => s.ID === id)).toBe(true);
    expect(await (await fetch(url('/v1/session/node/other-node'))).json()).toEqual([]);
    expect(await (await fetch(url('/v1/session/info/00000000-0000-4000-8000-000000000000'))).json()).toEqual([]);
  });

  it('renew answers [entry]; an unknown or destroyed session is 404 with Consul\'s text', async () => {
    const id = await create({ TTL: '10s' });
    const r = await put(`/v1/session/renew/${id}`);
    expect(r.status).toBe(200);
    const [s] = (await r.json()) as SessionEntry[];
    expect(s!.ID).toBe(id);
    expect(s!.TTL).toBe('10s');
    const d = await put(`/v1/session/destroy/${id}`);
    expect(await d.text()).toBe('true');
    const gone = await put(`/v1/session/renew/${id}`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe(`Session id '${id}' not found`);
    expect(await (await put('/v1/session/destroy/00000000-0000-4000-8000-000000000000')).text()).toBe('true');
  });

  it('a blocking list is released by a session create', async () => {
    const idx = index(await fetch(url('/v1/session/list')));
    const waiting = fetch(url(`/v1/session/list?index=${idx}&wait=20s`));
    await new Promise((r) => setTimeout(r, 200));
    const id = await create({ Name: 'wake' });
    const r = await waiting;
    expect(index(r)).toBeGreaterThan(idx);
    expect(((await r.json()) as SessionEntry[]).some((s) => s.ID === id)).toBe(true);
  });
});

describe('KV locks', () => {
  it('acquire sets Session and LockIndex; another session is refused; the holder re-acquires; release clears Session only', async () => {
    const a = await create({ LockDelay: 0 });
    const b = await create({ LockDelay: 0 });
    expect(await (await put(`/v1/kv/lock/k?acquire=${a}`, 'a1')).text()).toBe('true');
    expect(await entry('lock/k')).toMatchObject({ Session: a, LockIndex: 1 });
    expect(await (await put(`/v1/kv/lock/k?acquire=${b}`, 'b1')).text()).toBe('false');
    expect(await (await put(`/v1/kv/lock/k?acquire=${a}`, 'a2')).text()).toBe('true');
    const held = await entry('lock/k');
    expect(held).toMatchObject({ Session: a, LockIndex: 1, Value: Buffer.from('a2').toString('base64') });
    // A plain PUT on a held key keeps the holder.
    await put(`/v1/kv/lock/plain?acquire=${a}`, 'x');
    expect(await (await put('/v1/kv/lock/plain', 'plain')).text()).toBe('true');
    expect((await entry('lock/plain'))!.Session).toBe(a);
    expect(await (await put(`/v1/kv/lock/k?release=${b}`, 'x')).text()).toBe('false');
    expect(await (await put(`/v1/kv/lock/k?release=${a}`, 'released')).text()).toBe('true');
    const after = await entry('lock/k');
    expect(after!.Session).toBeUndefined();
    expect(Buffer.from(after!.Value!, 'base64').toString()).toBe('released');
    expect(await (await put(`/v1/kv/lock/k?acquire=${b}`, 'b2')).text()).toBe('true');
    expect(await entry('lock/k')).toMatchObject({ Session: b, LockIndex: 2 });
  });

  it('destroy releases the held keys (ModifyIndex moves) and lock-delay refuses a new acquire meanwhile', async () => {
    const a = await create(); // default 15s lock-delay
    const b = await create({ LockDelay: 0 });
    expect(await (await put(`/v1/kv/ld/k?acquire=${a}`, 'x')).text()).toBe('true');
    const before = await entry('ld/k');
    await put(`/v1/session/destroy/${a}`);
    const after = await entry('ld/k');
    expect(after!.Session).toBeUndefined();
    expect(after!.LockIndex).toBe(1);
    expect(after!.ModifyIndex).toBeGreaterThan(before!.ModifyIndex);
    expect(await (await put(`/v1/kv/ld/k?acquire=${b}`, 'y')).text()).toBe('false');
    // A key released by a session without lock-delay is free at once.
    const c = await create({ LockDelay: 0 });
    expect(await (await put(`/v1/kv/ld/free?acquire=${c}`, 'x')).text()).toBe('true');
    await put(`/v1/session/destroy/${c}`);
    expect(await (await put(`/v1/kv/ld/free?acquire=${b}`, 'y')).text()).toBe('true');
  });

  it('a short lock-delay expires', async () => {
    const a = await create({ LockDelay: '300ms' });
    const b = await create({ LockDelay: 0 });
    await put(`/v1/kv/ld2/k?acquire=${a}`, 'x');
    await put(`/v1/session/destroy/${a}`);
    expect(await (await put(`/v1/kv/ld2/k?acquire=${b}`, 'y')).text()).toBe('false');
    await new Promise((r) => setTimeout(r, 400));
    expect(await (await put(`/v1/kv/ld2/k?acquire=${b}`, 'y')).text()).toBe('true');
  });

  it('Behavior delete: destroying the session deletes the keys it holds', async () => {
    const a = await create({ Behavior: 'delete', LockDelay: 0 });
    await put(`/v1/kv/del/k1?acquire=${a}`, 'x');
    await put(`/v1/kv/del/k2?acquire=${a}`, 'x');
    await put('/v1/kv/del/other', 'x');
    await put(`/v1/session/destroy/${a}`);
    expect(await entry('del/k1')).toBeUndefined();
    expect(await entry('del/k2')).toBeUndefined();
    expect(await entry('del/other')).toBeDefined();
  });

  it('a bound check turning critical invalidates the session and releases its keys', async () => {
    const a = await create({ NodeChecks: ['app'], LockDelay: 0 });
    await put(`/v1/kv/chk/k?acquire=${a}`, 'x');
    await face.ctx.core.catalog.updateCheck(NODE, 'app', 'critical', 'boom');
    expect(await until(async () => (await entry('chk/k'))?.Session === undefined, 20_000)).toBe(true);
    expect(await (await fetch(url(`/v1/session/info/${a}`))).json()).toEqual([]);
    await face.ctx.core.catalog.updateCheck(NODE, 'app', 'passing', '');
  });

  it('deregistering the session\'s node or a bound check invalidates the session', async () => {
    const { decodeDeregisterRequest } = await import('../../../src/compat/catalog-decode.js');
    await face.ctx.core.catalog.register(
      decodeRegisterRequest({ Node: 'other-node', Address: '10.1.1.1', Checks: [{ CheckID: 'svc-alive', Name: 'alive', Status: 'passing' }] }),
    );
    const byNode = await create({ Node: 'other-node', Checks: [], LockDelay: 0 });
    const byCheck = await create({ Node: 'other-node', NodeChecks: ['svc-alive'], LockDelay: 0 });
    await put(`/v1/kv/dereg/a?acquire=${byNode}`, 'x');
    await put(`/v1/kv/dereg/b?acquire=${byCheck}`, 'x');
    await face.ctx.core.catalog.deregister(decodeDeregisterRequest({ Node: 'other-node', CheckID: 'svc-alive' }));
    expect(await until(async () => (await entry('dereg/b'))?.Session === undefined, 20_000)).toBe(true);
    expect((await entry('dereg/a'))!.Session).toBe(byNode);
    await face.ctx.core.catalog.deregister(decodeDeregisterRequest({ Node: 'other-node' }));
    expect(await until(async () => (await entry('dereg/a'))?.Session === undefined, 20_000)).toBe(true);
    const left = (await (await fetch(url('/v1/session/node/other-node'))).json()) as SessionEntry[];
    expect(left).toEqual([]);
  });

  it('a blocking GET on a held key is released when the holder\'s session is destroyed', async () => {
    const a = await create({ LockDelay: 0 });
    await put(`/v1/kv/mon/k?acquire=${a}`, 'x');
    const r0 = await fetch(url('/v1/kv/mon/k'));
    const waiting = fetch(url(`/v1/kv/mon/k?consistent=&index=${index(r0)}&wait=20s`));
    await new Promise((r) => setTimeout(r, 200));
    await put(`/v1/session/destroy/${a}`);
    const r = await waiting;
    expect(((await r.json()) as Entry[])[0]!.Session).toBeUndefined();
    expect(index(r)).toBeGreaterThan(index(r0));
  });
});

describe('TTL expiry', () => {
  const short = consulFaceForSuite({ agent: { config: { session_ttl_min: '1s' } } }, (f) => registerNode(f, [{ CheckID: 'serfHealth', Status: 'passing' }]));

  it('an expired session\'s lock-delay applies to the keys the reaper released', async () => {
    const mk = async (body: unknown) =>
      ((await (await fetch(`${short.url}/v1/session/create`, { method: 'PUT', body: JSON.stringify(body) })).json()) as { ID: string }).ID;
    const dying = await mk({ TTL: '1s', LockDelay: '10s' });
    const other = await mk({ LockDelay: 0 });
    await fetch(`${short.url}/v1/kv/ttl/ld?acquire=${dying}`, { method: 'PUT', body: 'x' });
    const holder = async () => (((await (await fetch(`${short.url}/v1/kv/ttl/ld`)).json()) as Entry[])[0]!.Session);
    expect(await until(async () => (await holder()) === undefined, 20_000)).toBe(true);
    expect(await (await fetch(`${short.url}/v1/kv/ttl/ld?acquire=${other}`, { method: 'PUT', body: 'y' })).text()).toBe('false');
  });

  it('an unrenewed TTL session ends after about 2 x TTL and its key is released; renewals keep it alive', async () => {
    const mk = async (body: unknown) =>
      ((await (await fetch(`${short.url}/v1/session/create`, { method: 'PUT', body: JSON.stringify(body) })).json()) as { ID: string }).ID;
    // The session's TTL runs from its creation: the clock starts before it.
    const started = Date.now();
    const dying = await mk({ TTL: '1s', LockDelay: 0 });
    const kept = await mk({ TTL: '1s', LockDelay: 0 });
    await fetch(`${short.url}/v1/kv/ttl/a?acquire=${dying}`, { method: 'PUT', body: 'x' });
    await fetch(`${short.url}/v1/kv/ttl/b?acquire=${kept}`, { method: 'PUT', body: 'x' });
    const holder = async (k: string) => (((await (await fetch(`${short.url}/v1/kv/${k}`)).json()) as Entry[])[0]!.Session);
    const renewer = setInterval(() => void fetch(`${short.url}/v1/session/renew/${kept}`, { method: 'PUT' }), 300);
    try {
      expect(await holder('ttl/a')).toBe(dying);
      const released = await until(async () => (await holder('ttl/a')) === undefined, 20_000);
      expect(released).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(await holder('ttl/b')).toBe(kept);
      const renew = await fetch(`${short.url}/v1/session/renew/${dying}`, { method: 'PUT' });
      expect(renew.status).toBe(404);
      expect(await (await fetch(`${short.url}/v1/kv/ttl/a?acquire=${kept}`, { method: 'PUT', body: 'y' })).text()).toBe('true');
    } finally {
      clearInterval(renewer);
    }
  });
});
