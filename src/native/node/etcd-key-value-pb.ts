// etcd's "key" bucket value (mvccpb.KeyValue, or the key alone for a tombstone) written straight
// from the store's revision record (src/native/mvcc/kv-record.ts: flags u8, createRevision,
// modRevision, version as f64 LE, key length u32 LE, the lease i64 LE when flagged, key, value)
// into the snapshot page being built: no decoded object and no copy of the value per revision.
// The bytes are those of encodeKeyValuePb/encodeTombstonePb (proto3: zero fields omitted), which
// test/unit/node/etcd-key-value-pb.test.ts checks.

const FLAG_LEASE = 1;
const HEADER = 1 + 8 + 8 + 8 + 4;
const TOMBSTONE_MARK = 0x74; // 't', the 18th byte of a deletion's revision key

/** True for the revision key of a deletion (etcd's 17-byte revision + 't'). */
export function isTombstoneKey(revKey: Buffer): boolean {
  return revKey.length === 18 && revKey[17] === TOMBSTONE_MARK;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(n: number, out: Buffer, off: number): number {
  while (n >= 128) {
    out[off++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[off++] = n;
  return off;
}

/** A lease ID is an int64: a negative one takes the 10-byte two's-complement varint. */
function bigVarintLength(n: bigint): number {
  let v = BigInt.asUintN(64, n);
  let len = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    len++;
  }
  return len;
}

function writeBigVarint(n: bigint, out: Buffer, off: number): number {
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out[off++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[off++] = Number(v);
  return off;
}

const intField = (n: number): number => (n === 0 ? 0 : 1 + varintLength(n));
const bytesField = (len: number): number => (len === 0 ? 0 : 1 + varintLength(len) + len);

interface RecordLayout {
  keyStart: number;
  keyLength: number;
  valueStart: number;
  lease: bigint;
}

function layout(record: Buffer): RecordLayout {
  const hasLease = (record[0]! & FLAG_LEASE) !== 0;
  const keyStart = HEADER + (hasLease ? 8 : 0);
  const keyLength = record.readUInt32LE(25);
  return { keyStart, keyLength, valueStart: keyStart + keyLength, lease: hasLease ? record.readBigInt64LE(HEADER) : 0n };
}

/** Bytes of the protobuf value stored under `revKey` for this record. */
export function keyValuePbLength(revKey: Buffer, record: Buffer): number {
  const l = layout(record);
  if (isTombstoneKey(revKey)) return bytesField(l.keyLength);
  return (
    bytesField(l.keyLength) +
    intField(record.readDoubleLE(1)) +
    intField(record.readDoubleLE(9)) +
    intField(record.readDoubleLE(17)) +
    bytesField(record.length - l.valueStart) +
    (l.lease === 0n ? 0 : 1 + bigVarintLength(l.lease))
  );
}

/** Writes that protobuf value at `out[off]` (keyValuePbLength bytes). */
export function writeKeyValuePb(revKey: Buffer, record: Buffer, out: Buffer, off: number): void {
  const l = layout(record);
  const bytes = (field: number, start: number, end: number) => {
    if (end === start) return;
    out[off++] = (field << 3) | 2;
    off = writeVarint(end - start, out, off);
    off += record.copy(out, off, start, end);
  };
  const int = (field: number, n: number) => {
    if (n === 0) return;
    out[off++] = field << 3;
    off = writeVarint(n, out, off);
  };
  bytes(1, l.keyStart, l.valueStart);
  if (isTombstoneKey(revKey)) return;
  int(2, record.readDoubleLE(1));
  int(3, record.readDoubleLE(9));
  int(4, record.readDoubleLE(17));
  bytes(5, l.valueStart, record.length);
  if (l.lease !== 0n) {
    out[off++] = 6 << 3;
    writeBigVarint(l.lease, out, off);
  }
}
