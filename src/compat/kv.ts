// Consul's KV store over the Backend (DESIGN.md, "One keyspace, two views"): the Consul key `a/b`
// IS the etcd key `a/b`; CreateIndex / ModifyIndex are its create / mod revisions; Flags, Session
// and LockIndex come from its metadata record (kv-meta.ts), read at the same revision. Writes go
// through the txn executor (txn.ts) so a single PUT and a /v1/txn share one implementation.
import type { Backend, Compare, KeyValue, RequestOp } from '../adapters/backend.js';
import { modRevisionIs } from '../adapters/requests.js';
import type { IndexTracker } from './index-tracker.js';
import { entryOf, type KvEntry } from './kv-entry.js';
import { KvGraveyard } from './kv-graveyard.js';
import { metaFor, metaKey, userKeyOfMeta } from './kv-meta.js';
import { PinnedRead, prefixRange } from './kv-read.js';
import { SYSTEM, SystemPrefix } from './system-keys.js';
import { KvTxnExecutor, type KvOp, type TxnError, type TxnOutcome } from './txn.js';

/** Consul's kv_max_value_size default (512 KiB). */
export const KV_MAX_VALUE_SIZE = 512 * 1024;

export interface KvRead<T> {
  /** What X-Consul-Index reports for this answer (Consul's rules, reference §2.1). */
  index: number;
  value: T;
}

/** A KV write refused by Consul with an RPC error (HTTP 500 with this text), e.g. `invalid session "x"`. */
export class KvApplyError extends Error {}

export class ConsulKv {
  readonly executor: KvTxnExecutor;
  private readonly graveyard: KvGraveyard;

  constructor(
    private readonly backend: Backend,
    private readonly tracker: IndexTracker,
  ) {
    this.executor = new KvTxnExecutor(backend);
    this.graveyard = new KvGraveyard(backend.header().revision, tracker);
  }

  /** One key: its entry (index = its ModifyIndex) or undefined (index = the kvs table's index). */
  async get(key: Buffer, linearizable: boolean): Promise<KvRead<KvEntry | undefined>> {
    const read = new PinnedRead(this.backend, linearizable);
    const user = await read.one('user', key);
    if (!user) return { index: this.tracker.index('kvs'), value: undefined };
    const meta = await read.one(SYSTEM, metaKey(key));
    return { index: user.modRevision, value: entryOf(user, metaFor(user, meta).meta) };
  }

  /** Every entry under a prefix, in key order; index = the highest ModifyIndex or tombstone under it. */
  async list(prefix: Buffer, linearizable: boolean): Promise<KvRead<KvEntry[]>> {
    const read = new PinnedRead(this.backend, linearizable);
    const [k, end] = prefixRange(prefix);
    const users = await read.range('user', k, end);
    let metas: KeyValue[] = [];
    if (users.length > 0) {
      const [mk, mend] = prefixRange(metaKey(prefix));
      metas = await read.range(SYSTEM, mk, mend);
    }
    const metaByKey = new Map(metas.map((m) => [m.key.subarray(SystemPrefix.kvMeta.length).toString('latin1'), m]));
    const entries = users.map((u) => entryOf(u, metaFor(u, metaByKey.get(u.key.toString('latin1'))).meta));
    return { index: this.listIndex(prefix, entries), value: entries };
  }

  /** Keys under a prefix, cut after the first separator past the prefix and de-duplicated (Consul's ListKeys). */
  async keys(prefix: Buffer, separator: string, linearizable: boolean): Promise<KvRead<string[]>> {
    const read = new PinnedRead(this.backend, linearizable);
    const [k, end] = prefixRange(prefix);
    const users = await read.range('user', k, end);
    let max = 0;
    const out: string[] = [];
    const seen = new Set<string>();
    const sep = Buffer.from(separator, 'utf8');
    for (const u of users) {
      if (u.modRevision > max) max = u.modRevision;
      if (sep.length === 0) {
        out.push(u.key.toString('utf8'));
        continue;
      }
      const at = u.key.indexOf(sep, prefix.length);
      if (at < 0) {
        out.push(u.key.toString('utf8'));
        continue;
      }
      const cut = u.key.subarray(0, at + sep.length).toString('utf8');
      if (!seen.has(cut)) {
        seen.add(cut);
        out.push(cut);
      }
    }
    return { index: this.listIndexOf(prefix, max), value: out };
  }

