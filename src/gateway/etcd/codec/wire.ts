// Protobuf wire primitives for the hand-written hot-path codecs: exact size computation, then a
// single write pass into one freshly allocated Buffer (no intermediate objects, no Long).
// Numbers are non-negative safe integers on the hot path; negative int64 and large uint64 values
// take a bigint path.

const TWO_32 = 4294967296;

export function varintSize(n: number): number {
  if (n < 0) return 10; // negative int64: always ten bytes
  if (n < 128) return 1;
  if (n < 16384) return 2;
  if (n < 2097152) return 3;
  if (n < 268435456) return 4;
  let size = 5;
  n = Math.floor(n / 34359738368); // 2^35
  while (n > 0) {
    size++;
    n = Math.floor(n / 128);
  }
  return size;
}

export function bigintVarintSize(v: bigint, unsigned: boolean): number {
  if (v >= 0n && v <= 9007199254740991n) return varintSize(Number(v));
  const u = BigInt.asUintN(64, unsigned ? v : BigInt.asIntN(64, v));
  let size = 1;
  let x = u >> 7n;
  while (x > 0n) {
    size++;
    x >>= 7n;
  }
  return size;
}

export function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n < 0) return writeBigintVarint(buf, pos, BigInt(n));
  while (n > 0x7fffffff) {
    buf[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  while (n > 127) {
    buf[pos++] = (n & 127) | 128;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

export function writeBigintVarint(buf: Buffer, pos: number, v: bigint): number {
  if (v >= 0n && v <= 9007199254740991n) return writeVarint(buf, pos, Number(v));
  let u = BigInt.asUintN(64, v);
  while (u > 127n) {
    buf[pos++] = Number(u & 127n) | 128;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
  return pos;
}

// 64-bit IDs (cluster, member, lease) are mostly above 2^53, where varints take the slow bigint
// path; the same few IDs recur in every response, so their encodings are computed once.
const bigVarints = new Map<bigint, Buffer>();

/** The varint encoding of a 64-bit value (negative = two's complement), cached for large values. */
export function bigVarintBytes(v: bigint): Buffer {
  let b = bigVarints.get(v);
  if (b === undefined) {
    const u = BigInt.asUintN(64, v);
    b = Buffer.allocUnsafe(bigintVarintSize(u, true));
    writeBigintVarint(b, 0, u);
    if (bigVarints.size >= 4096) bigVarints.clear();
    bigVarints.set(v, b);
  }
  return b;
}

/** Copies `src` into `dst` at `pos`; returns the new position. A JS loop beats the native call for short inputs. */
export function copyBytes(src: Buffer, dst: Buffer, pos: number): number {
  const n = src.length;
  if (n > 48) return pos + src.copy(dst, pos);
  for (let i = 0; i < n; i++) dst[pos + i] = src[i] as number;
  return pos + n;
}

export function writeBytesField(buf: Buffer, pos: number, tag: number, bytes: Buffer): number {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, bytes.length);
  return copyBytes(bytes, buf, pos);
}

/** Size of a length-delimited field with a one-byte tag. */
export function lenFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

export class UnexpectedEof extends Error {
  constructor() {
    super('unexpected EOF');
  }
}

/** A cursor over one encoded message. Sub-messages are read by narrowing `end`. */
export class WireReader {
  pos: number;
  end: number;
  /** Low and high 32 bits of the last varint64 read. */
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = end;
  }

  /** A varint that fits 32 bits (tags, lengths, enums, bools). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.end) throw new UnexpectedEof();
      const b = buf[pos++] as number;
      result |= (b & 127) << shift;
      if (b < 128) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    // Longer varints (negative int32s, oversized values): keep the low 32 bits, skip the rest.
    while (pos < this.end && (buf[pos++] as number) >= 128);
    if (pos > this.end) throw new UnexpectedEof();
    this.pos = pos;
    return result >>> 0;
  }

  /** Reads a full 64-bit varint into lo/hi. */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new UnexpectedEof();
      b = buf[pos++] as number;
      lo |= (b & 127) << shift;
      if (b < 128) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    if (pos >= end) throw new UnexpectedEof();
    b = buf[pos++] as number;
    lo |= (b & 127) << 28;
    hi = (b & 127) >> 4;
    if (b >= 128) {
      for (let shift = 3; ; shift += 7) {
        if (pos >= end) throw new UnexpectedEof();
        if (shift > 31) throw new Error('proto: integer overflow');
        b = buf[pos++] as number;
        hi |= (b & 127) << shift;
        if (b < 128) break;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** int64 as a JS number (exact below 2^53). */
  int64(): number {
    this.varint64();
    if (this.hi === 0) return this.lo;
    if (this.hi & 0x80000000) return -((~this.hi >>> 0) * TWO_32 + (~this.lo >>> 0) + 1);
    return this.hi * TWO_32 + this.lo;
  }

  int64Big(): bigint {
    this.varint64();
    if (this.hi === 0) return BigInt(this.lo);
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  uint64Big(): bigint {
    this.varint64();
    if (this.hi === 0) return BigInt(this.lo);
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  bool(): boolean {
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** A length-delimited payload, as a view of the input (never copied). */
  bytes(): Buffer {
    const len = this.uint32();
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw new UnexpectedEof();
    this.pos = stop;
    return this.buf.subarray(start, stop);
  }

  /** Length of a sub-message; returns the end offset to restore afterwards. */
  enter(): number {
    const len = this.uint32();
    const stop = this.pos + len;
    if (stop > this.end) throw new UnexpectedEof();
    const outer = this.end;
    this.end = stop;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const len = this.uint32();
        this.pos += len;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`proto: illegal wireType ${wireType}`);
    }
    if (this.pos > this.end) throw new UnexpectedEof();
  }
}
