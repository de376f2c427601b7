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
    expect(conf.Index).toBeGreaterThan(0);
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
