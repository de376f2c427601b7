// etcd transactions (and every put and delete, which are one-operation transactions) on Consul's
// /v1/txn. Consul's transaction has no branches: it applies a list of operations, all or none, and
// its check operations (check-index, check-not-exists, cas, delete-cas) abort it. So a transaction
// runs optimistically:
//
//  1. read: every key the transaction compares, puts or deletes, and every range it compares or
//     deletes, is read from Consul (plain GETs);
//  2. plan: the compares are evaluated on what was read (through an overlay of the transaction's
//     own earlier writes, for nested txns), the branch taken is turned into Consul operations, and
//     every key whose state decided something is guarded: by the write of that key itself (cas /
//     delete-cas at the index that was read), else by a check-index / check-not-exists placed
//     before the writes — so a compare-and-put of a key is one Consul operation;
//  3. commit: one PUT /v1/txn. A guard failing means someone wrote in between: read and plan again.
//
// Range operations inside the transaction are Consul reads inside the same Consul transaction
// (get, get-tree), so they see the transaction's own writes and one point in time. A get-tree's
// entries are told apart from the next operation's by a `get` of _dcsgw/revision right after it
// (consul-keyspace.ts). A delete of a range deletes whole prefixes with delete-tree where the range
// allows (its prev_kvs from a get-tree just before), and single keys with delete-cas at its edges.
// The revision of the transaction is the ModifyIndex Consul gives its writes; a transaction that
// only deletes also sets _dcsgw/revision to learn it.
//
// Consul's limits: 64 operations and 512 KiB per transaction. A plan beyond them answers etcd's
// "too many operations in txn request" or a "too large" error naming Consul's limit.
import { randomBytes } from 'node:crypto';
import { CompareResult, CompareTarget, type Compare, type DeleteRangeRequest, type Keyspace, type PutRequest, type RangeRequest, type ResponseHeader, type ResponseOp, type TxnRequest, type TxnResponse } from './backend.js';
import type { EntryCache } from './consul-entry-cache.js';
import type { WriteJournal } from './consul-write-journal.js';
import type { ConsulHttp } from './consul-http.js';
import { consulError } from './consul-http.js';
import {
  consulKeyOf,
  consulRange,
  coveringPrefix,
  inRange,
  isPrefixRange,
  kvOf,
  parseConsulJson,
  prefixTouchesReserved,
  stringifyConsulJson,
  REVISION_KEY,
  startsWith,
  SYSTEM_PREFIX,
  valueOf,
  versionOf,
  type ConsulEntry,
  type ConsulRange,
} from './consul-keyspace.js';
import type { ConsulLeases } from './consul-leases.js';
import { byKeyBytes, rangeAnswer } from './consul-range-answer.js';
import { EtcdError, Errors, GrpcCode } from './errors.js';
import { splitFlags, userKeyOfMeta } from './consul-flags.js';
import { attachVersions, ensureRevisionKey, readTrees, shadowsIn, versionKey, versionWrite } from './consul-versions.js';
import { prefixEnd } from './requests.js';
import { isUtf8 } from 'node:buffer';

export const CONSUL_MAX_TXN_OPS = 64;
export const CONSUL_MAX_TXN_BYTES = 512 * 1024;
const MAX_ATTEMPTS = 25;
/** CreateIndex / ModifyIndex of an entry this transaction writes: its revision, known at commit. */
const PENDING = -1;
const SYSTEM_BYTES = Buffer.from(SYSTEM_PREFIX);

interface KvOp {
  Verb: string;
  Key: string;
  Value?: string;
  Flags?: string;
  Index?: number;
  Session?: string;
}

/** How many result entries an operation gives on success, and who wants them. */
interface Slot {
  kind: 'one' | 'none' | 'tree';
  write?: boolean;
  take?: (entries: ConsulEntry[]) => void;
}

