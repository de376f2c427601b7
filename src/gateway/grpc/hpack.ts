// Just enough HPACK (RFC 7541) to read a request's header block and rewrite one field in place:
// integer and string representations, the static table's names, a mirror of the peer's dynamic
// table (names and sizes), and Huffman decoding. Used only on connections whose :authority
// node's HTTP/2 parser (nghttp2) would refuse, see ./authority-fix.ts.

// RFC 7541 Appendix B: code and bit length of each of the 256 byte symbols (EOS is 30 ones).
const CODES = [
  0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7, 0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea,
  0x3ffffffd, 0xfffffeb, 0xfffffec, 0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3, 0xffffff4,
  0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb, 0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa, 0x3fa,
  0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18, 0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb,
  0x3fc, 0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
  0x70, 0x71, 0x72, 0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22, 0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26, 0x27, 0x6,
  0x74, 0x75, 0x28, 0x29, 0x2a, 0x7, 0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd,
  0xffffffc, 0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9, 0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc,
  0x7fffdd, 0x7fffde, 0xffffeb, 0x7fffdf, 0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3, 0x7fffe4,
  0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef, 0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8,
  0x7fffe9, 0x1fffde, 0x7fffea, 0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec, 0x1fffe0, 0x1fffe1, 0x3fffe0,
  0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef, 0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1,
  0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec, 0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf,
  0x3ffffe5, 0xfffff1, 0x1ffffed, 0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2, 0x1fffe4, 0x1fffe5,
  0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4, 0x7ffffe5, 0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8,
  0x7ffff3, 0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4, 0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed,
  0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea, 0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
];
const LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10,
  12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7,
  7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23,
  22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22,
  22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
];

/** Decoding trie: node i has children at trie[2i], trie[2i+1]; a negative entry is a symbol (-1 - sym). */
let trie: Int32Array | undefined;

function buildTrie(): Int32Array {
  const t: number[] = [0, 0];
  let nodes = 1;
  for (let sym = 0; sym < 256; sym++) {
    const code = CODES[sym] as number;
    const len = LENGTHS[sym] as number;
    let node = 0;
    for (let bit = len - 1; bit >= 0; bit--) {
      const b = (code >>> bit) & 1;
      const slot = 2 * node + b;
      if (bit === 0) {
        t[slot] = -1 - sym;
      } else {
        if (t[slot] === 0 || t[slot] === undefined) {
          t[slot] = nodes;
          t[2 * nodes] = 0;
          t[2 * nodes + 1] = 0;
          nodes++;
        }
        node = t[slot] as number;
      }
    }
  }
  return Int32Array.from(t);
}

