// The seed's "some services must be deregistered three times, some never" as scenarios run against
// any topology of a server and two client agents (client-agents.test.ts: agents over one genuine
// etcd with -backend; cluster-clients.test.ts: a server agent and client agents joined by
// -retry-join): a service registered on client c1 (the owner) is deregistered through the server,
// through the other client c2 and through the owner, in every order; full anti-entropy passes and
// restarts of the owner bring nothing back (genuine Consul re-registers it at its next sync).
import { expect } from 'vitest';
import { catalogIds, json, put, until, type Agent } from './agents.js';

export interface Topology {
  server: Agent;
  /** c1: registers the services. */
  c1: Agent;
  /** c2: another client agent. */
  c2: Agent;
  /** The owner's anti-entropy full-sync interval (its ae_interval). */
  aeMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function deregistrationInEveryOrder({ server, c1, c2, aeMs: AE_MS }: Topology): Promise<void> {
  type Path = 'server' | 'other client' | 'owner';
  const paths: Path[] = ['server', 'other client', 'owner'];
  const orders: Path[][] = [];
  for (const a of paths) for (const b of paths) for (const c of paths) if (new Set([a, b, c]).size === 3) orders.push([a, b, c]);
  expect(orders).toHaveLength(6);
  const ids = orders.map((_, i) => `svc-${i}`);
  const register = async (): Promise<void> => {
    for (const id of ids) {
      const r = await put(c1, '/v1/agent/service/register', { Name: 'pain', ID: id, Port: 9000, Check: { TTL: '10m', Status: 'passing' } });
      expect(r.status, r.body).toBe(200);
    }
    await until('all registered in the catalog', () => catalogIds(server, 'pain'), (l) => l.length === ids.length);
  };
  const deregister = async (path: Path, id: string): Promise<void> => {
    const r =
      path === 'owner'
        ? await put(c1, `/v1/agent/service/deregister/${id}`)
        : await put(path === 'server' ? server : c2, '/v1/catalog/deregister', { Node: 'c1', ServiceID: id });
    expect(r.status, `${path}: ${r.body}`).toBe(200);
  };
  // a control service nobody deregisters: the syncs and the restart below do run
  expect((await put(c1, '/v1/agent/service/register', { Name: 'kept', ID: 'kept', Port: 1, Check: { TTL: '10m', Status: 'passing' } })).status).toBe(200);

  for (let step = 0; step < 3; step++) {
    await register();
    await Promise.all(orders.map((order, i) => deregister(order[step]!, ids[i]!)));
    await until('gone from the catalog', () => catalogIds(c2, 'pain'), (l) => l.length === 0);
    await until("gone from the owner's services", () => json<Record<string, unknown>>(c1, '/v1/agent/services'), (s) => ids.every((id) => !(id in s)));
    // several full anti-entropy passes of the owner later: still gone (genuine Consul puts them back here)
    await sleep(3 * AE_MS);
    expect(await catalogIds(server, 'pain')).toEqual([]);
    expect(await json(c1, '/v1/health/service/pain')).toEqual([]);
    // the owner's TTL updates for the gone checks find nothing to revive
    const ttl = await put(c1, `/v1/agent/check/pass/service:${ids[0]}`);
    expect(ttl.status).toBe(404);
  }
  // a deregistration through an agent that does not own the service answers as Consul does, and changes nothing
  await register();
  const wrong = await put(c2, `/v1/agent/service/deregister/${ids[0]}`);
  expect(wrong.status).toBe(404);
  expect(wrong.body).toBe(`Unknown service ID "${ids[0]}". Ensure that the service ID is passed, not the service name.`);
  await Promise.all(ids.map((id) => deregister('server', id)));
  await until('gone again', () => catalogIds(c2, 'pain'), (l) => l.length === 0);
  await until("gone from the owner's services again", () => json<Record<string, unknown>>(c1, '/v1/agent/services'), (s) => ids.every((id) => !(id in s)));

  // the owner restarts on its data dir: what was deregistered stays gone, the control service is back
  await c1.proc.stop('SIGKILL');
  await c1.restart();
  await sleep(2 * AE_MS);
  expect(Object.keys(await json<Record<string, unknown>>(c1, '/v1/agent/services')).sort()).toEqual(['kept']);
  expect(await catalogIds(server, 'pain')).toEqual([]);
  expect(await catalogIds(server, 'kept')).toEqual(['c1/kept']);
}

/** The owner is frozen (SIGSTOP) while the server deregisters one of its services, then killed and restarted. */
export async function deregistrationWhileOwnerFrozen({ server, c1, c2, aeMs: AE_MS }: Topology): Promise<void> {
  for (const id of ['frozen-1', 'frozen-2']) expect((await put(c1, '/v1/agent/service/register', { Name: 'frozen', ID: id, Port: 1, Check: { TTL: '10m', Status: 'passing' } })).status).toBe(200);
  await until('both in the catalog', () => catalogIds(server, 'frozen'), (l) => l.length === 2);
  c1.proc.kill('SIGSTOP');
  try {
    expect((await put(server, '/v1/catalog/deregister', { Node: 'c1', ServiceID: 'frozen-1' })).body).toBe('true');
    expect(await catalogIds(c2, 'frozen')).toEqual(['c1/frozen-2']);
  } finally {
    c1.proc.kill('SIGKILL');
    c1.proc.kill('SIGCONT');
  }
  await c1.proc.exited;
  await c1.restart();
  expect(c1.proc.output()).toMatch(/Service deregistered through the catalog while the agent was stopped: dropped from the local state so anti-entropy does not restore it: service=frozen-1/);
  await sleep(2 * AE_MS);
  expect(await catalogIds(server, 'frozen')).toEqual(['c1/frozen-2']);
  expect(Object.keys(await json<Record<string, unknown>>(c1, '/v1/agent/services'))).not.toContain('frozen-1');
  await put(c1, '/v1/agent/service/deregister/frozen-2');
}