export interface TxnContext {
  http: ConsulHttp;
  /** Single keys' last known states: a key found there is not read before the transaction. */
  cache: EntryCache;
  leases: ConsulLeases;
  /** The newest header seen. */
  header(): ResponseHeader;
  /** Reads the current revision (for transactions that wrote nothing). */
  probe(): Promise<ResponseHeader>;
  /** Records a header learnt from a commit. */
  seen(revision: number): void;
  /** The writes this process committed, so watches report them exactly. */
  journal: WriteJournal;
}

/** The key's Consul name, or undefined for a key no Consul entry can have (reads find nothing there). */
function readableKey(keyspace: Keyspace | undefined, key: Buffer): string | undefined {
  try {
    return consulKeyOf(keyspace, key);
  } catch {
    return undefined;
  }
}

class StateView {
  /** What the read phase found: null = absent. */
  readonly read = new Map<string, ConsulEntry | null>();
  /** This transaction's own writes so far: null = deleted. */
  readonly overlay = new Map<string, ConsulEntry | null>();
  /** Keys whose read state decided something and needs a standalone guard at commit. */
  readonly needGuard = new Set<string>();
  /** Keys whose read state the plan's write of them checks itself (cas / delete-cas at the read index). */
  readonly folded = new Set<string>();
  /** Keys whose read state came from the cache, not from Consul. */
  readonly fromCache = new Set<string>();

  get(k: string): ConsulEntry | null {
    if (this.overlay.has(k)) return this.overlay.get(k)!;
    return this.read.get(k) ?? null;
  }

  /** Present keys of the range, in key order (the range's covering prefix was read). */
  keysIn(r: ConsulRange): string[] {
    const keys = new Set<string>();
    for (const [k, e] of this.read) if (e && !this.overlay.has(k) && inRange(Buffer.from(k, 'utf8'), r)) keys.add(k);
    for (const [k, e] of this.overlay) if (e && inRange(Buffer.from(k, 'utf8'), r)) keys.add(k);
    return [...keys].sort(byKeyBytes);
  }
}

type Build = (revision: number, header: ResponseHeader) => ResponseOp;
type BuildTxn = (revision: number, header: ResponseHeader) => TxnResponse;

class Planner {
  readonly ops: Array<{ KV: KvOp }> = [];
  readonly slots: Slot[] = [];
  needsRevision = false;
  /** Sessions keys are attached to (checked when Consul refuses a lock). */
  readonly sessions = new Set<string>();
  /** Entries this plan deletes with delete-tree, filled as the commit's results are read. */
  readonly treeDeleted: ConsulEntry[] = [];

  constructor(
    private readonly view: StateView,
    private readonly ctx: TxnContext,
  ) {}

  /** Consul flags a kv/<key> record of this transaction gives <key> (consul-flags.ts). */
  readonly pendingFlags = new Map<string, string>();
  /** The operations writing each key's Flags, so a later record of its flags can set them. */
  private readonly flagOps = new Map<string, KvOp[]>();

  private emit(op: KvOp, slot: Slot): void {
    this.ops.push({ KV: op });
    this.slots.push(slot);
    if (op.Flags !== undefined) this.flagOps.set(op.Key, [...(this.flagOps.get(op.Key) ?? []), op]);
  }

  private setFlags(userKey: string, flags: string): void {
    this.pendingFlags.set(userKey, flags);
    for (const op of this.flagOps.get(userKey) ?? []) op.Flags = flags;
    const written = this.view.overlay.get(userKey);
    if (written) this.view.overlay.set(userKey, { ...written, Flags: flags });
  }

  /** Flags of keys this transaction does not write themselves: a cas of the key as it is, with them. */
  finishFlags(): void {
    for (const [k, flags] of this.pendingFlags) {
      if (this.view.overlay.has(k)) continue;
      const e = this.view.read.get(k);
      if (!e || e.Flags === flags) continue;
      this.takeGuard(k);
      this.emit({ Verb: 'cas', Key: k, Value: e.Value ?? '', Flags: flags, Index: e.ModifyIndex }, { kind: 'one', write: true });
      const shadow = versionWrite(k, versionOf(e));
      if (shadow) this.emit(shadow, { kind: 'one' });
      this.view.overlay.set(k, { ...e, Flags: flags, ModifyIndex: PENDING });
    }
  }

