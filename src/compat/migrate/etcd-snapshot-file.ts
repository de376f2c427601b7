// `file:snap.db`: an etcd v3 snapshot (the bbolt file `etcdctl snapshot save` writes, with the
// sha256 of the database appended). As a source its "key" bucket — every revision of every key,
// ordered by revision — is reduced to the latest live value of each key; as a destination a
// fresh database is written that `etcdctl snapshot restore` accepts, each key at a revision of
// its own. Consul flags travel as dcsgw-over-etcd keeps them in a genuine etcd's keyspace:
// metadata records under the reserved "\0dcsgw/" zone (src/adapters/etcd-keyspace.ts).
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { KeyValue } from '../../adapters/backend.js';
import { SYSTEM_PREFIX } from '../../adapters/etcd-keyspace.js';
import { EMPTY_META, encodeMeta, metaFor, metaKey } from '../kv-meta.js';
import { BoltReader, BoltStreamWriter, type BoltItems, type EntryPlace } from './bbolt-file.js';
import { KeyMapping } from './key-mapping.js';
import { type KvRecord, type RecordPage } from './record.js';
import type { RecordLookup, RecordSink, RecordSource, SourceOpening } from './stores.js';

const PAGE_RECORDS = 500;

// ---- mvccpb.KeyValue: key=1, create_revision=2, mod_revision=3, version=4, value=5, lease=6 ----

function readVarint(b: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const c = b[pos++]!;
    v |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) return [v, pos];
    shift += 7n;
  }
}

export function decodeKeyValue(b: Buffer): KeyValue {
  const kv: KeyValue = { key: Buffer.alloc(0), createRevision: 0, modRevision: 0, version: 0, value: Buffer.alloc(0), lease: 0n };
  let pos = 0;
  while (pos < b.length) {
    const [tag, p] = readVarint(b, pos);
    pos = p;
    const field = Number(tag >> 3n);
    if ((tag & 7n) === 2n) {
      const [len, p2] = readVarint(b, pos);
      const bytes = b.subarray(p2, p2 + Number(len));
      pos = p2 + Number(len);
      if (field === 1) kv.key = bytes;
      else if (field === 5) kv.value = bytes;
    } else {
      const [v, p2] = readVarint(b, pos);
      pos = p2;
      if (field === 2) kv.createRevision = Number(v);
      else if (field === 3) kv.modRevision = Number(v);
      else if (field === 4) kv.version = Number(v);
      else if (field === 6) kv.lease = BigInt.asIntN(64, v);
    }
  }
  return kv;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function encodeKeyValue(key: Buffer, value: Buffer, revision: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0x0a, ...varint(key.length)]), key, Buffer.from([0x10, ...varint(revision), 0x18, ...varint(revision), 0x20, 1])];
  if (value.length > 0) parts.push(Buffer.from([0x2a, ...varint(value.length)]), value);
  return Buffer.concat(parts);
}

/** etcd's revision key: main revision (u64 BE), '_', sub revision (u64 BE). */
function revisionKey(main: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  return b;
}

const META_PREFIX = Buffer.concat([SYSTEM_PREFIX, metaKey(Buffer.alloc(0))]);
const isZoneKey = (k: Buffer) => k.length > 0 && k[0] === 0;

/** The latest state of a snapshot's keys: where each live key's newest version sits. */
class SnapshotIndex {
  readonly places = new Map<string, EntryPlace>();
  readonly metaPlaces = new Map<string, EntryPlace>();
  revision = 0;
  keys: Buffer[] = [];

  constructor(
    readonly reader: BoltReader,
    mapping: KeyMapping | undefined,
  ) {
    for (const e of reader.entries('key')) {
      const main = Number(e.key.readBigUInt64BE(0));
      if (main > this.revision) this.revision = main;
      const tombstone = e.key.length === 18 && e.key[17] === 0x74;
      const kv = decodeKeyValue(e.value);
      const isMeta = kv.key.subarray(0, META_PREFIX.length).equals(META_PREFIX);
      const userKey = isMeta ? kv.key.subarray(META_PREFIX.length) : kv.key;
      if (!isMeta && isZoneKey(kv.key)) continue;
      if (mapping && !mapping.inSource(userKey)) continue;
      const map = isMeta ? this.metaPlaces : this.places;
      const name = userKey.toString('latin1');
      if (tombstone) map.delete(name);
      else map.set(name, e.place);
    }
    this.keys = [...this.places.keys()].map((k) => Buffer.from(k, 'latin1')).sort(Buffer.compare);
  }

