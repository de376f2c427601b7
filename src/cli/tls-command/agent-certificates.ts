// The certificates `consul tls ca create` and `consul tls cert create` write, built field by field
// as Consul's generator asks Go's x509 package for them (checked against `openssl x509 -text` of
// genuine output): ECDSA P-256 keys in SEC1 "EC PRIVATE KEY" PEM, a random serial below 2^128,
// ecdsa-with-SHA256 signatures; a CA with Consul's fixed postal subject, "Consul Agent CA <serial>"
// as its common name, key usage digitalSignature+certSign+cRLSign and CA:TRUE (both critical),
// subject and authority key IDs (SHA-256 of the public key), optional critical name constraints
// and a SPIFFE URI for -cluster-id; a leaf with the CN only, digitalSignature+keyEncipherment,
// the asked extended key usages, CA:FALSE, its own key ID and the CA's as authority, and the DNS
// then IP subject alternative names. Extensions are in Go's order, because tools that diff
// certificates (and operators reading `openssl x509 -text`) see the order.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, booleanTrue, children, explicit, implicit, octetString, oid, read, seq, set, time, tlv, unsignedInteger, TAG } from '../../gateway/tls/der.js';

const OID = {
  country: '2.5.4.6',
  province: '2.5.4.8',
  locality: '2.5.4.7',
  streetAddress: '2.5.4.9',
  postalCode: '2.5.4.17',
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

/** A failure reported to the user as Consul words it. */
export class CertificateError extends Error {}

/** Go's asn1: a string is a PrintableString when every byte is in that set, else a UTF8String. */
function directoryString(s: string): Buffer {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s);
  return tlv(printable ? TAG.printableString : TAG.utf8String, Buffer.from(s, 'utf8'));
}

function rdn(type: string, value: string): Buffer {
  return set(seq(oid(type), directoryString(value)));
}

/** Go's IP encoding in a SAN: 4 bytes for IPv4, 16 for IPv6, nothing for what does not parse. */
function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  if (isIP(ip) !== 6) return Buffer.alloc(0);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  // Go writes an IPv4-mapped address as its 4 bytes (To4)
  if (out.subarray(0, 10).every((x) => x === 0) && out[10] === 0xff && out[11] === 0xff) return out.subarray(12);
  return out;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), booleanTrue(), octetString(value)) : seq(oid(id), octetString(value));
}

/** Go's KeyUsage bit string: bits reversed into the first byte, as short as the last set bit allows. */
function keyUsageBits(bits: readonly number[]): Buffer {
  let byte = 0;
  for (const b of bits) byte |= 0x80 >> b;
  const last = Math.max(...bits);
  return bitString(Buffer.from([byte]), 7 - last);
}

function pemOf(type: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

/** Consul's serial: uniform below 2^128. */
function serialNumber(): Buffer {
  return randomBytes(16);
}

/** Consul's key ID: SHA-256 of the DER public key (SubjectPublicKeyInfo). */
function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

function generateKey(): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string };
}

