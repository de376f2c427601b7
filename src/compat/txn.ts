// Consul's KV operations run as ONE backend transaction (DESIGN.md: "KV acquire / release / cas as
// txns with compares on mod revisions"). Every KV write of the Consul face goes through here: the
// single-key PUT/DELETE of /v1/kv (one operation) and /v1/txn (up to 64).
//
// How: read every record the operations touch at one revision R (user records, their metadata
// records, the sessions a lock names, whole prefixes for the tree verbs), play the operations in
// order on that snapshot exactly as Consul's state store does (so a later operation sees an earlier
// one's effect), then commit the resulting differences in one backend txn whose compares say
// "nothing I read has changed since R". If the compares fail, someone wrote in between: read again
// and replay (optimistic concurrency; Consul gets the same atomicity from its single-writer FSM).
import type { Backend, Compare, KeyValue, RequestOp } from '../adapters/backend.js';
import { CompareResult, CompareTarget } from '../adapters/backend.js';
import { modRevisionIs, putRequest } from '../adapters/requests.js';
import type { KvEntry } from './kv-entry.js';
import { EMPTY_META, encodeMeta, isEmptyMeta, metaFor, metaKey, NO_GENERATION, SAME_TXN_GENERATION, type KvMeta } from './kv-meta.js';
import { PinnedRead, prefixRange } from './kv-read.js';
import { SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

export type KvVerb =
  | 'set'
  | 'cas'
  | 'lock'
  | 'unlock'
  | 'get'
  | 'get-or-empty'
  | 'get-tree'
  | 'check-index'
  | 'check-session'
  | 'check-not-exists'
  | 'delete'
  | 'delete-tree'
  | 'delete-cas';

const WRITE_VERBS = new Set<string>(['set', 'delete', 'delete-cas', 'delete-tree', 'cas', 'lock', 'unlock']);

export function isWriteVerb(verb: string): boolean {
  return WRITE_VERBS.has(verb);
}

export interface KvOp {
  verb: string;
  key: Buffer;
  value: Buffer;
  flags: bigint;
  /** ModifyIndex for cas / check-index / delete-cas. */
  index: number;
  session: string;
  /** The operation's position in the caller's list (a /v1/txn mixes KV with catalog operations); default: its position here. */
  opIndex?: number;
}

export interface TxnError {
  opIndex: number;
  what: string;
  /**
   * True for errors Consul's KVS.Apply returns as an RPC error (HTTP 500 on /v1/kv), false for a
   * condition that only makes the operation answer `false` (cas mismatch, lock held, lock-delay).
   */
  fatal: boolean;
}

export interface TxnResultEntry {
  opIndex: number;
  entry: KvEntry;
  /** Whether Value is shown (get, get-or-empty, get-tree) or blanked (every other verb). */
  withValue: boolean;
}

export interface TxnPlan {
  results: TxnResultEntry[];
  errors: TxnError[];
  compare: Compare[];
  success: RequestOp[];
  /** The revision everything was read at. */
  revision: number;
  /** Errors come from Consul's pre-apply checks (only those are reported then). */
  preCheckFailed: boolean;
}

/** Fills the indexes of entries this txn wrote once it has committed at `revision`. */
export function settle(results: TxnResultEntry[], revision: number): TxnResultEntry[] {
  for (const r of results) {
    if (r.entry.createIndex === PENDING) r.entry.createIndex = revision;
    if (r.entry.modifyIndex === PENDING) r.entry.modifyIndex = revision;
  }
  return results;
}

export interface TxnOutcome {
  results: TxnResultEntry[];
  errors: TxnError[];
  /** The commit's revision when something was written, else the revision the reads were taken at. */
  revision: number;
}

/** Placeholder for "the revision this txn will commit at", replaced once it has. */
const PENDING = -1;
const MAX_ATTEMPTS = 25;

interface SimRecord {
  value: Buffer;
  createRevision: number;
  modRevision: number;
  lease: bigint;
}

interface KeyState {
  key: Buffer;
  /** As read at R. */
  userAtR?: KeyValue;
  metaAtR?: KeyValue;
  /** As the operations leave it. */
  user?: SimRecord;
  meta: KvMeta;
  userDirty: boolean;
  metaDirty: boolean;
  /** Named by an operation itself (not only listed by a tree read): its records are compared at commit. */
  single: boolean;
}

class Snapshot {
  readonly keys = new Map<string, KeyState>();
  readonly sessions = new Map<string, KeyValue | undefined>();
  /** Prefixes read by get-tree: no key under them may change before the commit. */
  readonly readTrees: Buffer[] = [];
  /** Prefixes emptied by delete-tree. */
  readonly deletedTrees: Buffer[] = [];
  constructor(readonly read: PinnedRead) {}

  state(key: Buffer): KeyState {
    const s = this.keys.get(key.toString('latin1'));
    if (!s) throw new Error(`txn: key ${JSON.stringify(key.toString('utf8'))} was not read`);
    return s;
  }

  add(key: Buffer, user: KeyValue | undefined, metaRecord: KeyValue | undefined, single: boolean): void {
    const id = key.toString('latin1');
    const known = this.keys.get(id);
    if (known) {
      known.single ||= single;
      return;
    }
    const { meta } = metaFor(user, metaRecord);
    this.keys.set(id, {
      key,
      userAtR: user,
      metaAtR: metaRecord,
      user: user ? { value: user.value, createRevision: user.createRevision, modRevision: user.modRevision, lease: user.lease } : undefined,
      meta,
      userDirty: false,
      metaDirty: false,
      single,
    });
  }
}

function q(key: Buffer): string {
  return JSON.stringify(key.toString('utf8'));
}

function simEntry(s: KeyState): KvEntry {
  const u = s.user!;
  return {
    key: s.key,
    value: u.value,
    flags: s.meta.flags,
    session: s.meta.session,
    lockIndex: s.meta.lockIndex,
    createIndex: u.createRevision,
    modifyIndex: u.modRevision,
  };
}

export class KvTxnExecutor {
  constructor(private readonly backend: Backend) {}

  /**
   * Runs `ops` all-or-nothing. `linearizable` applies to read-only transactions (?consistent);
   * transactions that write are always checked against the latest state by their compares.
   */
  async run(ops: readonly KvOp[], opts: { linearizable?: boolean; now?: () => number } = {}): Promise<TxnOutcome> {
    for (let attempt = 0; ; attempt++) {
      const plan = await this.plan(ops, opts);
      if (plan.errors.length > 0 || plan.success.length === 0) return { results: plan.results, errors: plan.errors, revision: plan.revision };
      const res = await this.backend.txn({ compare: plan.compare, success: plan.success, failure: [] });
      if (res.succeeded) return { results: settle(plan.results, res.header.revision), errors: [], revision: res.header.revision };
      if (attempt >= MAX_ATTEMPTS) throw new Error('txn: the keys kept changing under this transaction; retry');
    }
  }

  /**
   * Reads, checks and plays `ops` without committing: the compares and writes of the one backend
   * txn that would apply them (a caller may add its own before committing), or the errors. Results
   * written by the txn carry PENDING indexes until settle() gets the commit's revision.
   */
  async plan(ops: readonly KvOp[], opts: { linearizable?: boolean; now?: () => number } = {}): Promise<TxnPlan> {
    const writes = ops.some((o) => isWriteVerb(o.verb));
    const snap = await this.load(ops, !writes && !!opts.linearizable);
    const now = (opts.now ?? Date.now)();
    const revision = snap.read.revision;
    const pre = this.preCheck(ops, snap, now);
    if (pre.length > 0) return { results: [], errors: pre, compare: [], success: [], revision, preCheckFailed: true };
    const { results, errors } = this.play(ops, snap);
    if (errors.length > 0) return { results: [], errors, compare: [], success: [], revision, preCheckFailed: false };
    const commit = this.commitRequest(snap, now);
    return { results, errors: [], compare: commit.compare, success: commit.success, revision, preCheckFailed: false };
  }

  private async load(ops: readonly KvOp[], linearizable: boolean): Promise<Snapshot> {
    const snap = new Snapshot(new PinnedRead(this.backend, linearizable));
    const singles = new Map<string, Buffer>();
    const prefixes = new Map<string, Buffer>();
    const sessions = new Set<string>();
    for (const op of ops) {
      if (op.verb === 'get-tree' || op.verb === 'delete-tree') prefixes.set(op.key.toString('latin1'), op.key);
      else singles.set(op.key.toString('latin1'), op.key);
      if (op.verb === 'lock' && op.session) sessions.add(op.session);
    }
    // Pin R with the first read, then read everything else at R in parallel.
    const first = [...singles.values()][0];
    let firstUser: KeyValue | undefined;
    if (first) firstUser = await snap.read.one('user', first);
    else await snap.read.range('user', Buffer.from([0]));
    const tasks: Promise<void>[] = [];
    for (const p of prefixes.values()) {
      tasks.push(
        (async () => {
          const [k, end] = prefixRange(p);
          const [mk, mend] = prefixRange(metaKey(p));
          const [users, metas] = await Promise.all([snap.read.range('user', k, end), snap.read.range(SYSTEM, mk, mend)]);
          const metaByKey = new Map(metas.map((m) => [m.key.subarray(SystemPrefix.kvMeta.length).toString('latin1'), m]));
          for (const u of users) snap.add(u.key, u, metaByKey.get(u.key.toString('latin1')), false);
        })(),
      );
    }
    for (const key of singles.values()) {
      tasks.push(
        (async () => {
          const [user, meta] = await Promise.all([
            key === first ? Promise.resolve(firstUser) : snap.read.one('user', key),
            snap.read.one(SYSTEM, metaKey(key)),
          ]);
          snap.add(key, user, meta, true);
        })(),
      );
    }
    for (const sid of sessions) {
      tasks.push(
        (async () => {
          snap.sessions.set(sid, await snap.read.one(SYSTEM, systemKey(SystemPrefix.session, sid)));
        })(),
      );
    }
    await Promise.all(tasks);
    // Keys listed by a tree read and also named singly: the single read above may have added the
    // key first; both were read at R, so either copy is the same.
    return snap;
  }

  /** Consul's pre-apply checks (before anything is played): key presence and lock-delay. */
  private preCheck(ops: readonly KvOp[], snap: Snapshot, now: number): TxnError[] {
    const errors: TxnError[] = [];
    ops.forEach((op, at) => {
      const i = op.opIndex ?? at;
      if (op.key.length === 0 && op.verb !== 'delete-tree') {
        errors.push({ opIndex: i, what: 'Must provide key', fatal: true });
        return;
      }
      if (op.verb === 'lock') {
        const s = snap.keys.get(op.key.toString('latin1'));
        if (s && s.meta.lockDelayUntil > now) {
          errors.push({ opIndex: i, what: `failed to lock key ${q(op.key)} due to lock delay`, fatal: false });
        }
      }
    });
    return errors;
  }

  private play(ops: readonly KvOp[], snap: Snapshot): { results: TxnResultEntry[]; errors: TxnError[] } {
    const results: TxnResultEntry[] = [];
    const errors: TxnError[] = [];
    ops.forEach((op, at) => {
      const i = op.opIndex ?? at;
      const fail = (what: string, fatal = false) => errors.push({ opIndex: i, what, fatal });
      const blanked = (s: KeyState) => results.push({ opIndex: i, entry: simEntry(s), withValue: false });
      switch (op.verb) {
        case 'set': {
          const s = snap.state(op.key);
          this.write(s, op.value, op.flags, s.meta.session, 0);
          blanked(s);
          break;
        }
        case 'cas': {
          const s = snap.state(op.key);
          if ((op.index === 0 && s.user) || (op.index !== 0 && (!s.user || s.user.modRevision !== op.index))) {
            fail(`failed to set key ${q(op.key)}, index is stale`);
            break;
          }
          this.write(s, op.value, op.flags, s.meta.session, 0);
          blanked(s);
          break;
        }
        case 'lock': {
          if (!op.session) return fail('missing session', true);
          if (!snap.sessions.get(op.session)) return fail(`invalid session ${JSON.stringify(op.session)}`, true);
          const s = snap.state(op.key);
          let lockIndex: number;
          if (!s.user) lockIndex = 1;
          else if (s.meta.session === op.session) lockIndex = s.meta.lockIndex;
          else if (s.meta.session) return fail(`failed to lock key ${q(op.key)}, lock is already held`);
          else lockIndex = s.meta.lockIndex + 1;
          this.write(s, op.value, op.flags, op.session, lockIndex);
          blanked(s);
          break;
        }
        case 'unlock': {
          if (!op.session) return fail('missing session', true);
          const s = snap.state(op.key);
          if (!s.user || s.meta.session !== op.session) {
            return fail(`failed to unlock key ${q(op.key)}, lock isn't held, or is held by another session`);
          }
          this.write(s, op.value, op.flags, '', s.meta.lockIndex);
          blanked(s);
          break;
        }
        case 'get': {
          const s = snap.state(op.key);
          if (!s.user) return fail(`key ${q(op.key)} doesn't exist`);
          results.push({ opIndex: i, entry: simEntry(s), withValue: true });
          break;
        }
        case 'get-or-empty': {
          const s = snap.state(op.key);
          if (s.user) results.push({ opIndex: i, entry: simEntry(s), withValue: true });
          else
            results.push({
              opIndex: i,
              entry: { key: op.key, value: Buffer.alloc(0), flags: op.flags, session: op.session, lockIndex: 0, createIndex: 0, modifyIndex: op.index },
              withValue: true,
            });
          break;
        }
        case 'get-tree': {
          snap.readTrees.push(op.key);
          for (const s of this.under(snap, op.key)) results.push({ opIndex: i, entry: simEntry(s), withValue: true });
          break;
        }
        case 'check-index': {
          const s = snap.state(op.key);
          if (!s.user) return fail(`failed to check index, key ${q(op.key)} doesn't exist`);
          if (s.user.modRevision !== op.index) {
            return fail(`failed index check for key ${q(op.key)}, current modify index ${s.user.modRevision} != ${op.index}`);
          }
          blanked(s);
          break;
        }
        case 'check-session': {
          const s = snap.state(op.key);
          if (!s.user) return fail(`failed to check session, key ${q(op.key)} doesn't exist`);
          if (s.meta.session !== op.session) {
            return fail(`failed session check for key ${q(op.key)}, current session ${JSON.stringify(s.meta.session)} != ${JSON.stringify(op.session)}`);
          }
          blanked(s);
          break;
        }
        case 'check-not-exists': {
          if (snap.state(op.key).user) fail(`key ${q(op.key)} exists`);
          break;
        }
        case 'delete':
          this.remove(snap.state(op.key));
          break;
        case 'delete-cas': {
          const s = snap.state(op.key);
          if (s.user && s.user.modRevision !== op.index) return fail(`failed to delete key ${q(op.key)}, index is stale`);
          this.remove(s);
          break;
        }
        case 'delete-tree':
          snap.deletedTrees.push(op.key);
          for (const s of this.under(snap, op.key)) this.remove(s);
          break;
        default:
          fail(`unknown KV verb ${JSON.stringify(op.verb)}`);
      }
    });
    return { results, errors };
  }

  /** Existing keys under a prefix read at R (plus those the txn created), in key order. */
  private under(snap: Snapshot, prefix: Buffer): KeyState[] {
    const out: KeyState[] = [];
    for (const s of snap.keys.values()) if (s.user && s.key.subarray(0, prefix.length).equals(prefix)) out.push(s);
    return out.sort((a, b) => Buffer.compare(a.key, b.key));
  }

  /** Consul's kvsSetTxn: an entry equal to the current one (value, flags, session, lock index) is not written again. */
  private write(s: KeyState, value: Buffer, flags: bigint, session: string, lockIndex: number): void {
    const m = s.meta;
    if (s.user && s.user.value.equals(value) && m.flags === flags && m.session === session && m.lockIndex === lockIndex) return;
    if (s.user) s.user = { ...s.user, value, modRevision: PENDING };
    else s.user = { value, createRevision: PENDING, modRevision: PENDING, lease: 0n };
    s.userDirty = true;
    if (m.flags !== flags || m.session !== session || m.lockIndex !== lockIndex) {
      s.meta = { ...m, flags, session, lockIndex };
      s.metaDirty = true;
    }
  }

  private remove(s: KeyState): void {
    if (!s.user) return;
    s.user = undefined;
    s.userDirty = true;
    s.meta = { ...EMPTY_META, lockDelayUntil: s.meta.lockDelayUntil };
    s.metaDirty = true;
  }

  private commitRequest(snap: Snapshot, now: number) {
    const compare: Compare[] = [];
    const success: RequestOp[] = [];
    const under = (key: Buffer, p: Buffer) => key.subarray(0, p.length).equals(p);
    // A delete-tree whose prefix ends up empty is one deleteRange per keyspace (however many keys
    // it removes) instead of a write per key. (A lock-delay window recorded on a key under it is
    // dropped with its metadata record.)
    const wholeTrees = snap.deletedTrees.filter((p) => ![...snap.keys.values()].some((s) => s.user && under(s.key, p)));
    for (const s of snap.keys.values()) {
      const covered = wholeTrees.some((p) => under(s.key, p));
      const dirty = s.userDirty || s.metaDirty;
      if (s.single || (dirty && !covered)) {
        compare.push(modRevisionIs('user', s.key, s.userAtR?.modRevision ?? 0));
        compare.push(modRevisionIs(SYSTEM, metaKey(s.key), s.metaAtR?.modRevision ?? 0));
      }
      if (dirty && !covered) success.push(...KvTxnExecutor.recordOps(s, now));
    }
    for (const p of wholeTrees) {
      const [k, end] = prefixRange(p);
      const [mk, mend] = prefixRange(metaKey(p));
      success.push({ requestDeleteRange: { key: k, rangeEnd: end, prevKv: false } });
      success.push({ requestDeleteRange: { keyspace: SYSTEM, key: mk, rangeEnd: mend, prevKv: false } });
    }
    // A tree read in a txn that writes: no key under the prefix may have been created or changed
    // since R (a deletion under it is not detected: etcd has no compare for it).
    if (success.length > 0) {
      for (const p of snap.readTrees) {
        const [k, end] = prefixRange(p);
        compare.push({ keyspace: 'user', result: CompareResult.LESS, target: CompareTarget.MOD, key: k, rangeEnd: end, modRevision: snap.read.revision + 1 });
      }
      for (const [sid, kv] of snap.sessions) compare.push(modRevisionIs(SYSTEM, systemKey(SystemPrefix.session, sid), kv?.modRevision ?? 0));
    }
    return { compare, success, failure: [] as RequestOp[] };
  }

  /** The backend writes that turn a key's records at R into its records after the operations. */
  static recordOps(s: KeyState, now: number): RequestOp[] {
    const out: RequestOp[] = [];
    const existedAtR = !!s.userAtR;
    if (s.userDirty) {
      if (s.user) {
        // An etcd client's lease on the key stays attached (Consul writes have no lease of their own).
        out.push({ requestPut: putRequest(s.key, s.user.value, { ignoreLease: existedAtR }) });
      } else if (existedAtR) {
        out.push({ requestDeleteRange: { key: s.key, rangeEnd: Buffer.alloc(0), prevKv: false } });
      }
    }
    const mk = metaKey(s.key);
    let record: Buffer | undefined;
    if (s.user) {
      if (!isEmptyMeta(s.meta, now)) record = encodeMeta(s.meta, existedAtR ? s.userAtR!.createRevision : SAME_TXN_GENERATION);
    } else if (s.meta.lockDelayUntil > now) {
      record = encodeMeta({ ...EMPTY_META, lockDelayUntil: s.meta.lockDelayUntil }, NO_GENERATION);
    }
    const createdNow = !existedAtR && !!s.user;
    if (record) {
      if (createdNow || !s.metaAtR || !s.metaAtR.value.equals(record)) {
        out.push({ requestPut: putRequest(mk, record, { keyspace: SYSTEM }) });
      }
    } else if (s.metaAtR) {
      out.push({ requestDeleteRange: { keyspace: SYSTEM, key: mk, rangeEnd: Buffer.alloc(0), prevKv: false } });
    }
    return out;
  }
}
