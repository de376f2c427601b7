// The Kubernetes deployment (deploy/helm/dcsgw, and deploy/kubernetes/dcsgw.yaml rendered from it).
// No cluster runs here, so:
//   1. genuine Helm (helm.sh/helm/v4, built from the Go module proxy into a cache dir) lints the
//      chart and renders it; the committed manifests must be exactly that rendering;
//   2. every rendered object, with the default values and with a 5-server / services variant, is
//      validated against the Kubernetes OpenAPI schemas of a current release (kubernetes-models);
//   3. the pods are started as processes with exactly the arguments and environment the
//      StatefulSet and the DaemonSet declare ($(VAR) expanded from the downward API as the kubelet
//      does), re-addressed for one host (each pod gets a 127.0.4.x address, the headless Service's
//      pod names resolve to them); they must form a healthy cluster: every readiness and liveness
//      probe passes, members list them all, a KV write through a client agent is read through the
//      etcd Service's port, the ConfigMap's service answers on a client agent's DNS, and the
//      preStop hook (`dcsgw leave`) leaves the cluster.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, whichBinary, type ManagedProcess } from '../../support/index.js';

const HELM_VERSION = 'v4.3.2';
const CHART = join(repoRoot(), 'deploy', 'helm', 'dcsgw');
const RENDERED = join(repoRoot(), 'deploy', 'kubernetes', 'dcsgw.yaml');
const RELEASE = 'dcsgw';
const NAMESPACE = 'default';
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-deploy-'));

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

/**
 * Builds genuine Helm once per machine (GOBIN cache in the OS temp dir). Asynchronous: on a fresh
 * machine the build takes minutes, and the other test files run meanwhile.
 */
async function buildHelm(): Promise<{ path?: string; why?: string }> {
  if (!hasDcsgwBuild()) return { why: 'no dcsgw build' };
  const cache = join(tmpdir(), `dcsgw-helm-${HELM_VERSION}`);
  const path = join(cache, 'helm');
  // .ci/run starts this build beside the suite; wait for it rather than build twice
  const building = join(cache, 'building');
  const until = Date.now() + 25 * 60_000;
  while (existsSync(building) && Date.now() < until) await new Promise((r) => setTimeout(r, 2000));
  if (existsSync(path)) return { path };
  if (!whichBinary('go')) return { why: 'no Go toolchain to build helm' };
  mkdirSync(cache, { recursive: true });
  try {
    await promisify(execFile)('go', ['install', `helm.sh/helm/v4/cmd/helm@${HELM_VERSION}`], { env: { ...process.env, GOBIN: cache, GOFLAGS: '-mod=mod' }, timeout: 25 * 60_000, maxBuffer: 16 << 20 });
  } catch (err) {
    return { why: `go install helm.sh/helm/v4/cmd/helm@${HELM_VERSION} failed: ${String((err as { stderr?: string }).stderr ?? err).trim().split('\n').slice(-3).join(' | ')}` };
  }
  return existsSync(path) ? { path } : { why: 'helm was not built' };
}

let helm: { path?: string; why?: string } = {};

function helmRun(args: string[]): string {
  return execFileSync(helm.path!, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(dir, 'helm-cache'), HELM_CONFIG_HOME: join(dir, 'helm-config'), HELM_DATA_HOME: join(dir, 'helm-data') } });
}