/** Go picks the signature algorithm from the signer's key: the curve's hash for ECDSA, SHA-256 for RSA. */
function signatureAlgorithm(key: KeyObject): { algorithm: Buffer; hash: string } {
  if (key.asymmetricKeyType === 'rsa') return { algorithm: seq(oid(OID.sha256WithRsa), tlv(0x05, Buffer.alloc(0))), hash: 'sha256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return { algorithm: seq(oid(OID.ecdsaWithSha384)), hash: 'sha384' };
  if (curve === 'secp521r1') return { algorithm: seq(oid(OID.ecdsaWithSha512)), hash: 'sha512' };
  return { algorithm: seq(oid(OID.ecdsaWithSha256)), hash: 'sha256' };
}

function signCertificate(tbs: Buffer, signer: KeyObject, algorithm: Buffer, hash: string): string {
  const signature = sign(hash, tbs, signer);
  return pemOf('CERTIFICATE', seq(tbs, algorithm, bitString(signature)));
}

function addDays(now: Date, days: number): Date {
  // Go's AddDate(0, 0, days): calendar days, the time of day kept
  const d = new Date(now.getTime());
  d.setUTCDate(d.getUTCDate() + days);
  return d;
}

/** Whole seconds, as the certificate keeps them. */
function truncateToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

export interface CaOptions {
  /** "" = "Consul Agent CA <serial>". */
  commonName: string;
  days: number;
  domain: string;
  /** DNS names the CA may sign for (empty: no name constraints). */
  permittedDnsDomains: readonly string[];
  /** -cluster-id: a spiffe://<id>.<domain> URI SAN. */
  clusterId: string;
  now?: Date;
}

export function generateCa(opts: CaOptions): { certPem: string; keyPem: string } {
  const key = generateKey();
  const serial = serialNumber();
  const name = opts.commonName !== '' ? opts.commonName : `Consul Agent CA ${BigInt(`0x${serial.toString('hex')}`).toString(10)}`;
  const days = opts.days === 0 ? 365 : opts.days;
  const now = truncateToSecond(opts.now ?? new Date());
  const subject = seq(
    rdn(OID.country, 'US'),
    rdn(OID.province, 'CA'),
    rdn(OID.locality, 'San Francisco'),
    rdn(OID.streetAddress, '101 Second Street'),
    rdn(OID.postalCode, '94105'),
    rdn(OID.organization, 'HashiCorp Inc.'),
    rdn(OID.commonName, name),
  );
  const id = keyId(key.publicKey);
  const extensions = [
    extension(OID.keyUsage, true, keyUsageBits([0, 5, 6])),
    extension(OID.basicConstraints, true, seq(booleanTrue())),
    extension(OID.subjectKeyId, false, octetString(id)),
    extension(OID.authorityKeyId, false, seq(implicit(0, id))),
  ];
  if (opts.clusterId !== '') {
    const uri = `spiffe://${`${opts.clusterId}.${opts.domain}`.toLowerCase()}`;
    extensions.push(extension(OID.subjectAltName, false, seq(implicit(6, Buffer.from(uri, 'ascii')))));
  }
  if (opts.permittedDnsDomains.length > 0) {
    const subtrees = opts.permittedDnsDomains.map((d) => seq(implicit(2, Buffer.from(d, 'ascii'))));
    extensions.push(extension(OID.nameConstraints, true, seq(tlv(0xa0, Buffer.concat(subtrees)))));
  }
  const { algorithm, hash } = signatureAlgorithm(key.privateKey);
  const tbs = seq(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(serial),
    algorithm,
    subject,
    seq(time(now), time(addDays(now, days))),
    subject,
    key.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  return { certPem: signCertificate(tbs, key.privateKey, algorithm, hash), keyPem: key.pem };
}

/** What a certificate's TBS holds that signing another one needs. */
interface ParsedCa {
  rawSubject: Buffer;
  subjectKeyId: Buffer | undefined;
  publicKey: KeyObject;
  permittedDnsDomains: string[];
}

/** The first PEM block of `text`, as Go's pem.Decode finds it. */
function firstPemBlock(text: string): { type: string; der: Buffer } | undefined {
  const m = /-----BEGIN ([^-\n]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  const body = m[2]!.split(/\r?\n/).filter((l) => l !== '' && !l.includes(':')).join('');
  return { type: m[1]!, der: Buffer.from(body, 'base64') };
}

function parseCa(pem: string): ParsedCa {
  const block = firstPemBlock(pem);
  if (!block) throw new CertificateError('failed to parse CA: no PEM-encoded data found');
  if (block.type !== 'CERTIFICATE') throw new CertificateError('failed to parse CA: first PEM-block should be CERTIFICATE type');
  try {
    const cert = children(read(block.der).content);
    const tbs = children(cert[0]!.content);
    const fields = tbs[0]!.tag === 0xa0 ? tbs.slice(1) : tbs;
    const rawSubject = fields[4]!.raw;
    const publicKey = createPublicKey({ key: fields[5]!.raw, format: 'der', type: 'spki' });
    let subjectKeyId: Buffer | undefined;
    const permittedDnsDomains: string[] = [];
    const extWrapper = fields.slice(6).find((n) => n.tag === 0xa3);
    for (const ext of extWrapper ? children(read(extWrapper.content).content) : []) {
      const parts = children(ext.content);
      const id = parts[0]!.raw.toString('hex');
      const value = read(parts.at(-1)!.content);
      if (id === oid(OID.subjectKeyId).toString('hex')) subjectKeyId = Buffer.from(value.content);
      if (id === oid(OID.nameConstraints).toString('hex')) {
        for (const part of children(value.content)) {
          if (part.tag !== 0xa0) continue;
          for (const subtree of children(part.content)) {
            const base = read(subtree.content);
            if (base.tag === 0x82) permittedDnsDomains.push(base.content.toString('ascii'));
          }
        }
      }
    }
    return { rawSubject, subjectKeyId, publicKey, permittedDnsDomains };
  } catch (err) {
    throw new CertificateError(`failed to parse CA: x509: malformed certificate (${(err as Error).message})`);
  }
}

/** Consul's ParseSigner: the first PEM block is the CA's private key (EC, RSA or PKCS #8). */
export function parseSigner(pem: string): KeyObject {
  const block = firstPemBlock(pem);
  if (!block) throw new CertificateError('no PEM-encoded data found');
  const formats: Record<string, 'sec1' | 'pkcs1' | 'pkcs8'> = { 'EC PRIVATE KEY': 'sec1', 'RSA PRIVATE KEY': 'pkcs1', 'PRIVATE KEY': 'pkcs8' };
  const type = formats[block.type];
  if (!type) throw new CertificateError(`unknown PEM block type for signing key: ${block.type}`);
  try {
    return createPrivateKey({ key: block.der, format: 'der', type });
  } catch (err) {
    throw new CertificateError(`error parsing private key: ${(err as Error).message}`);
  }
}

export interface CertOptions {
  caPem: string;
  signer: KeyObject;
  commonName: string;
  days: number;
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  extKeyUsage: readonly ExtKeyUsage[];
  now?: Date;
}

/** Go's name-constraint match: the name is the constraint or ends in "." + the constraint. */
function permitted(name: string, constraint: string): boolean {
  const n = name.toLowerCase();
  const c = constraint.toLowerCase().replace(/^\./, '');
  return constraint.startsWith('.') ? n.endsWith(`.${c}`) : n === c || n.endsWith(`.${c}`);
}

export function generateCert(opts: CertOptions): { certPem: string; keyPem: string } {
  const ca = parseCa(opts.caPem);
  const signerPublic = createPublicKey(opts.signer).export({ type: 'spki', format: 'der' });
  if (!signerPublic.equals(ca.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new CertificateError("failed to create certificate: x509: provided PrivateKey doesn't match parent's PublicKey");
  }
  const key = generateKey();
  const now = truncateToSecond(opts.now ?? new Date());
  const sans = [...opts.dnsNames.map((d) => implicit(2, Buffer.from(d, 'ascii'))), ...opts.ipAddresses.map((ip) => implicit(7, ipBytes(ip)))];
  const extensions = [
    extension(OID.keyUsage, true, keyUsageBits([0, 2])),
    ...(opts.extKeyUsage.length > 0 ? [extension(OID.extKeyUsage, false, seq(...opts.extKeyUsage.map((u) => oid(u === 'serverAuth' ? OID.serverAuth : OID.clientAuth))))] : []),
    extension(OID.basicConstraints, true, seq()),
    extension(OID.subjectKeyId, false, octetString(keyId(key.publicKey))),
    ...(ca.subjectKeyId ? [extension(OID.authorityKeyId, false, seq(implicit(0, ca.subjectKeyId)))] : []),
    ...(sans.length > 0 ? [extension(OID.subjectAltName, false, seq(...sans))] : []),
  ];
  const { algorithm, hash } = signatureAlgorithm(opts.signer);
  const tbs = seq(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(serialNumber()),
    algorithm,
    ca.rawSubject,
    seq(time(now), time(addDays(now, opts.days))),
    seq(rdn(OID.commonName, opts.commonName)),
    key.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const certPem = signCertificate(tbs, opts.signer, algorithm, hash);
  verifyCert(opts.caPem, ca, certPem, opts.commonName);
  return { certPem, keyPem: key.pem };
}

/** Consul's Verify after signing: the new certificate chains to the CA and is valid for `name`. */
function verifyCert(caPem: string, ca: ParsedCa, certPem: string, name: string): void {
  const cert = new X509Certificate(certPem);
  const caCert = new X509Certificate(caPem);
  if (!cert.verify(caCert.publicKey)) throw new CertificateError('x509: certificate signed by unknown authority');
  if (ca.permittedDnsDomains.length > 0) {
    const dns = [...(cert.subjectAltName ?? '').matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1]!);
    for (const d of dns) {
      if (!ca.permittedDnsDomains.some((c) => permitted(d, c))) {
        throw new CertificateError(`x509: a root or intermediate certificate is not authorized to sign for this name: DNS name "${d}" is not permitted by any constraint`);
      }
    }
  }
  if (cert.checkHost(name, { subject: 'never' }) === undefined) {
    throw new CertificateError(`x509: certificate is valid for ${(cert.subjectAltName ?? '').replace(/DNS:/g, '')}, not ${name}`);
  }
}