  record(key: Buffer): KvRecord {
    const name = key.toString('latin1');
    const kv = decodeKeyValue(this.reader.entryAt(this.places.get(name)!).value);
    const metaPlace = this.metaPlaces.get(name);
    const meta = metaPlace ? decodeKeyValue(this.reader.entryAt(metaPlace).value) : undefined;
    return { key: Buffer.from(kv.key), value: Buffer.from(kv.value), flags: metaFor(kv, meta).meta.flags };
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: Buffer): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Buffer.compare(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class EtcdSnapshotSource implements RecordSource {
  readonly warnings: string[] = [];
  private index?: SnapshotIndex;
  constructor(
    private readonly path: string,
    private readonly mapping: KeyMapping,
  ) {}

  async open(): Promise<SourceOpening> {
    const reader = new BoltReader(this.path);
    this.index = new SnapshotIndex(reader, this.mapping);
    return { revision: this.index.revision, total: this.index.keys.length };
  }

  async *pages(cursor: string | undefined): AsyncIterable<RecordPage> {
    const idx = this.index!;
    let i = cursor ? idx.lowerBound(Buffer.concat([Buffer.from(cursor, 'base64'), Buffer.from([0])])) : 0;
    while (i < idx.keys.length) {
      const records = idx.keys.slice(i, i + PAGE_RECORDS).map((k) => idx.record(k));
      i += records.length;
      yield { records, cursor: records[records.length - 1]!.key.toString('base64') };
    }
  }

  async close(): Promise<void> {
    this.index?.reader.close();
  }
}

class SnapshotLookup implements RecordLookup {
  constructor(private readonly index: SnapshotIndex) {}
  async span(first: Buffer, last: Buffer | undefined): Promise<KvRecord[]> {
    const out: KvRecord[] = [];
    for (let i = this.index.lowerBound(first); i < this.index.keys.length && (!last || Buffer.compare(this.index.keys[i]!, last) <= 0); i++) {
      out.push(this.index.record(this.index.keys[i]!));
    }
    return out;
  }
  async count(): Promise<number> {
    return this.index.keys.length;
  }
}

/** Appends the sha256 of the database, as etcd's snapshot stream ends (restore checks it). */
function appendSha256(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const size = statSync(path).size;
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1 << 20);
    for (let pos = 0; pos < size; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    writeSync(fd, hash.digest(), 0, 32, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes an etcd snapshot. The file is rewritten from the start when a run resumes (a local
 * write is quick; the source read is what resumes). Written to FILE.part and renamed when whole.
 */
export class EtcdSnapshotSink implements RecordSink {
  batches = 0;
  readonly warnings: string[] = [];
  readonly resumable = false;
  private writer?: BoltStreamWriter;
  private revision = 1;
  private lookupIndex?: SnapshotIndex;

  constructor(private readonly path: string) {}

  private get partPath(): string {
    return `${this.path}.part`;
  }

  async open(): Promise<void> {
    this.writer = new BoltStreamWriter(this.partPath, 'key');
  }

  async write(records: KvRecord[]): Promise<void> {
    const w = this.writer!;
    for (const r of records) {
      const rev = ++this.revision;
      w.appendToStreamed(revisionKey(rev), encodeKeyValue(r.key, r.value, rev));
      if (r.flags !== 0n) {
        const metaRev = ++this.revision;
        const meta = encodeMeta({ ...EMPTY_META, flags: r.flags }, rev);
        w.appendToStreamed(revisionKey(metaRev), encodeKeyValue(Buffer.concat([SYSTEM_PREFIX, metaKey(r.key)]), meta, metaRev));
      }
    }
    this.batches++;
  }

  async checkpointState(): Promise<unknown> {
    return null;
  }

  async finish(): Promise<void> {
    const ci = Buffer.alloc(8);
    ci.writeBigUInt64BE(1n);
    const empty: BoltItems = [];
    this.writer!.finish(
      new Map<string, BoltItems>([
        ['alarm', empty],
        ['auth', empty],
        ['authRoles', empty],
        ['authUsers', empty],
        ['cluster', [[Buffer.from('clusterVersion'), Buffer.from('3.4.0')]]],
        ['lease', empty],
        ['members', empty],
        ['members_removed', empty],
        ['meta', [[Buffer.from('consistent_index'), ci]]],
      ]),
    );
    this.writer!.close();
    this.writer = undefined;
    appendSha256(this.partPath);
    renameSync(this.partPath, this.path);
  }

  async lookup(): Promise<RecordLookup> {
    this.lookupIndex = new SnapshotIndex(new BoltReader(this.path), undefined);
    return new SnapshotLookup(this.lookupIndex);
  }

  async close(): Promise<void> {
    if (this.writer) {
      this.writer.close();
      try {
        unlinkSync(this.partPath);
      } catch {
        // nothing to clean
      }
    }
    this.lookupIndex?.reader.close();
  }
}
