// The agent runtime across restarts and with its options (reference §2.6): services and checks
// registered through the API survive a restart on the same data dir (a TTL check keeps its status
// inside its TTL), config-file definitions, script checks when enabled, alias checks,
// success_before_passing / failures_before_critical, and deregister_critical_service_after.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCheckDefinition, parseServiceDefinition } from '../../../src/compat/agent/definitions.js';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

const put = (face: ConsulFace, p: string, body?: unknown) =>
  fetch(`${face.url}${p}`, { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const json = async <T = any>(face: ConsulFace, p: string): Promise<T> => (await (await fetch(`${face.url}${p}`)).json()) as T; // eslint-disable-line @typescript-eslint/no-explicit-any

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await what();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await what();
  }
  return last;
}

type Checks = Record<string, { Status: string; Output: string; ServiceID: string }>;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('persistence', () => {
  it('re-registers API services and checks after a restart on the same data dir; TTL status survives inside its TTL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-agent-'));
    dirs.push(dataDir);
    let face = await startConsulFace({ dataDir, agent: { nodeName: 'keeper' }, runtime: { dataDir } });
    try {
      expect((await put(face, '/v1/agent/service/register', { Name: 'db', ID: 'db-1', Port: 5432, Tags: ['primary'], Check: { TTL: '5m' } })).status).toBe(200);
      expect((await put(face, '/v1/agent/check/pass/service:db-1?note=replicating')).status).toBe(200);
      expect((await put(face, '/v1/agent/check/register', { Name: 'disk', TTL: '5m' })).status).toBe(200);
      expect((await put(face, '/v1/agent/maintenance?enable=true&reason=patching')).status).toBe(200);
      expect((await put(face, '/v1/agent/service/register', { Name: 'gone', Port: 1 })).status).toBe(200);
      expect((await put(face, '/v1/agent/service/deregister/gone')).status).toBe(200);
    } finally {
      await face.close();
    }
    face = await startConsulFace({ dataDir, agent: { nodeName: 'keeper' }, runtime: { dataDir } });
    try {
      const services = await json<Record<string, { Tags: string[]; Port: number }>>(face, '/v1/agent/services');
      expect(Object.keys(services)).toEqual(['db-1']);
      expect(services['db-1']).toMatchObject({ Tags: ['primary'], Port: 5432 });
      const checks = await json<Checks>(face, '/v1/agent/checks');
      expect(checks['service:db-1']).toMatchObject({ Status: 'passing', Output: 'replicating' });
      expect(checks.disk).toMatchObject({ Status: 'critical' });
      expect(checks._node_maintenance).toMatchObject({ Status: 'critical' });
      // And the catalog has them under this node again.
      const catalog = await json<Array<{ Node: string; ServiceID: string }>>(face, '/v1/catalog/service/db');
      expect(catalog.map((c) => `${c.Node}/${c.ServiceID}`)).toEqual(['keeper/db-1']);
      // The TTL check still runs: an update is accepted.
      expect((await put(face, '/v1/agent/check/pass/disk')).status).toBe(200);
    } finally {
      await face.close();
    }
  });
});

describe('config-file definitions and reload', () => {
  it('registers the definitions at start (as source local) and replaces them on reload', async () => {
    const svc = parseServiceDefinition({ name: 'counting', tags: ['go'], port: 9001, check: { ttl: '30s', status: 'passing' } });
    const chk = parseCheckDefinition({ name: 'mem', ttl: '30s', status: 'warning' });
    const face = await startConsulFace({ agent: { nodeName: 'cfg' }, runtime: { definitions: { services: [svc], checks: [chk] } } });
    try {
      expect(Object.keys(await json(face, '/v1/agent/services'))).toEqual(['counting']);
      const checks = await json<Checks>(face, '/v1/agent/checks');
      expect(checks['service:counting']!.Status).toBe('passing');
      expect(checks.mem!.Status).toBe('warning');
      face.runtime.reload({ services: [parseServiceDefinition({ name: 'other', port: 1 })], checks: [] });
      await face.runtime.syncNow();
      expect(Object.keys(await json(face, '/v1/agent/services'))).toEqual(['other']);
      expect(Object.keys(await json(face, '/v1/agent/checks'))).toEqual([]);
      expect(await json(face, '/v1/catalog/service/counting')).toEqual([]);
    } finally {
      await face.close();
    }
  });
});