  /**
   * Marks the read state of `k` as deciding something: unless a write of `k` later in the plan
   * checks it itself (cas / delete-cas), a check-index / check-not-exists guards it at commit.
   */
  private guard(k: string): void {
    if (this.view.folded.has(k) || this.view.overlay.has(k)) return;
    this.view.needGuard.add(k);
  }

  /** True the first time a key's read state is used by a write, which then guards it itself. */
  private takeGuard(k: string): boolean {
    if (this.view.folded.has(k) || this.view.overlay.has(k)) return false;
    this.view.folded.add(k);
    this.view.needGuard.delete(k);
    return true;
  }

  /** The standalone guards, placed before every write (they check states read before the transaction). */
  guards(): { ops: Array<{ KV: KvOp }>; slots: Slot[] } {
    const ops: Array<{ KV: KvOp }> = [];
    const slots: Slot[] = [];
    for (const k of this.view.needGuard) {
      const e = this.view.read.get(k);
      if (e) {
        ops.push({ KV: { Verb: 'check-index', Key: k, Index: e.ModifyIndex } });
        slots.push({ kind: 'one' });
      } else {
        ops.push({ KV: { Verb: 'check-not-exists', Key: k } });
        slots.push({ kind: 'none' });
      }
    }
    return { ops, slots };
  }

  private resolve(e: ConsulEntry, revision: number): ConsulEntry {
    if (e.CreateIndex !== PENDING && e.ModifyIndex !== PENDING) return e;
    return { ...e, CreateIndex: e.CreateIndex === PENDING ? revision : e.CreateIndex, ModifyIndex: e.ModifyIndex === PENDING ? revision : e.ModifyIndex };
  }

  private compare(c: Compare): boolean {
    const r = consulRange(c.keyspace, c.key, c.rangeEnd);
    let entries: ConsulEntry[];
    if (r.single) {
      const k = readableKey(c.keyspace, c.key);
      const e = k === undefined ? null : this.view.get(k);
      if (k !== undefined) this.guard(k);
      entries = e ? [e] : [];
    } else {
      const keys = this.view.keysIn(r);
      for (const k of keys) this.guard(k);
      entries = keys.map((k) => this.view.get(k)!);
    }
    if (entries.length === 0) {
      if (c.target === CompareTarget.VALUE) return false;
      return compareOne(c, { version: 0, create: 0, mod: 0, value: Buffer.alloc(0), lease: 0n });
    }
    const estimate = this.ctx.header().revision + 1;
    return entries.every((e) =>
      compareOne(c, {
        version: versionOf(e),
        create: e.CreateIndex === PENDING ? estimate : e.CreateIndex,
        mod: e.ModifyIndex === PENDING ? estimate : e.ModifyIndex,
        value: valueOf(e),
        lease: e.Session ? this.ctx.leases.leaseOfSession(e.Session) : 0n,
      }),
    );
  }

  async txn(t: TxnRequest): Promise<BuildTxn> {
    const succeeded = t.compare.every((c) => this.compare(c));
    const builds: Build[] = [];
    for (const op of succeeded ? t.success : t.failure) builds.push(await this.op(op));
    return (rev, h) => ({ header: h, succeeded, responses: builds.map((b) => b(rev, h)) });
  }

  private async op(op: TxnRequest['success'][number]): Promise<Build> {
    if (op.requestRange) return this.range(op.requestRange);
    if (op.requestPut) return this.put(op.requestPut);
    if (op.requestDeleteRange) return this.del(op.requestDeleteRange);
    if (op.requestTxn) {
      const inner = await this.txn(op.requestTxn);
      return (rev, h) => ({ responseTxn: inner(rev, h) });
    }
    throw new EtcdError(GrpcCode.INVALID_ARGUMENT, 'etcdserver: request is empty');
  }

