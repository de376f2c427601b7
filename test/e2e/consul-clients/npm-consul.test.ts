// The `consul` npm package (silas/node-consul 2.0.1), a genuine Consul client, over the whole API
// it covers, against dcsgw's Consul face. Each case checks what the client hands its user: the
// client's own decoding (404 -> undefined, base64 values, watch index rules) is part of the test.
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
// The package's own typings model only part of each answer; the test reads answers as the
// client's JavaScript users do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let consul: any;

beforeAll(async () => {
  face = await startConsulFace();
  consul = new Consul({ host: '127.0.0.1', port: face.http.address.port });
});
afterAll(async () => {
  consul?.destroy();
  await face?.close();
});

const node = () => face.ctx.agent.nodeName;

describe('consul npm client: kv', () => {
  it('sets, gets, lists keys and deletes', async () => {
    expect(await consul.kv.set('npm/a', 'one')).toBe(true);
    expect(await consul.kv.set({ key: 'npm/b/c', value: 'two', flags: 42 })).toBe(true);
    const a = await consul.kv.get('npm/a');
    expect(a).toMatchObject({ Key: 'npm/a', Value: 'one', Flags: 0, LockIndex: 0 });
    expect(a.CreateIndex).toBeGreaterThan(0);
    expect(a.ModifyIndex).toBe(a.CreateIndex);
    const c = await consul.kv.get('npm/b/c');
    expect(c.Flags).toBe(42);
    const all = await consul.kv.get({ key: 'npm/', recurse: true });
    expect(all.map((e: { Key: string }) => e.Key)).toEqual(['npm/a', 'npm/b/c']);
    expect(await consul.kv.keys({ key: 'npm/', separator: '/' })).toEqual(['npm/a', 'npm/b/']);
    expect(await consul.kv.del('npm/a')).toBe(true);
    expect(await consul.kv.get('npm/a')).toBeUndefined();
  });

  it('does check-and-set on the modify index', async () => {
    await consul.kv.set('npm/cas', 'v1');
    const e = await consul.kv.get('npm/cas');
    expect(await consul.kv.set({ key: 'npm/cas', value: 'v2', cas: e.ModifyIndex })).toBe(true);
    // Consul answers `false`; the client hands a falsy body to its user as undefined.
    expect(await consul.kv.set({ key: 'npm/cas', value: 'v3', cas: e.ModifyIndex })).toBeFalsy();
    expect(await consul.kv.set({ key: 'npm/cas-new', value: 'x', cas: 0 })).toBe(true);
    expect(await consul.kv.set({ key: 'npm/cas-new', value: 'y', cas: 0 })).toBeFalsy();
    expect((await consul.kv.get('npm/cas-new')).Value).toBe('x');
    expect((await consul.kv.get('npm/cas')).Value).toBe('v2');
  });

  it('returns raw values', async () => {
    await consul.kv.set('npm/raw', 'bytes here');
    const raw = await consul.kv.get({ key: 'npm/raw', raw: true });
    expect(Buffer.from(raw).toString()).toBe('bytes here');
  });
});

describe('consul npm client: sessions and locks', () => {
  it('creates a session, acquires and releases a key, lists and destroys', async () => {
    const { ID } = await consul.session.create({ name: 'npm-lock', ttl: '30s', behavior: 'release' });
    expect(ID).toMatch(/^[0-9a-f-]{36}$/);
    const info = await consul.session.info(ID);
    expect(info).toMatchObject({ ID, Name: 'npm-lock', Node: node(), Behavior: 'release', TTL: '30s' });
    expect(await consul.kv.set({ key: 'npm/lock', value: 'me', acquire: ID })).toBe(true);
    const held = await consul.kv.get('npm/lock');
    expect(held.Session).toBe(ID);
    expect(held.LockIndex).toBe(1);
    const other = await consul.session.create({ name: 'other' });
    expect(await consul.kv.set({ key: 'npm/lock', value: 'them', acquire: other.ID })).toBeFalsy();
    expect((await consul.kv.get('npm/lock')).Value).toBe('me');
    expect(await consul.kv.set({ key: 'npm/lock', value: 'free', release: ID })).toBe(true);
    expect((await consul.kv.get('npm/lock')).Session).toBeUndefined();
    const renewed = await consul.session.renew(ID);
    expect(renewed[0].ID).toBe(ID);
    const list = await consul.session.list();
    expect(list.map((s: { ID: string }) => s.ID)).toEqual(expect.arrayContaining([ID, other.ID]));
    const onNode = await consul.session.node(node());
    expect(onNode.map((s: { ID: string }) => s.ID)).toEqual(expect.arrayContaining([ID, other.ID]));
    await consul.session.destroy(ID);
    await consul.session.destroy(other.ID);
    expect(await consul.session.info(ID)).toBeUndefined();
  });

  it('deletes the held key when a delete-behaviour session is destroyed', async () => {
    const { ID } = await consul.session.create({ name: 'npm-del', behavior: 'delete', lockdelay: '0s' });
    expect(await consul.kv.set({ key: 'npm/ephemeral', value: 'x', acquire: ID })).toBe(true);
    await consul.session.destroy(ID);
    await expect.poll(() => consul.kv.get('npm/ephemeral'), { timeout: 5000 }).toBeUndefined();
  });
});

