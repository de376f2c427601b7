// The little DER (ITU-T X.690) this project writes and reads itself: enough to build the
// self-signed certificates of --auto-tls (RFC 5280) and to list the revoked serial numbers of a
// CRL. node:crypto makes keys and signatures but neither builds certificates nor parses CRLs.

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => tlv(TAG.set, Buffer.concat(items));
/** [n] EXPLICIT (constructed, context-specific). */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT primitive (context-specific). */
export const implicit = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

/** A non-negative INTEGER from its big-endian magnitude (minimal, with a 0 byte when the top bit is set). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = magnitude.subarray(start);
  if (body.length === 0) body = Buffer.from([0]);
  if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(TAG.integer, body);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

/** BIT STRING with `unused` padding bits in its last byte. */
export const bitString = (bytes: Buffer, unused = 0): Buffer => tlv(TAG.bitString, Buffer.concat([Buffer.from([unused]), bytes]));
export const octetString = (bytes: Buffer): Buffer => tlv(TAG.octetString, bytes);
export const booleanTrue = (): Buffer => tlv(TAG.boolean, Buffer.from([0xff]));

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-12-07T04:40:56.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return d.getUTCFullYear() < 2050 ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`)) : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`));
}

export interface Node {
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** The whole element (tag, length, content). */
  raw: Buffer;
}

/** Reads one element at `offset`; throws on truncated or indefinite-length input. */
export function read(buf: Buffer, offset = 0): Node {
  if (offset + 2 > buf.length) throw new Error('asn1: truncated element');
  const tag = buf[offset] as number;
  let len = buf[offset + 1] as number;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new Error('asn1: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + i] as number);
    pos += n;
  }
  if (pos + len > buf.length) throw new Error('asn1: truncated element');
  return { tag, content: buf.subarray(pos, pos + len), raw: buf.subarray(offset, pos + len) };
}

/** The elements inside a constructed element's content. */
export function children(content: Buffer): Node[] {
  const out: Node[] = [];
  for (let off = 0; off < content.length; ) {
    const n = read(content, off);
    out.push(n);
    off += n.raw.length;
  }
  return out;
}
