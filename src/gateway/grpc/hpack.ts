// Just enough HPACK (RFC 7541) to read a request's header block and rewrite one field in place:
// integer and string representations and a mirror of the peer's dynamic table (names and sizes);
// the static table and Huffman decoding are the full decoder's (./h2/). Used only on connections
// whose :authority node's HTTP/2 parser (nghttp2) would refuse, see ./authority-fix.ts.
import { HpackError } from './h2/hpack-error.js';
import { huffmanDecode } from './h2/hpack-huffman.js';
import { STATIC_COUNT, STATIC_TABLE } from './h2/hpack-static-table.js';

export { HpackError } from './h2/hpack-error.js';
export { huffmanDecode } from './h2/hpack-huffman.js';

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
    if (index >= 1 && index <= STATIC_COUNT) return (STATIC_TABLE[index] as readonly [string, string])[0];
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
