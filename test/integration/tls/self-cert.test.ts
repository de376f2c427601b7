// --auto-tls certificates: what etcd's SelfCert writes, checked with node's X509 parser and openssl.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../../support/index.js';
import { hostsOfUrls, selfCert } from '../../../src/gateway/tls/self-cert.js';

describe('auto-tls self-signed certificates', () => {
  afterAll(removeTempDirs);

  it('writes a P-521/SHA-512 self-signed cert with the listen hosts as SANs, key 0600, then reuses it', () => {
    const dir = join(makeTempDir('selfcert-'), 'fixtures', 'peer');
    const hosts = hostsOfUrls(['https://127.0.0.1:2380', 'https://localhost:2381', 'https://[::1]:2382']);
    expect(hosts).toEqual(['127.0.0.1', 'localhost', '::1']);
    const first = selfCert(dir, hosts, ['serverAuth', 'clientAuth']);
    expect(first.created.map((c) => c.kind)).toEqual(['cert', 'key']);
    const pem = readFileSync(first.certFile, 'utf8');
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe('O=etcd');
    expect(cert.issuer).toBe('O=etcd');
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp521r1');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86400_000;
    expect(days).toBe(365);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.serialNumber.length).toBeGreaterThanOrEqual(30);
    const key = readFileSync(first.keyFile, 'utf8');
    expect(key.startsWith('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem }).toString();
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA512');
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    const again = selfCert(dir, hosts, ['serverAuth']);
    expect(again.created).toEqual([]);
    expect(readFileSync(again.certFile, 'utf8')).toBe(pem);
  });

  it('a client cert carries serverAuth only (as etcd client fixtures do)', () => {
    const dir = makeTempDir('selfcert-');
    const r = selfCert(dir, ['example.test'], ['serverAuth']);
    const cert = new X509Certificate(readFileSync(r.certFile));
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.subjectAltName).toBe('DNS:example.test');
  });
});
