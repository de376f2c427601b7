// The write-ahead log of raft state: hard state, entries, snapshot markers, member metadata.
//
// Layout: a directory of segment files named `<seq:016x>-<firstIndex:016x>.wal` (as etcd names
// them). Each segment starts with a metadata record, the last snapshot marker and the last hard
// state, so dropping old segments (releaseTo) never loses them. A segment is closed and a new one
// started once it passes `segmentBytes` (64 MiB by default, like etcd).
//
// Records: see record.ts (length + CRC-32C per record).
//
// Durability: save() only buffers; sync() writes everything buffered in one durable write (O_DSYNC,
// or write + fdatasync: durable-file.ts) for the whole group (group commit), on the thread pool,
// while callers keep buffering for the next batch. sync() calls are serialized: a sync resolves
// only once every record saved before it is on disk. syncInline() does the same write on the
// calling thread when no sync is in flight (small batches: no thread-pool round trip).
//
// Damage on open:
// - a torn tail — the LAST record of the LAST segment is short (a crash in the middle of a write)
//   or fails its CRC, and no valid record follows it — is truncated away and logged (warn);
// - anything else — a record failing its CRC (or with an impossible length / unknown type) that is
//   followed by valid records, or damage in any segment but the last — is corruption: open()
//   refuses with WalCorruptError naming the file and the byte offset. Nothing is repaired then,
//   since dropping acknowledged entries from the middle of the log would silently lose writes.
import { promises as fsp, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DurableAppendFile } from './durable-file.js';
import type { Entry, HardState } from '../raft/api.js';
import {
  HARD_STATE_FRAME_SIZE,
  type WalMetadata,
  type WalSnapshotMarker,
  RecordType,
  encodeHardState,
  encodeMetadata,
  encodeSnapshotMarker,
  entryFrameSize,
  readFrame,
  writeEntryAt,
  writeHardStateAt,
} from './record.js';

/** A write (with its fdatasync) slower than this sends the writes to the thread pool for INLINE_BACKOFF_MS. */
const SLOW_WRITE_MS = 10;
const INLINE_BACKOFF_MS = 1000;

export type { WalMetadata, WalSnapshotMarker } from './record.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const ARENA_BYTES = 256 * 1024;
/** A first segment longer than this was not cut short while being created: its head must be ours. */
const FOREIGN_CHECK_BYTES = 64;

export class WalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`wal: corrupt record in ${file} at offset ${offset} (${detail}); refusing to start`);
    this.name = 'WalCorruptError';
  }
}

