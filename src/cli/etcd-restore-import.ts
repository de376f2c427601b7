// Starting dcsgw on what `etcdctl snapshot restore` wrote: a genuine etcd 3.4 data dir (bbolt
// database in member/snap/db, etcd's WAL in member/wal) that describes a NEW cluster. etcd starts
// such a dir as a fresh member of the restored cluster; dcsgw does the same by converting it once
// into its own layout, as a member restarting from a raft snapshot:
//   - the IDs come from the WAL's metadata record (etcd ignores the --initial-cluster flags then);
//   - the membership from the WAL's conf-change entries (the restore writes one AddNode per
//     member, committed, with the member's JSON in the context);
//   - the keys, leases and auth store from the bbolt buckets (key, lease, meta, auth*), at their
//     revisions, into the MVCC store's snapshot dump;
//   - the genuine files are kept beside, in member.etcd-restore/, not deleted.
// A data dir a running etcd wrote (entries beyond the restore's AddNodes) is refused with the way
// to move it: its bbolt state may lag its WAL, and dcsgw does not replay etcd's WAL.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BoltReader } from '../compat/migrate/bbolt-file.js';
import type { Permission } from '../native/mvcc/api.js';
import { encodeRole, encodeUser } from '../native/mvcc/auth-store.js';
import { MvccStore } from '../native/mvcc/index.js';
import type { StoreDumpEntry } from '../native/mvcc/store-dump.js';
import type { ImportTimes } from '../native/mvcc/store.js';
import type { MembersJson } from '../native/node/members.js';
import { encodeSnapshotData } from '../native/node/snapshot-data.js';
import { Snapshotter } from '../native/wal/snapshotter.js';
import { Wal } from '../native/wal/wal.js';
import { StartupError } from './config.js';
import type { MemberIdentity } from './identity.js';
import { saveIdentity } from './identity.js';

const BOLT_MAGIC = 0xed0cdaed;
const KEPT_DIR = 'member.etcd-restore';

/**
 * True when `<dataDir>/member` is genuine etcd's layout (its snap/db is a bbolt file, not dcsgw's
 * store), or when an import of one was interrupted: the genuine files already moved aside to
 * member.etcd-restore/ (the caller asks only while dcsgw's identity file is absent, which an import
 * writes last).
 */
export function isGenuineEtcdDataDir(dataDir: string): boolean {
  return isBoltFile(join(dataDir, 'member', 'snap', 'db')) || isBoltFile(join(dataDir, KEPT_DIR, 'snap', 'db'));
}

function isBoltFile(db: string): boolean {
  try {
    if (!statSync(db).isFile()) return false;
    // the magic of bbolt's first meta page, after the 16-byte page header (not the whole file)
    const head = Buffer.alloc(4);
    const fd = openSync(db, 'r');
    try {
      return readSync(fd, head, 0, 4, 16) === 4 && head.readUInt32LE(0) === BOLT_MAGIC;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

// ---- protobuf fields (etcd's WAL records and raft messages) ----

type Fields = Map<number, Array<bigint | Buffer>>;

function readVarint(b: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= b.length) throw new Error('truncated varint');
    const c = b[pos++]!;
    v |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) return [v, pos];
    shift += 7n;
  }
}

function fieldsOf(b: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < b.length) {
    const [tag, p] = readVarint(b, pos);
    pos = p;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let value: bigint | Buffer;
    if (wire === 0) [value, pos] = readVarint(b, pos);
    else if (wire === 2) {
      const [len, p2] = readVarint(b, pos);
      value = b.subarray(p2, p2 + Number(len));
      pos = p2 + Number(len);
    } else if (wire === 1) {
      value = b.readBigUInt64LE(pos);
      pos += 8;
    } else if (wire === 5) {
      value = BigInt(b.readUInt32LE(pos));
      pos += 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    out.set(no, [...(out.get(no) ?? []), value]);
  }
  return out;
}
const num = (f: Fields, no: number): bigint => (f.get(no)?.[0] as bigint | undefined) ?? 0n;
const bytes = (f: Fields, no: number): Buffer => (f.get(no)?.[0] as Buffer | undefined) ?? Buffer.alloc(0);

// ---- etcd's WAL ----