describe('script checks', () => {
  it('run when enabled: exit 0 passing, 1 warning, other critical; output captured', async () => {
    const face = await startConsulFace({ agent: { nodeName: 'scripted' }, runtime: { enableScriptChecks: true } });
    try {
      const reg = (name: string, code: number) =>
        put(face, '/v1/agent/check/register', { Name: name, Args: ['/bin/sh', '-c', `echo out-${name}; exit ${code}`], Interval: '1s' });
      expect((await reg('s0', 0)).status).toBe(200);
      expect((await reg('s1', 1)).status).toBe(200);
      expect((await reg('s2', 2)).status).toBe(200);
      const checks = await until(
        () => json<Checks>(face, '/v1/agent/checks'),
        (c) => c.s0?.Status === 'passing' && c.s1?.Status === 'warning' && c.s2?.Output === 'out-s2\n',
      );
      expect(checks.s0!.Output).toBe('out-s0\n');
      expect(checks.s1!.Output).toBe('out-s1\n');
      expect(checks.s2!.Status).toBe('critical');
    } finally {
      await face.close();
    }
  });
});

describe('docker checks', () => {
  it("exec through the Docker Engine API; an unreachable daemon is critical with the dial error", async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///tmp/dcsgw-agent-test-no-docker.sock';
    const face = await startConsulFace({ agent: { nodeName: 'docked' }, runtime: { enableScriptChecks: true } });
    try {
      expect((await put(face, '/v1/agent/service/register', { Name: 'redis' })).status).toBe(200);
      const r = await put(face, '/v1/agent/check/register', { Name: 'redischeck', ServiceID: 'redis', DockerContainerID: 'f972c95ebf0e', Args: ['/bin/true'], Shell: '/bin/bash', Interval: '1s' });
      expect(r.status).toBe(200);
      const c = await until(
        () => json<Record<string, { Status: string; Output: string; Type: string; ServiceID: string }>>(face, '/v1/agent/checks').then((all) => all.redischeck!),
        (c) => c.Output !== '',
      );
      expect(c).toMatchObject({ Type: 'docker', ServiceID: 'redis', Status: 'critical', Output: 'dial unix /tmp/dcsgw-agent-test-no-docker.sock: connect: no such file or directory' });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      await face.close();
    }
  });
});

