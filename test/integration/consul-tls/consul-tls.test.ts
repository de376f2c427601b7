// HTTPS on the Consul face and `dcsgw tls` as `consul tls`, as a user runs them: the CA and agent
// certificates read back with `openssl x509 -text` (subject, SANs in Consul's order, extended key
// usages, P-256 keys, CA constraints, validity), Consul's output lines and errors; then an agent
// started with those files and tls.defaults.verify_incoming, reached by curl (with and without a
// client certificate), the official Go client through CONSUL_HTTP_ADDR=https://... / CONSUL_CACERT
// / CONSUL_CLIENT_CERT / CONSUL_CLIENT_KEY / CONSUL_HTTP_SSL_VERIFY, Debian's python3-consul, and a
// certificate rotation applied by `dcsgw reload`. Runs against the build (dist/).
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allocatePorts, hasBinary, hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP consul-tls tests: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const noOpenssl = !hasBinary('openssl') || !hasBinary('curl');
if (noOpenssl) console.warn('SKIP consul-tls certificate and curl checks: openssl or curl is not installed');
const RANGE = { from: 18000, to: 18999 };
// DCSGW_BIN: another entry script (a private copy of the build), as test/support's members take it
const bin = process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-consul-tls-'));

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? work, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
const dcsgw = (args: string[], cwd: string): Run => run(process.execPath, [bin, ...args], { cwd });
const openssl = (args: string[], cwd: string): string => {
  const r = run('openssl', args, { cwd });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const x509Text = (file: string, cwd: string): string => openssl(['x509', '-in', file, '-noout', '-text'], cwd);
/** Whole days between notBefore and notAfter. */
const validityDays = (file: string, cwd: string): number => {
  const c = new X509Certificate(readFileSync(join(cwd, file)));
  return Math.round((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86_400_000);
};
/** The value lines under an extension heading of `openssl x509 -text`. */
function extension(text: string, heading: string): string | undefined {
  const m = new RegExp(`X509v3 ${heading}:( critical)? *\\n\\s+(.*)\\n`).exec(text);
  return m ? `${m[1] ? 'critical: ' : ''}${m[2]!.trim()}` : undefined;
}

function freshDir(name: string): string {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe.skipIf(noBuild || noOpenssl)('dcsgw tls (consul tls)', () => {
  test('ca create: the two files, the lines, a P-256 CA with Consul subject, usages and 1825 days; a second run refuses', () => {
    const dir = freshDir('ca');
    const first = dcsgw(['tls', 'ca', 'create'], dir);
    expect(first).toEqual({ code: 0, stdout: '==> Saved consul-agent-ca.pem\n==> Saved consul-agent-ca-key.pem\n', stderr: '' });
    const text = x509Text('consul-agent-ca.pem', dir);
    expect(text).toMatch(/Subject: C = US, ST = CA, L = San Francisco, street = 101 Second Street, postalCode = 94105, O = HashiCorp Inc\., CN = Consul Agent CA \d+\n/);
    // the CN's number is the serial in decimal
    const serialHex = /Serial Number:\s*\n\s*([0-9a-f:]+)/.exec(text)![1]!.replace(/:/g, '');
    expect(text).toContain(`CN = Consul Agent CA ${BigInt(`0x${serialHex}`).toString(10)}\n`);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(extension(text, 'Key Usage')).toBe('critical: Digital Signature, Certificate Sign, CRL Sign');
    expect(extension(text, 'Basic Constraints')).toBe('critical: CA:TRUE');
    expect(extension(text, 'Subject Key Identifier')).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(extension(text, 'Subject Key Identifier')).toBe(extension(text, 'Authority Key Identifier'));
    expect(extension(text, 'Name Constraints')).toBeUndefined();
    expect(validityDays('consul-agent-ca.pem', dir)).toBe(1825);
    expect(readFileSync(join(dir, 'consul-agent-ca-key.pem'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(statSync(join(dir, 'consul-agent-ca-key.pem')).mode & 0o777).toBe(0o600);

    expect(dcsgw(['tls', 'ca', 'create'], dir)).toEqual({ code: 1, stdout: '', stderr: 'consul-agent-ca.pem already exists.\n' });
    expect(dcsgw(['consul', 'tls', 'ca', 'create', '-domain', 'other', '-days', '30', '-common-name', 'My CA', '-name-constraint', '-additional-name-constraint', 'example.com'], dir).stdout).toBe(
      '==> Saved other-agent-ca.pem\n==> Saved other-agent-ca-key.pem\n',
    );
    const named = x509Text('other-agent-ca.pem', dir);
    expect(named).toContain(', CN = My CA\n');
    expect(named).toMatch(/X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:example\.com\n\s+DNS:other\n\s+DNS:localhost\n/);
    expect(validityDays('other-agent-ca.pem', dir)).toBe(30);
  });

  test('cert create -server/-client/-cli: file counter, Consul lines, SANs in its order, extended key usages, chains to the CA', () => {
    const dir = freshDir('certs');
    expect(dcsgw(['tls', 'ca', 'create'], dir)).toMatchObject({ code: 0, stderr: '' });
    const server = dcsgw(['tls', 'cert', 'create', '-server', '-node', 'n1', '-additional-dnsname', 'consul.example.com', '-additional-ipaddress', '10.1.2.3'], dir);
    expect(server).toEqual({
      code: 0,
      stdout:
        '==> WARNING: Server Certificates grants authority to become a\n    server and access all state in the cluster including root keys\n    and all ACL tokens. Do not distribute them to production hosts\n    that are not server nodes. Store them as securely as CA keys.\n' +
        '==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n==> Saved dc1-server-consul-0.pem\n==> Saved dc1-server-consul-0-key.pem\n',
      stderr: '',
    });
    const s = x509Text('dc1-server-consul-0.pem', dir);
    expect(s).toContain('Subject: CN = server.dc1.consul\n');
    expect(extension(s, 'Subject Alternative Name')).toBe('DNS:consul.example.com, DNS:n1.server.dc1.consul, DNS:server.dc1.consul, DNS:localhost, IP Address:10.1.2.3, IP Address:127.0.0.1');
    expect(extension(s, 'Extended Key Usage')).toBe('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(extension(s, 'Key Usage')).toBe('critical: Digital Signature, Key Encipherment');
    expect(extension(s, 'Basic Constraints')).toBe('critical: CA:FALSE');
    expect(extension(s, 'Authority Key Identifier')).toBe(extension(x509Text('consul-agent-ca.pem', dir), 'Subject Key Identifier'));
    expect(s).toContain('ASN1 OID: prime256v1');
    expect(validityDays('dc1-server-consul-0.pem', dir)).toBe(365);
    expect(statSync(join(dir, 'dc1-server-consul-0-key.pem')).mode & 0o777).toBe(0o600);

    // the counter moves on; -dc and -domain name the files and the names
    expect(dcsgw(['tls', 'cert', 'create', '-server'], dir).stdout).toContain('==> Saved dc1-server-consul-1.pem\n==> Saved dc1-server-consul-1-key.pem\n');
    expect(dcsgw(['tls', 'cert', 'create', '-client', '-dc', 'east', '-days', '10'], dir).stdout).toBe(
      '==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n==> Saved east-client-consul-0.pem\n==> Saved east-client-consul-0-key.pem\n',
    );
    const c = x509Text('east-client-consul-0.pem', dir);
    expect(extension(c, 'Subject Alternative Name')).toBe('DNS:client.east.consul, DNS:localhost, IP Address:127.0.0.1');
    expect(extension(c, 'Extended Key Usage')).toBe('TLS Web Client Authentication, TLS Web Server Authentication');
    expect(validityDays('east-client-consul-0.pem', dir)).toBe(10);
    // a CLI certificate: no extended key usage, no IP, the extra names dropped
    dcsgw(['tls', 'cert', 'create', '-cli', '-additional-dnsname', 'ignored.example'], dir);
    const cli = x509Text('dc1-cli-consul-0.pem', dir);
    expect(extension(cli, 'Subject Alternative Name')).toBe('DNS:cli.dc1.consul, DNS:localhost');
    expect(extension(cli, 'Extended Key Usage')).toBeUndefined();
    expect(openssl(['verify', '-CAfile', 'consul-agent-ca.pem', 'dc1-server-consul-0.pem', 'east-client-consul-0.pem', 'dc1-cli-consul-0.pem'], dir)).toBe(
      'dc1-server-consul-0.pem: OK\neast-client-consul-0.pem: OK\ndc1-cli-consul-0.pem: OK\n',
    );
  });

  test("cert create: Consul's errors", () => {
    const dir = freshDir('errors');
    expect(dcsgw(['tls', 'cert', 'create'], dir)).toEqual({ code: 1, stdout: '', stderr: 'Please provide either -server, -client, or -cli\n' });
    expect(dcsgw(['tls', 'cert', 'create', '-server', '-client'], dir).stderr).toBe('Please provide either -server, -client, or -cli\n');
    expect(dcsgw(['tls', 'cert', 'create', '-client', '-node', 'n1'], dir)).toEqual({ code: 1, stdout: '', stderr: '-node requires -server\n' });
    expect(dcsgw(['tls', 'cert', 'create', '-client'], dir)).toEqual({ code: 1, stdout: '', stderr: 'Error reading CA: open consul-agent-ca.pem: no such file or directory\n' });
    expect(dcsgw(['tls', 'cert', 'create', '-client', '-ca', ''], dir)).toEqual({ code: 1, stdout: '', stderr: 'Please provide the ca\n' });
    const bad = dcsgw(['tls', 'cert', 'create', '-bogus'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flag provided but not defined: -bogus\nUsage:\n/);
    expect(bad.stderr).toMatch(/Failed to parse args: flag provided but not defined: -bogus\n$/);
    // a name-constrained CA refuses a name outside its domains, as Consul's verification after signing does
    dcsgw(['tls', 'ca', 'create', '-name-constraint'], dir);
    const outside = dcsgw(['tls', 'cert', 'create', '-server', '-additional-dnsname', 'evil.example'], dir);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toBe('x509: a root or intermediate certificate is not authorized to sign for this name: DNS name "evil.example" is not permitted by any constraint\n');
    expect(existsSync(join(dir, 'dc1-server-consul-0.pem'))).toBe(false);
    expect(dcsgw(['tls', 'cert', 'create', '-server'], dir).code).toBe(0);
    const help = dcsgw(['tls'], dir);
    expect(help.code).toBe(1);
    expect(help.stdout).toMatch(/^Usage: consul tls <subcommand> <subcommand> \[options\]\n[\s\S]*\nSubcommands:\n {4}ca {6}Helpers for CAs\n {4}cert {4}Helpers for certificates\n$/);
  });
});

async function waitForLine(p: ManagedProcess, re: RegExp, what: string): Promise<void> {
  try {
    await waitFor(() => re.test(p.output()) || !p.alive(), { timeoutMs: 60_000, what });
    if (!re.test(p.output())) throw new Error(`the process exited (${String(await p.exited)}) before ${what}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output so far ---\n${p.output()}`);
  }
}

describe.skipIf(noBuild || noOpenssl)('dcsgw agent over HTTPS with verify_incoming', () => {
  let dir: string;
  let agent: ManagedProcess;
  let httpPort: number;
  let httpsPort: number;
  let probe: string | undefined;
  const pem = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = freshDir('agent');
    dcsgw(['tls', 'ca', 'create'], dir);
    dcsgw(['tls', 'cert', 'create', '-server'], dir);
    dcsgw(['tls', 'cert', 'create', '-cli'], dir);
    // the agent reads its files from fixed paths, which the rotation test overwrites
    mkdirSync(join(dir, 'live'));
    copyFileSync(pem('consul-agent-ca.pem'), pem('live/ca.pem'));
    copyFileSync(pem('dc1-server-consul-0.pem'), pem('live/server.pem'));
    copyFileSync(pem('dc1-server-consul-0-key.pem'), pem('live/server-key.pem'));
    [httpPort, httpsPort] = (await allocatePorts(2, RANGE)) as [number, number];
    writeFileSync(
      pem('agent.hcl'),
      `tls {\n  defaults {\n    ca_file = "${pem('live/ca.pem')}"\n    cert_file = "${pem('live/server.pem')}"\n    key_file = "${pem('live/server-key.pem')}"\n    verify_incoming = true\n  }\n}\nports {\n  https = ${httpsPort}\n}\n`,
    );
    agent = spawnManaged(process.execPath, [bin, 'agent', '-dev', '-config-file', pem('agent.hcl'), '-http-port', String(httpPort), '-dns-port', '-1', '-etcd-port', '-1', '-grpc-port', '-1', '-node', 'tls1'], { cwd: dir });
    const building = hasBinary('go')
      ? (() => {
          const out = join(work, 'consul-tls-probe');
          const r = spawnSync('go', ['build', '-o', out, '.'], { cwd: join(repoRoot(), 'test/integration/consul-tls/go'), encoding: 'utf8', timeout: 300_000 });
          if (r.status === 0) probe = out;
          else console.warn(`SKIP Go client over HTTPS: go build failed: ${r.stderr}`);
        })()
      : console.warn('SKIP Go client over HTTPS: go is not installed');
    void building;
    await waitForLine(agent, /agent: Consul agent running!/, 'Consul agent running!');
  }, 360_000);

  const curl = (args: string[]): Run => run('curl', ['-sS', '--max-time', '10', ...args]);
  const withClientCert = (): string[] => ['--cacert', pem('consul-agent-ca.pem'), '--cert', pem('dc1-cli-consul-0.pem'), '--key', pem('dc1-cli-consul-0-key.pem')];

  test('banner and log lines: HTTPS port, verify incoming, Started HTTPS server', () => {
    const out = agent.output();
    expect(out).toContain(`(HTTP: ${httpPort}, HTTPS: ${httpsPort}, gRPC: -1, gRPC-TLS: 8503, DNS: -1)`);
    expect(out).toContain('            HTTPS TLS: Verify Incoming: true, Verify Outgoing: false, Min Version: TLSv1_2\n');
    expect(out).toContain('     Internal RPC TLS: Verify Incoming: true, Verify Outgoing: false (Verify Hostname: false), Min Version: TLSv1_2\n');
    expect(out).toMatch(new RegExp(`\\[INFO\\]  agent: Started HTTPS server: address=127\\.0\\.0\\.1:${httpsPort} network=tcp`));
  });

  test('curl: refused without a client certificate (TLS alert), answered with one; HTTP stays plaintext on its port', () => {
    const without = curl(['--cacert', pem('consul-agent-ca.pem'), `https://127.0.0.1:${httpsPort}/v1/status/leader`]);
    expect(without.code).toBe(56);
    expect(without.stderr).toMatch(/alert certificate required/);
    const put = curl([...withClientCert(), '-X', 'PUT', '--data', 'secret-value', `https://127.0.0.1:${httpsPort}/v1/kv/tls/curl`]);
    expect(put.code).toBe(0);
    expect(put.stdout.trim()).toBe('true');
    // the name in the server certificate: localhost works too, another name does not verify
    expect(curl([...withClientCert(), `https://localhost:${httpsPort}/v1/kv/tls/curl?raw`]).stdout).toBe('secret-value');
    const wrongName = curl([...withClientCert(), '--resolve', `wrong.example:${httpsPort}:127.0.0.1`, `https://wrong.example:${httpsPort}/v1/kv/tls/curl?raw`]);
    expect(wrongName.code).toBe(60);
    // an untrusted server: curl without the CA refuses it
    expect(curl([`https://127.0.0.1:${httpsPort}/v1/status/leader`]).code).toBe(60);
    expect(curl([`http://127.0.0.1:${httpPort}/v1/kv/tls/curl?raw`]).stdout).toBe('secret-value');
    // plain HTTP on the HTTPS port: Go's answer, then a TLS client is still served
    expect(curl(['-i', `http://127.0.0.1:${httpsPort}/v1/kv/tls/curl?raw`]).stdout).toBe('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
    expect(curl([...withClientCert(), `https://127.0.0.1:${httpsPort}/v1/kv/tls/curl?raw`]).stdout).toBe('secret-value');
  });

  test('the official Go client from the environment: CONSUL_HTTP_ADDR=https://, CONSUL_CACERT, CONSUL_CLIENT_CERT/KEY, CONSUL_HTTP_SSL_VERIFY', (ctx) => {
    if (!probe) ctx.skip();
    const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CONSUL_HTTP_ADDR: `https://127.0.0.1:${httpsPort}`, ...extra };
      return e;
    };
    const client = { CONSUL_CLIENT_CERT: pem('dc1-cli-consul-0.pem'), CONSUL_CLIENT_KEY: pem('dc1-cli-consul-0-key.pem') };
    const ok = run(probe!, ['tls/go'], { env: env({ CONSUL_CACERT: pem('consul-agent-ca.pem'), ...client }) });
    expect(JSON.parse(ok.stdout)).toEqual({ leader: expect.stringMatching(/^127\.0\.0\.1:\d+$/), value: 'over-tls' });
    const noCert = run(probe!, [], { env: env({ CONSUL_CACERT: pem('consul-agent-ca.pem') }) });
    expect(noCert.code).toBe(1);
    expect(JSON.parse(noCert.stdout).error).toBe(`Get "https://127.0.0.1:${httpsPort}/v1/status/leader": remote error: tls: certificate required`);
    const noCa = run(probe!, [], { env: env(client) });
    expect(JSON.parse(noCa.stdout).error).toBe(`Get "https://127.0.0.1:${httpsPort}/v1/status/leader": tls: failed to verify certificate: x509: certificate signed by unknown authority`);
    const insecure = run(probe!, ['tls/go2'], { env: env({ ...client, CONSUL_HTTP_SSL_VERIFY: 'false' }) });
    expect(JSON.parse(insecure.stdout).value).toBe('over-tls');
    // a client certificate of another CA: Go offers only one the server's CA list names, so none
    const other = freshDir('other-ca');
    dcsgw(['tls', 'ca', 'create'], other);
    dcsgw(['tls', 'cert', 'create', '-cli'], other);
    const foreign = run(probe!, [], { env: env({ CONSUL_CACERT: pem('consul-agent-ca.pem'), CONSUL_CLIENT_CERT: join(other, 'dc1-cli-consul-0.pem'), CONSUL_CLIENT_KEY: join(other, 'dc1-cli-consul-0-key.pem') }) });
    expect(JSON.parse(foreign.stdout).error).toBe(`Get "https://127.0.0.1:${httpsPort}/v1/status/leader": remote error: tls: certificate required`);
    const foreignCurl = curl(['--cacert', pem('consul-agent-ca.pem'), '--cert', join(other, 'dc1-cli-consul-0.pem'), '--key', join(other, 'dc1-cli-consul-0-key.pem'), `https://127.0.0.1:${httpsPort}/v1/status/leader`]);
    expect(foreignCurl.code).not.toBe(0);
    expect(foreignCurl.stdout).toBe('');
  });

  test("Debian's python3-consul with scheme=https, verify=<CA file>, cert=(cert, key)", (ctx) => {
    const python = '/usr/bin/python3';
    if (!existsSync(python) || run(python, ['-c', 'import consul']).code !== 0) {
      console.warn('SKIP python3-consul over HTTPS: Debian python3-consul is not installed');
      ctx.skip();
    }
    const script = [
      'import consul, sys',
      `c = consul.Consul(host="127.0.0.1", port=${httpsPort}, scheme="https", verify=sys.argv[1], cert=(sys.argv[2], sys.argv[3]))`,
      'c.kv.put("tls/py", "from-python")',
      'print(c.kv.get("tls/py")[1]["Value"].decode())',
    ].join('\n');
    const r = run(python, ['-c', script, pem('consul-agent-ca.pem'), pem('dc1-cli-consul-0.pem'), pem('dc1-cli-consul-0-key.pem')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('from-python\n');
  });

  test('rotation: new CA and certificates in place are served after `dcsgw reload` (or SIGHUP), not before; a bad file fails the reload', async () => {
    const next = freshDir('rotated');
    expect(dcsgw(['tls', 'ca', 'create'], next).stderr).toBe('');
    dcsgw(['tls', 'cert', 'create', '-server'], next);
    dcsgw(['tls', 'cert', 'create', '-cli'], next);
    copyFileSync(join(next, 'consul-agent-ca.pem'), pem('live/ca.pem'));
    copyFileSync(join(next, 'dc1-server-consul-0.pem'), pem('live/server.pem'));
    copyFileSync(join(next, 'dc1-server-consul-0-key.pem'), pem('live/server-key.pem'));
    const newClient = ['--cacert', join(next, 'consul-agent-ca.pem'), '--cert', join(next, 'dc1-cli-consul-0.pem'), '--key', join(next, 'dc1-cli-consul-0-key.pem')];
    const url = `https://127.0.0.1:${httpsPort}/v1/kv/tls/curl?raw`;
    // Consul keeps what it loaded until a reload
    expect(curl([...withClientCert(), url]).stdout).toBe('secret-value');
    expect(curl([...newClient, url]).code).toBe(60);
    const reload = dcsgw(['reload', `-http-addr=http://127.0.0.1:${httpPort}`], dir);
    expect(reload).toEqual({ code: 0, stdout: 'Configuration reload triggered\n', stderr: '' });
    expect(curl([...newClient, url]).stdout).toBe('secret-value');
    // the old CA no longer verifies the server, and the old client certificate is refused
    expect(curl([...withClientCert(), url]).code).toBe(60);
    const oldClientNewCa = curl(['--cacert', join(next, 'consul-agent-ca.pem'), '--cert', pem('dc1-cli-consul-0.pem'), '--key', pem('dc1-cli-consul-0-key.pem'), url]);
    expect(oldClientNewCa.code).not.toBe(0);
    expect(oldClientNewCa.stdout).toBe('');

    // a half-written rotation: the reload fails with Consul's error and the loaded files keep serving
    writeFileSync(pem('live/server.pem'), 'not a certificate\n');
    const failed = dcsgw(['reload', `-http-addr=http://127.0.0.1:${httpPort}`], dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Failed to load cert/key pair: tls: failed to find any PEM data in certificate input');
    expect(curl([...newClient, url]).stdout).toBe('secret-value');

    // SIGHUP reloads as well: the first CA and certificates back in place
    copyFileSync(pem('consul-agent-ca.pem'), pem('live/ca.pem'));
    copyFileSync(pem('dc1-server-consul-0.pem'), pem('live/server.pem'));
    copyFileSync(pem('dc1-server-consul-0-key.pem'), pem('live/server-key.pem'));
    agent.kill('SIGHUP');
    await waitFor(() => curl([...withClientCert(), url]).stdout === 'secret-value', { timeoutMs: 20_000, what: 'the first certificates served again after SIGHUP' });
    const reloadLines = (): string[] => agent.output().split('\n').filter((l) => l.includes('Caught') || l.includes('Reload'));
    await waitFor(() => reloadLines().length >= 5, { timeoutMs: 10_000, what: () => `the reload log lines (so far: ${JSON.stringify(reloadLines())}; output ${agent.output().length} chars, tail ${JSON.stringify(agent.output().slice(-600))})` });
    expect(reloadLines()).toEqual([
      expect.stringMatching(/ \[INFO\]  agent: Reloading configuration\.\.\.$/),
      expect.stringMatching(/ \[INFO\]  agent: Reloading configuration\.\.\.$/),
      expect.stringMatching(/ \[ERROR\] agent: Reload config failed: error=/),
      expect.stringMatching(/ \[INFO\]  agent: Caught: signal=hangup$/),
      expect.stringMatching(/ \[INFO\]  agent: Reloading configuration\.\.\.$/),
    ]);
  });
});

describe.skipIf(noBuild || noOpenssl)('dcsgw agent TLS configuration', () => {
  const start = (args: string[], dir: string): Run => run(process.execPath, [bin, 'agent', '-dev', '-http-port', '-1', '-dns-port', '-1', '-etcd-port', '-1', ...args], { cwd: dir, timeoutMs: 20_000 });

  test("Consul's errors before anything starts: no CA for verify_incoming, a missing key pair file, a bad TLS version or cipher suite", () => {
    const dir = freshDir('config-errors');
    dcsgw(['tls', 'ca', 'create'], dir);
    dcsgw(['tls', 'cert', 'create', '-server'], dir);
    expect(start(['-hcl', 'tls { https { verify_incoming = true } }'], dir)).toEqual({ code: 1, stdout: '', stderr: '==> VerifyIncoming set but no CA certificates were provided\n' });
    expect(start(['-hcl', 'tls { defaults { ca_file = "consul-agent-ca.pem" verify_incoming = true } }'], dir).stderr).toBe(
      '==> VerifyIncoming requires either a Cert and Key pair in the configuration file, or auto_encrypt/auto_config be enabled\n',
    );
    expect(start(['-hcl', 'tls { defaults { cert_file = "nope.pem" key_file = "dc1-server-consul-0-key.pem" } }'], dir).stderr).toBe('==> Failed to load cert/key pair: open nope.pem: no such file or directory\n');
    // the old short names are taken only by the deprecated top-level key
    expect(start(['-hcl', 'tls { defaults { tls_min_version = "tls12" } }'], dir).stderr).toBe(
      '==> tls.defaults.tls_min_version: invalid TLS version: no matching TLS version found for tls12, please specify one of [TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3]\n',
    );
    expect(start(['-hcl', 'tls_min_version = "tls12"', '-hcl', 'tls { https { tls_min_version = "TLSv9" } }'], dir).stderr).toBe(
      '==> tls.https.tls_min_version: invalid TLS version: no matching TLS version found for TLSv9, please specify one of [TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3]\n',
    );
    expect(start(['-hcl', 'tls { defaults { tls_cipher_suites = "TLS_RSA_WITH_AES_128_CBC_SHA" } }'], dir).stderr).toBe(
      '==> tls.defaults.tls_cipher_suites: invalid TLS cipher suites: no matching Consul Agent TLS cipher suite found for TLS_RSA_WITH_AES_128_CBC_SHA\n',
    );
    expect(start(['-hcl', 'tls { https { verify_server_hostname = true } }'], dir).stderr).toBe('==> verify_server_hostname is only valid in the tls.internal_rpc stanza\n');
  });

  test('the deprecated top-level keys: mapped into the tls block with Consul\'s warnings (verify_incoming_https turns on HTTPS client certificates)', async () => {
    const dir = freshDir('deprecated');
    dcsgw(['tls', 'ca', 'create'], dir);
    dcsgw(['tls', 'cert', 'create', '-server'], dir);
    const [httpsPort] = (await allocatePorts(1, RANGE)) as [number];
    writeFileSync(
      join(dir, 'old.json'),
      JSON.stringify({ ca_file: join(dir, 'consul-agent-ca.pem'), cert_file: join(dir, 'dc1-server-consul-0.pem'), key_file: join(dir, 'dc1-server-consul-0-key.pem'), verify_incoming_https: true, tls_min_version: 'tls12', ports: { https: httpsPort } }),
    );
    const p = spawnManaged(process.execPath, [bin, 'agent', '-dev', '-config-file', join(dir, 'old.json'), '-http-port', '-1', '-dns-port', '-1', '-etcd-port', '-1', '-grpc-port', '-1'], { cwd: dir });
    await waitForLine(p, /agent: Consul agent running!/, 'Consul agent running!');
    const out = p.output();
    expect(out).toContain('HTTPS TLS: Verify Incoming: true, Verify Outgoing: false, Min Version: TLSv1_2\n');
    expect(out).toContain('Internal RPC TLS: Verify Incoming: false,');
    for (const w of [
      "The 'ca_file' field is deprecated. Use the 'tls.defaults.ca_file' field instead.",
      "The 'verify_incoming_https' field is deprecated. Use the 'tls.https.verify_incoming' field instead.",
      "'tls_min_version' value 'tls12' is deprecated, please specify 'TLSv1_2' instead",
    ]) {
      expect(out).toContain(`[WARN]  agent: ${w}`);
    }
    const refused = run('curl', ['-sS', '--max-time', '10', '--cacert', join(dir, 'consul-agent-ca.pem'), `https://127.0.0.1:${httpsPort}/v1/status/leader`]);
    expect(refused.code).toBe(56);
    await p.stop('SIGINT');
  });
});

describe.skipIf(noBuild || noOpenssl)('etcd mode: --consul-https-addr with the etcd client TLS flags', () => {
  test('the Consul HTTPS API takes --cert-file/--key-file/--trusted-ca-file, --client-cert-auth as verify_incoming', async () => {
    const dir = freshDir('etcd-mode');
    dcsgw(['tls', 'ca', 'create'], dir);
    dcsgw(['tls', 'cert', 'create', '-server'], dir);
    dcsgw(['tls', 'cert', 'create', '-cli'], dir);
    const [client, peer, https] = (await allocatePorts(3, RANGE)) as [number, number, number];
    const member = spawnManaged(
      process.execPath,
      [
        bin, '--name', 'm1', '--data-dir', join(dir, 'm1.etcd'),
        '--listen-client-urls', `https://127.0.0.1:${client}`, '--advertise-client-urls', `https://127.0.0.1:${client}`,
        '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `m1=http://127.0.0.1:${peer}`,
        '--cert-file', 'dc1-server-consul-0.pem', '--key-file', 'dc1-server-consul-0-key.pem', '--trusted-ca-file', 'consul-agent-ca.pem', '--client-cert-auth',
        '--consul-http-addr', 'off', '--consul-dns-addr', 'off', '--consul-https-addr', `127.0.0.1:${https}`,
      ],
      { cwd: dir },
    );
    await waitForLine(member, /serving Consul HTTPS API on 127\.0\.0\.1:\d+/, 'serving Consul HTTPS API');
    const tlsArgs = ['--cacert', join(dir, 'consul-agent-ca.pem'), '--cert', join(dir, 'dc1-cli-consul-0.pem'), '--key', join(dir, 'dc1-cli-consul-0-key.pem')];
    const put = run('curl', ['-sS', '--max-time', '10', ...tlsArgs, '-X', 'PUT', '--data', 'v', `https://127.0.0.1:${https}/v1/kv/etcd-mode`]);
    expect(put.stdout.trim()).toBe('true');
    expect(run('curl', ['-sS', '--max-time', '10', ...tlsArgs, `https://127.0.0.1:${https}/v1/kv/etcd-mode?raw`]).stdout).toBe('v');
    const refused = run('curl', ['-sS', '--max-time', '10', '--cacert', join(dir, 'consul-agent-ca.pem'), `https://127.0.0.1:${https}/v1/kv/etcd-mode?raw`]);
    expect(refused.code).toBe(56);
    await member.stop();
    // without a client key pair there is nothing to serve HTTPS with
    const bare = run(process.execPath, [bin, '--data-dir', join(dir, 'm2.etcd'), '--consul-http-addr', 'off', '--consul-dns-addr', 'off', '--consul-https-addr', `127.0.0.1:${https}`, '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `default=http://127.0.0.1:${peer}`], { cwd: dir, timeoutMs: 30_000 });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('--consul-https-addr: needs the client key pair (--cert-file and --key-file)');
  });
});