interface EtcdWal {
  memberId: bigint;
  clusterId: bigint;
  hardState: { term: number; commit: number };
  snapshot: { index: number; term: number };
  entries: Array<{ index: number; term: number; confChange?: { nodeId: bigint; context: Buffer } }>;
}

/** walpb.Record frames: u64 LE length (top byte: 0x80 | padding), then {type=1, crc=2, data=3}. */
function readEtcdWal(walDir: string): EtcdWal {
  const files = readdirSync(walDir).filter((f) => f.endsWith('.wal')).sort();
  const wal: EtcdWal = { memberId: 0n, clusterId: 0n, hardState: { term: 0, commit: 0 }, snapshot: { index: 0, term: 0 }, entries: [] };
  for (const f of files) {
    const buf = readFileSync(join(walDir, f));
    let off = 0;
    while (off + 8 <= buf.length) {
      const lenField = buf.readBigUInt64LE(off);
      if (lenField === 0n) break; // the preallocated, zeroed tail
      const len = Number(lenField & 0x00ffffffffffffffn);
      const pad = lenField >> 63n === 1n ? Number((lenField >> 56n) & 0x7n) : 0;
      const rec = fieldsOf(buf.subarray(off + 8, off + 8 + len));
      off += 8 + len + pad;
      const data = bytes(rec, 3);
      switch (Number(num(rec, 1))) {
        case 1: {
          const md = fieldsOf(data);
          wal.memberId = num(md, 1);
          wal.clusterId = num(md, 2);
          break;
        }
        case 2: {
          const e = fieldsOf(data);
          const entry: EtcdWal['entries'][number] = { term: Number(num(e, 2)), index: Number(num(e, 3)) };
          if (num(e, 1) === 1n) {
            const cc = fieldsOf(bytes(e, 4));
            if (num(cc, 2) === 0n) entry.confChange = { nodeId: num(cc, 3), context: Buffer.from(bytes(cc, 4)) }; // AddNode
          }
          wal.entries = wal.entries.filter((x) => x.index < entry.index); // a later record overwrites from its index on
          wal.entries.push(entry);
          break;
        }
        case 3: {
          const hs = fieldsOf(data);
          wal.hardState = { term: Number(num(hs, 1)), commit: Number(num(hs, 3)) };
          break;
        }
        case 5: {
          const s = fieldsOf(data);
          wal.snapshot = { index: Number(num(s, 1)), term: Number(num(s, 2)) };
          break;
        }
      }
    }
  }
  return wal;
}

// ---- the bbolt database -> the MVCC store's sections ----

/** A buffer reused for every record: the store copies each value as it is put. */
export class RecordScratch {
  private buf = Buffer.allocUnsafe(64 * 1024);

  get(length: number): Buffer {
    if (length > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(length, this.buf.length * 2));
    return this.buf.subarray(0, length);
  }
}

// The store's revision record (src/native/mvcc/kv-record.ts, encodeKvRecord): flags u8 (1: has a
// lease), createRevision, modRevision, version as f64 LE, key length u32 LE, the lease i64 LE when
// set, key, value. Written here straight from etcd's mvccpb.KeyValue bytes, without a decoded
// object or a copy per field: a restore converts as many of them as the database has revisions.
const RECORD_HEADER = 1 + 8 + 8 + 8 + 4;
/** bbolt's page header and leaf element sizes (src/compat/migrate/bbolt-file.ts has the layout). */
const LEAF_HEADER = 16;
const LEAF_ELEMENT = 16;

/** Number-valued varint (revisions and lengths are below 2^53) before `end`; returns [value, next position]. */
function varintAt(b: Buffer, pos: number, end: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (pos >= end) throw new Error('truncated varint');
    const c = b[pos++]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return [v, pos];
    mul *= 128;
  }
}

/** The store record of etcd's "key" bucket entry (`revKey` -> KeyValue protobuf), in `scratch`. */
export function kvRecordOf(revKey: Buffer, pb: Buffer, scratch: RecordScratch): Buffer {
  const tombstoneRevision = revKey.length === 18 && revKey[17] === 0x74 ? revisionOf(revKey, 0) : -1;
  return kvRecordAt(pb, 0, pb.length, tombstoneRevision, scratch);
}

