// The certificate of the built-in Connect CA's root, shaped as Consul's built-in CA makes it: a
// self-signed ECDSA P-256 / SHA-256 CA certificate valid for ten years, key usage certSign +
// cRLSign + digitalSignature, the cluster's SPIFFE trust domain as its URI SAN, subject and
// authority key identifiers; its ID is the colon-separated SHA-1 fingerprint of the DER bytes.
import { createHash, generateKeyPairSync, randomInt, sign } from 'node:crypto';
import type { RootMaterial } from '../../compat/connect-ca.js';
import { bitString, booleanTrue, explicit, implicit, octetString, oid, seq, set, time, tlv, unsignedInteger, TAG } from '../tls/der.js';

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
};
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

const colonHex = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), booleanTrue(), octetString(value)) : seq(oid(id), octetString(value));
}

/** A new root for the cluster whose trust domain is `trustDomain` ("<uuid>.consul"). */
export function makeConnectCaRoot(trustDomain: string, now = new Date()): RootMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The subject key identifier: SHA-1 of the subject public key bit string (RFC 5280 4.2.1.2, method 1).
  const keyBits = spki.subarray(spki.length - 65);
  const ski = createHash('sha1').update(keyBits).digest();
  const serialNumber = randomInt(1, 2 ** 31);
  const cn = `pri-${ski.toString('hex').slice(0, 8)}.consul.ca.${trustDomain.slice(0, 8)}.consul`;
  const name = seq(set(seq(oid(OID.commonName), tlv(TAG.utf8String, Buffer.from(cn)))));
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + TEN_YEARS_MS);
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const extensions = [
    extension(OID.basicConstraints, true, seq(booleanTrue())),
    // digitalSignature (bit 0), keyCertSign (bit 5), cRLSign (bit 6): 0b1000011 then 1 unused bit
    extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)),
    extension(OID.subjectKeyIdentifier, false, octetString(ski)),
    extension(OID.authorityKeyIdentifier, false, seq(implicit(0, ski))),
    extension(OID.subjectAltName, false, seq(implicit(6, Buffer.from(`spiffe://${trustDomain}`)))),
  ];
  const serial = Buffer.alloc(4);
  serial.writeUInt32BE(serialNumber);
  const tbs = seq(explicit(0, unsignedInteger(Buffer.from([2]))), unsignedInteger(serial), algorithm, name, seq(time(notBefore), time(notAfter)), name, spki, explicit(3, seq(...extensions)));
  const der = seq(tbs, algorithm, bitString(sign('sha256', tbs, privateKey)));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    id: colonHex(createHash('sha1').update(der).digest()),
    signingKeyId: colonHex(ski),
    serialNumber,
    notBefore: rfc3339(notBefore),
    notAfter: rfc3339(notAfter),
    rootCertPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    privateKeyBits: 256,
  };
}
