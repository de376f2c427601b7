// The stored form of one KeyValue revision (the LMDB value under its revision key). A fixed header
// of doubles (cheap to write and read, exact for integers below 2^53) followed by key and value;
// the lease ID is present only when set, since most keys have none. A flag bit marks the records
// of the system keyspace (DESIGN.md, "One keyspace, two views"): they share the revision-keyed
// table with user records, and the flag is how a reload, a history read, HashKV and the etcd
// snapshot writer tell them apart. User records are byte-for-byte what they were before.
import type { KeyValue } from '../../adapters/backend.js';

const FLAG_LEASE = 1;
const FLAG_SYSTEM = 2;
const HEADER = 1 + 8 + 8 + 8 + 4; // flags, createRevision, modRevision, version, key length

export function encodeKvRecord(kv: KeyValue, system = false): Buffer {
  return writeKvRecord(Buffer.allocUnsafe(kvRecordSize(kv)), kv, system);
}

/** The bytes encodeKvRecord makes of `kv`. */
export function kvRecordSize(kv: KeyValue): number {
  return HEADER + (kv.lease !== 0n ? 8 : 0) + kv.key.length + kv.value.length;
}

/** encodeKvRecord into the front of `b` (at least kvRecordSize(kv) long); returns the record's bytes, a view of `b`. */
export function writeKvRecord(b: Buffer, kv: KeyValue, system = false): Buffer {
  const hasLease = kv.lease !== 0n;
  const start = HEADER + (hasLease ? 8 : 0);
  b[0] = (hasLease ? FLAG_LEASE : 0) | (system ? FLAG_SYSTEM : 0);
  b.writeDoubleLE(kv.createRevision, 1);
  b.writeDoubleLE(kv.modRevision, 9);
  b.writeDoubleLE(kv.version, 17);
  b.writeUInt32LE(kv.key.length, 25);
  if (hasLease) b.writeBigInt64LE(kv.lease, HEADER);
  kv.key.copy(b, start);
  kv.value.copy(b, start + kv.key.length);
  return b.subarray(0, start + kv.key.length + kv.value.length);
}

/** Decodes a record; `key` may be passed when the caller already holds it (saves a copy). */
export function decodeKvRecord(b: Uint8Array, key?: Buffer): KeyValue {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const hasLease = (buf[0]! & FLAG_LEASE) !== 0;
  const keyLen = buf.readUInt32LE(25);
  const start = HEADER + (hasLease ? 8 : 0);
  return {
    key: key ?? Buffer.from(buf.subarray(start, start + keyLen)),
    createRevision: buf.readDoubleLE(1),
    modRevision: buf.readDoubleLE(9),
    version: buf.readDoubleLE(17),
    // Copy: LMDB's buffers are only valid until the next read.
    value: Buffer.from(buf.subarray(start + keyLen)),
    lease: hasLease ? buf.readBigInt64LE(HEADER) : 0n,
  };
}

/** A record's header fields, read in place (reuse one across records: a load reads every record). */
export interface RecordHeader {
  system: boolean;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: bigint;
  /** Where the key bytes start in the record, and how many; the value follows them to the end. */
  keyStart: number;
  keyLength: number;
}

export function newRecordHeader(): RecordHeader {
  return { system: false, createRevision: 0, modRevision: 0, version: 0, lease: 0n, keyStart: 0, keyLength: 0 };
}

/** Fills `into` from record `b` without copying its key or value; returns `into`. */
export function readRecordHeader(b: Buffer, into: RecordHeader): RecordHeader {
  const flags = b[0]!;
  const hasLease = (flags & FLAG_LEASE) !== 0;
  into.system = (flags & FLAG_SYSTEM) !== 0;
  into.createRevision = b.readDoubleLE(1);
  into.modRevision = b.readDoubleLE(9);
  into.version = b.readDoubleLE(17);
  into.keyLength = b.readUInt32LE(25);
  into.lease = hasLease ? b.readBigInt64LE(HEADER) : 0n;
  into.keyStart = HEADER + (hasLease ? 8 : 0);
  return into;
}

export function recordKey(b: Uint8Array): Buffer {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const start = HEADER + ((buf[0]! & FLAG_LEASE) !== 0 ? 8 : 0);
  return Buffer.from(buf.subarray(start, start + buf.readUInt32LE(25)));
}

export function recordLease(b: Uint8Array): bigint {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return (buf[0]! & FLAG_LEASE) !== 0 ? buf.readBigInt64LE(HEADER) : 0n;
}

/** True for a record of the system keyspace. */
export function isSystemRecord(b: Uint8Array): boolean {
  return (b[0]! & FLAG_SYSTEM) !== 0;
}
