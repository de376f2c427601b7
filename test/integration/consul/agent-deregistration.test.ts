// DESIGN.md "Agents": the catalog entry of a service belongs to the agent that registered it; a
// deregistration anywhere reaches the owner, so it sticks. A service or check of the agent
// deregistered through /v1/catalog/deregister leaves the agent's local state and data dir: no
// full anti-entropy pass and no restart on the same data dir brings it back (genuine Consul would
// re-register it — the "deregistered three times" pain this fixes). A deregistration of the whole
// node still comes back with everything on it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

const SYNC_MS = 300;
const dirs: string[] = [];
const faces: ConsulFace[] = [];

afterAll(async () => {
  for (const f of faces) await f.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<ConsulFace> {
  const face = await startConsulFace({ dataDir, agent: { nodeName: 'owner' }, runtime: { dataDir: join(dataDir, 'agent'), antiEntropyIntervalMs: SYNC_MS } });
  faces.push(face);
  return face;
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await what();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await what();
  }
  return last;
}

function client(face: ConsulFace) {
  const put = (p: string, body?: unknown) => fetch(`${face.url}${p}`, { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = async <T = Record<string, unknown>>(p: string): Promise<T> => (await (await fetch(`${face.url}${p}`)).json()) as T;
  return { put, json };
}

describe('a catalog deregistration of an agent-owned entry sticks', () => {
  it('through full anti-entropy passes and a restart on the same data dir; the undeleted service survives', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-dereg-'));
    dirs.push(dataDir);
    let face = await start(dataDir);
    let c = client(face);
    expect((await c.put('/v1/agent/service/register', { Name: 'gone', ID: 'Gone-1', Port: 1, Check: { TTL: '5m', Status: 'passing' } })).status).toBe(200);
    expect((await c.put('/v1/agent/service/register', { Name: 'kept', Port: 2 })).status).toBe(200);
    expect((await c.put('/v1/agent/check/register', { Name: 'disk', ID: 'disk-check', TTL: '5m' })).status).toBe(200);
    expect((await c.put('/v1/agent/check/register', { Name: 'mem', ID: 'mem-check', TTL: '5m' })).status).toBe(200);
    await until(() => c.json<unknown[]>('/v1/catalog/service/gone'), (l) => l.length === 1);

    // the service (case-folded ID, as Consul's catalog matches it) and a standalone check, through the catalog
    expect(await (await c.put('/v1/catalog/deregister', { Node: 'owner', ServiceID: 'gone-1' })).text()).toBe('true');
    expect(await (await c.put('/v1/catalog/deregister', { Node: 'owner', CheckID: 'disk-check' })).text()).toBe('true');
    await until(() => c.json('/v1/agent/services'), (s) => !('Gone-1' in s));
    await until(() => c.json('/v1/agent/checks'), (s) => !('disk-check' in s) && !('service:Gone-1' in s));

    // several full syncs later: still gone from the catalog, the rest still there
    await new Promise((r) => setTimeout(r, SYNC_MS * 3));
    await face.runtime.syncNow();
    expect(await c.json('/v1/catalog/service/gone')).toEqual([]);
    const checks = await c.json<Array<{ CheckID: string }>>('/v1/health/node/owner');
    expect(checks.map((x) => x.CheckID).sort()).toEqual(['mem-check', 'serfHealth']);
    expect((await c.json<unknown[]>('/v1/catalog/service/kept')).length).toBe(1);

    // restart on the same data dir: the agent's persisted state no longer has them
    await face.close();
    faces.splice(faces.indexOf(face), 1);
    face = await start(dataDir);
    c = client(face);
    await face.runtime.syncNow();
    expect(Object.keys(await c.json('/v1/agent/services')).sort()).toEqual(['kept']);
    expect(Object.keys(await c.json('/v1/agent/checks')).sort()).toEqual(['mem-check']);
    expect(await c.json('/v1/catalog/service/gone')).toEqual([]);
    expect((await c.json<unknown[]>('/v1/catalog/service/kept')).length).toBe(1);
  });

  it("the agent's own deregistration and a re-registration right after it are not mistaken for a foreign one", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-dereg-'));
    dirs.push(dataDir);
    const face = await start(dataDir);
    const c = client(face);
    for (let i = 0; i < 5; i++) {
      expect((await c.put('/v1/agent/service/register', { Name: 'flappy', Port: 10 + i })).status).toBe(200);
      expect((await c.put('/v1/agent/service/deregister/flappy')).status).toBe(200);
    }
    expect((await c.put('/v1/agent/service/register', { Name: 'flappy', Port: 99 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    await face.runtime.deregistrationsSettled();
    await face.runtime.syncNow();
    expect((await c.json<Record<string, { Port: number }>>('/v1/agent/services')).flappy?.Port).toBe(99);
    expect((await c.json<Array<{ ServicePort: number }>>('/v1/catalog/service/flappy')).map((s) => s.ServicePort)).toEqual([99]);
  });

  it('a registration made again through the agent right after the catalog deregistration is kept (the newer intent)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-dereg-'));
    dirs.push(dataDir);
    const face = await start(dataDir);
    const c = client(face);
    for (let i = 0; i < 3; i++) {
      expect((await c.put('/v1/agent/service/register', { Name: 'again', Port: 100 + i })).status).toBe(200);
      // the catalog deregistration is answered, then the agent registration follows at once, likely
      // before the agent has handled the deletion: it is the newer intent and must stay
      expect(await (await c.put('/v1/catalog/deregister', { Node: 'owner', ServiceID: 'again' })).text()).toBe('true');
      expect((await c.put('/v1/agent/service/register', { Name: 'again', Port: 200 + i })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      await face.runtime.deregistrationsSettled();
      const port = (await c.json<Record<string, { Port: number }>>('/v1/agent/services')).again?.Port;
      expect(port).toBe(200 + i);
      await face.runtime.syncNow();
      expect((await c.json<Array<{ ServicePort: number }>>('/v1/catalog/service/again')).map((s) => s.ServicePort)).toEqual([200 + i]);
    }
  });

  it('a deregistration of the whole node is restored with its services (the agent is alive)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-dereg-'));
    dirs.push(dataDir);
    const face = await start(dataDir);
    const c = client(face);
    expect((await c.put('/v1/agent/service/register', { Name: 'stays', Port: 3 })).status).toBe(200);
    expect(await (await c.put('/v1/catalog/deregister', { Node: 'owner' })).text()).toBe('true');
    await face.runtime.deregistrationsSettled();
    await face.runtime.syncNow();
    expect(Object.keys(await c.json('/v1/agent/services'))).toEqual(['stays']);
    expect((await c.json<unknown[]>('/v1/catalog/service/stays')).length).toBe(1);
  });
});