describe('docker checks against a Docker Engine API', () => {
  it('run the args in the container: output demultiplexed, exit code mapped to the status', async () => {
    const sock = join(mkdtempSync(join(tmpdir(), 'dcsgw-docker-')), 'docker.sock');
    dirs.push(sock.replace(/\/docker\.sock$/, ''));
    let exitCode = 0;
    const execs: unknown[] = [];
    const engine = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/containers/c0ffee/exec') {
          execs.push(JSON.parse(Buffer.concat(chunks).toString()));
          res.statusCode = 201;
          res.end(JSON.stringify({ Id: 'e1' }));
        } else if (req.method === 'POST' && req.url === '/exec/e1/start') {
          const frame = (stream: number, text: string) => {
            const h = Buffer.alloc(8);
            h[0] = stream;
            h.writeUInt32BE(Buffer.byteLength(text), 4);
            return Buffer.concat([h, Buffer.from(text)]);
          };
          res.end(Buffer.concat([frame(1, 'out '), frame(2, 'err')]));
        } else if (req.method === 'GET' && req.url === '/exec/e1/json') {
          res.end(JSON.stringify({ ExitCode: exitCode, Running: false }));
        } else {
          res.statusCode = 404;
          res.end('no such route');
        }
      });
    });
    await new Promise<void>((r) => engine.listen(sock, r));
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${sock}`;
    const face = await startConsulFace({ agent: { nodeName: 'docker-ok' }, runtime: { enableScriptChecks: true } });
    try {
      expect((await put(face, '/v1/agent/check/register', { Name: 'dk', DockerContainerID: 'c0ffee', Args: ['/bin/check', '-q'], Interval: '1s' })).status).toBe(200);
      const check = () => json<Checks>(face, '/v1/agent/checks').then((c) => c.dk!);
      expect(await until(check, (c) => c.Status === 'passing')).toMatchObject({ Output: 'out err' });
      expect(execs[0]).toMatchObject({ AttachStdout: true, AttachStderr: true, Cmd: ['/bin/check', '-q'] });
      exitCode = 1;
      await until(check, (c) => c.Status === 'warning');
      exitCode = 3;
      await until(check, (c) => c.Status === 'critical');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      await face.close();
      await new Promise((r) => engine.close(r));
    }
  });
});

describe('alias checks', () => {
  it('follow the aliased local service', async () => {
    const face = await startConsulFace({ agent: { nodeName: 'aliased' } });
    try {
      expect((await put(face, '/v1/agent/service/register', { Name: 'backend', Check: { TTL: '5m', Status: 'passing' } })).status).toBe(200);
      expect((await put(face, '/v1/agent/service/register', { Name: 'front', Check: { AliasService: 'backend' } })).status).toBe(200);
      const front = () => json<Checks>(face, '/v1/agent/checks').then((c) => c['service:front']!);
      expect((await until(front, (c) => c.Status === 'passing')).Output).toBe('All checks passing.');
      expect((await put(face, '/v1/agent/check/fail/service:backend?note=boom')).status).toBe(200);
      const failing = await until(front, (c) => c.Status === 'critical');
      expect(failing.Output).toBe(`Aliased check "Service 'backend' check" failing: boom`);
      expect((await put(face, '/v1/agent/service/register', { Name: 'lonely', Check: { AliasService: 'nowhere' } })).status).toBe(200);
      const lonely = await until(
        () => json<Checks>(face, '/v1/agent/checks').then((c) => c['service:lonely']!),
        (c) => c.Output !== '',
      );
      expect(lonely).toMatchObject({ Status: 'critical', Output: 'Service nowhere could not be found on node ' });
    } finally {
      await face.close();
    }
  });

  it("follow a service on another node through the catalog", async () => {
    const face = await startConsulFace({ agent: { nodeName: 'aliaser' } });
    try {
      const reg = (status: string) =>
        put(face, '/v1/catalog/register', {
          Node: 'remote-1',
          Address: '10.1.1.1',
          Service: { ID: 'ext', Service: 'ext', Port: 80 },
          Checks: [{ CheckID: 'ext-http', Name: 'ext http', ServiceID: 'ext', Status: status, Output: `it is ${status}` }],
        });
      expect(await (await reg('passing')).text()).toBe('true');
      expect((await put(face, '/v1/agent/check/register', { Name: 'remote-alias', AliasNode: 'remote-1', AliasService: 'ext' })).status).toBe(200);
      const alias = () => json<Checks>(face, '/v1/agent/checks').then((c) => c['remote-alias']!);
      expect((await until(alias, (c) => c.Status === 'passing')).Output).toBe('All checks passing.');
      expect(await (await reg('critical')).text()).toBe('true');
      expect((await until(alias, (c) => c.Status === 'critical')).Output).toBe('Aliased check "ext http" failing: it is critical');
    } finally {
      await face.close();
    }
  });
});

describe('thresholds and deregister_critical_service_after', () => {
  let server: Server;
  let code = 200;
  it('failures_before_critical holds the status until enough failures in a row', async () => {
    server = createServer((_req, res) => {
      res.statusCode = code;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const face = await startConsulFace({ agent: { nodeName: 'thresh' } });
    try {
      expect(
        (await put(face, '/v1/agent/check/register', { Name: 'flappy', HTTP: `http://127.0.0.1:${port}/`, Interval: '1s', FailuresBeforeCritical: 3, SuccessBeforePassing: 2 }))
          .status,
      ).toBe(200);
      const check = () => json<Checks>(face, '/v1/agent/checks').then((c) => c.flappy!);
      // The first result applies at once (the counters start at their thresholds).
      await until(check, (c) => c.Status === 'passing');
      code = 500;
      const t0 = Date.now();
      await until(check, (c) => c.Status === 'critical', 15_000);
      // Three failing runs one second apart: not before the third.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1800);
    } finally {
      await face.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('removes a service whose check stayed critical longer than deregister_critical_service_after', async () => {
    const face = await startConsulFace({
      agent: { nodeName: 'reaper' },
      runtime: { checkReapIntervalMs: 200, checkDeregisterIntervalMinMs: 0 },
    });
    try {
      expect((await put(face, '/v1/agent/service/register', { Name: 'doomed', Check: { TTL: '1m', DeregisterCriticalServiceAfter: '1s' } })).status).toBe(200);
      expect((await put(face, '/v1/agent/service/register', { Name: 'fine', Check: { TTL: '1m', Status: 'passing', deregister_critical_service_after: '1s' } })).status).toBe(200);
      await until(
        () => json<Record<string, unknown>>(face, '/v1/agent/services'),
        (s) => !('doomed' in s),
      );
      expect(Object.keys(await json(face, '/v1/agent/services'))).toEqual(['fine']);
      await face.runtime.syncNow();
      expect(await json(face, '/v1/catalog/service/doomed')).toEqual([]);
    } finally {
      await face.close();
    }
  });
});

