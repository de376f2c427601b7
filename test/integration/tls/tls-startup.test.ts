// TLS at start-up and over a member's life, dcsgw beside genuine etcd 3.4.23 with the same flags:
// etcd's errors and exit codes for bad TLS combinations (both loggers), --auto-tls certificates under
// <data-dir>/fixtures/client with etcdctl --insecure-skip-tls-verify, and a rotated key pair served
// to the next handshake without a restart.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, skipUnlessBinaries, stopAllProcesses } from '../../support/index.js';
import { clientFlags, makePki, memberFlags, spawnMember, tempDataDir, TLS_PORTS, waitTlsHealthy, type Kind, type Pki } from './tls-support.js';

const KINDS: Kind[] = ['etcd', 'dcsgw'];
type Ports = { client: string; peer: string; metrics: string };
let pki: Pki;

/** Starts `kind` with `extra` flags on fresh ports, waits for it to exit, and returns its exit code and last stderr line (timestamp removed). */
async function failedStart(kind: Kind, extra: (ports: Ports) => string[], logger: 'capnslog' | 'zap', ports: Ports): Promise<{ code: number | string; last: string }> {
  const dataDir = tempDataDir(kind);
  const m = spawnMember(kind, ['--logger', logger, '--data-dir', dataDir, ...extra(ports)], dataDir);
  const code = await Promise.race([m.proc.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
  if (code === 'still running') await m.proc.stop('SIGKILL');
  const lines = m.proc.output().trim().split('\n').filter((l) => !l.startsWith('WARNING: ') && !l.includes('"msg":"discovery failed"'));
  const line = lines.pop() ?? '';
  // capnslog: drop the timestamp; zap: drop "ts" and Go's stack trace
  const last = line.startsWith('{') ? line.replace(/"ts":"[^"]*",/, '').replace(/,"stacktrace":"[^"]*"/, '') : line.replace(/^\S+ \S+ /, '');
  return { code, last };
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl'))('TLS at start-up and over time, as genuine etcd', () => {
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('bad TLS combinations: the same fatal error and exit code 1 (capnslog and zap)', async () => {
    const cases: Record<string, (p: Ports) => string[]> = {
      'https client URL without key pair': (p) => ['--listen-client-urls', `https://${p.client}`, '--advertise-client-urls', `https://${p.client}`, '--listen-peer-urls', `http://${p.peer}`, '--initial-advertise-peer-urls', `http://${p.peer}`, '--initial-cluster', `default=http://${p.peer}`],
      'https peer URL without key pair': (p) => ['--listen-client-urls', `http://${p.client}`, '--advertise-client-urls', `http://${p.client}`, '--listen-peer-urls', `https://${p.peer}`, '--initial-advertise-peer-urls', `https://${p.peer}`, '--initial-cluster', `default=https://${p.peer}`],
      'unknown cipher suite': (p) => ['--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--cipher-suites', 'TLS_NOT_A_SUITE', '--listen-client-urls', `https://${p.client}`, '--advertise-client-urls', `https://${p.client}`, '--listen-peer-urls', `http://${p.peer}`, '--initial-advertise-peer-urls', `http://${p.peer}`, '--initial-cluster', `default=http://${p.peer}`],
      'https metrics URL without key pair': (p) => ['--listen-metrics-urls', `https://${p.metrics}`, '--listen-client-urls', `http://${p.client}`, '--advertise-client-urls', `http://${p.client}`, '--listen-peer-urls', `http://${p.peer}`, '--initial-advertise-peer-urls', `http://${p.peer}`, '--initial-cluster', `default=http://${p.peer}`],
      'missing certificate file': (p) => ['--cert-file', join(pki.dir, 'nope.pem'), '--key-file', pki.serverKey, '--listen-client-urls', `https://${p.client}`, '--advertise-client-urls', `https://${p.client}`, '--listen-peer-urls', `http://${p.peer}`, '--initial-advertise-peer-urls', `http://${p.peer}`, '--initial-cluster', `default=http://${p.peer}`],
    };
    // a suite list without an AES-128-GCM suite: genuine etcd fails on it when serving ("listener
    // failed" under zap; under capnslog it crashes on a nil logger, exit 2: dcsgw exits 1 with the reason)
    cases['cipher suites without an HTTP/2 suite (zap)'] = (p) => ['--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--cipher-suites', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', '--listen-client-urls', `https://${p.client}`, '--advertise-client-urls', `https://${p.client}`, '--listen-peer-urls', `http://${p.peer}`, '--initial-advertise-peer-urls', `http://${p.peer}`, '--initial-cluster', `default=http://${p.peer}`];
    for (const [what, extra] of Object.entries(cases)) {
      for (const logger of ['capnslog', 'zap'] as const) {
        if (what.endsWith('(zap)') && logger !== 'zap') continue;
        const [c, p, m] = await allocatePorts(3, TLS_PORTS);
        const ports = { client: `127.0.0.1:${c}`, peer: `127.0.0.1:${p}`, metrics: `127.0.0.1:${m}` };
        const etcd = await failedStart('etcd', extra, logger, ports);
        const dcsgw = await failedStart('dcsgw', extra, logger, ports);
        expect(etcd.code, `${what} (${logger}) etcd`).toBe(1);
        expect({ what, logger, ...dcsgw }).toEqual({ what, logger, ...etcd });
      }
    }
  }, 240_000);

  it('--auto-tls: fixtures/client cert.pem + key.pem as etcd writes them, etcdctl --insecure-skip-tls-verify works on both', async () => {
    const certs = new Map<Kind, X509Certificate>();
    for (const kind of KINDS) {
      const [c, p] = await allocatePorts(2, TLS_PORTS);
      const dataDir = tempDataDir(kind);
      const url = `https://127.0.0.1:${c}`;
      const m = spawnMember(kind, [...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${p}` }), '--auto-tls'], dataDir);
      await waitTlsHealthy(m, url, ['--insecure-transport=false', '--insecure-skip-tls-verify']);
      const put = await etcdctl(url, ['--insecure-transport=false', '--insecure-skip-tls-verify', 'put', 'auto', kind]);
      const get = await etcdctl(url, ['--insecure-transport=false', '--insecure-skip-tls-verify', 'get', 'auto', '--print-value-only']);
      expect(`${put.stdout}${get.stdout}`, kind).toBe(`OK\n${kind}\n`);
      // without skipping verification, the self-signed certificate is not trusted: the same error
      const strict = await etcdctl(url, ['--dial-timeout=1s', '--command-timeout=2s', 'get', 'auto']);
      expect(`${strict.code}|${strict.stderr.trim().split('\n').pop()}`, kind).toBe('1|Error: context deadline exceeded');
      const dir = join(dataDir, 'fixtures', 'client');
      expect(statSync(join(dir, 'key.pem')).mode & 0o777, kind).toBe(0o600);
      expect(statSync(dir).mode & 0o777, kind).toBe(0o700);
      expect(readFileSync(join(dir, 'key.pem'), 'utf8').split('\n')[0], kind).toBe('-----BEGIN EC PRIVATE KEY-----');
      certs.set(kind, new X509Certificate(readFileSync(join(dir, 'cert.pem'))));
      expect(m.proc.output(), kind).toContain(`ClientTLS: cert = ${dir}/cert.pem, key = ${dir}/key.pem, trusted-ca = , client-cert-auth = false, crl-file = `);
      await m.proc.stop();
    }
    const shape = (c: X509Certificate) => ({
      subject: c.subject,
      issuer: c.issuer,
      san: c.subjectAltName,
      usages: c.keyUsage,
      curve: c.publicKey.asymmetricKeyDetails?.namedCurve,
      days: (Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86400_000,
      ca: c.ca,
    });
    expect(shape(certs.get('dcsgw') as X509Certificate)).toEqual(shape(certs.get('etcd') as X509Certificate));
  }, 120_000);

  it('a rotated key pair is served to the next handshake without a restart (both re-read the files)', async () => {
    for (const kind of KINDS) {
      const [c, p] = await allocatePorts(2, TLS_PORTS);
      const dataDir = tempDataDir(kind);
      const certFile = join(pki.dir, `rotating-${kind}.pem`);
      const keyFile = join(pki.dir, `rotating-${kind}.key`);
      copyFileSync(pki.serverCert, certFile);
      copyFileSync(pki.serverKey, keyFile);
      const url = `https://127.0.0.1:${c}`;
      const m = spawnMember(kind, [...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${p}` }), '--cert-file', certFile, '--key-file', keyFile, '--trusted-ca-file', pki.ca], dataDir);
      await waitTlsHealthy(m, url, clientFlags(pki));
      const servedCn = () =>
        new Promise<string>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port: c as number, ca: readFileSync(pki.ca), ALPNProtocols: ['h2'] }, () => {
            const cn = String(s.getPeerCertificate().subject?.CN);
            s.destroy();
            resolve(cn);
          });
          s.on('error', reject);
        });
      expect(await servedCn(), kind).toBe('server');
      // a rotation writes the new pair in place (key first, then cert, as cert managers do)
      copyFileSync(pki.server2Key, keyFile);
      copyFileSync(pki.server2Cert, certFile);
      expect(await servedCn(), kind).toBe('server2');
      const r = await etcdctl(url, [...clientFlags(pki), 'put', 'rotated', 'yes']);
      expect(r.stdout, kind).toBe('OK\n');
      await m.proc.stop();
      expect(existsSync(certFile)).toBe(true);
    }
  }, 120_000);
});