/** The main revision of the revision key at `at` (u64 BE; below 2^53). */
function revisionOf(b: Buffer, at: number): number {
  return b.readUInt32BE(at) * 0x1_0000_0000 + b.readUInt32BE(at + 4);
}

/**
 * kvRecordOf for the KeyValue protobuf at [start, end) of `b` (a leaf page of the bbolt file, read
 * in place), `tombstoneRevision` the revision of a tombstone's key, -1 for a put.
 */
function kvRecordAt(b: Buffer, start: number, end: number, tombstoneRevision: number, scratch: RecordScratch): Buffer {
  let keyStart = 0;
  let keyEnd = 0;
  let valueStart = 0;
  let valueEnd = 0;
  let createRevision = 0;
  let modRevision = 0;
  let version = 0;
  let lease = 0n;
  for (let pos = start; pos < end; ) {
    const tag = b[pos++]!; // etcd's fields are 1-6: one-byte tags
    const field = tag >> 3;
    if ((tag & 7) === 2) {
      const [len, p] = varintAt(b, pos, end);
      if (field === 1) [keyStart, keyEnd] = [p, p + len];
      else if (field === 5) [valueStart, valueEnd] = [p, p + len];
      pos = p + len;
    } else if ((tag & 7) === 0) {
      if (field === 6) {
        const [v, p] = readVarint(b.subarray(0, end), pos);
        lease = BigInt.asIntN(64, v);
        pos = p;
        continue;
      }
      const [v, p] = varintAt(b, pos, end);
      if (field === 2) createRevision = v;
      else if (field === 3) modRevision = v;
      else if (field === 4) version = v;
      pos = p;
    } else throw new Error(`unexpected protobuf wire type ${tag & 7} in a KeyValue`);
  }
  if (keyEnd > end || valueEnd > end) throw new Error('truncated KeyValue');
  // a tombstone holds only the key in etcd; the store's record carries its revision
  if (tombstoneRevision >= 0) [createRevision, modRevision, version, valueStart, valueEnd, lease] = [0, tombstoneRevision, 0, 0, 0, 0n];
  const hasLease = lease !== 0n;
  const keyAt = RECORD_HEADER + (hasLease ? 8 : 0);
  const keyLength = keyEnd - keyStart;
  const out = scratch.get(keyAt + keyLength + (valueEnd - valueStart));
  out[0] = hasLease ? 1 : 0;
  out.writeDoubleLE(createRevision, 1);
  out.writeDoubleLE(modRevision, 9);
  out.writeDoubleLE(version, 17);
  out.writeUInt32LE(keyLength, 25);
  if (hasLease) out.writeBigInt64LE(lease, RECORD_HEADER);
  b.copy(out, keyAt, keyStart, keyEnd);
  b.copy(out, keyAt + keyLength, valueStart, valueEnd);
  return out;
}

interface EtcdMeta {
  consistentIndex: number;
  compactRevision: number;
}

function metaOf(db: BoltReader): EtcdMeta {
  const meta: EtcdMeta = { consistentIndex: 0, compactRevision: -1 };
  for (const { key, value } of db.entries('meta')) {
    const name = key.toString('latin1');
    if (name === 'consistent_index') meta.consistentIndex = Number(value.readBigUInt64BE(0));
    else if (name === 'finishedCompactRev') meta.compactRevision = Number(value.readBigUInt64BE(0));
  }
  return meta;
}

