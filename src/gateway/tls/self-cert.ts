// --auto-tls / --peer-auto-tls: etcd's transport.SelfCert. When <dir>/cert.pem and <dir>/key.pem
// both exist they are used as they are; otherwise a fresh self-signed certificate is written there,
// with what genuine etcd 3.4.23 writes (checked with `openssl x509 -text` on its fixtures): an
// ECDSA P-521 key signed with SHA-512, a random 128-bit serial, subject and issuer O=etcd, one year
// of validity from now, key usage digitalSignature + keyEncipherment (critical), extended key usage
// serverAuth (+ clientAuth for peers), basic constraints CA:FALSE (critical), and the listen URLs'
// hosts as IP or DNS subject alternative names. The key is a SEC1 "EC PRIVATE KEY" PEM, mode 0600.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { bitString, booleanTrue, explicit, implicit, octetString, oid, seq, set, time, tlv, unsignedInteger, TAG } from './der.js';

const OID = {
  organization: '2.5.4.10',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

export interface SelfCertResult {
  certFile: string;
  keyFile: string;
  /** The files written (empty when existing ones were reused): etcd logs each as created. */
  created: { kind: 'cert' | 'key'; path: string }[];
}

/** etcd's hosts: the "host:port" of each listen URL, the host kept (Go's net.SplitHostPort). */
export function hostsOfUrls(urls: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of urls) {
    try {
      const u = new URL(raw);
      if (u.port === '') continue; // SplitHostPort fails: etcd adds an empty DNS name, which no client ever matches
      out.push(u.hostname.replace(/^\[(.*)\]$/, '$1'));
    } catch {
      /* URLs were validated with the flags */
    }
  }
  return out;
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand "::" and write 8 groups of 16 bits
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), booleanTrue(), octetString(value)) : seq(oid(id), octetString(value));
}

/** The DER certificate and the PEM key of a fresh self-signed certificate (see the file comment). */
export function buildSelfSignedCert(hosts: readonly string[], usages: readonly ExtKeyUsage[], now = new Date()): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const name = seq(set(seq(oid(OID.organization), tlv(TAG.printableString, Buffer.from('etcd')))));
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const sans = hosts.map((h) => (isIP(h) ? implicit(7, ipBytes(h)) : implicit(2, Buffer.from(h, 'ascii'))));
  const extensions = [
    // digitalSignature (bit 0) + keyEncipherment (bit 2): 0b101 followed by 5 unused bits
    extension(OID.keyUsage, true, bitString(Buffer.from([0xa0]), 5)),
    extension(OID.extKeyUsage, false, seq(...usages.map((u) => oid(u === 'serverAuth' ? OID.serverAuth : OID.clientAuth)))),
    extension(OID.basicConstraints, true, seq()),
    ...(sans.length > 0 ? [extension(OID.subjectAltName, false, seq(...sans))] : []),
  ];
  const algorithm = seq(oid(OID.ecdsaWithSha512));
  const serial = randomBytes(16);
  const tbs = seq(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    algorithm,
    name,
    seq(time(now), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha512', tbs, privateKey); // DER-encoded ECDSA signature
  const der = seq(tbs, algorithm, bitString(signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'sec1', format: 'pem' }) as string,
  };
}

/** etcd's SelfCert(dir, hosts, usages): reuse <dir>/cert.pem + key.pem, or write new ones. */
export function selfCert(dir: string, hosts: readonly string[], usages: readonly ExtKeyUsage[]): SelfCertResult {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile, created: [] };
  const { certPem, keyPem } = buildSelfSignedCert(hosts, usages);
  writeFileSync(certFile, certPem, { mode: 0o644 });
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, created: [{ kind: 'cert', path: certFile }, { kind: 'key', path: keyFile }] };
}
