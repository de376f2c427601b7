// --client-crl-file / --peer-crl-file, as etcd's transport checks them: after the handshake, every
// certificate the remote presented is refused when its serial number is listed in the CRL file
// (PEM or DER, re-read on each check; its signature is not checked, as etcd does not check it).
import { readFileSync } from 'node:fs';
import { children, read, TAG } from './der.js';

/** Serial numbers as lower-case hex without leading zeros (how they are compared). */
export function normaliseSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/^0+/, '');
  return s === '' ? '0' : s;
}

function derOf(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  return m ? Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64') : bytes;
}

/** The revoked serial numbers of a CRL (RFC 5280 CertificateList). Throws on malformed input. */
export function revokedSerials(bytes: Buffer): Set<string> {
  const list = read(derOf(bytes));
  if (list.tag !== TAG.sequence) throw new Error('x509: malformed crl');
  const tbs = children(list.content)[0];
  if (!tbs || tbs.tag !== TAG.sequence) throw new Error('x509: malformed crl');
  const fields = children(tbs.content);
  let i = 0;
  if (fields[i]?.tag === TAG.integer) i++; // version
  i += 2; // signature algorithm, issuer
  i++; // thisUpdate
  if (fields[i]?.tag === TAG.utcTime || fields[i]?.tag === TAG.generalizedTime) i++; // nextUpdate
  const out = new Set<string>();
  const revoked = fields[i];
  if (!revoked || revoked.tag !== TAG.sequence) return out;
  for (const entry of children(revoked.content)) {
    const serial = children(entry.content)[0];
    if (serial?.tag === TAG.integer) out.add(normaliseSerial(serial.content.toString('hex')));
  }
  return out;
}

/** etcd's checkCRL: the error for the first revoked certificate in `serials` (hex), if any. */
export function checkCrl(crlFile: string, serials: readonly string[]): string | undefined {
  let revoked: Set<string>;
  try {
    revoked = revokedSerials(readFileSync(crlFile));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `open ${crlFile}: no such file or directory` : (err as Error).message;
  }
  for (const s of serials) {
    const n = normaliseSerial(s);
    if (revoked.has(n)) return `transport: certificate serial ${n.length % 2 ? '0' + n : n} revoked`;
  }
  return undefined;
}