export interface WalOptions {
  segmentBytes?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface WalState {
  metadata: WalMetadata;
  hardState?: HardState;
  /** The last snapshot marker of the log (entries at or below it were dropped). */
  snapshot?: WalSnapshotMarker;
  /** Entries after the snapshot marker, contiguous; a later record with an index at or below an earlier one replaced that suffix. */
  entries: Entry[];
}

interface Segment {
  seq: number;
  firstIndex: number;
  name: string;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;
const segName = (seq: number, firstIndex: number) =>
  `${seq.toString(16).padStart(16, '0')}-${firstIndex.toString(16).padStart(16, '0')}.wal`;

function listSegments(dir: string): Segment[] {
  const out: Segment[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.push({ seq: parseInt(m[1]!, 16), firstIndex: parseInt(m[2]!, 16), name });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export class Wal {
  // Records are encoded straight into one of two arenas: save() fills the current one while the
  // other may be in flight in a write; sync() hands the filled part over and switches. Flushes are
  // serialized, so an arena is never written to while its bytes are being written to disk.
  private arenas: [Buffer, Buffer] = [Buffer.allocUnsafe(ARENA_BYTES), Buffer.allocUnsafe(ARENA_BYTES)];
  private cur = 0;
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  /** sync() calls not finished yet (syncInline must not overtake them). */
  private inflight = 0;
  /** performance.now() before which syncInline declines: a recent write found the disk busy. */
  private inlineAfter = 0;
  private closed = false;
  /** Index the next entry will have if no truncation happens (names the next segment). */
  private nextIndex: number;

  private constructor(
    readonly dir: string,
    private metadata: WalMetadata,
    private file: DurableAppendFile,
    private segments: Segment[],
    private segmentSize: number,
    private readonly segmentBytes: number,
    private lastHardState: HardState | undefined,
    private lastSnapshot: WalSnapshotMarker | undefined,
    lastIndex: number,
  ) {
    this.nextIndex = lastIndex + 1;
  }

  static exists(dir: string): boolean {
    return existsSync(dir) && listSegments(dir).length > 0;
  }

  /** A new, empty log whose first segment holds `metadata`. Fails if a log already exists in `dir`. */
  static async create(dir: string, metadata: WalMetadata, opts: WalOptions = {}): Promise<Wal> {
    mkdirSync(dir, { recursive: true });
    if (listSegments(dir).length > 0) throw new Error(`wal: ${dir} already holds a log`);
    const seg: Segment = { seq: 0, firstIndex: 0, name: segName(0, 0) };
    const file = await DurableAppendFile.open(join(dir, seg.name));
    const head = encodeMetadata(metadata);
    await file.append(head);
    await fsyncDir(dir);
    return new Wal(dir, metadata, file, [seg], head.length, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES, undefined, undefined, 0);
  }

  /** Reads the whole log (repairing a torn tail), and opens it for appending. */
  static async open(dir: string, opts: WalOptions = {}): Promise<{ wal: Wal; state: WalState }> {
    const segments = listSegments(dir);
    if (segments.length === 0) throw new Error(`wal: no log in ${dir}`);
    let metadata: WalMetadata | undefined;
    let hardState: HardState | undefined;
    let snapshot: WalSnapshotMarker | undefined;
    let entries: Entry[] = [];
    let lastSize = 0;
    for (let s = 0; s < segments.length; s++) {
      const seg = segments[s]!;
      const path = join(dir, seg.name);
      const buf = await fsp.readFile(path);
      const isLast = s === segments.length - 1;
      if (s === 0 && buf.length > FOREIGN_CHECK_BYTES) {
        const first = readFrame(buf, 0);
        if (!first.ok || first.record.type !== RecordType.Metadata) {
          // Not damage at the tail: the log never started with our header (e.g. genuine etcd's data dir).
          throw new Error(`wal: ${path} is not a dcsgw WAL (it does not start with dcsgw's metadata record); is this another server's data dir?`);
        }
      }
      let off = 0;
      while (off < buf.length) {
        const r = readFrame(buf, off);
        if (!r.ok) {
          if (!isLast || validRecordAfter(buf, off)) throw new WalCorruptError(path, off, r.reason);
          opts.logger?.warn(
            { path, offset: off, droppedBytes: buf.length - off, reason: r.reason },
            'wal: truncating a torn record at the tail of the log',
          );
          await fsp.truncate(path, off);
          break;
        }
        const rec = r.record;
        switch (rec.type) {
          case RecordType.Metadata:
            if (metadata && (metadata.memberId !== rec.metadata.memberId || metadata.clusterId !== rec.metadata.clusterId)) {
              throw new WalCorruptError(path, off, 'metadata differs from the first segment');
            }
            metadata = rec.metadata;
            break;
          case RecordType.HardState:
            hardState = rec.hardState;
            break;
          case RecordType.Snapshot:
            if (!snapshot || rec.snapshot.index >= snapshot.index) snapshot = rec.snapshot;
            entries = entries.filter((e) => e.index > snapshot!.index);
            break;
          case RecordType.Entry: {
            const e = rec.entry;
            if (snapshot && e.index <= snapshot.index) break;
            const first = entries.length > 0 ? entries[0]!.index : -1;
            if (first >= 0 && e.index <= entries[entries.length - 1]!.index) {
              // Raft overwrote a suffix (a new leader's log won): drop the old entries from e.index on.
              entries.length = Math.max(0, e.index - first);
            } else if (first >= 0 && e.index !== entries[entries.length - 1]!.index + 1) {
              throw new WalCorruptError(path, off, `entry index ${e.index} leaves a gap after ${entries[entries.length - 1]!.index}`);
            }
            entries.push(e);
            break;
          }
        }
        off = r.next;
      }
      if (isLast) lastSize = Math.min(off, buf.length);
    }
    if (!metadata) throw new WalCorruptError(join(dir, segments[0]!.name), 0, 'no metadata record');
    const last = segments[segments.length - 1]!;
    const file = await DurableAppendFile.open(join(dir, last.name));
    const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : (snapshot?.index ?? 0);
    const wal = new Wal(dir, metadata, file, segments, lastSize, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES, hardState, snapshot, lastIndex);
    const state: WalState = { metadata, entries };
    if (hardState) state.hardState = hardState;
    if (snapshot) state.snapshot = snapshot;
    return { wal, state };
  }

  /** Buffers a hard state and entries; durable after the next sync() resolves. */
  save(hardState: HardState | undefined, entries: readonly Entry[]): void {
    let need = hardState ? HARD_STATE_FRAME_SIZE : 0;
    for (let i = 0; i < entries.length; i++) need += entryFrameSize(entries[i]!);
    const buf = this.reserve(need);
    let off = this.pendingBytes;
    for (let i = 0; i < entries.length; i++) off = writeEntryAt(buf, off, entries[i]!);
    if (entries.length > 0) this.nextIndex = entries[entries.length - 1]!.index + 1;
    if (hardState) {
      this.lastHardState = hardState;
      off = writeHardStateAt(buf, off, hardState);
    }
    this.pendingBytes = off;
  }

  /** Buffers a snapshot marker: written after the snapshot file, it says entries up to index may be dropped. */
  saveSnapshot(marker: WalSnapshotMarker): void {
    this.lastSnapshot = marker;
    if (marker.index + 1 > this.nextIndex) this.nextIndex = marker.index + 1;
    this.push(encodeSnapshotMarker(marker));
  }

  /** Whether anything is buffered and not yet handed to a sync. */
  hasPending(): boolean {
    return this.pendingBytes > 0;
  }

  /** Writes and fdatasyncs everything buffered so far (one write, one fdatasync). */
  sync(): Promise<void> {
    this.inflight++;
    const p = this.chain.then(() => this.flush()).finally(() => this.inflight--);
    // Keep the chain alive after a failure so later callers see their own error, not a hang.
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Whether syncInline() would write now (rather than return false): nothing in flight, room in the segment. */
  canSyncInline(): boolean {
    return (
      this.inflight === 0 &&
      !this.closed &&
      (this.pendingBytes === 0 || this.segmentSize + this.pendingBytes < this.segmentBytes) &&
      performance.now() >= this.inlineAfter
    );
  }

  /**
   * Like sync(), but done on the calling thread, which blocks for the write: no thread-pool
   * hand-off. Only when no sync is in flight (the order of writes is kept) and the write does not
   * end the segment; returns false, having done nothing, otherwise.
   */
  syncInline(): boolean {
    if (!this.canSyncInline()) return false;
    if (this.pendingBytes === 0) return true;
    const bytes = this.pendingBytes;
    const data = this.arenas[this.cur]!.subarray(0, bytes);
    const t0 = performance.now();
    this.file.appendSync(data);
    this.noteWrite(t0);
    // Only after the write: if it throws, the bytes stay pending and the member stops on the error.
    this.cur ^= 1;
    this.pendingBytes = 0;
    this.segmentSize += bytes;
    return true;
  }

  /** Deletes segments whose entries all lie before `index` (call with the last snapshot's index). */
  async releaseTo(index: number): Promise<void> {
    await this.chain;
    let keepFrom = 0;
    for (let i = 0; i < this.segments.length - 1; i++) {
      // Segment i ends just before segment i+1's first index.
      if (this.segments[i + 1]!.firstIndex <= index) keepFrom = i + 1;
    }
    const drop = this.segments.slice(0, keepFrom);
    this.segments = this.segments.slice(keepFrom);
    for (const seg of drop) await fsp.rm(join(this.dir, seg.name), { force: true });
    if (drop.length > 0) await fsyncDir(this.dir);
  }

  segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /** Writes out whatever is still buffered (e.g. a commit index saved without a sync), then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pendingBytes > 0) await this.sync().catch(() => undefined);
    this.closed = true;
    await this.chain;
    await this.file.close();
  }

  private push(rec: Buffer): void {
    const buf = this.reserve(rec.length);
    rec.copy(buf, this.pendingBytes);
    this.pendingBytes += rec.length;
  }

  /** The current arena, grown (keeping its pending bytes) when `more` bytes would not fit. */
  private reserve(more: number): Buffer {
    const buf = this.arenas[this.cur]!;
    if (this.pendingBytes + more <= buf.length) return buf;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, this.pendingBytes + more));
    buf.copy(bigger, 0, 0, this.pendingBytes);
    this.arenas[this.cur] = bigger;
    return bigger;
  }

  private async flush(): Promise<void> {
    if (this.closed) throw new Error('wal: closed');
    if (this.pendingBytes === 0) return;
    const bytes = this.pendingBytes;
    const data = this.arenas[this.cur]!.subarray(0, bytes);
    this.cur ^= 1;
    this.pendingBytes = 0;
    const t0 = performance.now();
    await this.file.append(data);
    this.noteWrite(t0);
    this.segmentSize += bytes;
    if (this.segmentSize >= this.segmentBytes) await this.cut();
  }

  /**
   * A write and fdatasync that took long means the disk is busy (the store's flush, another
   * process): for a while every write goes to the thread pool, since one done inline would hold the
   * event loop for as long (hundreds of milliseconds under a gigabyte of writeback).
   */
  private noteWrite(startedAt: number): void {
    const now = performance.now();
    if (now - startedAt > SLOW_WRITE_MS) this.inlineAfter = now + INLINE_BACKOFF_MS;
  }

  /** Closes the current segment and starts the next, beginning with metadata, snapshot marker and hard state. */
  private async cut(): Promise<void> {
    const prev = this.segments[this.segments.length - 1]!;
    const seg: Segment = { seq: prev.seq + 1, firstIndex: this.nextIndex, name: segName(prev.seq + 1, this.nextIndex) };
    const head = [encodeMetadata(this.metadata)];
    if (this.lastSnapshot) head.push(encodeSnapshotMarker(this.lastSnapshot));
    if (this.lastHardState) head.push(encodeHardState(this.lastHardState));
    const file = await DurableAppendFile.open(join(this.dir, seg.name));
    await file.append(Buffer.concat(head));
    await fsyncDir(this.dir);
    await this.file.close();
    this.file = file;
    this.segments.push(seg);
    this.segmentSize = head.reduce((n, b) => n + b.length, 0);
  }
}

/** Whether any frame at an offset after `off` passes its CRC: then the damage at `off` is not a torn tail. */
function validRecordAfter(buf: Buffer, off: number): boolean {
  for (let p = off + 1; p + 9 <= buf.length; p++) {
    const t = buf[p + 8];
    if (t === undefined || t < RecordType.Metadata || t > RecordType.Snapshot) continue;
    const len = buf.readUInt32LE(p);
    if (len < 1 || p + 8 + len > buf.length) continue;
    if (readFrame(buf, p).ok) return true;
  }
  return false;
}
