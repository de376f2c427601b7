// docker-compose.yaml describes the 3-member cluster of the etcd seed. There is no container
// runtime here, so this test reads the compose file and starts one dcsgw process per service with
// exactly the environment the file declares (no flags), only re-addressed for a single host:
// service host names and 0.0.0.0 become 127.0.0.2x, container ports 2379/2380 become free ports of
// this suite's range, the data volume a temporary directory. Genuine etcdctl then checks that the
// members formed one healthy cluster. A second test runs the compose file itself through
// testcontainers when a container runtime exists, and skips with one line otherwise.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { deriveMemberId, idToHex } from '../../../src/cli/ids.js';
import {
  allocatePorts,
  etcdctl,
  hasDcsgwBuild,
  repoRoot,
  skipUnlessBinaries,
  spawnManaged,
  stopAllProcesses,
  waitHealthy,
  whichBinary,
  type ManagedProcess,
} from '../../support/index.js';

interface ComposeService {
  hostname?: string;
  environment?: string[] | Record<string, string>;
  ports?: string[];
  volumes?: string[];
}

const composePath = join(repoRoot(), 'docker-compose.yaml');
// the default profile's services (profiled ones, such as consul-lab, are another test's: test/integration/deploy/)
const parsedCompose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as { services: Record<string, ComposeService & { profiles?: string[] }> };
const compose = { services: Object.fromEntries(Object.entries(parsedCompose.services).filter(([, svc]) => !svc.profiles)) };

function declaredEnv(svc: ComposeService): Record<string, string> {
  if (!svc.environment) return {};
  if (!Array.isArray(svc.environment)) return { ...svc.environment };
  return Object.fromEntries(
    svc.environment.map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
}

/** Every URL inside a value (lists and name=url lists included) re-addressed for this host. */
function readdress(value: string, hostOf: (host: string) => string, portOf: (port: number) => number): string {
  return value.replace(/http:\/\/([^:/,]+):(\d+)/g, (_m, host: string, port: string) => `http://${hostOf(host)}:${portOf(Number(port))}`);
}

// COMPOSE_TARGET=etcd starts genuine etcd from the same environment instead (the check of the test itself).
const TARGET = process.env.COMPOSE_TARGET === 'etcd' ? 'etcd' : 'dcsgw';
const noBuild = TARGET === 'dcsgw' && !hasDcsgwBuild();
if (noBuild) console.warn('SKIP compose cluster test: no dcsgw build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const skip = noBuild || skipUnlessBinaries('etcdctl', ...(TARGET === 'etcd' ? ['etcd'] : []));

const dirs: string[] = [];
afterAll(async () => {
  await stopAllProcesses();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(skip)('docker-compose.yaml as local processes', () => {
  test('three members start from the declared environment alone and form a healthy cluster', async () => {
    const names = Object.keys(compose.services).sort();
    expect(names).toEqual(['etcd1', 'etcd2', 'etcd3']);
    const [clientPort, peerPort] = await allocatePorts(2, { from: 28300, to: 28399 });
    const ipOf = new Map(names.map((n, i) => [n, `127.0.0.${21 + i}`]));
    const portOf = (p: number): number => (p === 2379 ? clientPort! : p === 2380 ? peerPort! : p);
    const baseEnv: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_')) baseEnv[k] = v;

    const procs: ManagedProcess[] = [];
    const clientUrls: string[] = [];
    for (const name of names) {
      const svc = compose.services[name]!;
      const own = ipOf.get(name)!;
      const hostOf = (h: string): string => (h === '0.0.0.0' ? own : (ipOf.get(h) ?? h));
      const env: Record<string, string> = {};
      const dataDir = mkdtempSync(join(tmpdir(), `dcsgw-compose-${name}-`));
      dirs.push(dataDir);
      const volumeTarget = (svc.volumes ?? [])[0]?.split(':')[1];
      for (const [k, v] of Object.entries(declaredEnv(svc))) {
        env[k] = k === 'ETCD_DATA_DIR' && v === volumeTarget ? dataDir : readdress(v, hostOf, portOf);
      }
      // the published port maps to the container's client port, as the seed's `ports: 238x:2379`
      expect(svc.ports?.[0]).toMatch(/^238[1-3]:2379$/);
      expect(env.ETCD_NAME).toBe(name);
      clientUrls.push(`http://${own}:${clientPort}`);
      const [command, args] = TARGET === 'etcd' ? [whichBinary('etcd')!, []] : [process.execPath, [join(repoRoot(), 'bin', 'dcsgw')]];
      procs.push(spawnManaged(command, args, { env: { ...baseEnv, ...env }, cwd: dataDir }));
    }
    await Promise.all(clientUrls.map((u, i) => waitHealthy(u, 30_000, procs[i])));

    const list = await etcdctl(clientUrls, ['member', 'list']);
    expect(list.code).toBe(0);
    const expected = names
      .map((n) => {
        const peer = `http://${ipOf.get(n)}:${peerPort}`;
        return `${idToHex(deriveMemberId([peer], 'etcd-cluster'))}, started, ${n}, ${peer}, http://${ipOf.get(n)}:${clientPort}, false`;
      })
      .sort();
    expect(list.stdout.trim().split('\n').sort()).toEqual(expected);

    const health = await etcdctl(clientUrls, ['endpoint', 'health']);
    expect(health.code).toBe(0);
    // etcdctl 3.4 prints endpoint health results on stderr
    expect(health.stderr.trim().split('\n').sort()).toEqual(
      clientUrls.map((u) => expect.stringMatching(new RegExp(`^${u.replace(/\./g, '\\.')} is healthy: successfully committed proposal: took = `))),
    );

    expect((await etcdctl(clientUrls[0]!, ['put', 'compose/k', 'v'])).stdout).toBe('OK\n');
    expect((await etcdctl(clientUrls[2]!, ['get', 'compose/k'])).stdout).toBe('compose/k\nv\n');

    // docker stop sends SIGTERM: dcsgw stops gracefully with exit code 0 (genuine etcd re-raises the signal after its cleanup)
    const stopped = TARGET === 'etcd' ? 'SIGTERM' : 0;
    expect(await Promise.all(procs.map((p) => p.stop('SIGTERM', 10_000)))).toEqual([stopped, stopped, stopped]);
  });
});

const hasRuntime = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
if (!hasRuntime) console.warn('SKIP compose via testcontainers: no container runtime (no DOCKER_HOST, no /var/run/docker.sock)');

describe.skipIf(!hasRuntime || skipUnlessBinaries('etcdctl'))('docker-compose.yaml in a container runtime', () => {
  test('docker compose up: the three members list each other and are healthy', async () => {
    const { DockerComposeEnvironment, Wait } = await import('testcontainers');
    const env = await new DockerComposeEnvironment(repoRoot(), 'docker-compose.yaml')
      .withBuild()
      .withWaitStrategy('etcd1', Wait.forLogMessage(/serving client traffic insecurely|serving insecure client requests/))
      .up();
    try {
      const endpoints = ['http://127.0.0.1:2381', 'http://127.0.0.1:2382', 'http://127.0.0.1:2383'];
      const health = await etcdctl(endpoints, ['endpoint', 'health'], { timeoutMs: 30_000 });
      expect(health.code).toBe(0);
      const list = await etcdctl(endpoints, ['member', 'list']);
      expect(list.stdout.trim().split('\n').map((l) => l.split(', ')[2]).sort()).toEqual(['etcd1', 'etcd2', 'etcd3']);
    } finally {
      await env.down();
    }
  }, 600_000);
});