  private range(r: RangeRequest): Build {
    const cr = consulRange(r.keyspace, r.key, r.rangeEnd);
    const leaseOf = (s: string) => this.ctx.leases.leaseOfSession(s);
    let got: ConsulEntry[] = [];
    let shadows: ConsulEntry[] = [];
    if (cr.single) {
      const k = readableKey(r.keyspace, r.key);
      if (k !== undefined) {
        if (this.view.get(k)) {
          this.emit({ Verb: 'get', Key: k }, { kind: 'one', take: (e) => (got = e) });
          this.emit({ Verb: 'get-tree', Key: versionKey(k) }, { kind: 'tree', take: (e) => (shadows = e) });
          this.emit({ Verb: 'get', Key: REVISION_KEY }, { kind: 'one' });
        } else this.guard(k);
      }
    } else {
      const p = coveringPrefix(cr);
      if (p !== '' && !(cr.keyspace === 'user' && prefixTouchesReserved(p))) {
        this.emit({ Verb: 'get-tree', Key: p }, { kind: 'tree', take: (e) => (got = e) });
        this.emit({ Verb: 'get', Key: REVISION_KEY }, { kind: 'one' });
        this.emit({ Verb: 'get-tree', Key: versionKey(p) }, { kind: 'tree', take: (e) => (shadows = e) });
        this.emit({ Verb: 'get', Key: REVISION_KEY }, { kind: 'one' });
      } else {
        // a range over the whole keyspace: Consul's get-tree needs a prefix, so it is answered
        // from the state read before the transaction (with this transaction's writes on top)
        const local = this.view.keysIn(cr).map((k) => this.view.get(k)!);
        got = local;
        return (rev, h) =>
          ({ responseRange: rangeAnswer(local.map((e) => kvOf(this.resolve(e, rev), r.keyspace, leaseOf, r.keysOnly)), r, h) });
      }
    }
    return (rev, h) => {
      attachVersions(got, shadowsIn(shadows));
      const kvs = got.filter((e) => inRange(Buffer.from(e.Key, 'utf8'), cr)).sort((a, b) => byKeyBytes(a.Key, b.Key));
      return { responseRange: rangeAnswer(kvs.map((e) => kvOf(this.resolve(e, rev), r.keyspace, leaseOf, r.keysOnly)), r, h) };
    };
  }

