// DNS message encoding with name compression (RFC 1035 4.1.4), which Consul applies to every answer
// unless dns_config.disable_compression is set: owner names and the names inside CNAME, NS, PTR and
// SOA data point back at earlier occurrences. SRV targets are written whole (RFC 2782 forbids
// compressing them) and are not offered as pointer targets. dns-packet has no compression, so the
// records this interface builds are written here; a record of another type falls back to
// dns-packet's encoder for its data.
import dnsPacket, { type Answer, type Packet } from 'dns-packet';

const TYPE_CODES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 };
const CLASS_IN = 1;
/** A pointer holds a 14-bit offset. */
const MAX_POINTER = 0x3fff;

class Writer {
  private buf = Buffer.alloc(512);
  length = 0;
  private readonly names = new Map<string, number>();

  constructor(private readonly compress: boolean) {}

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /** A domain name; `pointable` names may use and offer compression pointers. */
  name(name: string, pointable = true): void {
    const trimmed = name.replace(/^\.|\.$/g, '');
    const labels = trimmed === '' ? [] : trimmed.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      if (this.compress && pointable) {
        const at = this.names.get(suffix);
        if (at !== undefined) {
          this.u16(0xc000 | at);
          return;
        }
        if (this.length <= MAX_POINTER) this.names.set(suffix, this.length);
      }
      const label = Buffer.from(labels[i]!, 'utf8');
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function ipv4(w: Writer, ip: string): void {
  for (const o of ip.split('.')) w.u8(Number(o));
}

function ipv6(w: Writer, ip: string): void {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  for (const g of groups) w.u16(parseInt(g, 16));
}

/** Writes one record's data; returns false when this writer does not know the type. */
function rdata(w: Writer, r: Answer): boolean {
  switch (r.type) {
    case 'A':
      ipv4(w, r.data);
      return true;
    case 'AAAA':
      ipv6(w, r.data);
      return true;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      w.name(r.data);
      return true;
    case 'SRV':
      w.u16(r.data.priority ?? 0);
      w.u16(r.data.weight ?? 0);
      w.u16(r.data.port);
      w.name(r.data.target, false);
      return true;
    case 'SOA':
      w.name(r.data.mname);
      w.name(r.data.rname);
      w.u32(r.data.serial ?? 0);
      w.u32(r.data.refresh ?? 0);
      w.u32(r.data.retry ?? 0);
      w.u32(r.data.expire ?? 0);
      w.u32(r.data.minimum ?? 0);
      return true;
    case 'TXT': {
      const parts = Array.isArray(r.data) ? r.data : [r.data];
      for (const p of parts) {
        const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
        w.u8(b.length);
        w.bytes(b);
      }
      return true;
    }
    default:
      return false;
  }
}

function record(w: Writer, r: Answer): void {
  if (r.type === 'OPT') {
    // The OPT pseudo-record is short and has no names to compress: dns-packet writes it.
    const single = dnsPacket.encode({ type: 'response', id: 0, flags: 0, additionals: [r] });
    w.bytes(single.subarray(12));
    return;
  }
  w.name(r.name);
  const code = TYPE_CODES[r.type];
  w.u16(code ?? 0);
  w.u16(CLASS_IN);
  w.u32((r as { ttl?: number }).ttl ?? 0);
  const lenAt = w.length;
  w.u16(0);
  const start = w.length;
  if (code === undefined || !rdata(w, r)) {
    // A type this writer does not know: dns-packet writes it, and its type code and data are copied.
    const single = dnsPacket.encode({ type: 'response', id: 0, flags: 0, answers: [r] });
    const at = afterName(single, 12);
    w.setU16(lenAt - 8, single.readUInt16BE(at));
    w.bytes(single.subarray(at + 10, at + 10 + single.readUInt16BE(at + 8)));
  }
  w.setU16(lenAt, w.length - start);
}

/** The offset just past an uncompressed name written at `at`. */
function afterName(buf: Buffer, at: number): number {
  let i = at;
  while (buf[i] !== 0) i += buf[i]! + 1;
  return i + 1;
}

/**
 * Encodes a response. `flags` is the whole header word after the ID (QR, opcode, AA, TC, RD, RA,
 * rcode). With `compress` off the result is what dns-packet would write.
 */
export function encodeMessage(p: Packet, flags: number, compress: boolean): Buffer {
  const w = new Writer(compress);
  w.u16(p.id ?? 0);
  w.u16(flags);
  const questions = p.questions ?? [];
  const answers = p.answers ?? [];
  const authorities = p.authorities ?? [];
  const additionals = p.additionals ?? [];
  w.u16(questions.length);
  w.u16(answers.length);
  w.u16(authorities.length);
  w.u16(additionals.length);
  for (const q of questions) {
    w.name(q.name);
    // The question's type and class as asked, whatever they are: dns-packet knows their codes.
    const single = dnsPacket.encode({ type: 'query', id: 0, flags: 0, questions: [q] });
    w.u16(single.readUInt16BE(single.length - 4));
    w.u16(single.readUInt16BE(single.length - 2));
  }
  for (const r of answers) record(w, r);
  for (const r of authorities) record(w, r);
  for (const r of additionals) record(w, r);
  return w.result();
}

/** The length of the message as encodeMessage would write it. */
export function messageLength(p: Packet, compress: boolean): number {
  return compress ? encodeMessage(p, 0, true).length : dnsPacket.encodingLength(p);
}
