// `dcsgw conformance` as a user runs it (the built binary): the project's scenario corpus against
// genuine etcd 3.4, against dcsgw (etcd face and Consul face), in --reference mode between the two,
// and against targets that answer one thing differently (a small proxy in this file rewrites one
// answer), which must be caught with exit status 1 and the differing scenario named in the text,
// JSON and JUnit XML reports. Runs leave the clusters' own data as they found it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocatePort,
  etcdctl,
  hasDcsgwBuild,
  repoRoot,
  skipUnlessBinaries,
  startDcsgw,
  startEtcd,
  stopAllProcesses,
  type RunningMember,
} from '../../support/index.js';
import { clientFlags, makePki, memberFlags, spawnMember, tempDataDir, waitTlsHealthy } from '../tls/tls-support.js';

const PORTS = { from: 13100, to: 13199 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function conformance(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot(), 'bin', 'dcsgw'), 'conformance', ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number | string }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

/** A TCP proxy to `port` that rewrites `from` into `to` (same length: HTTP/1 and HTTP/2 framing stay valid) in what the server sends. */
async function rewritingTcpProxy(port: number, from: string, to: string): Promise<{ server: Server; port: number }> {
  if (from.length !== to.length) throw new Error('same length only');
  const listenPort = await allocatePort(PORTS);
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => client.write(Buffer.from(chunk.toString('latin1').split(from).join(to), 'latin1')));
    upstream.on('end', () => client.end());
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
  });
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', r));
  return { server, port: listenPort };
}