  private async put(p: PutRequest): Promise<Build> {
    const k = consulKeyOf(p.keyspace, p.key);
    const prev = this.view.get(k);
    if ((p.ignoreValue || p.ignoreLease) && !prev) throw Errors.KeyNotFound;
    const value = p.ignoreValue ? valueOf(prev!) : p.value;
    const prevLeaseSession = prev?.Session && this.ctx.leases.isLeaseSession(prev.Session) ? prev.Session : undefined;
    let target: string | undefined;
    if (p.ignoreLease) target = prevLeaseSession;
    else if (p.lease !== 0n) target = await this.ctx.leases.sessionFor(p.lease);
    if (target) this.sessions.add(target);
    const version = prev ? versionOf(prev) + 1 : 1;
    // a kv/<key> record of the Consul face carries its flags into the key's own Flags (consul-flags.ts)
    const metaOf = userKeyOfMeta(k);
    let stored = value;
    if (metaOf !== undefined) {
      const split = splitFlags(value);
      stored = split.stored;
      if (split.flagsOnly && p.lease === 0n && !p.ignoreLease) {
        // nothing to keep beside the key's own Flags: no record (an older one goes)
        if (prev) {
          this.emit({ Verb: 'delete', Key: k }, { kind: 'none' });
          if (versionOf(prev) > 1) this.emit({ Verb: 'delete', Key: versionKey(k) }, { kind: 'none' });
          this.view.overlay.set(k, null);
          this.needsRevision = true;
        }
        this.setFlags(metaOf, split.flags);
        const leaseOfPrev = (s: string) => this.ctx.leases.leaseOfSession(s);
        return (_rev, h) => ({ responsePut: { header: h, ...(p.prevKv && prev ? { prevKv: kvOf(prev, p.keyspace, leaseOfPrev) } : {}) } });
      }
      this.setFlags(metaOf, split.flags);
    }
    const flags = this.pendingFlags.get(k) ?? prev?.Flags ?? '0';
    const base = { Key: k, Value: stored.toString('base64'), Flags: flags };
    const write: Slot = { kind: 'one', write: true };
    // Consul leaves a key's ModifyIndex alone when a write changes nothing (same value, flags and
    // session), where etcd gives every put a new revision: such a put first writes another value
    // in the same transaction (never visible: a transaction applies whole), so the key moves.
    const keepsForeign = !target && prev?.Session && !prevLeaseSession ? prev.Session : undefined;
    const unchanged = !!prev && (prev.Value ?? '') === base.Value && String(prev.Flags) === String(flags) && (prev.Session || undefined) === (target ?? keepsForeign);
    const nudged = { ...base, Value: otherValue(stored).toString('base64') };
    if (!target) {
      if (prevLeaseSession) {
        this.guard(k);
        this.emit({ ...base, Verb: 'unlock', Session: prevLeaseSession }, write);
      } else if (this.takeGuard(k)) {
        if (unchanged) {
          this.emit({ ...nudged, Verb: 'cas', Index: prev!.ModifyIndex }, { kind: 'one' });
          this.emit({ ...base, Verb: 'set' }, write);
        } else this.emit({ ...base, Verb: 'cas', Index: prev ? prev.ModifyIndex : 0 }, write);
      } else {
        if (unchanged) this.emit({ ...nudged, Verb: 'set' }, { kind: 'one' });
        this.emit({ ...base, Verb: 'set' }, write);
      }
    } else {
      this.guard(k);
      if (prev?.Session && prev.Session !== target) this.emit({ ...base, Verb: 'unlock', Session: prev.Session }, { kind: 'one', write: true });
      // the holder's lock of the key updates its value and keeps LockIndex
      if (unchanged) this.emit({ ...nudged, Verb: 'lock', Session: target }, { kind: 'one' });
      this.emit({ ...base, Verb: 'lock', Session: target }, write);
    }
    const shadow = versionWrite(k, version);
    if (shadow) this.emit(shadow, { kind: 'one' });
    this.view.overlay.set(k, {
      Key: k,
      Value: base.Value,
      Flags: flags,
      Version: version,
      CreateIndex: prev ? prev.CreateIndex : PENDING,
      ModifyIndex: PENDING,
      LockIndex: 0,
      ...(target ? { Session: target } : keepsForeign ? { Session: keepsForeign } : {}),
    });
    const leaseOf = (s: string) => this.ctx.leases.leaseOfSession(s);
    return (_rev, h) => ({ responsePut: { header: h, ...(p.prevKv && prev ? { prevKv: kvOf(prev, p.keyspace, leaseOf) } : {}) } });
  }

  private del(d: DeleteRangeRequest): Build {
    const cr = consulRange(d.keyspace, d.key, d.rangeEnd);
    const leaseOf = (s: string) => this.ctx.leases.leaseOfSession(s);
    const exactPrevs: ConsulEntry[] = [];
    const treePrevs: ConsulEntry[][] = [];
    const deleteExact = (k: string, prev: ConsulEntry) => {
      if (this.takeGuard(k)) this.emit({ Verb: 'delete-cas', Key: k, Index: prev.ModifyIndex }, { kind: 'none' });
      else this.emit({ Verb: 'delete', Key: k }, { kind: 'none' });
      if (versionOf(prev) > 1) this.emit({ Verb: 'delete', Key: versionKey(k) }, { kind: 'none' });
      const metaOf = userKeyOfMeta(k);
      if (metaOf !== undefined) this.setFlags(metaOf, '0');
      exactPrevs.push(prev);
      this.view.overlay.set(k, null);
      this.needsRevision = true;
    };
    if (cr.single) {
      const k = readableKey(d.keyspace, d.key);
      const prev = k === undefined ? null : this.view.get(k);
      if (k !== undefined && prev) deleteExact(k, prev);
      else if (k !== undefined) {
        this.guard(k);
        // a kv/<key> record shown from the key's Flags alone (consul-flags.ts): deleting it clears them
        const metaOf = userKeyOfMeta(k);
        if (metaOf !== undefined) this.setFlags(metaOf, '0');
      }
    } else {
      const keys = this.view.keysIn(cr);
      if (keys.length > 0) {
        const { prefixes, exact } = decompose(cr, keys);
        for (const p of prefixes) {
          const slot = treePrevs.length;
          treePrevs.push([]);
          this.emit({ Verb: 'get-tree', Key: p }, { kind: 'tree', take: (e) => (treePrevs[slot] = e) });
          this.emit({ Verb: 'get', Key: REVISION_KEY }, { kind: 'one' });
          this.emit({ Verb: 'delete-tree', Key: p }, { kind: 'none' });
          this.emit({ Verb: 'delete-tree', Key: versionKey(p) }, { kind: 'none' });
          this.needsRevision = true;
        }
        for (const k of exact) deleteExact(k, this.view.get(k)!);
        for (const k of keys) {
          const metaOf = userKeyOfMeta(k);
          if (metaOf !== undefined && !exact.includes(k)) this.setFlags(metaOf, '0');
          this.view.overlay.set(k, null);
        }
      }
    }
    return (_rev, h) => {
      const fromTrees = treePrevs.flat();
      this.treeDeleted.push(...fromTrees);
      const prevs = [...fromTrees, ...exactPrevs].sort((a, b) => byKeyBytes(a.Key, b.Key));
      return {
        responseDeleteRange: { header: h, deleted: prevs.length, prevKvs: d.prevKv ? prevs.map((e) => kvOf(e, d.keyspace, leaseOf)) : [] },
      };
    };
  }
}