describe('an agent write answered while the agent is still starting', () => {
  it('waits for the start, so the service is in the catalog when the answer arrives', async () => {
    const face = await startConsulFace({ agent: { nodeName: 'first' } });
    try {
      const { AgentRuntime } = await import('../../../src/compat/agent/agent-runtime.js');
      const { pino } = await import('pino');
      // A slow catalog: the node registration of the start takes a while (a busy or electing store).
      let delayed = 0;
      const slow = {
        register: async (req: Parameters<typeof face.ctx.core.catalog.register>[0]) => {
          if (delayed++ === 0) await new Promise((r) => setTimeout(r, 400));
          return face.ctx.core.catalog.register(req);
        },
        deregister: (req: Parameters<typeof face.ctx.core.catalog.deregister>[0]) => face.ctx.core.catalog.deregister(req),
        getNode: (n: string) => face.ctx.core.catalog.getNode(n),
        nodeServices: (n: string) => face.ctx.core.catalog.nodeServices(n),
        nodeChecks: (n: string) => face.ctx.core.catalog.nodeChecks(n),
      };
      const rt = new AgentRuntime(
        face.ctx.core,
        { nodeName: 'late', nodeId: '5a0c1d2e-0000-4000-8000-000000000001', datacenter: 'dc1', advertiseAddr: '127.0.0.2', server: false, ports: { serfLan: -1, server: -1 }, consulVersion: '1.22.1' },
        { logger: pino({ level: 'silent' }), catalog: slow },
      );
      const starting = rt.start();
      rt.addService(parseServiceDefinition({ Name: 'early', Port: 1 }), { source: 'remote', replaceExistingChecks: false, persist: false });
      await rt.syncChanges();
      expect((await json<Array<{ Node: string }>>(face, '/v1/catalog/service/early')).map((s) => s.Node)).toEqual(['late']);
      await starting;
      await rt.stop();
    } finally {
      await face.close();
    }
  });
});
