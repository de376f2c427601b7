// The MVCC state machine (etcd 3.4's mvcc + lessor + alarm store) on LMDB.
//
// Storage layout (one LMDB environment, three named databases):
//   kv     revision key (see revision.ts) -> KeyValue record (kv-record.ts); tombstones end in 't'
//   lease  lease ID (int64 BE)            -> granted TTL, checkpointed remaining TTL
//   meta   'state'                        -> consistent index, current revision, compact revision
//          'alarms'                       -> the active alarms
//   auth   users, roles, enabled flag, auth revision (auth-store.ts)
// Every applyBatch is ONE LMDB write transaction holding the writes and the consistent index, so
// a restart finds the state of some whole batch and the node replays newer WAL entries. LMDB runs
// with noSync: the WAL is the durability; a process crash (kill -9) loses nothing LMDB committed,
// because the OS keeps the written pages; the environment is synced periodically and on snapshot.
//
// In memory: the key index (key -> generations of revisions), the lessor, the alarms and the
// watch hub. All are rebuilt from LMDB on open.
//
// Two keyspaces (DESIGN.md, "One keyspace, two views"): 'user' (every etcd request) and 'system'
// (Consul-only state). They share the kv table, the revision counter, the raft entries and the
// txns; each has its own key index and watch hub, and system records carry a flag bit
// (kv-record.ts) so a reload routes them back to their index. Every read, compare, watch and
// delete addresses one keyspace only, so no etcd request can see or destroy a system record;
// HashKV, Hash and the etcd snapshot leave them out, while the raft snapshot keeps them.
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { open, type Database, type RootDatabase } from 'lmdb';
import { pino, type Logger } from 'pino';
import { encodeKeyValuePb, encodeTombstonePb } from './kv-protobuf.js';
import {
  AlarmAction,
  AlarmType,
  CompareResult,
  CompareTarget,
  EventType,
  type AlarmMember,
  type AlarmRequest,
  type Compare,
  type DeleteRangeRequest,
  type Keyspace,
  type KeyValue,
  type LeaseGrantRequest,
  type PutRequest,
  type RangeRequest,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
  type WatchHandle,
  type WatchListener,
  type WatchOptions,
} from '../../adapters/backend.js';
import { Errors, EtcdError, GrpcCode } from '../../adapters/errors.js';
import type { ApplyResult, ApplyValue, AuthQueries, Command, CommittedCommand, LeaseInfo, RangeResult, ReadOnlyTxnResult, StateMachine } from './api.js';
import { AuthStore } from './auth-store.js';
import { ImportWriteback } from './import-writeback.js';
import { BackgroundCompactor, type CompactionCursor } from './background-compactor.js';
import { crc32c } from '../crc32c.js';
import { DefragCopy, type DefragCopyResult } from './defrag-copy.js';
import type { KeyHistory } from './key-history.js';
import { KeyIndex, type KeyHit } from './key-index.js';
import { decodeKvRecord, isSystemRecord, kvRecordSize, writeKvRecord, newRecordHeader, readRecordHeader, recordKey, recordLease } from './kv-record.js';
import { encodeLease, isSystemLeaseRecord } from './lease-record.js';
import { Lease, Lessor, MAX_LEASE_TTL } from './lessor.js';
import { encodeRevKey, isTombstoneKey, REV_KEY_BYTES, revKeyLowerBound, revKeyMain, revKeySub, writeRevKey } from './revision.js';
import { RangeScan } from './range-scan.js';
import { parseStoreDump, STORE_DUMP_MAGIC, STORE_DUMP_SECTIONS, type StoreDump, type StoreDumpEntry, type StoreSnapshotView } from './store-dump.js';
import { txnIsReadOnly } from './txn-kind.js';
import { WatchHub, type StoreEvent } from './watch-hub.js';

export interface MvccStoreOptions {
  dir: string;
  /** etcd's --quota-backend-bytes: 0 = etcd's default (2 GiB), negative = no quota. */
  quotaBackendBytes: number;
  /** Seconds; grants below it are raised to it (etcd: ceil(1.5 x election timeout), 2 s by default). */
  minLeaseTtl: number;
  logger?: Logger;
  /** This member's ID: the member named in a NOSPACE alarm this store raises. */
  memberId?: bigint;
  /** Clock for lease expiry on grant (tests pass their own); the node passes times explicitly elsewhere. */
  now?: () => number;
  /**
   * Keys compacted per step (etcd's --experimental-compaction-batch-limit, 1000). A compaction of a
   * keyspace up to this many keys is removed inside its apply; a larger one by the background compactor.
   */
  compactionBatchLimit?: number;
  /** Keys a sliced range visits per event-loop turn at most (tests force many slices); the time budget applies too. */
  rangeSliceKeys?: number;
}

const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
/** etcd's quota costs: a put costs its key and value plus this; a lease grant costs LEASE_OVERHEAD. */
const KV_OVERHEAD = 256;
const LEASE_OVERHEAD = 64;
/** Per stored record, on top of its key and value bytes, in the store's own size accounting. */
const RECORD_OVERHEAD = 16;
/**
 * How often the store is flushed to disk behind the WAL (at most one flush in flight). Often, so
 * that each flush is small: at 100 MB/s of 10 KiB puts a 5 s interval wrote half a gigabyte at
 * once, and while the disk took it the WAL's fsyncs waited behind it (up to 400 ms instead of a
 * few) and page faults on the write map waited too (event-loop stalls over 100 ms). etcd's bbolt
 * commits every 100 ms for the same reason. At low rates a flush finds few dirty pages: cheap.
 */
const SYNC_INTERVAL_MS = 200;
/** A history read step scans at most this many records per event it may deliver (see readHistory). */
const HISTORY_SCAN_FACTOR = 8;

const STATE_KEY = Buffer.from('state');
const ALARMS_KEY = Buffer.from('alarms');
/** The compact revision whose physical removal is complete (the background compactor's progress). */
const COMPACTED_KEY = Buffer.from('compacted');
const DEFAULT_COMPACTION_BATCH_LIMIT = 1000;
/** A background compaction step also ends after this long (checked every 64 keys). */
const COMPACTION_STEP_BUDGET_MS = 10;
const EMPTY = Buffer.alloc(0);
/** snapshotData() gives the event loop back after this long (checked every 256 records). */
const SNAPSHOT_SLICE_MS = 8;
/** A sliced range gives the event loop back after this long (checked every 64 keys). */
const RANGE_SLICE_MS = 5;
/**
 * An LMDB value "encoding" that decodes nothing: a read hands over a view of LMDB's memory (valid
 * until the next read on the thread) instead of a copy. Never used to write.
 */
const VALUE_VIEW = {
  encode: (value: Buffer): Buffer => value,
  decode: (bytes: Uint8Array, size: number): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, size),
};
/** compactRev before the first compaction (etcd: compactMainRev = -1). */
const NEVER_COMPACTED = -1;
/** How every environment of the store is opened (the defragmentation's worker opens them the same way). */
const LMDB_ENV_OPTIONS = { noSync: true, compression: false, maxDbs: 8, useWritemap: true } as const;
/** The store's named databases, in the order of the snapshot sections. */
const DB_NAMES = ['kv', 'lease', 'meta', 'auth'] as const;