  // ---- writes (Consul's KVS.Apply): true / false, or KvApplyError for Consul's RPC errors ----

  set(key: Buffer, value: Buffer, flags: bigint): Promise<boolean> {
    return this.applyOne({ verb: 'set', key, value, flags, index: 0, session: '' });
  }

  cas(key: Buffer, value: Buffer, flags: bigint, modifyIndex: number): Promise<boolean> {
    return this.applyOne({ verb: 'cas', key, value, flags, index: modifyIndex, session: '' });
  }

  acquire(key: Buffer, value: Buffer, flags: bigint, session: string): Promise<boolean> {
    return this.applyOne({ verb: 'lock', key, value, flags, index: 0, session });
  }

  release(key: Buffer, value: Buffer, flags: bigint, session: string): Promise<boolean> {
    return this.applyOne({ verb: 'unlock', key, value, flags, index: 0, session });
  }

  delete(key: Buffer): Promise<boolean> {
    return this.applyOne({ verb: 'delete', key, value: Buffer.alloc(0), flags: 0n, index: 0, session: '' });
  }

  deleteCas(key: Buffer, modifyIndex: number): Promise<boolean> {
    return this.applyOne({ verb: 'delete-cas', key, value: Buffer.alloc(0), flags: 0n, index: modifyIndex, session: '' });
  }

  deleteTree(prefix: Buffer): Promise<boolean> {
    return this.applyOne({ verb: 'delete-tree', key: prefix, value: Buffer.alloc(0), flags: 0n, index: 0, session: '' });
  }

  /** /v1/txn's KV part. */
  txn(ops: readonly KvOp[], linearizable: boolean): Promise<TxnOutcome> {
    return this.executor.run(ops, { linearizable });
  }

  /**
   * Deletes metadata records that no longer apply to anything: their user key was deleted or
   * re-created by an etcd client (so the record's generation is gone) and no lock-delay window is
   * open on the name. At most `limit` per call, in one txn whose compares make sure neither record
   * changed meanwhile. Returns how many were deleted.
   */
  async collectStaleMetadata(limit = 256): Promise<number> {
    const read = new PinnedRead(this.backend, false);
    const [mk, mend] = prefixRange(metaKey(Buffer.alloc(0)));
    const metas = await read.range(SYSTEM, mk, mend);
    const now = Date.now();
    const compare: Compare[] = [];
    const success: RequestOp[] = [];
    for (const m of metas) {
      if (success.length >= limit) break;
      const user = await read.one('user', userKeyOfMeta(m.key));
      const { valid, meta } = metaFor(user, m);
      if (valid || meta.lockDelayUntil > now) continue;
      compare.push(
        modRevisionIs(SYSTEM, m.key, m.modRevision),
        modRevisionIs('user', userKeyOfMeta(m.key), user?.modRevision ?? 0),
      );
      success.push({ requestDeleteRange: { keyspace: SYSTEM, key: m.key, rangeEnd: Buffer.alloc(0), prevKv: false } });
    }
    if (success.length === 0) return 0;
    const res = await this.backend.txn({ compare, success, failure: [] });
    return res.succeeded ? success.length : 0;
  }

  private async applyOne(op: KvOp): Promise<boolean> {
    const out = await this.executor.run([op]);
    const fatal = out.errors.find((e: TxnError) => e.fatal);
    if (fatal) throw new KvApplyError(fatal.what);
    return out.errors.length === 0;
  }

  private listIndex(prefix: Buffer, entries: readonly KvEntry[]): number {
    let max = 0;
    for (const e of entries) if (e.modifyIndex > max) max = e.modifyIndex;
    return this.listIndexOf(prefix, max);
  }

  /** Consul's kvsListTxn: entries' and tombstones' highest index under the prefix; the table index for the root or when there is none. */
  private listIndexOf(prefix: Buffer, entriesMax: number): number {
    if (prefix.length === 0) return this.tracker.index('kvs');
    const idx = Math.max(entriesMax, this.graveyard.maxIndexUnder(prefix));
    return idx > 0 ? idx : this.tracker.index('kvs');
  }
}