/**
 * The deletion of the present `keys` of a range as whole prefixes where the range holds them
 * entirely (the shortest such prefix of each key; never one reaching dcsgw's records), and single
 * keys where it does not (at the range's edges).
 */
function decompose(r: ConsulRange, keys: string[]): { prefixes: string[]; exact: string[] } {
  if (isPrefixRange(r)) {
    const p = r.lo.toString('utf8');
    if (r.keyspace === 'system' || !prefixTouchesReserved(p)) return { prefixes: [p], exact: [] };
  }
  const prefixes: string[] = [];
  const exact: string[] = [];
  let last: Buffer | undefined;
  for (const k of keys) {
    const kb = Buffer.from(k, 'utf8');
    if (last && startsWith(kb, last)) continue;
    let chosen: Buffer | undefined;
    for (let n = 1; n <= kb.length && !chosen; n++) {
      const p = kb.subarray(0, n);
      if (!isUtf8(p)) continue;
      if (Buffer.compare(p, r.lo) < 0) continue;
      if (r.hi !== undefined && Buffer.compare(prefixEnd(p), r.hi) > 0) continue;
      if (r.keyspace === 'system' ? !startsWith(p, SYSTEM_BYTES) : prefixTouchesReserved(p.toString('utf8'))) continue;
      chosen = p;
    }
    if (chosen) {
      prefixes.push(chosen.toString('utf8'));
      last = chosen;
    } else {
      exact.push(k);
    }
  }
  return { prefixes, exact };
}

function compareOne(c: Compare, kv: { version: number; create: number; mod: number; value: Buffer; lease: bigint }): boolean {
  let cmp: number;
  switch (c.target) {
    case CompareTarget.VERSION:
      cmp = Math.sign(kv.version - (c.version ?? 0));
      break;
    case CompareTarget.CREATE:
      cmp = Math.sign(kv.create - (c.createRevision ?? 0));
      break;
    case CompareTarget.MOD:
      cmp = Math.sign(kv.mod - (c.modRevision ?? 0));
      break;
    case CompareTarget.VALUE:
      cmp = Buffer.compare(kv.value, c.value ?? Buffer.alloc(0));
      break;
    case CompareTarget.LEASE: {
      const want = c.lease ?? 0n;
      cmp = kv.lease === want ? 0 : kv.lease > want ? 1 : -1;
      break;
    }
    default:
      return false;
  }
  switch (c.result) {
    case CompareResult.EQUAL:
      return cmp === 0;
    case CompareResult.GREATER:
      return cmp > 0;
    case CompareResult.LESS:
      return cmp < 0;
    case CompareResult.NOT_EQUAL:
      return cmp !== 0;
    default:
      return false;
  }
}

