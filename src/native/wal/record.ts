// The WAL's record framing and the payload layouts of its record types.
//
// Frame: [length: u32 LE][crc: u32 LE][type: u8][body: length-1 bytes]
// `length` counts type + body; `crc` is CRC-32C over type + body. Every record carries its own
// checksum, so a reader can tell a torn write (the last frame is short or fails its CRC) from
// damage in the middle of the log (a failing frame followed by frames that pass).
import type { Entry, EntryType, HardState } from '../raft/api.js';
import { crc32c } from '../crc32c.js';

export const FRAME_HEADER = 8;
/** No record is larger than this: a length above it is damage, not a record. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

export const RecordType = { Metadata: 1, Entry: 2, HardState: 3, Snapshot: 4 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export interface WalMetadata {
  memberId: bigint;
  clusterId: bigint;
}
export interface WalSnapshotMarker {
  index: number;
  term: number;
}

const TWO32 = 0x1_0000_0000;
function putU64(buf: Buffer, off: number, n: number): void {
  buf.writeUInt32LE(n % TWO32, off);
  buf.writeUInt32LE(Math.floor(n / TWO32), off + 4);
}
function getU64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * TWO32;
}

/** Allocates one frame with room for `bodyLen` bytes after the type byte; the caller fills the body then calls seal. */
function frame(type: RecordType, bodyLen: number): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER + 1 + bodyLen);
  buf.writeUInt32LE(1 + bodyLen, 0);
  buf[FRAME_HEADER] = type;
  return buf;
}
function seal(buf: Buffer): Buffer {
  buf.writeUInt32LE(crc32c(buf, 0, FRAME_HEADER, buf.length), 4);
  return buf;
}

const BODY = FRAME_HEADER + 1;

/** Bytes the frame of entry `e` takes. */
export function entryFrameSize(e: Entry): number {
  return BODY + 17 + e.data.length;
}
/** Encodes entry `e` into buf at `off` (room checked by the caller); returns the offset after it. */
export function writeEntryAt(buf: Buffer, off: number, e: Entry): number {
  const end = off + BODY + 17 + e.data.length;
  buf.writeUInt32LE(1 + 17 + e.data.length, off);
  buf[off + FRAME_HEADER] = RecordType.Entry;
  buf[off + BODY] = e.type;
  putU64(buf, off + BODY + 1, e.term);
  putU64(buf, off + BODY + 9, e.index);
  buf.set(e.data, off + BODY + 17);
  buf.writeUInt32LE(crc32c(buf, 0, off + FRAME_HEADER, end), off + 4);
  return end;
}
export const HARD_STATE_FRAME_SIZE = BODY + 24;
export function writeHardStateAt(buf: Buffer, off: number, hs: HardState): number {
  const end = off + HARD_STATE_FRAME_SIZE;
  buf.writeUInt32LE(25, off);
  buf[off + FRAME_HEADER] = RecordType.HardState;
  putU64(buf, off + BODY, hs.term);
  buf.writeBigUInt64LE(hs.vote, off + BODY + 8);
  putU64(buf, off + BODY + 16, hs.commit);
  buf.writeUInt32LE(crc32c(buf, 0, off + FRAME_HEADER, end), off + 4);
  return end;
}

export function encodeEntry(e: Entry): Buffer {
  const buf = frame(RecordType.Entry, 17 + e.data.length);
  buf[BODY] = e.type;
  putU64(buf, BODY + 1, e.term);
  putU64(buf, BODY + 9, e.index);
  buf.set(e.data, BODY + 17);
  return seal(buf);
}
export function encodeHardState(hs: HardState): Buffer {
  const buf = frame(RecordType.HardState, 24);
  putU64(buf, BODY, hs.term);
  buf.writeBigUInt64LE(hs.vote, BODY + 8);
  putU64(buf, BODY + 16, hs.commit);
  return seal(buf);
}
export function encodeMetadata(m: WalMetadata): Buffer {
  const buf = frame(RecordType.Metadata, 16);
  buf.writeBigUInt64LE(m.memberId, BODY);
  buf.writeBigUInt64LE(m.clusterId, BODY + 8);
  return seal(buf);
}
export function encodeSnapshotMarker(s: WalSnapshotMarker): Buffer {
  const buf = frame(RecordType.Snapshot, 16);
  putU64(buf, BODY, s.index);
  putU64(buf, BODY + 8, s.term);
  return seal(buf);
}

export type DecodedRecord =
  | { type: typeof RecordType.Entry; entry: Entry }
  | { type: typeof RecordType.HardState; hardState: HardState }
  | { type: typeof RecordType.Metadata; metadata: WalMetadata }
  | { type: typeof RecordType.Snapshot; snapshot: WalSnapshotMarker };

/** Outcome of reading the frame at `off`: a record and the offset after it, or why there is none. */
export type FrameRead =
  | { ok: true; record: DecodedRecord; next: number }
  | { ok: false; reason: 'short' | 'crc' | 'length' | 'type' };

export function readFrame(buf: Buffer, off: number): FrameRead {
  if (buf.length - off < FRAME_HEADER + 1) return { ok: false, reason: 'short' };
  const len = buf.readUInt32LE(off);
  if (len < 1 || len > MAX_RECORD_BYTES) return { ok: false, reason: 'length' };
  const end = off + FRAME_HEADER + len;
  if (end > buf.length) return { ok: false, reason: 'short' };
  if (crc32c(buf, 0, off + FRAME_HEADER, end) !== buf.readUInt32LE(off + 4)) return { ok: false, reason: 'crc' };
  const b = off + BODY;
  const bodyLen = len - 1;
  switch (buf[off + FRAME_HEADER]) {
    case RecordType.Entry:
      if (bodyLen < 17) return { ok: false, reason: 'length' };
      return {
        ok: true,
        next: end,
        record: {
          type: RecordType.Entry,
          entry: {
            type: buf[b] as EntryType,
            term: getU64(buf, b + 1),
            index: getU64(buf, b + 9),
            // A copy: the read buffer of a whole segment must not be pinned by every entry.
            data: Uint8Array.prototype.slice.call(buf, b + 17, end),
          },
        },
      };
    case RecordType.HardState:
      if (bodyLen !== 24) return { ok: false, reason: 'length' };
      return {
        ok: true,
        next: end,
        record: {
          type: RecordType.HardState,
          hardState: { term: getU64(buf, b), vote: buf.readBigUInt64LE(b + 8), commit: getU64(buf, b + 16) },
        },
      };
    case RecordType.Metadata:
      if (bodyLen !== 16) return { ok: false, reason: 'length' };
      return {
        ok: true,
        next: end,
        record: {
          type: RecordType.Metadata,
          metadata: { memberId: buf.readBigUInt64LE(b), clusterId: buf.readBigUInt64LE(b + 8) },
        },
      };
    case RecordType.Snapshot:
      if (bodyLen !== 16) return { ok: false, reason: 'length' };
      return {
        ok: true,
        next: end,
        record: { type: RecordType.Snapshot, snapshot: { index: getU64(buf, b), term: getU64(buf, b + 8) } },
      };
    default:
      return { ok: false, reason: 'type' };
  }
}