function objectsOf(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** kubernetes-models' classes for the kinds the chart renders (an unknown kind fails the test). */
const MODELS: Record<string, new (x: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/DaemonSet': DaemonSet,
};

async function validate(o: K8sObject): Promise<void> {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

describe('the Helm chart and the Kubernetes manifests', () => {
  let objects: K8sObject[] = [];

  beforeAll(async () => {
    helm = await buildHelm();
    if (helm.why) console.warn(`SKIP helm chart tests: ${helm.why}`);
    else objects = objectsOf(helmRun(['template', RELEASE, CHART, '--namespace', NAMESPACE]));
  }, 30 * 60_000);

  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('helm lint passes; deploy/kubernetes/dcsgw.yaml is the chart rendered with its defaults', (ctx) => {
    if (helm.why) return ctx.skip();
    const lint = helmRun(['lint', CHART, '--strict']);
    expect(lint).toContain('1 chart(s) linted, 0 chart(s) failed');
    const rendered = helmRun(['template', RELEASE, CHART, '--namespace', NAMESPACE]);
    // regenerate with: helm template dcsgw deploy/helm/dcsgw --namespace default > deploy/kubernetes/dcsgw.yaml
    expect(readFileSync(RENDERED, 'utf8')).toBe(rendered);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/dcsgw-client-config', 'DaemonSet/dcsgw-client', 'Service/dcsgw-dns', 'Service/dcsgw-etcd', 'Service/dcsgw-http', 'Service/dcsgw-server', 'StatefulSet/dcsgw-server'].sort(),
    );
  });

  it('every object validates against the Kubernetes schemas (defaults, and 5 servers with services)', async (ctx) => {
    if (helm.why) return ctx.skip();
    for (const o of objects) await validate(o);
    const values = join(dir, 'values.yaml');
    writeFileSync(values, ['server:', '  replicas: 5', '  antiAffinity: preferred', 'client:', '  services:', '    counting.json: |', '      {"service": {"name": "counting", "port": 9001}}', 'services:', '  etcd: { type: LoadBalancer, port: 2379 }'].join('\n'));
    const variant = objectsOf(helmRun(['template', 'prod', CHART, '--namespace', 'infra', '-f', values]));
    for (const o of variant) await validate(o);
    const sts = variant.find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec.replicas).toBe(5);
    expect(sts.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith('-retry-join='))).toHaveLength(5);
    // a broken object is caught (the validation is not a no-op)
    await expect(validate({ ...sts, spec: { ...sts.spec, replicas: 'three' } })).rejects.toThrow();
  });

  it('the pods, started as the manifests declare, form a healthy cluster', async (ctx) => {
    if (helm.why) return ctx.skip();
    const sts = objects.find((o) => o.kind === 'StatefulSet')!;
    const ds = objects.find((o) => o.kind === 'DaemonSet')!;
    const config = objects.find((o) => o.kind === 'ConfigMap')!;
    const replicas = sts.spec.replicas as number;
    const podIp = (role: 'server' | 'client', i: number) => `127.0.4.${role === 'server' ? 11 + i : 21 + i}`;
    const serverDns = (i: number) => `${RELEASE}-server-${i}.${RELEASE}-server.${NAMESPACE}.svc`;

    /** The kubelet's $(VAR) expansion, then this host's addressing (0.0.0.0 and pod DNS names -> pod IPs). */
    const podArgs = (container: any, env: Record<string, string>, mounts: Record<string, string>): string[] =>
      (container.args as string[]).map((a) => {
        let v = a.replace(/\$\(([A-Z_]+)\)/g, (_m, name: string) => env[name] ?? `$(${name})`);
        v = v.replace('0.0.0.0', env.POD_IP!);
        for (let i = 0; i < replicas; i++) v = v.replace(serverDns(i), podIp('server', i));
        for (const [path, local] of Object.entries(mounts)) if (v.endsWith(`=${path}`)) v = v.replace(`=${path}`, `=${local}`);
        return v;
      });
    const downward = (pod: string, ip: string, node: string) => ({ POD_NAME: pod, POD_IP: ip, NAMESPACE, NODE_NAME: node });
    const declaredEnvNames = (c: any) => (c.env as Array<{ name: string }>).map((e) => e.name).sort();
    const bin = join(repoRoot(), 'bin', 'dcsgw');
    expect(sts.spec.template.spec.containers).toHaveLength(1);
    const sc = sts.spec.template.spec.containers[0];
    const cc = ds.spec.template.spec.containers[0];
    expect(declaredEnvNames(sc)).toEqual(['NAMESPACE', 'NODE_NAME', 'POD_IP', 'POD_NAME']);

    const pods: Array<{ name: string; ip: string; proc: ManagedProcess; container: any }> = [];
    for (let i = 0; i < replicas; i++) {
      const name = `${RELEASE}-server-${i}`;
      const env = downward(name, podIp('server', i), `node-${i}`);
      const args = podArgs(sc, env, { '/data': join(dir, name) });
      pods.push({ name, ip: env.POD_IP, container: sc, proc: spawnManaged(bin, args, { env: { ...process.env, ...env } }) });
    }
    const configDir = join(dir, 'client-config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'counting.json'), JSON.stringify({ service: { name: 'counting', port: 9001 } })); // what values.client.services would put in the ConfigMap
    expect(Object.keys(config.data ?? {})).toEqual(['README']);
    for (const [i, node] of ['node-a', 'node-b'].entries()) {
      const name = `${RELEASE}-client-${node}`;
      const env = downward(name, podIp('client', i), node);
      const args = podArgs(cc, env, { '/data': join(dir, name), '/etc/dcsgw': configDir });
      pods.push({ name, ip: env.POD_IP, container: cc, proc: spawnManaged(bin, args, { env: { ...process.env, ...env } }) });
    }

    // every probe the manifests declare passes on every pod
    const probe = async (ip: string, p: { httpGet: { path: string; port: number } }) => (await fetch(`http://${ip}:${p.httpGet.port}${p.httpGet.path}`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.status ?? 0;
    for (const pod of pods) {
      await waitFor(async () => (await probe(pod.ip, pod.container.readinessProbe)) === 200, { timeoutMs: 90_000, intervalMs: 500, what: () => `${pod.name} ready\n${pod.proc.output().slice(-3000)}` });
      expect(await probe(pod.ip, pod.container.livenessProbe), `${pod.name} live`).toBe(200);
    }
    const client = `http://${podIp('client', 0)}:8500`;
    const members = await waitFor(async () => {
      const list = (await fetch(`${client}/v1/agent/members`).then((r) => r.json())) as Array<{ Name: string; Status: number; Tags: { role?: string } }>;
      return list.length === replicas + 2 && list.every((m) => m.Status === 1) ? list : undefined;
    }, { timeoutMs: 30_000, what: 'five alive members' });
    expect(members.filter((m) => m.Tags.role === 'consul').map((m) => m.Name).sort()).toEqual(pods.slice(0, replicas).map((p) => p.name).sort());

    // a KV write through a client agent, read through the etcd Service's port of a server
    expect((await fetch(`${client}/v1/kv/deploy/check`, { method: 'PUT', body: 'ok' })).status).toBe(200);
    const read = await etcdctl(`${podIp('server', 2)}:2379`, ['get', 'deploy/check', '--print-value-only']);
    expect(read.stdout).toBe('ok\n');
    // the ConfigMap's service is registered by the client agents and resolvable through their DNS
    if (whichBinary('dig')) {
      const dig = await waitFor(() => {
        const out = execFileSync('dig', [`@${podIp('client', 1)}`, '-p', '8600', 'counting.service.consul', '+short'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).sort();
        return out.length === 2 ? out : undefined;
      }, { timeoutMs: 60_000, what: 'counting on both client agents' });
      expect(dig).toEqual([podIp('client', 0), podIp('client', 1)]);
    }

    // the preStop hook: `dcsgw leave` inside the pod reaches its own agent
    const prestop = cc.lifecycle.preStop.exec.command as string[];
    expect(prestop).toEqual(['dcsgw', 'leave']);
    const leaver = pods[replicas + 1]!;
    const left = spawnSync(bin, prestop.slice(1), { env: { ...process.env, CONSUL_HTTP_ADDR: `${leaver.ip}:8500` }, encoding: 'utf8' });
    expect(left.stdout).toBe('Graceful leave complete\n');
    expect(await leaver.proc.exited).toBe(0);
    // the other agents learn of the leave on their next member refresh: slow on a loaded machine
    await waitFor(async () => {
      const list = (await fetch(`${client}/v1/agent/members`).then((r) => r.json())) as Array<{ Name: string; Status: number }>;
      return list.find((m) => m.Name === 'node-b')?.Status === 3;
    }, { timeoutMs: 90_000, what: 'node-b left' });
  }, 240_000);
});