/** An HTTP proxy to a Consul agent that rewrites one plain-text answer. */
async function rewritingHttpProxy(port: number, from: string, to: string): Promise<{ server: HttpServer; port: number }> {
  const listenPort = await allocatePort(PORTS);
  const server = createHttpServer((req, res) => {
    const up = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(from).join(to));
        const headers = { ...upRes.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(upRes.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', r));
  return { server, port: listenPort };
}

/** The testcases of a JUnit XML report that carry a <failure>, parsed by Python's XML parser (a strict one). */
function junitFailures(xml: string): { tests: number; failures: string[] } {
  const py = [
    'import sys, xml.etree.ElementTree as E',
    'root = E.fromstring(sys.stdin.read())',
    'print(root.get("tests"))',
    'for tc in root.iter("testcase"):',
    '    if tc.find("failure") is not None: print(tc.get("name"))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', py], { input: xml, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`JUnit XML does not parse: ${r.stderr}`);
  const [tests, ...failures] = r.stdout.trim().split('\n');
  return { tests: Number(tests), failures };
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl') || !hasDcsgwBuild())('dcsgw conformance (the command, genuine etcd 3.4, dcsgw)', () => {
  let genuine: RunningMember;
  let dcsgw: RunningMember;
  let consulPort: number;
  let etcdProxy: { server: Server; port: number };
  let consulProxy: { server: HttpServer; port: number };
  const tmp = mkdtempSync(join(tmpdir(), 'conformance-command-'));
  const scratch = [tmp];

  beforeAll(async () => {
    consulPort = await allocatePort(PORTS);
    [genuine, dcsgw] = await Promise.all([
      startEtcd({ portRange: PORTS, name: 'genuine' }),
      startDcsgw({ portRange: PORTS, name: 'dcsgw', extraArgs: ['--consul-http-addr', `127.0.0.1:${consulPort}`, '--consul-dns-addr', 'off'] }),
    ]);
    // a user's own data, which a conformance run must leave as it is: one key sorting before the
    // run prefix (~conformance/...), one after it (a from-key delete of a scenario would reach it)
    await etcdctl(genuine.endpoints, ['put', 'app/config', 'keep me']);
    await etcdctl(genuine.endpoints, ['put', '\u00fcber/config', 'keep me too']);
    etcdProxy = await rewritingTcpProxy(genuine.clientPort, '"etcdserver":"3.4.23"', '"etcdserver":"3.4.99"');
    consulProxy = await rewritingHttpProxy(consulPort, 'Missing key name', 'Missing the key');
  }, 60_000);
  afterAll(async () => {
    etcdProxy?.server.close();
    consulProxy?.server.close();
    await stopAllProcesses();
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('grades genuine etcd and dcsgw as conforming (exit 0) and leaves no key behind', { timeout: 240_000 }, async () => {
    const before = await etcdctl(genuine.endpoints, ['get', '', '--from-key', '-w', 'json']);
    const [onGenuine, onDcsgw] = await Promise.all([
      conformance('--target', `etcd://127.0.0.1:${genuine.clientPort}`),
      conformance('--target', `etcd://127.0.0.1:${dcsgw.clientPort}`),
    ]);
    for (const run of [onGenuine, onDcsgw]) {
      expect(run.stdout, run.stderr).toMatch(/^etcd: (\d+) conform, 0 differ, 0 failed to run, \d+ not run against a live cluster$/m);
      expect(Number(/^etcd: (\d+) conform/m.exec(run.stdout)?.[1])).toBeGreaterThan(300);
      expect(run.stdout).toMatch(/^CONFORMS \(/m);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/conformance etcd: \d+\/\d+ scenarios/); // progress
    }
    expect(onGenuine.stdout).toContain('reference: recorded answers of etcd 3.4.23');
    // only the user's keys are left, untouched (same values, same mod revisions)
    const keys = await etcdctl(genuine.endpoints, ['get', '', '--from-key', '--keys-only']);
    expect(keys.stdout.split('\n').filter(Boolean)).toEqual(['app/config', '\u00fcber/config']);
    const after = await etcdctl(genuine.endpoints, ['get', '', '--from-key', '-w', 'json']);
    const kv = (r: { stdout: string }) => (JSON.parse(r.stdout) as { kvs: unknown[] }).kvs;
    expect(kv(before)).toHaveLength(2);
    expect(kv(after)).toEqual(kv(before));
    const left = await etcdctl(dcsgw.endpoints, ['get', '', '--from-key', '--keys-only']);
    expect(left.stdout.trim()).toBe('');
  });

  it('--reference compares two live clusters side by side', { timeout: 120_000 }, async () => {
    const run = await conformance('--target', `etcd://127.0.0.1:${dcsgw.clientPort}`, '--reference', `etcd://127.0.0.1:${genuine.clientPort}`, '--scenario', 'get-*,txn-*,g-*,js-*');
    expect(run.stdout).toContain(`reference: etcd://127.0.0.1:${genuine.clientPort}`);
    expect(run.stdout).toMatch(/^etcd: \d+ conform, 0 differ, 0 failed to run/m);
    expect(run.code).toBe(0);
  });

  it('catches a target that answers one thing differently: exit 1, the scenario named in text, JSON and JUnit', { timeout: 120_000 }, async () => {
    const target = `etcd://127.0.0.1:${etcdProxy.port}`;
    const scenarios = ['--scenario', 'http-*,get-one-*,put-simple,put-json'];
    const text = await conformance('--target', target, ...scenarios);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^DIFFERS etcd http-version$/m);
    expect(text.stdout).toContain('+ target:   {"etcdserver":"3.4.99"');
    expect(text.stdout).toMatch(/^etcd: \d+ conform, 1 differ, 0 failed to run/m);
    expect(text.stdout).toMatch(/^DOES NOT CONFORM/m);

    const json = await conformance('--target', target, ...scenarios, '--format', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { conforms: boolean; counts: { differs: number }; results: { name: string; status: string; diff?: string }[] };
    expect(report.conforms).toBe(false);
    expect(report.counts.differs).toBe(1);
    expect(report.results.filter((r) => r.status === 'differs').map((r) => r.name)).toEqual(['http-version']);
    expect(report.results.filter((r) => r.status === 'conforms').length).toBeGreaterThanOrEqual(5);

    const file = join(tmp, 'report.xml');
    const junit = await conformance('--target', target, ...scenarios, '--format', 'junit', '--output', file);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toContain(`report: ${file}`);
    const parsed = junitFailures(readFileSync(file, 'utf8'));
    expect(parsed.failures).toEqual(['http-version']);
    expect(parsed.tests).toBe(report.results.length);

    // and in --reference mode, against genuine etcd itself
    const ref = await conformance('--target', target, '--reference', `etcd://127.0.0.1:${genuine.clientPort}`, '--scenario', 'http-*');
    expect(ref.code).toBe(1);
    expect(ref.stdout).toMatch(/^DIFFERS etcd http-version$/m);
  });

  it('grades the Consul face against genuine Consul\'s documented answers, catches a rewritten one, and cleans up', { timeout: 120_000 }, async () => {
    const [own, proxied, ref] = await Promise.all([
      conformance('--target', `consul://127.0.0.1:${consulPort}`),
      conformance('--target', `consul://127.0.0.1:${consulProxy.port}`, '--format', 'json'),
      conformance('--target', `consul://127.0.0.1:${consulPort}`, '--reference', `consul://127.0.0.1:${consulPort}`, '--scenario', 'kv-*,session-*'),
    ]);
    expect(own.stdout, own.stderr).toMatch(/^consul: (\d+) conform, 0 differ, 0 failed to run/m);
    expect(Number(/^consul: (\d+) conform/m.exec(own.stdout)?.[1])).toBeGreaterThanOrEqual(30);
    expect(own.code).toBe(0);
    expect(ref.stdout).toMatch(/^consul: \d+ conform, 0 differ/m);
    expect(ref.code).toBe(0);

    expect(proxied.code).toBe(1);
    const report = JSON.parse(proxied.stdout) as { results: { name: string; status: string; diff?: string }[] };
    const differing = report.results.filter((r) => r.status !== 'conforms');
    expect(differing.map((r) => r.name)).toEqual(['kv-missing-key-name']);
    expect(differing[0]?.diff).toContain('+ target:   Missing the key');

    // nothing of the runs is left: no key, no node
    const kv = await fetch(`http://127.0.0.1:${consulPort}/v1/kv/?keys`);
    const keys = kv.status === 200 ? ((await kv.json()) as string[]) : [];
    expect(keys.filter((k) => k.startsWith('conformance-'))).toEqual([]);
    const nodes = (await (await fetch(`http://127.0.0.1:${consulPort}/v1/catalog/nodes`)).json()) as { Node: string }[];
    expect(nodes.filter((n) => n.Node.startsWith('conformance-'))).toEqual([]);
  });

  it('reaches a TLS cluster with client certificates (?cacert=&cert=&key= as etcdctl names them)', { timeout: 120_000 }, async () => {
    const pki = makePki();
    const [port, peer] = [await allocatePort(PORTS), await allocatePort(PORTS)];
    const dataDir = tempDataDir('etcd');
    scratch.push(dirname(dataDir), pki.dir);
    const url = `https://127.0.0.1:${port}`;
    const member = spawnMember('etcd', [
      ...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${peer}` }),
      '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth',
    ], dataDir);
    await waitTlsHealthy(member, url, clientFlags(pki));
    const tls = `?cacert=${pki.ca}&cert=${pki.clientCert}&key=${pki.clientKey}`;
    const run = await conformance('--target', `etcd://127.0.0.1:${port}${tls}`, '--scenario', 'get-*,put-*,txn-*,g-*,gw-*,js-*,http-health');
    expect(run.stdout, run.stderr).toMatch(/^etcd: \d+ conform, 0 differ, 0 failed to run/m);
    expect(run.code).toBe(0);
    // without the client certificate the cluster refuses the connection: a clear exit 2
    const refused = await conformance('--target', `etcds://127.0.0.1:${port}?cacert=${pki.ca}`, '--scenario', 'get-one-simple');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('does not answer as etcd');
  });

  it('refuses bad usage and unreachable targets with exit 2 and a clear line', { timeout: 60_000 }, async () => {
    const noTarget = await conformance();
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('dcsgw conformance: --target is required');
    const badUrl = await conformance('--target', 'redis://127.0.0.1:6379');
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('use etcd://host:port or consul://host:port');
    const mixed = await conformance('--target', `etcd://127.0.0.1:${genuine.clientPort}`, '--reference', `consul://127.0.0.1:${consulPort}`);
    expect(mixed.code).toBe(2);
    const closed = await allocatePort(PORTS);
    const down = await conformance('--target', `etcd://127.0.0.1:${closed}`, '--scenario', 'get-one-simple');
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`etcd://127.0.0.1:${closed} does not answer as etcd`);
    // several endpoints: the first that answers is used
    const failover = await conformance('--target', `etcd://127.0.0.1:${closed},127.0.0.1:${genuine.clientPort}`, '--scenario', 'get-one-*');
    expect(failover.stdout, failover.stderr).toMatch(/^etcd: 2 conform, 0 differ/m);
    expect(failover.code).toBe(0);
    const noCtl = await conformance('--target', `etcd://127.0.0.1:${genuine.clientPort}`, '--etcdctl', join(tmp, 'no-such-etcdctl'));
    expect(noCtl.code).toBe(2);
    expect(noCtl.stderr).toContain('cannot run');
  });
});