// ---- the read phase ----

interface Reads {
  keys: Set<string>;
  ranges: ConsulRange[];
}

function collect(t: TxnRequest, into: Reads): void {
  const addRange = (keyspace: Keyspace | undefined, key: Buffer, rangeEnd: Buffer, wholeRangeNeeded: boolean) => {
    const r = consulRange(keyspace, key, rangeEnd);
    if (r.single) {
      const k = readableKey(keyspace, key);
      if (k !== undefined) into.keys.add(k);
    } else if (wholeRangeNeeded) {
      into.ranges.push(r);
    } else {
      // a range read inside the transaction needs no read phase unless it cannot be a get-tree
      const p = coveringPrefix(r);
      if (p === '' || (r.keyspace === 'user' && prefixTouchesReserved(p))) into.ranges.push(r);
    }
  };
  for (const c of t.compare) addRange(c.keyspace, c.key, c.rangeEnd, true);
  for (const op of [...t.success, ...t.failure]) {
    if (op.requestRange) addRange(op.requestRange.keyspace, op.requestRange.key, op.requestRange.rangeEnd, false);
    if (op.requestPut) into.keys.add(consulKeyOf(op.requestPut.keyspace, op.requestPut.key));
    // a kv/<key> record written or deleted sets <key>'s Flags: its state is needed
    for (const w of [op.requestPut, op.requestDeleteRange]) {
      if (!w || w.keyspace !== 'system' || ('rangeEnd' in w && w.rangeEnd.length > 0)) continue;
      const u = userKeyOfMeta(readableKey('system', w.key) ?? '');
      const k = u === undefined ? undefined : readableKey('user', Buffer.from(u, 'utf8'));
      if (k !== undefined) into.keys.add(k);
    }
    if (op.requestDeleteRange) addRange(op.requestDeleteRange.keyspace, op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd, true);
    if (op.requestTxn) collect(op.requestTxn, into);
  }
}

async function readPhase(http: ConsulHttp, reads: Reads, cache: EntryCache): Promise<StateView> {
  const view = new StateView();
  const prefixes = new Set<string>();
  for (const r of reads.ranges) prefixes.add(coveringPrefix(r));
  const single: string[] = [];
  for (const k of reads.keys) {
    if ([...prefixes].some((p) => k.startsWith(p))) continue;
    if (cache.has(k)) {
      view.read.set(k, cache.get(k)!);
      view.fromCache.add(k);
    } else {
      single.push(k);
    }
  }
  // one read-only /v1/txn: each key (a get-tree of it, whose other entries are dropped) and each
  // range's covering prefix, with their version shadows
  const trees = await readTrees(http, [...single, ...prefixes], {});
  single.forEach((k, i) => {
    const e = trees[i]!.find((x) => x.Key === k) ?? null;
    view.read.set(k, e);
    cache.set(k, e);
  });
  for (const tree of trees.slice(single.length)) for (const e of tree) view.read.set(e.Key, e);
  for (const k of reads.keys) if (!view.read.has(k)) view.read.set(k, null);
  return view;
}

/** A value of the same length that differs from `v` (so Consul's size limit holds for it too). */
function otherValue(v: Buffer): Buffer {
  if (v.length === 0) return Buffer.from([0]);
  const out = Buffer.from(v);
  out[0] = out[0]! ^ 0xff;
  return out;
}

// ---- commit ----

interface TxnAnswer {
  Results: Array<{ KV?: ConsulEntry }> | null;
  Errors: Array<{ OpIndex: number; What: string }> | null;
}