function authSection(db: BoltReader): StoreDumpEntry[] {
  const auth: StoreDumpEntry[] = [];
  for (const { key, value } of db.entries('auth')) {
    const name = key.toString('latin1');
    if (name === 'authEnabled') auth.push({ key: Buffer.from('enabled'), value: Buffer.from([value[0] === 1 ? 1 : 0]) });
    else if (name === 'authRevision') {
      const rev = Buffer.alloc(8);
      rev.writeDoubleLE(Number(value.readBigUInt64BE(0)));
      auth.push({ key: Buffer.from('revision'), value: rev });
    }
  }
  for (const { key, value } of db.entries('authUsers')) {
    const u = fieldsOf(Buffer.from(value));
    const options = fieldsOf(bytes(u, 4));
    const roles = (u.get(3) ?? []).map((r) => (r as Buffer).toString());
    auth.push({ key: Buffer.concat([Buffer.from('u'), key]), value: encodeUser({ name: key.toString(), hashedPassword: Buffer.from(bytes(u, 2)), roles, noPassword: num(options, 1) === 1n }) });
  }
  for (const { key, value } of db.entries('authRoles')) {
    const perms: Permission[] = ((fieldsOf(Buffer.from(value)).get(2) ?? []) as Buffer[]).map((p) => {
      const f = fieldsOf(p);
      return { permType: Number(num(f, 1)) as Permission['permType'], key: Buffer.from(bytes(f, 2)), rangeEnd: Buffer.from(bytes(f, 3)) };
    });
    auth.push({ key: Buffer.concat([Buffer.from('r'), key]), value: encodeRole(perms) });
  }
  return auth.sort((a, b) => Buffer.compare(a.key, b.key));
}

/**
 * Writes the bbolt database's keys, leases, state and auth store into the store at `storeDir`, read
 * and converted while written (one LMDB transaction), then forces it to disk. Returns the count of
 * key revisions and how long the writing and the closing sync took.
 */
async function importIntoStore(dbPath: string, storeDir: string, meta: EtcdMeta): Promise<{ revisions: number; times: ImportTimes }> {
  const db = new BoltReader(dbPath);
  try {
    let revision = 1;
    let revisions = 0;
    const scratch = new RecordScratch();
    // Each leaf page's elements are converted where they lie (bbolt's leaf element: flags u32, pos
    // u32 from the element, key size u32, value size u32): no object, iterator step or copy per
    // revision besides the record itself.
    const kv = (put: (key: Buffer, value: Buffer) => void): void => {
      db.scanLeaves('key', (page) => {
        const count = page.readUInt16LE(10);
        for (let i = 0; i < count; i++) {
          const el = LEAF_HEADER + i * LEAF_ELEMENT;
          const at = el + page.readUInt32LE(el + 4);
          const keySize = page.readUInt32LE(el + 8);
          const valueAt = at + keySize;
          const valueEnd = valueAt + page.readUInt32LE(el + 12);
          if (keySize < 17 || valueEnd > page.length) throw new Error(`${dbPath}: a malformed entry in the key bucket`);
          const main = revisionOf(page, at);
          if (main > revision) revision = main;
          revisions++;
          const tombstoneRevision = keySize === 18 && page[at + 17] === 0x74 ? main : -1;
          put(page.subarray(at, valueAt), kvRecordAt(page, valueAt, valueEnd, tombstoneRevision, scratch));
        }
      });
    };
    const leases = function* (): Generator<StoreDumpEntry> {
      const rec = Buffer.alloc(16);
      for (const { key, value } of db.entries('lease')) {
        const l = fieldsOf(Buffer.from(value));
        rec.writeDoubleLE(Number(BigInt.asIntN(64, num(l, 2))), 0);
        rec.writeDoubleLE(Number(BigInt.asIntN(64, num(l, 3))), 8);
        yield { key, value: rec };
      }
    };
    // read after the kv section (sections are written in order): the revision is the highest seen
    const state = function* (): Generator<StoreDumpEntry> {
      const value = Buffer.alloc(24);
      value.writeDoubleLE(meta.consistentIndex, 0);
      value.writeDoubleLE(revision, 8);
      value.writeDoubleLE(meta.compactRevision, 16);
      yield { key: Buffer.from('state'), value };
    };
    // bbolt iterates each bucket in byte order, the order the store's append mode needs
    const times = await MvccStore.importSections({ dir: storeDir, quotaBackendBytes: -1, minLeaseTtl: 1 }, [kv, leases(), state(), authSection(db)]);
    return { revisions, times };
  } finally {
    db.close();
  }
}

export interface ImportedRestore {
  identity: MemberIdentity;
  /** What to log: the member, the cluster, how much was imported and where the genuine files went. */
  summary: Record<string, unknown>;
}

/**
 * Converts `etcdctl snapshot restore` output in `dataDir` into dcsgw's layout (once; the genuine
 * files are moved to member.etcd-restore/). Throws StartupError for a data dir it must not take.
 */
