// /v1/status and /v1/operator against the in-process Consul face (reference §1 "operator raft
// list-peers", §2.9): the leader's server address is the advertise address + server port, the
// raft configuration lists this server as leader and voter, autopilot's defaults, CAS updates,
// health and state, and Consul's refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
const url = (p: string) => `${face.url}${p}`;
const get = (p: string) => fetch(url(p));
const json = async <T = any>(p: string): Promise<T> => (await (await get(p)).json()) as T; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  face = await startConsulFace({ agent: { nodeName: 'srv-a', advertiseAddr: '127.0.0.1', ports: { http: 0, dns: -1, serfLan: -1, server: 8300, etcd: -1 } } });
});
afterAll(async () => {
  await face?.close();
});

describe('/v1/status', () => {
  it('leader is the quoted server address of the leader', async () => {
    const r = await get('/v1/status/leader');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('"127.0.0.1:8300"');
  });

  it('peers lists every voter', async () => {
    expect(await json('/v1/status/peers')).toEqual(['127.0.0.1:8300']);
  });

  it('answers for its own datacenter and has no path to another', async () => {
    expect(await (await get('/v1/status/leader?dc=dc1')).text()).toBe('"127.0.0.1:8300"');
    const r = await get('/v1/status/leader?dc=wrong_dc1');
    expect(`${r.status} ${await r.text()}`).toBe('500 No path to datacenter');
  });

  it('refuses other methods', async () => {
    const r = await fetch(url('/v1/status/leader'), { method: 'PUT' });
    expect(`${r.status} ${await r.text()}`).toBe('405 method PUT not allowed');
  });
});

