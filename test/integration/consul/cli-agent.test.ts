// `bin/dcsgw agent ...` and `bin/dcsgw` (etcd mode) as processes, as a user starts them: the
// agent's banner and log lines, the Consul HTTP API and the etcd face over one store, Consul's
// exit codes, the default-port rules, and `dcsgw consul version`. Runs against the build (dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { allocatePorts, etcdctl, hasBinary, hasDcsgwBuild, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP dcsgw agent process tests: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const RANGE = { from: 36000, to: 36999 };
const bin = join(repoRoot(), 'bin', 'dcsgw');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-cli-agent-'));

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

function dcsgw(args: string[]): ManagedProcess {
  return spawnManaged(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' } });
}

function runSync(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitForLine(p: ManagedProcess, re: RegExp, what: string): Promise<void> {
  try {
    await waitFor(() => re.test(p.output()) || !p.alive(), { timeoutMs: 30_000, what });
    if (!re.test(p.output())) throw new Error(`the process exited (${String(await p.exited)}) before ${what}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output so far ---\n${p.output()}`);
  }
}

async function listenOn(host: string, port: number): Promise<Server | undefined> {
  const srv = createServer();
  return await new Promise((resolve) => {
    srv.once('error', () => resolve(undefined));
    srv.listen(port, host, () => resolve(srv));
  });
}

describe.skipIf(noBuild)('dcsgw agent -dev', () => {
  test('banner, Consul HTTP on -http-port, the etcd face on -etcd-port over the same keys, exit 1 on SIGINT (a server skips the leave)', async () => {
    const [http, dns, etcdPort] = await allocatePorts(3, RANGE);
    const pidFile = join(work, 'agent.pid');
    const p = dcsgw(['agent', '-dev', '-http-port', String(http), '-dns-port', String(dns), '-etcd-port', String(etcdPort), '-node', 'n1', '-pid-file', pidFile]);
    await waitForLine(p, /\[INFO\]  agent: Consul agent running!/, 'Consul agent running!');
    const out = p.output();
    expect(out).toMatch(/^==> Starting Consul agent\.\.\.\n {14}Version: '1\.22\.1'\n/);
    expect(out).toContain("            Node name: 'n1'\n");
    expect(out).toContain("           Datacenter: 'dc1' (Segment: '<all>')\n");
    expect(out).toContain('               Server: true (Bootstrap: true)\n');
    expect(out).toContain(`          Client Addr: [127.0.0.1] (HTTP: ${http}, HTTPS: -1, gRPC: 8502, gRPC-TLS: 8503, DNS: ${dns})\n`);
    expect(out).toContain('==> Log data will now stream in as it occurs:\n');
    expect(out).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d{4}) \\[INFO\\]  agent: Started HTTP server: address=127\\.0\\.0\\.1:${http} network=tcp$`, 'm'));
    const nodeId = /Node ID: '([0-9a-f-]{36})'/.exec(out)![1]!;
    const devDir = /\[DEBUG\] agent: dcsgw: -dev keeps its data in a temporary directory, removed at exit: path=(\S+)\n/.exec(out)![1]!;
    expect(existsSync(join(devDir, 'dcsgw'))).toBe(true);
    expect(readFileSync(pidFile, 'utf8')).toBe(String(p.pid));

    // Consul writes, etcd reads; etcd writes, Consul reads
    const put = await fetch(`http://127.0.0.1:${http}/v1/kv/app/cfg`, { method: 'PUT', body: 'from-consul' });
    expect(await put.text()).toBe('true\n'); // -dev pretty-prints JSON answers, as Consul's dev agent does
    if (hasBinary('etcdctl')) {
      const got = await etcdctl(`127.0.0.1:${etcdPort}`, ['get', 'app/cfg', '--print-value-only']);
      expect(got.stdout.trim()).toBe('from-consul');
      expect((await etcdctl(`127.0.0.1:${etcdPort}`, ['put', 'app/other', 'from-etcd'])).stdout.trim()).toBe('OK');
    } else {
      // without genuine etcdctl: etcd's JSON gateway on the same port
      const b64 = (t: string): string => Buffer.from(t).toString('base64');
      const range = (await (await fetch(`http://127.0.0.1:${etcdPort}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('app/cfg') }) })).json()) as { kvs: Array<{ value: string }> };
      expect(Buffer.from(range.kvs[0]!.value, 'base64').toString()).toBe('from-consul');
      expect((await fetch(`http://127.0.0.1:${etcdPort}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('app/other'), value: b64('from-etcd') }) })).status).toBe(200);
    }
    const raw = await fetch(`http://127.0.0.1:${http}/v1/kv/app/other?raw`);
    expect(await raw.text()).toBe('from-etcd');
    // -dev logs at DEBUG: Consul's line for every HTTP request
    await waitFor(() => /\[DEBUG\] agent\.http: Request finished: method=PUT url=\/v1\/kv\/app\/cfg from=127\.0\.0\.1:\d+ latency=\d+(\.\d+)?(ns|µs|ms|s)\n/.test(p.output()), { what: 'the request log line' });

    // the agent's own node is in the catalog under its name and node ID
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${http}/v1/catalog/node/n1`);
        if (res.status !== 200) return false;
        const body = (await res.json()) as { Node?: { ID?: string; Node?: string; Address?: string } } | null;
        return body?.Node?.ID === nodeId && body.Node.Address === '127.0.0.1';
      },
      { what: 'node n1 in the catalog' },
    );

    // Consul DNS on -dns-port, UDP (the default resolver transport) and TCP
    expect(out).toContain(`[INFO]  agent: Started DNS server: address=127.0.0.1:${dns} network=udp\n`);
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${dns}`]);
    expect(await resolver.resolve4('n1.node.consul')).toEqual(['127.0.0.1']);
    expect(await resolver.resolveSrv('consul.service.consul')).toEqual([{ name: 'n1.node.dc1.consul', port: 8300, priority: 1, weight: 1 }]);

    const code = await p.stop('SIGINT', 10_000);
    expect(code).toBe(1);
    const tail = p.output();
    expect(tail).toMatch(/\[INFO\]  agent: Caught: signal=interrupt\n/);
    expect(tail).toMatch(/\[INFO\]  agent: Graceful shutdown disabled\. Exiting\n/);
    expect(tail).toMatch(/\[INFO\]  agent: shutdown complete\n/);
    expect(tail).toMatch(/\[INFO\]  agent: Exit code: code=1\n$/);
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(devDir)).toBe(false);
    // the listeners are gone
    await expect(fetch(`http://127.0.0.1:${http}/v1/kv/app/cfg`)).rejects.toThrow();
  });

  test('-log-json: no banner, hclog JSON lines; leave_on_terminate makes SIGTERM a graceful leave (exit 0)', async () => {
    const [http] = await allocatePorts(1, RANGE);
    const conf = join(work, 'leave.json');
    writeFileSync(conf, JSON.stringify({ leave_on_terminate: true, ports: { dns: -1, etcd: -1 } }));
    const p = dcsgw(['agent', '-dev', '-log-json', '-log-level', 'info', '-http-port', String(http), '-config-file', conf, '-node', 'json-node']);
    await waitForLine(p, /"@message":"Consul agent running!"/, 'JSON running line');
    expect(p.output()).not.toContain('==> Starting Consul agent');
    const lines = p.output().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const running = lines.find((l) => l['@message'] === 'Consul agent running!')!;
    expect(Object.keys(running)).toEqual(['@level', '@message', '@module', '@timestamp']);
    expect(running).toMatchObject({ '@level': 'info', '@module': 'agent' });
    expect(running['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/);
    expect(lines.some((l) => l['@level'] === 'debug')).toBe(false);
    const started = lines.find((l) => l['@message'] === 'Started HTTP server')!;
    expect(started).toMatchObject({ address: `127.0.0.1:${http}`, network: 'tcp' });
    expect(await p.stop('SIGTERM', 20_000), p.output()).toBe(0);
    expect(p.output()).toContain('"@message":"Gracefully shutting down agent..."');
    expect(p.output()).toContain('"@message":"Graceful exit completed"');
  });

  test('PUT /v1/agent/leave stops the agent and it exits 0', async () => {
    const [http] = await allocatePorts(1, RANGE);
    const p = dcsgw(['agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-etcd-port', '-1', '-node', 'leaver']);
    await waitForLine(p, /Consul agent running!/, 'running');
    const res = await fetch(`http://127.0.0.1:${http}/v1/agent/leave`, { method: 'PUT' });
    expect(res.status).toBe(200);
    expect(await p.exited).toBe(0);
  });

  test('services of the config files are registered; SIGHUP and PUT /v1/agent/reload apply changed files', async () => {
    const [http] = await allocatePorts(1, RANGE);
    const confDir = join(work, 'reload.d');
    mkdirSync(confDir);
    writeFileSync(join(confDir, 'web.hcl'), 'service {\n  name = "web"\n  port = 8080\n  tags = ["v1"]\n}\n');
    const p = dcsgw(['agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-etcd-port', '-1', '-node', 'reloader', '-config-dir', confDir]);
    await waitForLine(p, /Consul agent running!/, 'running');
    const services = async (): Promise<string[]> => Object.keys((await (await fetch(`http://127.0.0.1:${http}/v1/agent/services`)).json()) as Record<string, unknown>).sort();
    expect(await services()).toEqual(['web']);
    writeFileSync(join(confDir, 'db.json'), JSON.stringify({ service: { name: 'db', port: 5432 } }));
    p.kill('SIGHUP');
    await waitFor(async () => (await services()).join() === 'db,web', { what: 'db registered after SIGHUP' });
    expect(p.output()).toMatch(/\[INFO\]  agent: Caught: signal=hangup\n/);
    rmSync(join(confDir, 'web.hcl'));
    const res = await fetch(`http://127.0.0.1:${http}/v1/agent/reload`, { method: 'PUT' });
    expect(res.status).toBe(200);
    await waitFor(async () => (await services()).join() === 'db', { what: 'web removed after reload' });
    // a broken file: the reload fails with the configuration error and the agent keeps running
    writeFileSync(join(confDir, 'bad.json'), '{');
    p.kill('SIGHUP');
    await waitForLine(p, /\[ERROR\] agent: Reload config failed: error="failed to parse /, 'reload failure logged');
    expect(p.alive()).toBe(true);
    expect(await services()).toEqual(['db']);
    await p.stop('SIGINT', 10_000);
  });

  test('the DEFAULT etcd port taken: a warning, and the agent runs without the etcd face', async () => {
    // 2379 on a loopback address of this suite's own (127.0.0.36) so no other suite is disturbed
    const host = '127.0.0.36';
    const blocker = await listenOn(host, 2379); // undefined: somebody already holds it (e.g. on 0.0.0.0), which is the case under test too
    const [http] = await allocatePorts(1, RANGE);
    try {
      const p = dcsgw(['agent', '-dev', '-client', host, '-http-port', String(http), '-dns-port', '-1', '-node', 'n-default-etcd']);
      await waitForLine(p, /Consul agent running!/, 'running');
      expect(p.output()).toMatch(new RegExp(`\\[WARN\\]  agent: dcsgw: the default etcd port is taken; running without the etcd v3 API \\(set -etcd-port to choose another\\): address=${host.replace(/\./g, '\\.')}:2379 error="bind: address already in use"`));
      const res = await fetch(`http://${host}:${http}/v1/kv/k`, { method: 'PUT', body: 'v' });
      expect(res.status).toBe(200);
      await p.stop('SIGINT', 10_000);
    } finally {
      blocker?.close();
    }
  });

  test('an EXPLICIT port that is taken fails start-up as Consul does (exit 1)', async () => {
    const [http, etcdPort] = await allocatePorts(2, RANGE);
    const blocker = await listenOn('127.0.0.1', etcdPort);
    try {
      const p = dcsgw(['agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-etcd-port', String(etcdPort)]);
      expect(await p.exited).toBe(1);
      expect(p.output()).toMatch(new RegExp(`\\[ERROR\\] agent: Error starting agent: error="listen tcp 127\\.0\\.0\\.1:${etcdPort}: bind: address already in use"\\n`));
      expect(p.output()).toMatch(/\[INFO\]  agent: Exit code: code=1\n$/);
    } finally {
      blocker?.close();
    }
    const blockHttp = await listenOn('127.0.0.1', http);
    try {
      const p = dcsgw(['agent', '-dev', '-http-port', String(http), '-dns-port', '-1', '-etcd-port', '-1']);
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain(`Error starting agent: error="listen tcp 127.0.0.1:${http}: bind: address already in use"`);
    } finally {
      blockHttp?.close();
    }
  });

  test('a server with a data dir keeps its node ID and data across restarts', async () => {
    const [http, etcdPort] = await allocatePorts(2, RANGE);
    const dataDir = join(work, 'server-data');
    const args = ['agent', '-server', '-bootstrap', '-data-dir', dataDir, '-bind', '127.0.0.1', '-http-port', String(http), '-dns-port', '-1', '-etcd-port', String(etcdPort), '-node', 'keeper'];
    const first = dcsgw(args);
    await waitForLine(first, /Consul agent running!/, 'first start');
    expect((await fetch(`http://127.0.0.1:${http}/v1/kv/kept`, { method: 'PUT', body: 'yes' })).status).toBe(200);
    const id = readFileSync(join(dataDir, 'node-id'), 'utf8');
    expect(first.output()).toContain(`Node ID: '${id}'`);
    await first.stop('SIGINT', 10_000);
    const second = dcsgw(args);
    await waitForLine(second, /Consul agent running!/, 'second start');
    expect(second.output()).toContain(`Node ID: '${id}'`);
    const res = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${http}/v1/kv/kept?raw`);
      return r.status === 200 ? r.text() : false;
    });
    expect(res).toBe('yes');
    await second.stop('SIGINT', 10_000);
  });
});

describe.skipIf(noBuild)('dcsgw agent: command-line errors (before anything runs)', () => {
  test('unknown flag: Go\'s message and flag list, then Consul\'s line; exit 1', () => {
    const r = runSync(['agent', '-bogus']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith('flag provided but not defined: -bogus\nUsage:\n  -advertise value\n')).toBe(true);
    expect(r.stderr.endsWith('\n==> error parsing flags: flag provided but not defined: -bogus\n')).toBe(true);
  });

  test('a configuration error: "==> " and the message on stderr, exit 1', () => {
    const r = runSync(['agent', '-server']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('==> data_dir cannot be empty\n');
  });

  test('-h prints the agent\'s help on stdout, exit 0', () => {
    const r = runSync(['agent', '-h']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: consul agent [options]\n\n  Starts the Consul agent and runs until an interrupt is received.')).toBe(true);
    expect(r.stdout).toContain('\nCommand Options\n\n  -advertise=<value>\n     Sets the advertise address to use. ()\n\n');
    expect(r.stdout).toContain('\n  -bootstrap-expect=<value>\n     Sets server to expect bootstrap mode. ()\n');
    expect(r.stdout).toContain('\n  -dev\n     Starts the agent in development mode. ()\n');
    expect(Math.max(...r.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(72);
  });

  test('dcsgw consul version: consul version\'s text and -format=json', () => {
    const text = runSync(['consul', 'version']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Consul v1\.22\.1\nRevision .+\nBuild Date \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nProtocol 2 spoken by default, understands 2 to 3 \(agent will automatically use protocol >2 when speaking to compatible agents\)\n$/);
    const json = runSync(['consul', 'version', '-format=json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ Version: '1.22.1', Prerelease: '', RPC: { Default: 2, Min: 2, Max: 3 } });
    expect(runSync(['consul', 'members']).code).toBe(1);
  });

  test('dcsgw version: etcd\'s block, dcsgw\'s own version and the Consul release emulated', () => {
    const r = runSync(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^etcd Version: 3\.4\.23\n/);
    expect(r.stdout).toMatch(/^dcsgw Version: \d+\.\d+\.\d+$/m);
    expect(r.stdout).toMatch(/^Consul Version: 1\.22\.1 /m);
  });
});

describe.skipIf(noBuild || skipUnlessBinaries('etcdctl'))('etcd mode (`dcsgw` with etcd flags) serves the Consul face too', () => {
  test('--consul-http-addr places the Consul API; a key written with etcdctl reads through it', async () => {
    const [client, peer, http] = await allocatePorts(3, RANGE);
    const p = dcsgw([
      '--data-dir', join(work, 'etcd-mode'),
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `default=http://127.0.0.1:${peer}`,
      '--consul-http-addr', `127.0.0.1:${http}`, '--consul-dns-addr', 'off',
    ]);
    await waitForLine(p, /ready to serve client requests/, 'etcd ready');
    expect(p.output()).toContain(`I | dcsgw: serving Consul HTTP API on 127.0.0.1:${http}\n`);
    expect((await etcdctl(`127.0.0.1:${client}`, ['put', 'app/cfg', 'x'])).stdout.trim()).toBe('OK');
    expect(await (await fetch(`http://127.0.0.1:${http}/v1/kv/app/cfg?raw`)).text()).toBe('x');
    expect(await (await fetch(`http://127.0.0.1:${http}/v1/kv/app/cfg`, { method: 'PUT', body: 'y' })).text()).toBe('true');
    expect((await etcdctl(`127.0.0.1:${client}`, ['get', 'app/cfg', '--print-value-only'])).stdout.trim()).toBe('y');
    expect(await p.stop('SIGTERM', 10_000)).toBe(0);
  });

  test('DCSGW_CONSUL_HTTP_ADDR places it too; an explicit address that is taken fails start-up (exit 1)', async () => {
    const [client, peer, http] = await allocatePorts(3, RANGE);
    const blocker = await listenOn('127.0.0.1', http);
    try {
      const p = spawnManaged(process.execPath, [bin,
        '--data-dir', join(work, 'etcd-mode-taken'),
        '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
        '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
        '--initial-cluster', `default=http://127.0.0.1:${peer}`, '--consul-dns-addr=off',
      ], { cwd: work, env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: `127.0.0.1:${http}` } });
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain(`C | etcdmain: --consul-http-addr: listen tcp 127.0.0.1:${http}: bind: address already in use\n`);
    } finally {
      blocker?.close();
    }
  });

  test('a bad address fails start-up (exit 1)', async () => {
    const [client, peer] = await allocatePorts(2, RANGE);
    const p = dcsgw([
      '--data-dir', join(work, 'etcd-mode-bad'),
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `default=http://127.0.0.1:${peer}`, '--consul-http-addr', 'nonsense',
    ]);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('C | etcdmain: --consul-http-addr: invalid address "nonsense" (want host:port, or off)\n');
  });
});