/** Runs an etcd transaction on Consul (see the top of this file). */
export async function runTxn(ctx: TxnContext, t: TxnRequest): Promise<TxnResponse> {
  for (let attempt = 0; ; attempt++) {
    const reads: Reads = { keys: new Set(), ranges: [] };
    collect(t, reads);
    const view = await readPhase(ctx.http, reads, ctx.cache);
    const plan = new Planner(view, ctx);
    const build = await plan.txn(t);
    plan.finishFlags();
    const guards = plan.guards();
    plan.ops.unshift(...guards.ops);
    plan.slots.unshift(...guards.slots);
    if (plan.needsRevision) {
      plan.ops.unshift({ KV: { Verb: 'set', Key: REVISION_KEY, Value: randomBytes(8).toString('base64') } });
      plan.slots.unshift({ kind: 'one', write: true });
    }
    if (plan.ops.length === 0) {
      const h = await ctx.probe();
      return build(h.revision, h);
    }
    if (plan.ops.length > CONSUL_MAX_TXN_OPS) throw Errors.TooManyOps;
    const body = stringifyConsulJson(plan.ops);
    if (Buffer.byteLength(body) > CONSUL_MAX_TXN_BYTES) {
      throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `dcsgw: the transaction is ${Buffer.byteLength(body)} bytes in Consul's encoding, over Consul's limit of ${CONSUL_MAX_TXN_BYTES} bytes per transaction`);
    }
    // a watch being set up waits for this write's journal record (consul-watch.ts, attach)
    const written = ctx.journal.begin();
    let whats: string;
    try {
      const res = await ctx.http.call('PUT', '/v1/txn', {}, body);
      if (res.status === 413) throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `dcsgw: Consul refused the transaction as too large: ${res.text.trim()}`);
      if (res.status !== 200 && res.status !== 409) throw consulError(res, 'PUT', '/v1/txn');
      const answer = parseConsulJson<TxnAnswer>(res.text);
      if (res.status === 200) {
        let revision = 0;
        let i = 0;
        const results = answer.Results ?? [];
        for (const slot of plan.slots) {
          if (slot.kind === 'none') continue;
          if (slot.kind === 'one') {
            const e = results[i++]?.KV;
            if (e && slot.write) revision = Math.max(revision, e.ModifyIndex);
            if (e) slot.take?.([e]);
            continue;
          }
          const tree: ConsulEntry[] = [];
          while (i < results.length && results[i]!.KV?.Key !== REVISION_KEY) tree.push(results[i++]!.KV!);
          slot.take?.(tree);
        }
        if (revision === 0) {
          const h = await ctx.probe();
          return build(h.revision, h);
        }
        ctx.seen(revision);
        for (const [k, e] of view.overlay) ctx.cache.set(k, e && { ...e, CreateIndex: e.CreateIndex === PENDING ? revision : e.CreateIndex, ModifyIndex: revision });
        const h = { ...ctx.header(), revision };
        const out = build(revision, h);
        const writes = new Map<string, { key: string; entry: ConsulEntry | null; prev: ConsulEntry | null }>();
        for (const [k, e] of view.overlay) {
          writes.set(k, { key: k, entry: e && { ...e, CreateIndex: e.CreateIndex === PENDING ? revision : e.CreateIndex, ModifyIndex: revision }, prev: view.read.get(k) ?? null });
        }
        for (const e of plan.treeDeleted) writes.set(e.Key, { key: e.Key, entry: null, prev: e });
        ctx.journal.record(revision, writes.values());
        return out;
      }
      // 409: rolled back. A session that is gone means a lease that is gone; anything else is a
      // guard that saw a concurrent write (or a cached state gone stale): read again, from Consul.
      for (const k of view.fromCache) ctx.cache.forget(k);
      for (const k of view.overlay.keys()) ctx.cache.forget(k);
      whats = (answer.Errors ?? []).map((e) => e.What).join('; ');
      if (/session/i.test(whats)) {
        for (const s of plan.sessions) if (await ctx.leases.sessionGone(s)) throw Errors.LeaseNotFound;
      }
    } finally {
      written();
    }
    if (whats.includes(REVISION_KEY)) await ensureRevisionKey(ctx.http);
    if (attempt >= MAX_ATTEMPTS) throw new EtcdError(GrpcCode.UNAVAILABLE, `dcsgw: the Consul transaction kept failing after ${attempt + 1} attempts: ${whats}`);
    await new Promise((r) => setTimeout(r, Math.min(100, 2 ** attempt) * Math.random()));
  }
}