describe('/v1/operator/raft', () => {
  it('configuration lists this server as leader and voter', async () => {
    const conf = await json<{ Servers: Array<Record<string, unknown>>; Index: number }>('/v1/operator/raft/configuration');
    expect(conf.Servers).toHaveLength(1);
    expect(conf.Servers[0]).toMatchObject({
      ID: face.ctx.agent.nodeId,
      Node: 'srv-a',
      Address: '127.0.0.1:8300',
      Leader: true,
      Voter: true,
      ProtocolVersion: '3',
    });
    expect(conf.Servers[0]!.LastIndex).toBeGreaterThan(0);
    // raft's GetConfiguration future carries no log index: Consul always reports 0 (py-consul's suite asserts it).
    expect(conf.Index).toBe(0);
    const stale = await get('/v1/operator/raft/configuration?stale');
    expect(stale.headers.get('x-consul-effective-consistency')).toBe('stale');
  });

  it("peer removal needs exactly one of ?id / ?address and answers Consul's texts", async () => {
    const del = (q: string) => fetch(url(`/v1/operator/raft/peer${q}`), { method: 'DELETE' });
    let r = await del('');
    expect(`${r.status} ${await r.text()}`).toBe("400 Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    r = await del('?id=a&address=b');
    expect(`${r.status} ${await r.text()}`).toBe('400 Must specify only one of ?id or ?address');
    r = await del('?address=10.9.9.9:8300');
    expect(`${r.status} ${await r.text()}`).toBe('500 address "10.9.9.9:8300" was not found in the Raft configuration');
    r = await del('?id=nope');
    expect(`${r.status} ${await r.text()}`).toBe('500 id "nope" was not found in the Raft configuration');
    // The last server is not removed (it would leave the store without quorum for good).
    r = await del('?address=127.0.0.1:8300');
    expect(r.status).toBe(500);
    expect(await json('/v1/status/peers')).toEqual(['127.0.0.1:8300']);
  });
});

describe('/v1/operator/autopilot', () => {
  it("configuration starts with Consul's defaults", async () => {
    const c = await json<Record<string, unknown>>('/v1/operator/autopilot/configuration');
    expect(c).toMatchObject({
      CleanupDeadServers: true,
      LastContactThreshold: '200ms',
      MaxTrailingLogs: 250,
      MinQuorum: 0,
      ServerStabilizationTime: '10s',
      RedundancyZoneTag: '',
      DisableUpgradeMigration: false,
      UpgradeVersionTag: '',
    });
    expect(c.ModifyIndex).toBeGreaterThan(0);
  });

  it('PUT replaces it; ?cas applies only at the current ModifyIndex', async () => {
    const put = (q: string, body: unknown) => fetch(url(`/v1/operator/autopilot/configuration${q}`), { method: 'PUT', body: JSON.stringify(body) });
    const before = await json<{ ModifyIndex: number }>('/v1/operator/autopilot/configuration');
    let r = await put('', { cleanupdeadservers: false, LastContactThreshold: '1s', MaxTrailingLogs: 100, ServerStabilizationTime: '30s' });
    expect(await r.text()).toBe('true');
    const after = await json<Record<string, unknown> & { ModifyIndex: number }>('/v1/operator/autopilot/configuration');
    expect(after).toMatchObject({ CleanupDeadServers: false, LastContactThreshold: '1s', MaxTrailingLogs: 100, ServerStabilizationTime: '30s' });
    r = await put(`?cas=${before.ModifyIndex}`, { MaxTrailingLogs: 1 });
    expect(await r.text()).toBe('false');
    r = await put(`?cas=${after.ModifyIndex}`, { CleanupDeadServers: true, LastContactThreshold: '200ms', MaxTrailingLogs: 250, ServerStabilizationTime: '10s' });
    expect(await r.text()).toBe('true');
    r = await put('?cas=x', {});
    expect(`${r.status} ${await r.text()}`).toBe('400 Error parsing cas value: strconv.ParseUint: parsing "x": invalid syntax');
    r = await put('', { MaxTrailingLogs: 'many' });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^Error parsing autopilot config: /);
  });

  it('health reports this healthy leader (200)', async () => {
    const r = await get('/v1/operator/autopilot/health');
    expect(r.status).toBe(200);
    const h = (await r.json()) as { Healthy: boolean; FailureTolerance: number; Servers: Array<Record<string, unknown>> };
    expect(h.Healthy).toBe(true);
    expect(h.FailureTolerance).toBe(0);
    expect(h.Servers[0]).toMatchObject({ Name: 'srv-a', Address: '127.0.0.1:8300', SerfStatus: 'alive', Leader: true, Voter: true, Healthy: true, Version: '1.22.1' });
    expect(String(h.Servers[0]!.StableSince)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('state names the leader and voters', async () => {
    const s = await json<{ Healthy: boolean; Leader: string; Voters: string[]; Servers: Record<string, { Status: string }> }>('/v1/operator/autopilot/state');
    const id = face.ctx.agent.nodeId;
    expect(s.Healthy).toBe(true);
    expect(s.Leader).toBe(id);
    expect(s.Voters).toEqual([id]);
    expect(s.Servers[id]!.Status).toBe('leader');
  });
});

describe('/v1/operator/keyring', () => {
  const keyBody = JSON.stringify({ Key: '8CooQRX1+VK7MsQQK6lx2LhumpSfQzUjE63HdAu2hgA=' });

  it('without gossip encryption every operation is a 500 with the WAN and LAN pools\' failures (go-multierror text)', async () => {
    let r = await get('/v1/operator/keyring');
    expect(r.status).toBe(500);
    expect(await r.text()).toBe(
      '4 errors occurred:\n\t* WAN error: 1/1 nodes reported failure\n\t* srv-a.dc1: Keyring is empty (encryption not enabled)\n\t* dc1 (LAN) error: 1/1 nodes reported failure\n\t* srv-a: Keyring is empty (encryption not enabled)\n\n',
    );
    r = await get('/v1/operator/keyring?local-only=true');
    expect(await r.text()).toBe('2 errors occurred:\n\t* dc1 (LAN) error: 1/1 nodes reported failure\n\t* srv-a: Keyring is empty (encryption not enabled)\n\n');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      r = await fetch(url('/v1/operator/keyring'), { method, body: keyBody });
      expect(r.status).toBe(500);
      expect(await r.text()).toContain('* srv-a: No keyring to modify (encryption not enabled)\n');
    }
  });

  it('refuses a missing body and a bad relay factor with 400', async () => {
    let r = await fetch(url('/v1/operator/keyring'), { method: 'POST' });
    expect(`${r.status} ${await r.text()}`).toBe('400 Request decode failed: EOF');
    r = await get('/v1/operator/keyring?relay-factor=9');
    expect(`${r.status} ${await r.text()}`).toBe('400 Invalid relay-factor: Relay factor must be in range: [0, 5]');
    r = await get('/v1/operator/keyring?relay-factor=x');
    expect(`${r.status} ${await r.text()}`).toBe('400 Error parsing relay factor: strconv.Atoi: parsing "x": invalid syntax');
  });
});

describe('/v1/operator/usage', () => {
  it("counts the datacenter's services, instances and nodes, with the query meta in the body too", async () => {
    const before = await (await get('/v1/operator/usage')).json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(before.KnownLeader).toBe(true);
    expect(before.Index).toBeGreaterThan(0);
    const dc1 = before.Usage.dc1;
    expect(dc1.Nodes).toBeGreaterThanOrEqual(1);
    expect(dc1.ConnectServiceInstances).toEqual({ 'api-gateway': 0, 'connect-native': 0, 'connect-proxy': 0, 'ingress-gateway': 0, 'mesh-gateway': 0, 'terminating-gateway': 0 });
    const reg = (body: unknown) => fetch(url('/v1/catalog/register'), { method: 'PUT', body: JSON.stringify(body) });
    expect(await (await reg({ Node: 'usage-n1', Address: '10.0.0.1', Service: { ID: 'web-1', Service: 'web' } })).text()).toBe('true');
    expect(await (await reg({ Node: 'usage-n2', Address: '10.0.0.2', Service: { ID: 'web-2', Service: 'web' } })).text()).toBe('true');
    expect(await (await reg({ Node: 'usage-n2', Address: '10.0.0.2', Service: { ID: 'web-proxy', Service: 'web-sidecar-proxy', Kind: 'connect-proxy', Port: 2100, Proxy: { DestinationServiceName: 'web' } } })).text()).toBe('true');
    const r = await get('/v1/operator/usage');
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(before.Index);
    const after = ((await r.json()) as Record<string, any>).Usage.dc1; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(after.Nodes).toBe(dc1.Nodes + 2);
    expect(after.Services).toBe(dc1.Services + 2);
    expect(after.ServiceInstances).toBe(dc1.ServiceInstances + 3);
    expect(after.ConnectServiceInstances['connect-proxy']).toBe(1);
    expect(after.BillableServiceInstances).toBe(dc1.BillableServiceInstances + 2);
    const stale = await (await get('/v1/operator/usage?global=true&stale=true')).json() as { Usage: Record<string, unknown>; ConsistencyLevel: string };
    expect(Object.keys(stale.Usage)).toEqual(['dc1']);
    expect(stale.ConsistencyLevel).toBe('stale');
  });
});