describe('consul npm client: agent, catalog, health', () => {
  it('registers a service with a TTL check and sees it turn passing', async () => {
    await consul.agent.service.register({ name: 'npm-web', id: 'npm-web-1', port: 8080, tags: ['v1'], check: { ttl: '30s' } });
    const services = await consul.agent.service.list();
    expect(services['npm-web-1']).toMatchObject({ ID: 'npm-web-1', Service: 'npm-web', Port: 8080, Tags: ['v1'] });
    const checks = await consul.agent.check.list();
    const check = Object.values(checks).find((c) => (c as { ServiceID: string }).ServiceID === 'npm-web-1') as { CheckID: string; Status: string };
    expect(check.Status).toBe('critical');
    expect(await consul.health.service({ service: 'npm-web', passing: true })).toEqual([]);
    await consul.agent.check.pass({ id: check.CheckID, note: 'ok' });
    const healthy = await consul.health.service({ service: 'npm-web', passing: true });
    expect(healthy).toHaveLength(1);
    expect(healthy[0].Service).toMatchObject({ ID: 'npm-web-1', Service: 'npm-web', Port: 8080 });
    expect(healthy[0].Node.Node).toBe(node());
    const nodes = await consul.catalog.service.nodes('npm-web');
    expect(nodes[0]).toMatchObject({ Node: node(), ServiceID: 'npm-web-1', ServiceName: 'npm-web', ServicePort: 8080 });
    expect(await consul.catalog.service.list()).toMatchObject({ 'npm-web': ['v1'] });
    await consul.agent.service.deregister('npm-web-1');
    expect(await consul.catalog.service.nodes('npm-web')).toEqual([]);
  });

  it('lists datacenters, nodes, members, self, leader and peers', async () => {
    expect(await consul.catalog.datacenters()).toEqual(['dc1']);
    const nodes = await consul.catalog.node.list();
    expect(nodes.map((n: { Node: string }) => n.Node)).toContain(node());
    const members = await consul.agent.members();
    expect(members[0]).toMatchObject({ Name: node(), Status: 1 });
    const self = await consul.agent.self();
    expect(self.Config).toMatchObject({ Datacenter: 'dc1', NodeName: node(), Server: true });
    expect(await consul.status.leader()).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
    expect((await consul.status.peers()).length).toBe(1);
    const nodeHealth = await consul.health.node(node());
    expect(nodeHealth.find((c: { CheckID: string }) => c.CheckID === 'serfHealth')).toMatchObject({ Status: 'passing' });
  });
});

describe('consul npm client: transactions, events, prepared queries, watch', () => {
  it('runs a transaction all or nothing', async () => {
    const ok = await consul.transaction.create([
      { KV: { Verb: 'set', Key: 'npm/txn/a', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'set', Key: 'npm/txn/b', Value: Buffer.from('2').toString('base64') } },
    ]);
    expect(ok.Results).toHaveLength(2);
    expect(ok.Errors).toBeNull();
    await expect(
      consul.transaction.create([
        { KV: { Verb: 'set', Key: 'npm/txn/c', Value: Buffer.from('3').toString('base64') } },
        { KV: { Verb: 'check-not-exists', Key: 'npm/txn/a' } },
      ]),
    ).rejects.toThrow();
    expect(await consul.kv.get('npm/txn/c')).toBeUndefined();
  });

  it('fires and lists a user event', async () => {
    const ev = await consul.event.fire('npm-deploy', 'payload');
    expect(ev).toMatchObject({ Name: 'npm-deploy' });
    const list = await consul.event.list({ name: 'npm-deploy' });
    expect(list.map((e: { ID: string }) => e.ID)).toContain(ev.ID);
    // the client decodes the base64 payload for its user
    expect(list.at(-1).Payload).toBe('payload');
  });

  it('creates, executes and deletes a prepared query', async () => {
    await consul.agent.service.register({ name: 'npm-q', port: 9000 });
    const { ID } = await consul.query.create({ name: 'npm-q-query', service: { service: 'npm-q' } });
    const got = await consul.query.get(ID);
    expect(got).toMatchObject({ ID, Name: 'npm-q-query' });
    const ex = await consul.query.execute(ID);
    expect(ex.Service).toBe('npm-q');
    expect(ex.Nodes.map((n: { Service: { Port: number } }) => n.Service.Port)).toEqual([9000]);
    await consul.query.destroy(ID);
    expect((await consul.query.list()).find((q: { ID: string }) => q.ID === ID)).toBeUndefined();
    await consul.agent.service.deregister('npm-q');
  });

  it('watches a key and sees the change', async () => {
    await consul.kv.set('npm/watched', 'before');
    const watch = consul.watch({ method: consul.kv.get, options: { key: 'npm/watched', wait: '5s' } });
    const seen: string[] = [];
    watch.on('change', (data: { Value?: string } | undefined) => {
      if (data?.Value) seen.push(data.Value);
    });
    const errors: Error[] = [];
    watch.on('error', (err: Error) => errors.push(err));
    try {
      await expect.poll(() => seen.length, { timeout: 5000 }).toBeGreaterThan(0);
      await consul.kv.set('npm/watched', 'after');
      await expect.poll(() => seen.at(-1), { timeout: 5000 }).toBe('after');
      expect(errors).toEqual([]);
    } finally {
      watch.end();
    }
  });
});
