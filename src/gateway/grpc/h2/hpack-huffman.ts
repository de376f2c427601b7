// HPACK's Huffman code (RFC 7541 §5.2, Appendix B). Decoding runs four bits at a time through a
// table built once from the code: from each position inside the code tree, one nibble leads to
// the next position and emits at most one byte (no code is shorter than 5 bits), so a string
// costs one table lookup per nibble instead of a tree step per bit.
import { HpackError } from './hpack-error.js';

// RFC 7541 Appendix B: code and bit length of each of the 256 byte symbols (EOS, symbol 256, is 30 ones).
export const HUFFMAN_CODES = [
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
export const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10,
  12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7,
  7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23,
  22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22,
  22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
];

const EOS = 256;
const EOS_CODE = 0x3fffffff;
const EOS_LENGTH = 30;

// One entry per (position, nibble): the next position (bits 0-8), a byte emitted (bit 9 says so,
// bits 10-17 hold it), or bit 18 when the nibble runs into EOS (which must never be decoded).
const NEXT_MASK = 0x1ff;
const EMITS = 1 << 9;
const SYMBOL_SHIFT = 10;
const FAILS = 1 << 18;

interface DecodeTables {
  steps: Int32Array;
  /** Positions a string may end at: the root, or up to 7 bits into the code, all ones (a prefix of EOS). */
  endsOk: Uint8Array;
}

let tables: DecodeTables | undefined;

function buildTables(): DecodeTables {
  // The code tree: children[2n + bit] >= 1 is an inner position, < 0 a symbol (-1 - sym).
  const children: number[] = [0, 0];
  const depth: number[] = [0];
  const allOnes: boolean[] = [true];
  const add = (sym: number, code: number, len: number) => {
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1;
      const slot = 2 * node + bit;
      if (i === 0) {
        children[slot] = -1 - sym;
        return;
      }
      if (!children[slot]) {
        const n = depth.length;
        children[slot] = n;
        children.push(0, 0);
        depth.push((depth[node] as number) + 1);
        allOnes.push((allOnes[node] as boolean) && bit === 1);
      }
      node = children[slot] as number;
    }
  };
  for (let sym = 0; sym < 256; sym++) add(sym, HUFFMAN_CODES[sym] as number, HUFFMAN_LENGTHS[sym] as number);
  add(EOS, EOS_CODE, EOS_LENGTH);
  const positions = depth.length;
  if (positions > NEXT_MASK + 1) throw new Error('hpack: Huffman tree larger than its table');
  const steps = new Int32Array(positions * 16);
  const endsOk = new Uint8Array(positions);
  for (let p = 0; p < positions; p++) {
    endsOk[p] = p === 0 || ((allOnes[p] as boolean) && (depth[p] as number) <= 7) ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = p;
      let entry = 0;
      for (let i = 3; i >= 0; i--) {
        const next = children[2 * node + ((nibble >>> i) & 1)] as number;
        if (next >= 0) {
          node = next;
          continue;
        }
        const sym = -1 - next;
        if (sym === EOS) {
          entry = FAILS;
          break;
        }
        entry = EMITS | (sym << SYMBOL_SHIFT);
        node = 0;
      }
      steps[p * 16 + nibble] = entry & FAILS ? FAILS : entry | node;
    }
  }
  return { steps, endsOk };
}

let scratch = Buffer.allocUnsafe(4096);

/** Decodes src[start, end) into the scratch buffer; returns the number of bytes decoded. */
function decodeIntoScratch(src: Buffer, start: number, end: number): number {
  const { steps, endsOk } = (tables ??= buildTables());
  // The shortest code is 5 bits, so n bytes decode to at most 8n/5 symbols.
  const most = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  const out = scratch;
  let n = 0;
  let pos = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i] as number;
    let e = steps[pos * 16 + (byte >>> 4)] as number;
    if (e & FAILS) throw new HpackError('hpack: EOS inside a Huffman string');
    if (e & EMITS) out[n++] = (e >>> SYMBOL_SHIFT) & 0xff;
    pos = e & NEXT_MASK;
    e = steps[pos * 16 + (byte & 15)] as number;
    if (e & FAILS) throw new HpackError('hpack: EOS inside a Huffman string');
    if (e & EMITS) out[n++] = (e >>> SYMBOL_SHIFT) & 0xff;
    pos = e & NEXT_MASK;
  }
  if (endsOk[pos] !== 1) throw new HpackError('hpack: bad Huffman padding');
  return n;
}

/** A Huffman string's bytes as a latin1 string (header values are octets; latin1 maps each to one char). */
export function huffmanDecodeLatin1(src: Buffer, start: number, end: number): string {
  const n = decodeIntoScratch(src, start, end);
  return scratch.toString('latin1', 0, n);
}

/** A Huffman string's bytes, copied out. */
export function huffmanDecode(src: Buffer): Buffer {
  const n = decodeIntoScratch(src, 0, src.length);
  return Buffer.from(scratch.subarray(0, n));
}