/** fsync of a folder (its entries: a rename made durable), on libuv's thread pool. */
async function syncFolder(path: string): Promise<void> {
  const folder = await openFile(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

function header(revision: number): ResponseHeader {
  return { clusterId: 0n, memberId: 0n, revision, raftTerm: 0 };
}

function leaseKey(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(BigInt.asIntN(64, id));
  return b;
}



/** One keyspace's in-memory side: its key index, its watch hub, and its events of the batch in progress. */
interface KeyspaceState {
  readonly system: boolean;
  readonly index: KeyIndex;
  readonly hub: WatchHub;
  events: StoreEvent[];
  eventRevs: number[];
}

/** The branch a txn takes, decided before any of its writes (etcd's compareToPath). */
interface TxnPlan {
  succeeded: boolean;
  ops: RequestOp[];
  nested: (TxnPlan | undefined)[];
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareResult(c: Compare, r: number): boolean {
  switch (c.result) {
    case CompareResult.EQUAL:
      return r === 0;
    case CompareResult.NOT_EQUAL:
      return r !== 0;
    case CompareResult.GREATER:
      return r > 0;
    case CompareResult.LESS:
      return r < 0;
    default:
      return true;
  }
}

/** etcd's quota cost of a txn: the heavier branch's top-level puts. */
function txnCost(t: TxnRequest): number {
  const cost = (ops: RequestOp[]) =>
    ops.reduce((n, op) => n + (op.requestPut ? KV_OVERHEAD + op.requestPut.key.length + op.requestPut.value.length : 0), 0);
  return Math.max(cost(t.success), cost(t.failure));
}


/** One section of MvccStore.importSections: its entries, or a function that puts them in order. */
export type ImportSection = Iterable<StoreDumpEntry> | ((put: (key: Buffer, value: Buffer) => void) => void);
/** What importSections took: writing (reading the source included), then the closing sync; writebacks started meanwhile. */
export interface ImportTimes {
  writeMs: number;
  syncMs: number;
  writebacks: number;
}

export class MvccStore implements StateMachine {
  private readonly log: Logger;
  private readonly quota: number;
  private readonly memberId: bigint;
  private readonly now: () => number;
  private env!: RootDatabase;
  private kvDb!: Database<Buffer, Buffer>;
  /**
   * The kv table read without a copy per value (each valid until the next read): for the scans
   * that look at every record once (load, the snapshot view), never for values that are kept.
   */
  private kvView!: Database<Buffer, Buffer>;
  private leaseDb!: Database<Buffer, Buffer>;
  private metaDb!: Database<Buffer, Buffer>;
  private authDb!: Database<Buffer, Buffer>;

  /** The user keyspace (everything etcd clients reach) and the system keyspace (Consul-only state). */
  private readonly user: KeyspaceState;
  private readonly sys: KeyspaceState;
  private readonly lessor = new Lessor();
  private readonly alarmMap = new Map<string, AlarmMember>();
  private readonly authStore = new AuthStore((key, value) => {
    if (value) this.authDb.putSync(key, value);
    else this.authDb.removeSync(key);
  });

  private ci = 0;
  private rev = 1;
  // etcd's compactMainRev starts at -1: HashKV reports -1 until the first compaction, and a
  // compaction at revision 0 is accepted (and then reported as 0).
  private compactRev = NEVER_COMPACTED;
  /** Deterministic size accounting (same history => same number on every member) for the quota. */
  private logicalBytes = 0;
  private lastSyncMs = Date.now();
  private periodicSyncing = false;
  /** Syncs on another thread and open snapshot views: the environment is closed (or swapped by defragment) only after them. */
  private readonly pendingSyncs = new Set<Promise<unknown>>();
  private closed = false;

  // The write transaction in progress: its main revision and the next sub revision.
  private txMain = 0;
  private txSub = 0;
  // Events of the batch in progress are kept per keyspace (KeyspaceState), built only while watchers exist.
  private compactedInBatch = false;
  /** Counts reloads (restores): a defragmentation copy taken across one is stale. */
  private loads = 0;
  private defragmenting: Promise<void> | undefined;
  /** A compaction of this batch left its removal to the background compactor (started once the batch commits). */
  private compactionToSchedule = false;
  private readonly compactor: BackgroundCompactor;
  /** A replicated restore replaced the content during the batch: watchers catch up again after it commits. */
  private restoredInBatch = false;

  constructor(private readonly opts: MvccStoreOptions) {
    this.log = opts.logger ?? pino({ name: 'mvcc' });
    this.quota = opts.quotaBackendBytes === 0 ? DEFAULT_QUOTA_BYTES : opts.quotaBackendBytes;
    this.memberId = opts.memberId ?? 0n;
    this.now = opts.now ?? Date.now;
    this.user = this.keyspaceState(false);
    this.sys = this.keyspaceState(true);
    this.compactor = new BackgroundCompactor(
      {
        step: (target, cursor, limit) => this.compactionStep(target, cursor, limit),
        onError: (err) => this.log.error({ err }, 'mvcc background compaction step failed; retrying'),
      },
      opts.compactionBatchLimit ?? DEFAULT_COMPACTION_BATCH_LIMIT,
    );
    this.openEnv();
    this.load();
    if (this.authStore.status().authRevision === 0) this.kvDb.transactionSync(() => this.authStore.initialize());
  }

  private keyspaceState(system: boolean): KeyspaceState {
    const hub = new WatchHub(
      {
        currentRevision: () => this.rev,
        compactRevision: () => this.compactRev,
        readHistory: (from, max, withPrev, visit) => this.readHistory(state, from, max, withPrev, visit),
      },
      this.log,
      system ? 'system' : 'user',
    );
    const state: KeyspaceState = { system, index: new KeyIndex(system), hub, events: [], eventRevs: [] };
    return state;
  }

  /** The keyspace a request addresses (absent = user). */
  private spaceOf(keyspace: Keyspace | undefined): KeyspaceState {
    return keyspace === 'system' ? this.sys : this.user;
  }

  private openEnv(path = this.opts.dir): void {
    if (path === this.opts.dir) this.removeDefragLeftovers();
    // useWritemap: a write txn's pages are written into the shared map and its commit makes no
    // write syscalls (without it, ~6 pwrite/writev/lseek per commit: most of one put's apply time).
    // Nothing else changes: noSync either way, the same copy-on-write pages, kill -9 keeps what
    // the kernel holds, the WAL is the durability. The file is then extended (sparsely) to the
    // map size, so dbSize counts the pages in use instead of the file length.
    this.env = open({ path, ...LMDB_ENV_OPTIONS });
    const dbOpts = { encoding: 'binary', keyEncoding: 'binary', compression: false, cache: false } as const;
    this.kvDb = this.env.openDB<Buffer, Buffer>({ name: 'kv', ...dbOpts });
    // lmdb's typings lack `encoder` (a custom value codec), which it documents and supports.
    this.kvView = this.env.openDB<Buffer, Buffer>({ name: 'kv', keyEncoding: 'binary', compression: false, cache: false, encoder: VALUE_VIEW } as { name: string });
    this.leaseDb = this.env.openDB<Buffer, Buffer>({ name: 'lease', ...dbOpts });
    this.metaDb = this.env.openDB<Buffer, Buffer>({ name: 'meta', ...dbOpts });
    this.authDb = this.env.openDB<Buffer, Buffer>({ name: 'auth', ...dbOpts });
  }

  /** Rebuilds every in-memory structure from LMDB (open, restore, or after an aborted batch). */
  private load(): void {
    this.loads++;
    this.user.index.clear();
    this.sys.index.clear();
    this.lessor.leases.clear();
    this.alarmMap.clear();
    this.logicalBytes = 0;
    const state = this.metaDb.getBinary(STATE_KEY);
    this.ci = state ? state.readDoubleLE(0) : 0;
    this.rev = state ? state.readDoubleLE(8) : 1;
    this.compactRev = state ? state.readDoubleLE(16) : NEVER_COMPACTED;
    const compacted = this.metaDb.getBinary(COMPACTED_KEY);
    // Stores written before the background compactor removed everything inside the apply.
    this.compactor.resetDone(compacted ? compacted.readDoubleLE(0) : this.compactRev);
    // The ordered side of each index is built once at the end, from the keys in order (one
    // B+tree insert per key was a third of the open at 1M keys).
    this.user.index.beginBulkLoad();
    this.sys.index.beginBulkLoad();
    try {
      this.loadRecords();
    } finally {
      this.user.index.endBulkLoad();
      this.sys.index.endBulkLoad();
    }
    const nowMs = this.now();
    for (const { key, value } of this.leaseDb.getRange({})) {
      const id = key.readBigInt64BE(0);
      this.lessor.add(new Lease(id, value.readDoubleLE(0), value.readDoubleLE(8), isSystemLeaseRecord(value)), nowMs);
      this.logicalBytes += LEASE_OVERHEAD;
    }
    for (const sp of [this.user, this.sys]) {
      for (const [ks, h] of sp.index.all()) {
        if (h.lease !== 0n && h.live()) this.lessor.attach(h.lease, ks, sp.system);
      }
    }
    this.authStore.load(this.authDb.getRange({}));
    const alarms = this.metaDb.getBinary(ALARMS_KEY);
    if (alarms) {
      for (let off = 0; off + 9 <= alarms.length; off += 9) {
        const m: AlarmMember = { memberID: alarms.readBigUInt64LE(off), alarm: alarms[off + 8] as AlarmType };
        this.alarmMap.set(`${m.memberID}:${m.alarm}`, m);
      }
    }
    this.log.debug({ keys: this.user.index.size, systemKeys: this.sys.index.size, revision: this.rev, consistentIndex: this.ci }, 'mvcc store loaded');
    // A walk interrupted by a restart (or a reload) starts again from the first key: its steps are idempotent.
    if (this.compactRev > this.compactor.completed()) this.compactor.start(this.compactRev);
  }

  /** load()'s scan of every stored revision into the key indexes (and the size and revision counters). */
  private loadRecords(): void {
    const recordHeader = newRecordHeader();
    // The index needs a record's header and key only: the load view hands each value over as a
    // view of LMDB's own memory (the kvDb handle copies every value, the whole database's bytes).
    for (const { key, value } of this.kvView.getRange({})) {
      const main = revKeyMain(key);
      const sub = revKeySub(key);
      const header = readRecordHeader(value, recordHeader);
      const ks = value.toString('latin1', header.keyStart, header.keyStart + header.keyLength);
      const index = (header.system ? this.sys : this.user).index;
      const h = index.getOrCreate(ks);
      if (isTombstoneKey(key)) {
        h.tombstone(main, sub);
        h.lease = 0n;
      } else {
        h.restorePut(main, sub, header.createRevision, header.version);
        h.lease = header.lease;
      }
      this.logicalBytes += key.length + value.length + RECORD_OVERHEAD;
      if (main > this.rev) this.rev = main;
    }
  }

  // ---------------------------------------------------------------- StateMachine: apply

  consistentIndex(): number {
    return this.ci;
  }

  applyBatch(batch: CommittedCommand[]): ApplyResult[] {
    if (this.closed) throw Errors.Stopped;
    const results: ApplyResult[] = new Array(batch.length);
    this.resetBatchEvents();
    this.compactedInBatch = false;
    this.compactionToSchedule = false;
    this.restoredInBatch = false;
    try {
      this.kvDb.transactionSync(() => {
        for (let i = 0; i < batch.length; i++) {
          const entry = batch[i]!;
          if (entry.index <= this.ci) {
            // Already applied before a restart (the WAL replays from an older point): skip, as etcd does.
            results[i] = { ok: true, revision: this.rev, value: { kind: 'noop' } };
            continue;
          }
          results[i] = entry.command ? this.applyOne(entry.command) : { ok: true, revision: this.rev, value: { kind: 'noop' } };
          this.ci = entry.index;
        }
        const state = Buffer.allocUnsafe(24);
        state.writeDoubleLE(this.ci, 0);
        state.writeDoubleLE(this.rev, 8);
        state.writeDoubleLE(this.compactRev, 16);
        this.metaDb.putSync(STATE_KEY, state);
      });
    } catch (err) {
      // The LMDB transaction was aborted: memory may be ahead of storage; rebuild it from storage.
      this.log.error({ err }, 'mvcc apply batch failed; reloading state from storage');
      this.load();
      throw err;
    }
    if (this.compactionToSchedule) this.compactor.start(this.compactRev);
    for (const sp of [this.user, this.sys]) {
      if (this.restoredInBatch) {
        // History was replaced: every watcher re-reads it from its next revision (as after a raft snapshot).
        sp.hub.resync();
        continue;
      }
      if (this.compactedInBatch) sp.hub.compacted(this.compactRev);
      if (sp.events.length > 0) sp.hub.notify(sp.events, sp.eventRevs, this.rev);
    }
    this.resetBatchEvents();
    this.maybeSync();
    return results;
  }

  private resetBatchEvents(): void {
    // Fresh arrays only where events were built: the hub may keep the delivered ones.
    if (this.user.events.length > 0) {
      this.user.events = [];
      this.user.eventRevs = [];
    }
    if (this.sys.events.length > 0) {
      this.sys.events = [];
      this.sys.eventRevs = [];
    }
  }

  private maybeSync(): void {
    const t = Date.now();
    if (this.periodicSyncing || t - this.lastSyncMs < SYNC_INTERVAL_MS) return;
    this.lastSyncMs = t;
    this.periodicSyncing = true;
    this.flush()
      .catch((err: unknown) => this.log.warn({ err }, 'mvcc periodic sync failed'))
      .finally(() => (this.periodicSyncing = false));
  }

  /** Flushes LMDB to disk (it commits without fsync; the WAL is the durability). */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => {
      // lmdb-js has env.sync (mdb_env_sync off the main thread) but does not declare it.
      const env = this.env as unknown as { sync(cb: (err?: Error) => void): void };
      env.sync((err?: Error) => (err ? reject(err) : resolve()));
    });
    // close() must not free the environment under a sync running on another thread.
    const tracked = done.catch(() => undefined).finally(() => this.pendingSyncs.delete(tracked));
    this.pendingSyncs.add(tracked);
    return done;
  }

  private applyOne(cmd: Command): ApplyResult {
    try {
      // etcd's authApplierV3: the caller's permissions again, at the auth revision it was let in at
      if ((cmd.kind === 'put' || cmd.kind === 'deleteRange' || cmd.kind === 'txn') && cmd.req.auth) {
        this.authStore.authorizeAtApply(cmd, (id) => [...(this.lessor.leases.get(id)?.keys ?? [])].map((k) => Buffer.from(k, 'latin1')));
      }
      const value = this.applyCommand(cmd);
      return { ok: true, revision: this.rev, value };
    } catch (err) {
      if (err instanceof EtcdError) return { ok: false, revision: this.rev, error: err };
      throw err;
    }
  }

  private applyCommand(cmd: Command): ApplyValue {
    switch (cmd.kind) {
      case 'put':
        return this.applyPut(cmd.req);
      case 'deleteRange':
        return this.applyDeleteRange(cmd.req);
      case 'txn':
        return this.applyTxn(cmd.req);
      case 'compaction':
        return this.applyCompaction(cmd.req.revision);
      case 'leaseGrant':
        return this.applyLeaseGrant(cmd.req);
      case 'leaseRevoke':
        return this.applyLeaseRevoke(cmd.id, cmd.keyspace);
      case 'leaseCheckpoint':
        return this.applyLeaseCheckpoint(cmd.checkpoints);
      case 'alarm':
        return this.applyAlarm(cmd.req);
      case 'noop':
        return { kind: 'noop' };
      case 'restore':
        return this.applyRestore(cmd.data);
      case 'auth':
        this.authStore.apply(cmd.req);
        return { kind: 'auth' };
    }
  }

  auth(): AuthQueries {
    return this.authStore;
  }

  private hasAlarm(type: AlarmType): boolean {
    for (const m of this.alarmMap.values()) if (m.alarm === type) return true;
    return false;
  }

  /** The corrupt applier refuses everything; the capped one (NOSPACE) refuses what adds data. */
  private checkCorrupt(): void {
    if (this.alarmMap.size > 0 && this.hasAlarm(AlarmType.CORRUPT)) throw Errors.Corrupt;
  }

  /** Raises NOSPACE (and fails the write) when it would take the store past its quota. */
  private checkSpace(cost: number): void {
    if (cost <= 0) return;
    if (this.alarmMap.size > 0 && this.hasAlarm(AlarmType.NOSPACE)) throw Errors.NoSpace;
    if (this.quota > 0 && this.logicalBytes + cost > this.quota) {
      this.activateAlarm(this.memberId, AlarmType.NOSPACE);
      this.log.warn({ quota: this.quota, size: this.logicalBytes, cost }, 'database space exceeded: NOSPACE alarm raised');
      throw Errors.NoSpace;
    }
  }

  private beginWrite(): void {
    this.txMain = this.rev + 1;
    this.txSub = 0;
  }

  /** A write txn that changed nothing leaves the revision alone, as etcd's does. */
  private endWrite(): void {
    if (this.txSub > 0) this.rev = this.txMain;
    this.txMain = 0;
    this.txSub = 0;
  }

  /** The revision reads see inside the write txn in progress (its own changes included). */
  private viewRev(): number {
    return this.txSub > 0 ? this.txMain : this.rev;
  }

  private applyPut(req: PutRequest): ApplyValue {
    this.checkCorrupt();
    this.checkSpace(KV_OVERHEAD + req.key.length + req.value.length);
    if (req.lease !== 0n && !this.lessor.leases.has(req.lease)) throw Errors.LeaseNotFound;
    this.beginWrite();
    try {
      const prevKv = this.putOp(req);
      return prevKv && req.prevKv ? { kind: 'put', prevKv } : { kind: 'put' };
    } finally {
      this.endWrite();
    }
  }

  /** One put inside the current write txn; returns the previous KeyValue when it was read. Throws KeyNotFound before writing. */
  private putOp(req: PutRequest): KeyValue | undefined {
    const sp = req.keyspace === 'system' ? this.sys : this.user;
    const ks = req.key.toString('latin1');
    const existing = sp.index.get(ks);
    const live = existing?.live() ? existing : undefined;
    let prev: KeyValue | undefined;
    if (live && (req.prevKv || req.ignoreValue || req.ignoreLease || sp.hub.wantsPrevKv)) {
      prev = this.readAt(live, live.main, live.sub);
    }
    if ((req.ignoreValue || req.ignoreLease) && !prev) throw Errors.KeyNotFound;
    const value = req.ignoreValue ? prev!.value : req.value;
    const lease = req.ignoreLease ? prev!.lease : req.lease;

    const h = existing ?? sp.index.getOrCreate(ks);
    const main = this.txMain;
    const sub = this.txSub++;
    const kv: KeyValue = {
      key: h.key,
      createRevision: live ? live.createdMain : main,
      modRevision: main,
      version: live ? live.ver + 1 : 1,
      value,
      lease,
    };
    const revKey = encodeRevKey(main, sub, false);
    const record = this.recordOf(kv, sp.system);
    this.kvDb.putSync(revKey, record);
    this.logicalBytes += revKey.length + record.length + RECORD_OVERHEAD;
    h.put(main, sub);
    const oldLease = live ? h.lease : 0n;
    if (oldLease !== lease) {
      if (oldLease !== 0n) this.lessor.detach(oldLease, ks, sp.system);
      if (lease !== 0n) this.lessor.attach(lease, ks, sp.system);
    }
    h.lease = lease;
    if (sp.hub.active) {
      sp.events.push(prev ? { type: EventType.PUT, keyStr: ks, kv, prevKv: prev } : { type: EventType.PUT, keyStr: ks, kv });
      sp.eventRevs.push(main);
    }
    return prev;
  }

  /**
   * The stored record of `kv`, built in one buffer reused by every write: putSync inside the apply's
   * write transaction copies it into LMDB at once, so a 10 KiB value no longer leaves a fresh 10 KiB
   * buffer per put for the garbage collector (the external memory of those set off GCs under load).
   */
  private recordOf(kv: KeyValue, system: boolean): Buffer {
    const size = kvRecordSize(kv);
    if (size > this.recordScratch.length) this.recordScratch = Buffer.allocUnsafe(Math.max(size, 2 * this.recordScratch.length));
    return writeKvRecord(this.recordScratch, kv, system);
  }

  private recordScratch = Buffer.allocUnsafe(64 * 1024);

  /** Deletes one live key inside the current write txn. */
  private deleteKey(h: KeyHistory, prev: KeyValue | undefined): void {
    const sp = h.system ? this.sys : this.user;
    const main = this.txMain;
    const sub = this.txSub++;
    const kv: KeyValue = { key: h.key, createRevision: 0, modRevision: main, version: 0, value: EMPTY, lease: 0n };
    const revKey = encodeRevKey(main, sub, true);
    const record = this.recordOf(kv, h.system);
    this.kvDb.putSync(revKey, record);
    this.logicalBytes += revKey.length + record.length + RECORD_OVERHEAD;
    h.tombstone(main, sub);
    if (h.lease !== 0n) this.lessor.detach(h.lease, h.keyStr, h.system);
    h.lease = 0n;
    if (sp.hub.active) {
      sp.events.push(prev ? { type: EventType.DELETE, keyStr: h.keyStr, kv, prevKv: prev } : { type: EventType.DELETE, keyStr: h.keyStr, kv });
      sp.eventRevs.push(main);
    }
  }

  private applyDeleteRange(req: DeleteRangeRequest): ApplyValue {
    this.checkCorrupt();
    this.beginWrite();
    try {
      const { deleted, prevKvs } = this.deleteRangeOp(req);
      return { kind: 'deleteRange', deleted, prevKvs };
    } finally {
      this.endWrite();
    }
  }

  private deleteRangeOp(req: DeleteRangeRequest): { deleted: number; prevKvs: KeyValue[] } {
    const sp = this.spaceOf(req.keyspace);
    const hits = sp.index.collect(req.key, req.rangeEnd, this.viewRev());
    const readPrev = req.prevKv || sp.hub.wantsPrevKv;
    const prevKvs: KeyValue[] = [];
    for (const hit of hits) {
      const prev = readPrev ? this.readHit(hit) : undefined;
      if (prev && req.prevKv) prevKvs.push(prev);
      this.deleteKey(hit.h, prev);
    }
    return { deleted: hits.length, prevKvs };
  }

  // ---------------------------------------------------------------- txn

  private applyTxn(req: TxnRequest): ApplyValue {
    this.checkCorrupt();
    const plan = this.plan(req);
    if (!txnIsReadOnly(req)) this.checkPuts(plan);
    this.checkRanges(plan);
    this.checkSpace(txnCost(req));
    this.beginWrite();
    try {
      const responses = this.execute(plan);
      return { kind: 'txn', succeeded: plan.succeeded, responses };
    } finally {
      this.endWrite();
    }
  }

  /**
   * A read-only txn served outside the log, as etcd's EtcdServer.Txn serves it (applyV3Base.Txn on
   * the local store, after the ReadIndex wait for a linearizable one): compares, then the ranges
   * of the branch taken, all at the current revision. Unlike the apply path there is no corrupt
   * or quota applier in front of it (etcd reads through the base applier). A caller's auth info,
   * when given, is checked here, right before the read (etcd's doSerialize), so an auth store that
   * changed since the token was checked answers "revision of auth store is old".
   */
  readOnlyTxn(req: TxnRequest): ReadOnlyTxnResult {
    if (!txnIsReadOnly(req)) throw new EtcdError(GrpcCode.INTERNAL, 'dcsgw: a txn with writes must go through the log');
    if (this.txMain !== 0) throw new EtcdError(GrpcCode.INTERNAL, 'dcsgw: read-only txn inside a write txn');
    if (req.auth) this.authStore.authorizeAtApply({ kind: 'txn', req }, () => []);
    const plan = this.plan(req);
    this.checkRanges(plan);
    return { revision: this.rev, succeeded: plan.succeeded, responses: this.execute(plan) };
  }

  /**
   * readOnlyTxn(), its ranges built in slices across event-loop turns (see rangeSliced): the
   * compares and the branch are decided at the call, every range answers at the revision of the call.
   */
  async readOnlyTxnSliced(req: TxnRequest): Promise<ReadOnlyTxnResult> {
    if (!txnIsReadOnly(req)) throw new EtcdError(GrpcCode.INTERNAL, 'dcsgw: a txn with writes must go through the log');
    if (this.txMain !== 0) throw new EtcdError(GrpcCode.INTERNAL, 'dcsgw: read-only txn inside a write txn');
    if (this.closed) throw Errors.Stopped;
    if (req.auth) this.authStore.authorizeAtApply({ kind: 'txn', req }, () => []);
    const plan = this.plan(req);
    this.checkRanges(plan);
    const curRev = this.rev;
    const ranges: { scan: RangeScan; answer: { kvs: KeyValue[]; more: boolean; count: number } }[] = [];
    const responses = this.readOnlyResponses(plan, curRev, ranges);
    await this.runSliced(ranges.map((r) => r.scan));
    for (const { scan, answer } of ranges) {
      const r = scan.result(curRev);
      answer.kvs = r.kvs;
      answer.more = r.more;
      answer.count = r.count;
    }
    return { revision: curRev, succeeded: plan.succeeded, responses };
  }

  /** The responses of a read-only plan, each range's to be filled once its scan is done. */
  private readOnlyResponses(plan: TxnPlan, curRev: number, ranges: { scan: RangeScan; answer: { kvs: KeyValue[]; more: boolean; count: number } }[]): ResponseOp[] {
    return plan.ops.map((op): ResponseOp => {
      if (op.requestRange) {
        const answer = { header: header(curRev), kvs: [] as KeyValue[], more: false, count: 0 };
        ranges.push({ scan: this.rangeScan(op.requestRange, curRev), answer });
        return { responseRange: answer };
      }
      // Unreachable: a nested txn makes a txn a write (etcd's isTxnReadonly).
      throw new EtcdError(GrpcCode.INTERNAL, 'dcsgw: a txn with writes must go through the log');
    });
  }

  /** Evaluates every compare, nested ones included, against the state before the txn (etcd 3.4). */
  private plan(req: TxnRequest): TxnPlan {
    let succeeded = true;
    for (const c of req.compare) {
      if (!this.evalCompare(c)) {
        succeeded = false;
        break;
      }
    }
    const ops = succeeded ? req.success : req.failure;
    return { succeeded, ops, nested: ops.map((op) => (op.requestTxn ? this.plan(op.requestTxn) : undefined)) };
  }

  private evalCompare(c: Compare): boolean {
    const hits = this.spaceOf(c.keyspace).index.collect(c.key, c.rangeEnd, this.viewRev());
    if (hits.length === 0) {
      // A missing key compares as zeros, except that a value compare always fails (etcd).
      if (c.target === CompareTarget.VALUE) return false;
      return compareResult(c, this.compareTarget(c, undefined));
    }
    for (const hit of hits) if (!compareResult(c, this.compareTarget(c, hit))) return false;
    return true;
  }

  private compareTarget(c: Compare, hit: KeyHit | undefined): number {
    switch (c.target) {
      case CompareTarget.VERSION:
        return compareNumbers(hit?.at.version ?? 0, c.version ?? 0);
      case CompareTarget.CREATE:
        return compareNumbers(hit?.at.createdMain ?? 0, c.createRevision ?? 0);
      case CompareTarget.MOD:
        return compareNumbers(hit?.at.main ?? 0, c.modRevision ?? 0);
      case CompareTarget.LEASE:
        return compareNumbers(hit?.h.lease ?? 0n, c.lease ?? 0n);
      case CompareTarget.VALUE: {
        const v = hit ? this.readHit(hit).value : EMPTY;
        return Buffer.compare(v, c.value ?? EMPTY);
      }
      default:
        return 0;
    }
  }

  /** etcd's checkRequestPut over the chosen branches: ignore_* need the key, a lease must exist. */
  private checkPuts(plan: TxnPlan): void {
    plan.ops.forEach((op, i) => {
      const put = op.requestPut;
      if (put) {
        if (put.ignoreValue || put.ignoreLease) {
          const h = this.spaceOf(put.keyspace).index.get(put.key.toString('latin1'));
          if (!h?.live()) throw Errors.KeyNotFound;
        }
        if (put.lease !== 0n && !this.lessor.leases.has(put.lease)) throw Errors.LeaseNotFound;
      }
      const nested = plan.nested[i];
      if (nested) this.checkPuts(nested);
    });
  }

  /** etcd's checkRange: a range at a revision outside [compact, current] fails the whole txn. */
  private checkRanges(plan: TxnPlan): void {
    plan.ops.forEach((op, i) => {
      const r = op.requestRange;
      if (r && r.revision !== 0) {
        if (r.revision > this.rev) throw Errors.FutureRev;
        if (r.revision < this.compactRev) throw Errors.Compacted;
      }
      const nested = plan.nested[i];
      if (nested) this.checkRanges(nested);
    });
  }

  private execute(plan: TxnPlan): ResponseOp[] {
    const out: ResponseOp[] = [];
    plan.ops.forEach((op, i) => {
      if (op.requestRange) {
        const r = this.rangeAt(op.requestRange, this.viewRev());
        out.push({ responseRange: { header: header(r.revision), kvs: r.kvs, more: r.more, count: r.count } });
      } else if (op.requestPut) {
        const prev = this.putOp(op.requestPut);
        const responsePut = op.requestPut.prevKv && prev ? { header: header(this.viewRev()), prevKv: prev } : { header: header(this.viewRev()) };
        out.push({ responsePut });
      } else if (op.requestDeleteRange) {
        const { deleted, prevKvs } = this.deleteRangeOp(op.requestDeleteRange);
        out.push({ responseDeleteRange: { header: header(this.viewRev()), deleted, prevKvs } });
      } else if (op.requestTxn) {
        const nested = plan.nested[i]!;
        const responses = this.execute(nested);
        out.push({ responseTxn: { header: header(this.viewRev()), succeeded: nested.succeeded, responses } });
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- compaction

  private applyCompaction(rev: number): ApplyValue {
    if (rev <= this.compactRev) throw Errors.Compacted;
    if (rev > this.rev) throw Errors.FutureRev;
    this.compactRev = rev;
    this.compactedInBatch = true;
    if (this.user.index.size + this.sys.index.size <= this.compactor.batchLimit) {
      // Small enough for one step: removed inside this apply (and so inside its transaction).
      this.compactKeys(this.user, '', rev, Infinity);
      this.compactKeys(this.sys, '', rev, Infinity);
      this.recordCompacted(rev);
      this.compactor.markDone(rev);
    } else {
      // Readers below rev already fail; the superseded revisions go in bounded background steps.
      // The progress record says how far removal got, so a restart knows to resume the walk.
      this.recordCompacted(this.compactor.completed());
      this.compactionToSchedule = true;
    }
    return { kind: 'compaction' };
  }

  /** Compacts up to `limit` keys of one keyspace from `from`; returns the first key left, or undefined at the end. */
  private compactKeys(sp: KeyspaceState, from: string, rev: number, limit: number, deadline = Infinity): { next: string | undefined; visited: number } {
    const drop = (main: number, sub: number, tombstone: boolean): void => {
      const k = encodeRevKey(main, sub, tombstone);
      const v = this.kvDb.getBinaryFast(k);
      if (v) this.logicalBytes -= k.length + v.length + RECORD_OVERHEAD;
      this.kvDb.removeSync(k);
    };
    const forgotten: string[] = [];
    let next: string | undefined;
    let n = 0;
    sp.index.forEachFrom(from, (ks, h) => {
      // The time budget too: a slow disk or a busy machine must not stretch one step.
      if (n >= limit || ((n & 63) === 63 && performance.now() > deadline)) {
        next = ks;
        return false;
      }
      n++;
      if (h.compact(rev, drop)) forgotten.push(ks);
      return true;
    });
    for (const ks of forgotten) sp.index.remove(ks);
    return { next, visited: n };
  }

  private recordCompacted(rev: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleLE(rev, 0);
    this.metaDb.putSync(COMPACTED_KEY, b);
  }

  /** One background step: one transaction, at most `limit` keys; the last one records the walk as done. */
  private compactionStep(target: number, cursor: CompactionCursor, limit: number): CompactionCursor | undefined {
    if (this.closed) return undefined;
    let out: CompactionCursor | undefined;
    const deadline = performance.now() + COMPACTION_STEP_BUDGET_MS;
    this.kvDb.transactionSync(() => {
      const spaces = [this.user, this.sys];
      let space = cursor.space;
      let from = cursor.key;
      let left = limit;
      while (space < spaces.length) {
        const { next, visited } = this.compactKeys(spaces[space]!, from, target, left, deadline);
        if (next !== undefined) {
          out = { space, key: next };
          return;
        }
        // This keyspace is done; the next one shares the step's remaining budget.
        left = Math.max(1, left - visited);
        space++;
        from = '';
      }
      this.recordCompacted(target);
    });
    return out;
  }

  /** The background compactor's step count and longest step (ms): for benchmarks and diagnostics. */
  compactionSteps(): { steps: number; longestStepMs: number } {
    return { steps: this.compactor.stepCount, longestStepMs: this.compactor.longestStepMs };
  }

  /** Resolves once the revisions superseded at `rev` are physically gone (`compaction --physical`). */
  waitPhysicalCompaction(rev: number): Promise<void> {
    return this.compactor.waitFor(rev);
  }

  // ---------------------------------------------------------------- leases

  private applyLeaseGrant(req: LeaseGrantRequest): ApplyValue {
    this.checkCorrupt();
    this.checkSpace(LEASE_OVERHEAD);
    if (req.id === 0n) throw Errors.LeaseNotFound;
    if (req.ttl > MAX_LEASE_TTL) throw Errors.LeaseTTLTooLarge;
    if (this.lessor.leases.has(req.id)) throw Errors.LeaseExist;
    const lease = new Lease(req.id, Math.max(req.ttl, this.opts.minLeaseTtl), 0, req.keyspace === 'system');
    this.leaseDb.putSync(leaseKey(lease.id), encodeLease(lease));
    this.logicalBytes += LEASE_OVERHEAD;
    this.lessor.add(lease, this.now());
    return { kind: 'leaseGrant', id: lease.id, ttl: lease.ttl };
  }

  /** Deletes every attached key in ONE revision (sorted, as etcd), then forgets the lease. */
  private applyLeaseRevoke(id: bigint, keyspace: Keyspace | undefined): ApplyValue {
    this.checkCorrupt();
    const lease = this.lessor.leases.get(id);
    if (!lease) throw Errors.LeaseNotFound;
    // A client may end only a lease of its own keyspace: another's does not exist for it.
    if (keyspace !== undefined && lease.system !== (keyspace === 'system')) throw Errors.LeaseNotFound;
    // User keys first (what etcd deletes, in its order), then the system keys, all in one revision.
    const attached: [KeyspaceState, string[]][] = [
      [this.user, [...lease.keys].sort()],
      [this.sys, [...lease.systemKeys].sort()],
    ];
    this.beginWrite();
    try {
      for (const [sp, keys] of attached) {
        for (const ks of keys) {
          const h = sp.index.get(ks);
          if (!h?.live()) continue;
          const prev = sp.hub.wantsPrevKv ? this.readAt(h, h.main, h.sub) : undefined;
          this.deleteKey(h, prev);
        }
      }
    } finally {
      this.endWrite();
    }
    this.leaseDb.removeSync(leaseKey(id));
    this.logicalBytes -= LEASE_OVERHEAD;
    this.lessor.leases.delete(id);
    return { kind: 'leaseRevoke' };
  }

  private applyLeaseCheckpoint(checkpoints: { id: bigint; remainingTtl: number }[]): ApplyValue {
    const nowMs = this.now();
    for (const cp of checkpoints) {
      const l = this.lessor.leases.get(cp.id);
      if (!l) continue;
      l.remainingTtl = cp.remainingTtl;
      this.leaseDb.putSync(leaseKey(l.id), encodeLease(l));
      if (this.lessor.isPrimary()) l.expiryMs = nowMs + (cp.remainingTtl > 0 ? cp.remainingTtl : l.ttl) * 1000;
    }
    return { kind: 'leaseCheckpoint' };
  }

  // ---------------------------------------------------------------- alarms

  private persistAlarms(): void {
    const b = Buffer.allocUnsafe(this.alarmMap.size * 9);
    let off = 0;
    for (const m of this.alarmMap.values()) {
      b.writeBigUInt64LE(BigInt.asUintN(64, m.memberID), off);
      b[off + 8] = m.alarm;
      off += 9;
    }
    this.metaDb.putSync(ALARMS_KEY, b);
  }

  private activateAlarm(memberID: bigint, alarm: AlarmType): AlarmMember {
    const k = `${memberID}:${alarm}`;
    const existing = this.alarmMap.get(k);
    if (existing) return existing;
    const m: AlarmMember = { memberID, alarm };
    this.alarmMap.set(k, m);
    this.persistAlarms();
    return m;
  }

  private applyAlarm(req: AlarmRequest): ApplyValue {
    switch (req.action) {
      case AlarmAction.GET:
        return { kind: 'alarm', alarms: this.alarmsOf(req.alarm) };
      case AlarmAction.ACTIVATE:
        return { kind: 'alarm', alarms: [this.activateAlarm(req.memberID, req.alarm)] };
      case AlarmAction.DEACTIVATE: {
        const k = `${req.memberID}:${req.alarm}`;
        const m = this.alarmMap.get(k);
        if (!m) return { kind: 'alarm', alarms: [] };
        this.alarmMap.delete(k);
        this.persistAlarms();
        return { kind: 'alarm', alarms: [m] };
      }
      default:
        return { kind: 'alarm', alarms: [] };
    }
  }

  private alarmsOf(type: AlarmType): AlarmMember[] {
    const all = [...this.alarmMap.values()];
    return type === AlarmType.NONE ? all : all.filter((m) => m.alarm === type);
  }

  alarms(): AlarmMember[] {
    return this.alarmsOf(AlarmType.NONE);
  }

  // ---------------------------------------------------------------- reads

  /** The lookup key of readAt, reused: LMDB copies it, and a large range reads one record per key. */
  private readonly readKey = Buffer.allocUnsafe(REV_KEY_BYTES);

  private readAt(h: KeyHistory, main: number, sub: number): KeyValue {
    writeRevKey(this.readKey, main, sub);
    const v = this.kvDb.getBinaryFast(this.readKey);
    if (!v) throw new Error(`mvcc: record ${main}.${sub} of a live key is missing`);
    return decodeKvRecord(v, h.key);
  }

  private readHit(hit: KeyHit): KeyValue {
    return this.readAt(hit.h, hit.at.main, hit.at.sub);
  }

  range(req: RangeRequest): RangeResult {
    return this.rangeAt(req, this.rev);
  }

  /** etcd 3.4's applier Range over mvcc Range: count is the total before limit and filters. */
  private rangeAt(req: RangeRequest, curRev: number): RangeResult {
    const scan = this.rangeScan(req, curRev);
    scan.step();
    return scan.result(curRev);
  }

  private rangeScan(req: RangeRequest, curRev: number): RangeScan {
    let rev = req.revision;
    if (rev > curRev) throw Errors.FutureRev;
    if (rev <= 0) rev = curRev;
    if (rev < this.compactRev) throw Errors.Compacted;
    return new RangeScan(this.spaceOf(req.keyspace).index, req, rev, this.readRecord);
  }

  private readonly readRecord = (h: KeyHistory, main: number, sub: number): KeyValue => this.readAt(h, main, sub);

  /**
   * range(), built in slices of at most RANGE_SLICE_MS across event-loop turns, so a range over a
   * large keyspace does not hold every other request up. The answer is the one range() would have
   * given when called: the read revision is fixed at the start, and the background compactor holds
   * still until the last slice, so nothing at or below it is removed. A compaction applied in
   * between that removed revisions at once (a small keyspace), or a restore, fails the read with
   * etcd's "required revision has been compacted", which is what a read arriving after it would get.
   */
  rangeSliced(req: RangeRequest): Promise<RangeResult> {
    try {
      if (this.closed) throw Errors.Stopped;
      const curRev = this.rev;
      const scan = this.rangeScan(req, curRev);
      const rest = this.runSliced([scan]);
      // Not an async function: a range done in its first slice settles without extra turns.
      return rest ? rest.then(() => scan.result(curRev)) : Promise.resolve(scan.result(curRev));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Runs the scans in order, RANGE_SLICE_MS of them per event-loop turn; the first slice runs at
   * once (a small read answers without waiting for a turn). See rangeSliced for the guarantees.
   */
  private runSliced(scans: RangeScan[]): Promise<void> | void {
    const sliceKeys = this.opts.rangeSliceKeys ?? Infinity;
    let i = 0;
    const slice = (): boolean => {
      const deadline = performance.now() + RANGE_SLICE_MS;
      for (; i < scans.length; i++) if (!scans[i]!.step(sliceKeys, deadline)) return false;
      return true;
    };
    if (slice()) return;
    return this.restOfSlices(scans, () => i, slice);
  }

  private async restOfSlices(scans: RangeScan[], next: () => number, slice: () => boolean): Promise<void> {
    const loads = this.loads;
    this.compactor.pause();
    try {
      do {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.closed) throw Errors.Stopped;
        if (this.loads !== loads) throw Errors.Compacted;
        const removedBelow = this.compactor.completed();
        for (let j = next(); j < scans.length; j++) if (scans[j]!.rev < removedBelow) throw Errors.Compacted;
      } while (!slice());
    } finally {
      this.compactor.resume();
    }
  }

  currentRevision(): number {
    return this.rev;
  }

  compactRevision(): number {
    return this.compactRev;
  }

  /** Stored events of one keyspace from `fromRev` on, whole revisions at a time (for its unsynced watchers). */
  private readHistory(
    sp: KeyspaceState,
    fromRev: number,
    maxEvents: number,
    withPrevKv: boolean,
    visit: (ev: StoreEvent, rev: number) => void,
  ): number {
    let count = 0;
    let scanned = 0;
    let lastMain = -1;
    // The other keyspace's records are skipped, but they count toward a scan budget too, so one
    // step stays bounded however many of them lie between this keyspace's events.
    const scanBudget = maxEvents * HISTORY_SCAN_FACTOR;
    for (const { key, value } of this.kvDb.getRange({ start: revKeyLowerBound(fromRev) })) {
      const main = revKeyMain(key);
      // Stop only between revisions, never inside one.
      if ((count >= maxEvents || scanned >= scanBudget) && main !== lastMain) return main;
      scanned++;
      lastMain = main;
      if (isSystemRecord(value) !== sp.system) continue;
      const kv = decodeKvRecord(value);
      const ks = kv.key.toString('latin1');
      const ev: StoreEvent = { type: isTombstoneKey(key) ? EventType.DELETE : EventType.PUT, keyStr: ks, kv };
      if (withPrevKv) {
        const h = sp.index.get(ks);
        const at = h?.at(main - 1);
        if (h && at) ev.prevKv = this.readAt(h, at.main, at.sub);
      }
      visit(ev, main);
      count++;
    }
    return this.rev + 1;
  }

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    return this.spaceOf(opts.keyspace).hub.watch(opts, listener);
  }

  // ---------------------------------------------------------------- leases (queries, leader-only expiry)

  leaseExists(id: bigint): boolean {
    return this.lessor.leases.has(id);
  }

  leaseInfo(id: bigint, withKeys: boolean, nowMs: number = this.now()): LeaseInfo | undefined {
    const l = this.lessor.leases.get(id);
    if (!l) return undefined;
    const keys = withKeys ? [...l.keys].sort().map((ks) => Buffer.from(ks, 'latin1')) : [];
    const info: LeaseInfo = { id, grantedTtl: l.ttl, remainingTtl: this.lessor.remaining(l, nowMs), keys };
    if (l.system) info.keyspace = 'system';
    return info;
  }

  leaseIds(keyspace?: Keyspace): bigint[] {
    if (keyspace === undefined) return [...this.lessor.leases.keys()];
    const system = keyspace === 'system';
    const out: bigint[] = [];
    for (const l of this.lessor.leases.values()) if (l.system === system) out.push(l.id);
    return out;
  }

  leaseRenew(id: bigint, nowMs: number): number {
    const ttl = this.lessor.renew(id, nowMs);
    if (ttl === undefined) throw Errors.LeaseNotFound;
    return ttl;
  }

  expiredLeases(nowMs: number): bigint[] {
    return this.lessor.expired(nowMs);
  }

  /** Leader only: each lease's remaining TTL, for the node to propose as a leaseCheckpoint command. */
  leaseCheckpoints(nowMs: number): { id: bigint; remainingTtl: number }[] {
    if (!this.lessor.isPrimary()) return [];
    const out: { id: bigint; remainingTtl: number }[] = [];
    for (const l of this.lessor.leases.values()) out.push({ id: l.id, remainingTtl: Math.max(0, Math.ceil((l.expiryMs - nowMs) / 1000)) });
    return out;
  }

  promote(nowMs: number): void {
    this.lessor.promote(nowMs);
  }

  demote(): void {
    this.lessor.demote();
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * CRC-32 (IEEE) over every stored user KV record and lease, the replicated content (alarms name
   * members, so they stay out; system records are invisible to etcd clients, Maintenance.Hash included).
   */
  hash(): number {
    let h = 0;
    for (const { key, value } of this.kvDb.getRange({})) {
      if (isSystemRecord(value)) continue;
      h = crc32(key, h);
      h = crc32(value, h);
    }
    for (const { key, value } of this.leaseDb.getRange({})) {
      if (isSystemLeaseRecord(value)) continue;
      h = crc32(key, h);
      h = crc32(value, h);
    }
    for (const { key, value } of this.authDb.getRange({})) {
      h = crc32(key, h);
      h = crc32(value, h);
    }
    return h >>> 0;
  }

  /**
   * etcd's HashByRev: CRC-32C over the user revisions <= rev that survive a compaction at rev, as
   * etcd stores them (revision key, mvccpb.KeyValue), so the hash is genuine etcd's for the same history.
   * System records stay out, so the hash of a user history does not change with Consul-only writes.
   */
  hashKV(revision: number): { hash: number; compactRevision: number; revision: number } {
    if (revision > 0 && revision <= this.compactRev) throw Errors.Compacted;
    if (revision > 0 && revision > this.rev) throw Errors.FutureRev;
    const rev = revision > 0 ? revision : this.rev;
    let keepNonEmpty = false;
    for (const [, h] of this.user.index.all()) {
      if (h.at(rev)) {
        keepNonEmpty = true;
        break;
      }
    }
    let h = crc32c(Buffer.from('key'));
    for (const { key, value } of this.kvDb.getRange({})) {
      const main = revKeyMain(key);
      if (main > rev) break;
      if (isSystemRecord(value)) continue;
      if (main <= this.compactRev && keepNonEmpty) {
        // Below the compaction horizon only what a compaction at rev would keep counts.
        const kh = this.user.index.get(recordKey(value).toString('latin1'));
        const at = kh?.at(rev);
        if (isTombstoneKey(key) || !at || at.main !== main || at.sub !== revKeySub(key)) continue;
      }
      h = crc32c(key, h);
      // etcd hashes the bytes of its key bucket: the revision's mvccpb.KeyValue (a tombstone: the key alone)
      h = crc32c(isTombstoneKey(key) ? encodeTombstonePb(recordKey(value)) : encodeKeyValuePb(decodeKvRecord(value)), h);
    }
    return { hash: h, compactRevision: this.compactRev, revision: this.rev };
  }

  /** The bytes the LMDB file's pages span (its length without the write map; bbolt's file size). */
  dbSize(): number {
    try {
      const s = this.env.getStats() as { pageSize: number; lastPageNumber: number };
      return (s.lastPageNumber + 1) * s.pageSize;
    } catch {
      return 0;
    }
  }

  /** Pages in use by the databases (and LMDB's own bookkeeping) times the page size. */
  dbSizeInUse(): number {
    type Stats = { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number; free?: Stats };
    const pages = (s: Stats) => s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
    const root = this.env.getStats() as Stats;
    let total = pages(root) + (root.free ? pages(root.free) : 0) + 2; // two meta pages
    for (const db of this.allDbs()) total += pages(db.getStats() as Stats);
    return total * root.pageSize;
  }

  // ---------------------------------------------------------------- defragmentation

  private defragDir(n: number): string {
    return join(this.opts.dir, `defrag-${process.pid}-${n}`);
  }

  /** Copies left by a defragmentation interrupted before its swap (or the swapped one's folder). */
  private removeDefragLeftovers(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.opts.dir);
    } catch {
      return;
    }
    for (const n of names) if (n.startsWith('defrag-')) rmSync(join(this.opts.dir, n), { recursive: true, force: true });
  }

  /**
   * etcd's defragment: gives the free pages back to the file system. LMDB reuses free pages but
   * never shrinks its file, so the records are copied into a fresh environment (defrag-copy.ts: on
   * a worker thread, through the page cache, one fsync, while requests go on), then, on this
   * thread, the few records written since the worker's last catch-up (the kv table is keyed by
   * revision, so they sort after the last key it copied; lease, meta and auth tables are small and
   * copied whole), and a rename over data.mdb (those few synced after it, off this thread, as any
   * commit of the store). The background compactor holds still meanwhile; a copy that a
   * compaction inside an apply or a restore made stale is taken again. The old file stays whole
   * until the rename: a crash before it keeps the old store.
   */
  defragment(): Promise<void> {
    if (this.closed) return Promise.reject(Errors.Stopped);
    this.defragmenting ??= this.defragmentOnce().finally(() => (this.defragmenting = undefined));
    return this.defragmenting;
  }

  private defragSeq = 0;
  /** The copy running (close() stops it). */
  private defragCopy: DefragCopy | undefined;

  private async defragmentOnce(): Promise<void> {
    const t0 = performance.now();
    const sizeBefore = this.dbSize();
    this.compactor.pause();
    try {
      for (let attempt = 0; ; attempt++) {
        const dir = this.defragDir(++this.defragSeq);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        const compactAtStart = this.compactRev;
        const loadsAtStart = this.loads;
        let copy: DefragCopy;
        try {
          copy = new DefragCopy({
            storeDir: this.opts.dir,
            copyDir: dir,
            envOptions: LMDB_ENV_OPTIONS,
            dbNames: [...DB_NAMES],
            kvName: 'kv',
            mapSize: (this.env.getStats() as { mapSize: number }).mapSize,
          });
        } catch (err) {
          rmSync(dir, { recursive: true, force: true });
          throw err;
        }
        this.defragCopy = copy;
        let copied: DefragCopyResult | undefined;
        try {
          copied = await copy.copied;
        } catch (err) {
          if (!this.closed) throw err;
        } finally {
          this.defragCopy = undefined;
          if (copied === undefined || this.closed || this.compactRev !== compactAtStart || this.loads !== loadsAtStart) {
            await copy.release();
            rmSync(dir, { recursive: true, force: true });
          }
        }
        if (this.closed) throw Errors.Stopped;
        if (this.compactRev !== compactAtStart || this.loads !== loadsAtStart) {
          if (attempt < 3) continue;
          throw new EtcdError(GrpcCode.UNAVAILABLE, 'dcsgw: defragment gave up: the store kept changing underneath the copy');
        }
        const swap = this.swapIn(dir, copied!.lastKvKey, copy);
        this.log.info(
          {
            took: Math.round(performance.now() - t0),
            copyMs: Math.round(copied!.bulkMs),
            catchUpMs: Math.round(copied!.catchUpMs),
            catchUpRounds: copied!.catchUpRounds,
            fsyncMs: Math.round(copied!.fsyncMs),
            records: copied!.records + swap.records,
            recordsAtSwap: swap.records,
            swapMs: swap.ms,
            dbSizeBefore: sizeBefore,
            dbSize: this.dbSize(),
          },
          'finished defragmenting directory',
        );
        return;
      }
    } finally {
      this.compactor.resume();
    }
  }

  /**
   * Makes the copy the store (on this thread, without an await: no batch lands in between); says
   * how many kv records it caught up with, and the time of each step (the event loop's stall).
   */
  private swapIn(dir: string, lastKvKey: Buffer | undefined, copy: DefragCopy): { records: number; ms: Record<string, number> } {
    const oldEnv = this.env;
    const old = { kv: this.kvDb, kvView: this.kvView, lease: this.leaseDb, meta: this.metaDb, auth: this.authDb };
    let caughtUp = 0;
    const ms: Record<string, number> = {};
    let t = performance.now();
    const step = (name: string) => {
      const now = performance.now();
      ms[name] = Math.round((now - t) * 10) / 10;
      t = now;
    };
    try {
      this.openEnv(dir);
      step('open');
      this.kvDb.transactionSync(() => {
        const range = lastKvKey === undefined ? {} : { start: lastKvKey, exclusiveStart: true };
        for (const { key, value } of old.kvView.getRange(range)) {
          this.kvDb.putSync(key, value, { append: true });
          caughtUp++;
        }
        for (const [from, to] of [
          [old.lease, this.leaseDb],
          [old.meta, this.metaDb],
          [old.auth, this.authDb],
        ] as const) {
          to.clearSync();
          for (const { key, value } of from.getRange({})) to.putSync(key, value);
        }
      });
      step('catchUp');
      // The new environment keeps its open files: the renames only give them the store's names (the
      // lock file too, so another process opening the store shares this environment's locks).
      renameSync(join(dir, 'data.mdb'), join(this.opts.dir, 'data.mdb'));
      renameSync(join(dir, 'lock.mdb'), join(this.opts.dir, 'lock.mdb'));
      step('rename');
    } catch (err) {
      const failed = this.env;
      this.env = oldEnv;
      this.kvDb = old.kv;
      this.kvView = old.kvView;
      this.leaseDb = old.lease;
      this.metaDb = old.meta;
      this.authDb = old.auth;
      if (failed !== oldEnv) void failed.close().catch(() => undefined);
      void copy.release().finally(() => rmSync(dir, { recursive: true, force: true }));
      throw err;
    }
    rmSync(dir, { recursive: true, force: true });
    // The copy was on disk (the worker's fsync) before any rename; the few records this thread
    // added since are synced as every commit of the store is, off this thread, and the renames with
    // the folder's fsync. (An fsync here waited for the device, up to ~80 ms on a busy disk at 1M
    // keys, with every request waiting behind it.)
    this.flush().catch((err: unknown) => this.log.warn({ err }, 'mvcc: syncing the defragmented environment failed'));
    void syncFolder(this.opts.dir).catch((err: unknown) => this.log.warn({ err }, 'mvcc: syncing the store folder after defragmentation failed'));
    // This thread's handle of the old environment goes once the syncs and snapshot views reading it
    // are done; the worker's goes after it, so the unmapping happens on the worker's thread.
    const closeOld = () => oldEnv.close().catch((err: unknown) => this.log.warn({ err }, 'mvcc: closing the pre-defragmentation environment failed'));
    void Promise.allSettled([...this.pendingSyncs])
      .then(closeOld)
      .then(() => copy.release());
    return { records: caughtUp, ms };
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * The whole replicated state in one Buffer: magic, [consistent index, revision, compact
   * revision] as doubles, then sections (kv, lease, meta, auth) of length-prefixed key/value pairs.
   * Read from one read transaction taken when called (a consistent point in time: the raft index
   * the caller notes beside it), in slices of a few ms across event-loop turns, so a follower's
   * snapshot or a Consul snapshot of a large store does not hold every request up for seconds.
   */
  async snapshotData(): Promise<Buffer> {
    const view = this.snapshotView();
    try {
      const parts: Buffer[] = [STORE_DUMP_MAGIC];
      const head = Buffer.allocUnsafe(24);
      head.writeDoubleLE(view.consistentIndex, 0);
      head.writeDoubleLE(view.revision, 8);
      head.writeDoubleLE(view.compactRevision, 16);
      parts.push(head);
      let sliceStart = performance.now();
      let items = 0;
      for (let s = 0; s < STORE_DUMP_SECTIONS; s++) {
        const count = Buffer.allocUnsafe(4);
        parts.push(count);
        let n = 0;
        for (const { key, value } of view.section(s)) {
          const lens = Buffer.allocUnsafe(8);
          lens.writeUInt32LE(key.length, 0);
          lens.writeUInt32LE(value.length, 4);
          parts.push(lens, Buffer.from(key), Buffer.from(value));
          n++;
          if ((++items & 255) === 0 && performance.now() - sliceStart > SNAPSHOT_SLICE_MS) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
        }
        count.writeUInt32LE(n);
      }
      const data = Buffer.concat(parts);
      await this.flush();
      return data;
    } finally {
      view.done();
    }
  }

  /**
   * The replicated state at this point in time, held by one LMDB read transaction so it can be
   * read in slices (etcd's snapshot stream) while batches keep being applied. The numbers are the
   * 'state' record of that transaction, written with every batch.
   */
  snapshotView(): StoreSnapshotView {
    const transaction = this.kvDb.useReadTransaction();
    const state = this.metaDb.get(STATE_KEY, { transaction });
    const dbs = this.allDbs();
    // the handles of this environment: a defragmentation may swap another one in while the view is read
    const kvView = this.kvView;
    let open = true;
    // A view read across event-loop turns must not have its environment closed under it (close(),
    // or defragment() swapping in the compacted copy): both wait for it as for a sync.
    let release!: () => void;
    const tracked: Promise<void> = new Promise<void>((resolve) => (release = resolve)).finally(() => this.pendingSyncs.delete(tracked));
    this.pendingSyncs.add(tracked);
    return {
      consistentIndex: state ? state.readDoubleLE(0) : 0,
      revision: state ? state.readDoubleLE(8) : this.rev,
      compactRevision: state ? state.readDoubleLE(16) : this.compactRev,
      section: (i) => {
        if (!open) throw new Error('mvcc snapshot view read after done()');
        // the kv section (the bulk of a snapshot) in place: the view's readers copy what they keep
        return (i === 0 ? kvView : dbs[i]!).getRange({ transaction });
      },
      done: () => {
        if (!open) return;
        open = false;
        transaction.done();
        release();
      },
    };
  }

  private allDbs(): Database<Buffer, Buffer>[] {
    return [this.kvDb, this.leaseDb, this.metaDb, this.authDb];
  }

  restore(data: Buffer): void {
    let dump: StoreDump;
    try {
      dump = parseStoreDump(data);
    } catch (err) {
      throw new Error(`mvcc restore: ${(err as Error).message}`);
    }
    this.restoreSections(dump.sections);
  }

  /**
   * restore() from the four sections (kv, lease, meta, auth) read while they are written, in one
   * transaction: a caller converting another format (an etcd restore) never holds the state whole.
   * The meta section carries the 'state' record; a value may be a buffer reused by the next item.
   */
  restoreSections(sections: Iterable<StoreDumpEntry>[]): void {
    this.writeSections(sections, false);
    const wasPrimary = this.lessor.isPrimary();
    this.load();
    if (wasPrimary) this.lessor.promote(this.now());
    // Watchers re-read history from their next revision against the new state (or learn it is compacted).
    this.user.hub.resync();
    this.sys.hub.resync();
  }

  /**
   * Writes the four sections (kv, lease, meta, auth) into the store at `opts.dir`, emptied first,
   * in one transaction, and forces them to disk, without building the in-memory state that the
   * member opening the store next builds anyway (an etcd restore import: a conversion). Each
   * section's keys must come in ascending byte order: they are written in LMDB's append mode (no
   * search per key, full pages); one out of order fails the import. A section may also be a
   * function that puts its entries itself (no iterator step per entry: a million-key import).
   */
  static async importSections(opts: MvccStoreOptions, sections: ImportSection[]): Promise<ImportTimes> {
    const store = new MvccStore(opts);
    const writeback = new ImportWriteback(opts.dir);
    const t0 = performance.now();
    try {
      store.writeSections(sections, true, (bytes) => writeback.wrote(bytes));
      const t1 = performance.now();
      await writeback.done();
      await store.flush();
      return { writeMs: t1 - t0, syncMs: performance.now() - t1, writebacks: writeback.started };
    } finally {
      await writeback.done();
      store.close();
    }
  }

  /**
   * The sections replace the databases' content, in one transaction (the in-memory state is the
   * caller's). `append`: each section's keys come in ascending order, written in LMDB's append
   * mode; `wrote` hears the bytes of every record put.
   */
  private writeSections(sections: ImportSection[], append: boolean, wrote?: (bytes: number) => void): void {
    const dbs = this.allDbs();
    const putOptions = { append };
    this.kvDb.transactionSync(() => {
      for (let s = 0; s < dbs.length; s++) {
        const db = dbs[s]!;
        db.clearSync();
        const section = sections[s]!;
        const put = (key: Buffer, value: Buffer): void => {
          // append mode skips a key not above the last one, returning false (lmdb's typings say void):
          // that is a failed import, not a lost record
          if ((db.putSync(key, value, putOptions) as unknown) === false) throw new Error(`mvcc import: section ${s}: key ${key.toString('hex')} is not above the previous one`);
          wrote?.(key.length + value.length);
        };
        if (typeof section === 'function') section(put);
        else for (const { key, value } of section) put(key, value);
      }
    });
  }

  /**
   * A replicated restore (Consul's snapshot restore): the kv, lease and auth content of a
   * snapshotData() dump replace this store's, inside the batch's transaction, at this entry's log
   * position on every member. The consistent index stays this log's; the revision never goes back
   * (it becomes the higher of the two), so revisions stay monotonic for every reader; the compact
   * revision is the dump's; alarms (which name this cluster's members) stay. A malformed dump
   * changes nothing and fails the command.
   */
  private applyRestore(data: Buffer): ApplyValue {
    this.checkCorrupt();
    let dump: StoreDump;
    try {
      dump = parseStoreDump(data);
    } catch (err) {
      throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `dcsgw: snapshot restore refused: ${(err as Error).message}`);
    }
    const [kv, lease, , auth] = dump.sections as [StoreDump['sections'][0], StoreDump['sections'][0], unknown, StoreDump['sections'][0]];
    const revBefore = this.rev;
    for (const [db, entries] of [
      [this.kvDb, kv],
      [this.leaseDb, lease],
      [this.authDb, auth],
    ] as const) {
      db.clearSync();
      for (const { key, value } of entries) db.putSync(key, value);
    }
    const wasPrimary = this.lessor.isPrimary();
    const ci = this.ci;
    this.load(); // reads through this write transaction, so it sees the restored records
    this.ci = ci;
    this.rev = Math.max(revBefore, dump.revision, this.rev);
    this.compactRev = dump.compactRevision;
    // What the dump's records hold below its compact revision is unknown here: walk them again.
    this.compactor.resetDone(NEVER_COMPACTED);
    this.recordCompacted(NEVER_COMPACTED);
    this.compactionToSchedule = this.compactRev > NEVER_COMPACTED;
    if (wasPrimary) this.lessor.promote(this.now());
    this.resetBatchEvents();
    this.restoredInBatch = true;
    return { kind: 'restore', revision: this.rev };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.compactor.stop();
    this.defragCopy?.abort();
    this.user.hub.cancelAll('etcdserver: server stopped');
    this.sys.hub.cancelAll('etcdserver: server stopped');
    const env = this.env;
    const closeEnv = () => env.close().catch((err: unknown) => this.log.warn({ err }, 'mvcc close failed'));
    if (this.pendingSyncs.size === 0) void closeEnv();
    else void Promise.allSettled([...this.pendingSyncs]).then(closeEnv);
  }
}

export function openMvccStore(opts: MvccStoreOptions): MvccStore {
  return new MvccStore(opts);
}
