// The Consul face as start.ts builds it for the binary and the tests: listeners placed as asked,
// a default address that is taken left out (reported) while an explicit one fails, the agent's own
// node registered, and the answers for what the OSS agent has switched off or dcsgw lacks.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNativeBackend, type NativeBackend } from '../../../src/adapters/native.js';
import { ConsulListenError, startConsulFace as startFace } from '../../../src/gateway/consul/start.js';
import { allocatePorts } from '../../support/ports.js';
import { consulFaceForSuite, testAgentIdentity } from '../../support/consul-face.js';

const RANGE = { from: 36000, to: 36999 };

async function listenOn(port: number): Promise<Server> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve());
  });
  return srv;
}

describe('start.ts: listeners', () => {
  let backend: NativeBackend;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcsgw-agent-start-'));
    backend = await createNativeBackend({
      name: 'n', dataDir: dir, memberId: 0x36n, clusterId: 0x3600n, initialCluster: [{ id: 0x36n, name: 'n', peerURLs: ['http://127.0.0.1:2380'] }],
      initialClusterState: 'new', advertiseClientURLs: ['http://127.0.0.1:2379'], advertisePeerURLs: ['http://127.0.0.1:2380'],
      snapshotCount: 100000, heartbeatMs: 50, electionMs: 500, quotaBackendBytes: 2 ** 31, logger: pino({ level: 'silent' }),
    });
    await backend.ready();
  });
  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a taken address marked skipIfTaken is left out and reported; the face still runs', async () => {
    const [port] = await allocatePorts(1, RANGE);
    const blocker = await listenOn(port!);
    try {
      const face = await startFace(backend, testAgentIdentity(), { http: { host: '127.0.0.1', port: port!, skipIfTaken: true } }, pino({ level: 'silent' }));
      expect(face.http).toBeUndefined();
      expect(face.skipped).toEqual([{ listener: 'http', address: `127.0.0.1:${port}`, reason: 'bind: address already in use' }]);
      await face.runtimeStarted;
      await face.stop();
    } finally {
      blocker.close();
    }
  });

  test('addresses.http = "unix:///path": HTTP on a Unix socket, replacing a stale socket file', async () => {
    const sock = join(dir, 'agent.sock');
    writeFileSync(sock, 'left by an earlier run');
    const face = await startFace(backend, testAgentIdentity(), { http: { host: `unix://${sock}`, port: 8500 } }, pino({ level: 'silent' }));
    try {
      await face.runtimeStarted;
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ socketPath: sock, path: '/v1/status/leader' }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toMatch(/^"\d+\.\d+\.\d+\.\d+:\d+"$/);
    } finally {
      await face.stop();
    }
  });

  test('a taken address the user chose fails with Go\'s listen error', async () => {
    const [port] = await allocatePorts(1, RANGE);
    const blocker = await listenOn(port!);
    try {
      const err = await startFace(backend, testAgentIdentity(), { http: { host: '127.0.0.1', port: port! } }, pino({ level: 'silent' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConsulListenError);
      expect((err as Error).message).toBe(`listen tcp 127.0.0.1:${port}: bind: address already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('the face as a user sees it', () => {
  const face = consulFaceForSuite({ agent: { nodeName: 'face-node', nodeId: '3a7c1d2e-0000-4000-8000-000000036000' } });

  test("the agent's own node is registered with its serfHealth check", async () => {
    const res = await fetch(`${face.url}/v1/health/node/face-node`);
    expect(res.status).toBe(200);
    const checks = (await res.json()) as Array<{ CheckID: string; Status: string; Node: string }>;
    expect(checks.find((c) => c.CheckID === 'serfHealth')).toMatchObject({ Node: 'face-node', Status: 'passing' });
  });

  test('/v1/internal/ui/nodes, node/:node and services: the UI\'s listings in Consul\'s shapes', async () => {
    const reg = await fetch(`${face.url}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({ Node: 'ui-node', Address: '10.0.0.9', Service: { Service: 'web', ID: 'web1', Port: 80, Tags: ['v1'] }, Check: { CheckID: 'web-ok', Name: 'web ok', Status: 'warning', ServiceID: 'web1' } }),
    });
    expect(reg.status).toBe(200);
    const nodesRes = await fetch(`${face.url}/v1/internal/ui/nodes`);
    expect(Number(nodesRes.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const nodes = (await nodesRes.json()) as Array<{ Node: string; Address: string; Services: Array<{ ID: string }>; Checks: Array<{ CheckID: string }> }>;
    expect(nodes.map((n) => n.Node)).toEqual(['face-node', 'ui-node']);
    const ui = nodes.find((n) => n.Node === 'ui-node')!;
    expect(ui.Address).toBe('10.0.0.9');
    expect(ui.Services.map((s) => s.ID)).toEqual(['web1']);
    expect(ui.Checks.map((c) => c.CheckID)).toEqual(['web-ok']);
    const one = await fetch(`${face.url}/v1/internal/ui/node/ui-node`);
    expect(((await one.json()) as { Node: string }).Node).toBe('ui-node');
    expect((await fetch(`${face.url}/v1/internal/ui/node/nope`)).status).toBe(404);
    const services = (await (await fetch(`${face.url}/v1/internal/ui/services`)).json()) as Array<Record<string, unknown>>;
    expect(services.find((s) => s.Name === 'web')).toMatchObject({ Name: 'web', Datacenter: 'dc1', Tags: ['v1'], Nodes: ['ui-node'], InstanceCount: 1, ChecksPassing: 0, ChecksWarning: 1, ChecksCritical: 0 });
  });

  test('ACL endpoints with ACLs disabled: 401 "ACL support disabled"; an unknown ACL path: Go\'s 404', async () => {
    for (const [method, path] of [
      ['PUT', '/v1/acl/bootstrap'],
      ['GET', '/v1/acl/token/self'],
      ['GET', '/v1/acl/policies'],
      ['PUT', '/v1/acl/policy'],
      ['DELETE', '/v1/acl/token/00000000-0000-0000-0000-000000000002'],
    ] as const) {
      const res = await fetch(`${face.url}${path}`, { method });
      expect([path, res.status]).toEqual([path, 401]);
      expect(await res.text()).toBe('ACL support disabled');
    }
    const legacy = await fetch(`${face.url}/v1/acl/create`, { method: 'PUT' });
    expect(legacy.status).toBe(404);
    expect(await legacy.text()).toBe('404 page not found\n');
  });

  test('service mesh endpoints: Consul\'s answer with connect disabled', async () => {
    for (const path of ['/v1/connect/ca/roots', '/v1/connect/intentions', '/v1/agent/connect/ca/roots', '/v1/agent/connect/ca/leaf/web', '/v1/discovery-chain/web']) {
      const res = await fetch(`${face.url}${path}`);
      expect([path, res.status]).toEqual([path, 500]);
      expect(await res.text()).toBe('Connect must be enabled in order to use this endpoint');
    }
  });

  test('peering and config entries say they are not available; namespaces and partitions are Enterprise (404)', async () => {
    const peering = await fetch(`${face.url}/v1/peerings`);
    expect(peering.status).toBe(400);
    expect(await peering.text()).toBe('peering must be enabled to use this endpoint');
    const config = await fetch(`${face.url}/v1/config/service-defaults/web`);
    expect(config.status).toBe(500);
    expect(await config.text()).toBe('config entries are not supported by dcsgw yet');
    for (const path of ['/v1/namespaces', '/v1/namespace/team', '/v1/partitions', '/v1/partition/p1']) {
      const res = await fetch(`${face.url}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).toBe('404 page not found\n');
    }
  });
});