export async function importEtcdRestore(dataDir: string): Promise<ImportedRestore> {
  const memberDir = join(dataDir, 'member');
  const kept = join(dataDir, KEPT_DIR);
  if (!isBoltFile(join(memberDir, 'snap', 'db')) && isBoltFile(join(kept, 'snap', 'db'))) {
    // An import stopped after moving the genuine files aside (no identity was written): what it
    // wrote goes, the genuine files come back, and it runs again from the start.
    rmSync(memberDir, { recursive: true, force: true });
    renameSync(kept, memberDir);
  }
  const wal = readEtcdWal(join(memberDir, 'wal'));
  const restoreShape =
    wal.memberId !== 0n &&
    wal.entries.length > 0 &&
    wal.entries.every((e, i) => e.index === i + 1 && e.confChange !== undefined) &&
    wal.hardState.commit === wal.entries.length &&
    wal.snapshot.index === wal.entries.length;
  if (!restoreShape) {
    throw new StartupError(
      `${dataDir} holds the data of a running genuine etcd member, not the output of \`etcdctl snapshot restore\`: dcsgw does not replay etcd's WAL. Take \`etcdctl snapshot save\` from that member, restore it with \`etcdctl snapshot restore\` into a new data dir, and start dcsgw there`,
    );
  }
  const meta = (() => {
    const db = new BoltReader(join(memberDir, 'snap', 'db'));
    try {
      return metaOf(db);
    } finally {
      db.close();
    }
  })();
  const consistentIndex = meta.consistentIndex;
  if (consistentIndex < wal.hardState.commit) throw new StartupError(`${dataDir}: the database's consistent index ${consistentIndex} is behind the WAL's commit ${wal.hardState.commit}`);

  const members: MembersJson = { members: [], removed: [], clusterVersion: '' };
  for (const e of wal.entries) {
    const ctx = JSON.parse(e.confChange!.context.toString('utf8').replace(/"id":\s*\d+/, '"id":0')) as { name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean };
    members.members.push({ id: e.confChange!.nodeId.toString(16), name: ctx.name ?? '', peerURLs: ctx.peerURLs ?? [], clientURLs: ctx.clientURLs ?? [], isLearner: ctx.isLearner ?? false });
  }
  const index = wal.snapshot.index;
  const term = wal.snapshot.term;
  const ids = wal.entries.map((e) => e.confChange!.nodeId);

  // the genuine files move aside first: dcsgw's store takes member/snap/db's place
  if (existsSync(kept)) throw new StartupError(`${dataDir}: ${KEPT_DIR} already exists; remove it to import this restore again`);
  renameSync(memberDir, kept);

  // The store is written here, in place, as a member's own store files, from the genuine database
  // moved aside: the start that follows is an ordinary restart (the raft snapshot below carries the
  // member list only, as the node's own snapshots do), instead of a raft snapshot file holding the
  // whole store, read back, checksummed and replayed into the store on the start.
  const { revisions: keys, times } = await importIntoStore(join(kept, 'snap', 'db'), join(memberDir, 'snap', 'db'), meta);
  const snapshotter = new Snapshotter<null>(join(memberDir, 'snap'));
  const data = encodeSnapshotData(members, new Uint8Array(0));
  await snapshotter.save({ metadata: { index, term, confState: { voters: ids, learners: [] } }, extra: null, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  const w = await Wal.create(join(memberDir, 'wal'), { memberId: wal.memberId, clusterId: wal.clusterId });
  w.saveSnapshot({ index, term });
  w.save({ term: wal.hardState.term, vote: 0n, commit: index }, []);
  await w.sync();
  await w.close();
  const identity: MemberIdentity = {
    memberId: wal.memberId,
    clusterId: wal.clusterId,
    members: members.members.map((m) => ({ id: BigInt(`0x${m.id}`), name: m.name, peerURLs: m.peerURLs })),
    fromDataDir: true,
  };
  saveIdentity(dataDir, identity);
  return {
    identity,
    summary: { 'local-member-id': wal.memberId.toString(16), 'cluster-id': wal.clusterId.toString(16), members: members.members.length, 'key-revisions': keys, 'consistent-index': consistentIndex, 'genuine-files': kept, 'store-write-ms': Math.round(times.writeMs), 'store-sync-ms': Math.round(times.syncMs) },
  };
}
