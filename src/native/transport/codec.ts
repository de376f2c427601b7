// A compact binary encoding of raft Messages for the peer wire: fixed-width big-endian fields,
// length-prefixed byte strings, one allocation per encoded batch. Only the two ends of a dcsgw
// peer link read it, so it needs no field tags; WIRE_VERSION guards against mixed versions.
import type { Entry, Message, Snapshot } from '../raft/api.js';

export const WIRE_VERSION = 1;

// type, flags, from, to, term, logTerm, index, commit, rejectHint, context length, entry count
const MSG_FIXED = 1 + 1 + 8 * 7 + 4 + 4;
const ENTRY_FIXED = 8 + 8 + 1 + 4;

function entrySize(e: Entry): number {
  return ENTRY_FIXED + e.data.length;
}

function snapshotSize(s: Snapshot): number {
  return 8 + 8 + 4 + 8 * s.metadata.confState.voters.length + 4 + 8 * s.metadata.confState.learners.length + 4 + s.data.length;
}

export function messageSize(m: Message): number {
  let n = MSG_FIXED + m.context.length;
  for (const e of m.entries) n += entrySize(e);
  if (m.snapshot) n += snapshotSize(m.snapshot);
  return n;
}

/** Numbers of the raft API are safe integers: written as 64-bit big-endian. */
function putNum(buf: Buffer, off: number, v: number): number {
  buf.writeUInt32BE(Math.floor(v / 0x1_0000_0000), off);
  buf.writeUInt32BE(v >>> 0, off + 4);
  return off + 8;
}

function getNum(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off) * 0x1_0000_0000 + buf.readUInt32BE(off + 4);
}

function putBytes(buf: Buffer, off: number, b: Uint8Array): number {
  buf.writeUInt32BE(b.length, off);
  buf.set(b, off + 4);
  return off + 4 + b.length;
}

export function encodeMessageInto(m: Message, buf: Buffer, start: number): number {
  let off = start;
  buf[off++] = m.type;
  buf[off++] = (m.reject ? 1 : 0) | (m.snapshot ? 2 : 0);
  buf.writeBigUInt64BE(m.from, off);
  buf.writeBigUInt64BE(m.to, off + 8);
  off += 16;
  off = putNum(buf, off, m.term);
  off = putNum(buf, off, m.logTerm);
  off = putNum(buf, off, m.index);
  off = putNum(buf, off, m.commit);
  off = putNum(buf, off, m.rejectHint);
  off = putBytes(buf, off, m.context);
  buf.writeUInt32BE(m.entries.length, off);
  off += 4;
  for (const e of m.entries) {
    off = putNum(buf, off, e.term);
    off = putNum(buf, off, e.index);
    buf[off++] = e.type;
    off = putBytes(buf, off, e.data);
  }
  if (m.snapshot) {
    const md = m.snapshot.metadata;
    off = putNum(buf, off, md.index);
    off = putNum(buf, off, md.term);
    for (const ids of [md.confState.voters, md.confState.learners]) {
      buf.writeUInt32BE(ids.length, off);
      off += 4;
      for (const id of ids) {
        buf.writeBigUInt64BE(id, off);
        off += 8;
      }
    }
    off = putBytes(buf, off, m.snapshot.data);
  }
  return off;
}

const ZERO_COPY_BYTES = 64 * 1024;

/** Reader over one decoded frame. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public off: number,
  ) {}
  u8(): number {
    return this.buf[this.off++]!;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  id(): bigint {
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }
  num(): number {
    const v = getNum(this.buf, this.off);
    this.off += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    if (this.off + n > this.buf.length) throw new Error('peer wire: truncated byte string');
    const start = this.off;
    this.off += n;
    // Large values (snapshot data) are a view of the frame, which nothing else holds on to; small
    // ones are copied so a log entry kept by raft does not pin a whole socket chunk.
    if (n >= ZERO_COPY_BYTES) return this.buf.subarray(start, start + n);
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(start, start + n));
    return out;
  }
}

export function decodeMessageAt(c: Cursor): Message {
  const type = c.u8() as Message['type'];
  const flags = c.u8();
  const from = c.id();
  const to = c.id();
  const term = c.num();
  const logTerm = c.num();
  const index = c.num();
  const commit = c.num();
  const rejectHint = c.num();
  const context = c.bytes();
  const count = c.u32();
  const entries: Entry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const eTerm = c.num();
    const eIndex = c.num();
    const eType = c.u8() as Entry['type'];
    entries[i] = { term: eTerm, index: eIndex, type: eType, data: c.bytes() };
  }
  const m: Message = { type, from, to, term, logTerm, index, entries, commit, reject: (flags & 1) !== 0, rejectHint, context };
  if (flags & 2) {
    const sIndex = c.num();
    const sTerm = c.num();
    const voters: bigint[] = [];
    for (let n = c.u32(); n > 0; n--) voters.push(c.id());
    const learners: bigint[] = [];
    for (let n = c.u32(); n > 0; n--) learners.push(c.id());
    m.snapshot = { metadata: { index: sIndex, term: sTerm, confState: { voters, learners } }, data: c.bytes() };
  }
  return m;
}

/**
 * A batch: u32 count, then the messages. `headroom` bytes are left free at the start (uninitialized)
 * for the caller's frame header, so header and batch go to the socket as one buffer.
 */
export function encodeBatch(msgs: readonly Message[], headroom = 0): Buffer {
  let size = headroom + 4;
  for (const m of msgs) size += messageSize(m);
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32BE(msgs.length, headroom);
  let off = headroom + 4;
  for (const m of msgs) off = encodeMessageInto(m, buf, off);
  return buf;
}

export function decodeBatch(buf: Buffer): Message[] {
  const c = new Cursor(buf, 0);
  const n = c.u32();
  const out: Message[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeMessageAt(c);
  if (c.off !== buf.length) throw new Error('peer wire: trailing bytes after a message batch');
  return out;
}