export function huffmanDecode(src: Buffer): Buffer {
  const t = (trie ??= buildTrie());
  const out: number[] = [];
  let node = 0;
  let pending = 0; // bits consumed since the last symbol
  for (const byte of src) {
    for (let bit = 7; bit >= 0; bit--) {
      const next = t[2 * node + ((byte >>> bit) & 1)] as number;
      pending++;
      if (next < 0) {
        out.push(-1 - next);
        node = 0;
        pending = 0;
      } else if (next === 0) {
        throw new Error('hpack: invalid Huffman code');
      } else node = next;
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (pending > 7) throw new Error('hpack: bad Huffman padding');
  return Buffer.from(out);
}

/** Names of the static table (RFC 7541 Appendix A), index 1..61. */
const STATIC_NAMES = [
  '', ':authority', ':method', ':method', ':path', ':path', ':scheme', ':scheme', ':status', ':status', ':status', ':status', ':status',
  ':status', ':status', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'accept', 'access-control-allow-origin',
  'age', 'allow', 'authorization', 'cache-control', 'content-disposition', 'content-encoding', 'content-language', 'content-length',
  'content-location', 'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'link', 'location', 'max-forwards',
  'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'refresh', 'retry-after', 'server', 'set-cookie',
  'strict-transport-security', 'transfer-encoding', 'user-agent', 'vary', 'via', 'www-authenticate',
];

export class HpackError extends Error {}

interface Cursor {
  buf: Buffer;
  pos: number;
}

function readInt(c: Cursor, prefixBits: number): number {
  if (c.pos >= c.buf.length) throw new HpackError('hpack: truncated integer');
  const mask = (1 << prefixBits) - 1;
  let v = (c.buf[c.pos++] as number) & mask;
  if (v < mask) return v;
  let shift = 0;
  for (;;) {
    if (c.pos >= c.buf.length) throw new HpackError('hpack: truncated integer');
    const b = c.buf[c.pos++] as number;
    v += (b & 127) * 2 ** shift;
    shift += 7;
    if (b < 128) return v;
    if (shift > 28) throw new HpackError('hpack: integer too large');
  }
}

function writeInt(out: number[], first: number, prefixBits: number, v: number): void {
  const mask = (1 << prefixBits) - 1;
  if (v < mask) {
    out.push(first | v);
    return;
  }
  out.push(first | mask);
  v -= mask;
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readString(c: Cursor): Buffer {
  if (c.pos >= c.buf.length) throw new HpackError('hpack: truncated string');
  const huffman = ((c.buf[c.pos] as number) & 0x80) !== 0;
  const len = readInt(c, 7);
  if (c.pos + len > c.buf.length) throw new HpackError('hpack: truncated string');
  const raw = c.buf.subarray(c.pos, c.pos + len);
  c.pos += len;
  return huffman ? huffmanDecode(raw) : raw;
}

/**
 * Mirror of the peer's HPACK dynamic table: what a header block refers to by index, and the
 * octet sizes that decide evictions (name + value + 32 per entry).
 */
export class DynamicTableMirror {
  private entries: { name: string; size: number }[] = []; // newest first
  private size = 0;

  constructor(private max = 4096) {}

  setMax(max: number): void {
    this.max = max;
    this.evict(0);
  }

  add(name: string, valueLength: number): void {
    const size = Buffer.byteLength(name) + valueLength + 32;
    this.evict(size);
    if (size <= this.max) {
      this.entries.unshift({ name, size });
      this.size += size;
    }
  }

  nameAt(index: number): string {
    if (index >= 1 && index <= 61) return STATIC_NAMES[index] as string;
    const e = this.entries[index - 62];
    if (e === undefined) throw new HpackError(`hpack: index ${index} out of range`);
    return e.name;
  }

  private evict(incoming: number): void {
    while (this.entries.length > 0 && this.size + incoming > this.max) {
      const e = this.entries.pop() as { size: number };
      this.size -= e.size;
    }
  }
}

/**
 * Reads a complete header block, keeps the mirror in step, and re-encodes the value of every
 * field named `field` that `fix` changes (same length, so both tables keep the same sizes), as a
 * plain literal of the same kind. Everything else is copied byte for byte.
 */
export function rewriteHeaderBlock(block: Buffer, table: DynamicTableMirror, field: string, fix: (value: Buffer) => Buffer | undefined): Buffer {
  const c: Cursor = { buf: block, pos: 0 };
  const out: number[] = [];
  let copiedUpTo = 0;
  const parts: Buffer[] = [];
  while (c.pos < block.length) {
    const start = c.pos;
    const b = block[c.pos] as number;
    if (b & 0x80) {
      readInt(c, 7); // indexed field: refers to an entry already in both tables
      continue;
    }
    if ((b & 0xe0) === 0x20) {
      table.setMax(readInt(c, 5)); // dynamic table size update
      continue;
    }
    const indexing = (b & 0xc0) === 0x40;
    const prefixBits = indexing ? 6 : 4;
    const kindBits = b & (indexing ? 0xc0 : 0xf0);
    const nameIndex = readInt(c, prefixBits);
    const name = nameIndex === 0 ? readString(c).toString('latin1') : table.nameAt(nameIndex);
    const valueStart = c.pos;
    const value = readString(c);
    if (indexing) table.add(name, value.length);
    if (name !== field) continue;
    const fixed = fix(value);
    if (fixed === undefined) continue;
    if (fixed.length !== value.length) throw new HpackError('hpack: a rewrite must keep the length');
    // Copy what precedes this field, then the field with its new value as a raw string.
    parts.push(block.subarray(copiedUpTo, nameIndex === 0 ? valueStart : start));
    if (nameIndex !== 0) writeInt(out, kindBits, prefixBits, nameIndex);
    writeInt(out, 0, 7, fixed.length);
    parts.push(Buffer.from(out.splice(0)), fixed);
    copiedUpTo = c.pos;
  }
  if (parts.length === 0) return block;
  parts.push(block.subarray(copiedUpTo));
  return Buffer.concat(parts);
}

/** The first header block of a connection: the value of `field`, or undefined. (The dynamic table starts empty.) */
export function findField(block: Buffer, field: string): Buffer | undefined {
  const table = new DynamicTableMirror();
  let found: Buffer | undefined;
  rewriteHeaderBlock(block, table, field, (value) => {
    found ??= Buffer.from(value);
    return undefined;
  });
  return found;
}
