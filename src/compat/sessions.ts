// Consul sessions over the Backend (DESIGN.md: "a session is a lease plus a system record"):
// create / destroy / renew / info / node / list, and the invalidation that releases or deletes the
// keys a session holds. A TTL session's record session/<uuid> is attached to a backend lease:
// Consul invalidates a session 2 x TTL after its last renewal (its session_ttl_multiplier), so the
// lease lasts just under 2 x TTL (see create()), and renew is the lease's keep-alive. When the
// lease expires the record disappears with it and the leader's reaper (session-reaper.ts)
// releases or deletes the keys.
import { randomUUID } from 'node:crypto';
import type { Backend, Compare, KeyValue, RequestOp } from '../adapters/backend.js';
import { modRevisionIs, putRequest } from '../adapters/requests.js';
import type { Catalog } from './catalog.js';
import { checkKey, nodeKey } from './catalog-records.js';
import type { IndexTracker } from './index-tracker.js';
import type { KvRead } from './kv.js';
import { EMPTY_META, encodeMeta, metaFor, metaKey, NO_GENERATION, userKeyOfMeta } from './kv-meta.js';
import { PinnedRead, prefixRange } from './kv-read.js';
import {
  boundCheckIds,
  decodeSession,
  encodeSession,
  SESSION_PREFIX,
  sessionKey,
  type ServiceCheckRef,
  type SessionBehavior,
  type SessionRecord,
  type StoredSession,
} from './session-record.js';
import { SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

/** Consul's structs.SessionTTLMax (24h) and MaxLockDelay (60s). */
export const SESSION_TTL_MAX_MS = 24 * 3600_000;
export const MAX_LOCK_DELAY_NS = 60e9;
const MAX_ATTEMPTS = 25;

/** A session request Consul refuses; the text is Consul's and HTTP answers it with a 500 (an RPC error). */
export class SessionError extends Error {}

export interface SessionCreateRequest {
  Name: string;
  Node: string;
  /** null = none named (shown as null); [] = explicitly none (shown as []), as Consul keeps them. */
  NodeChecks: string[] | null;
  ServiceChecks: ServiceCheckRef[] | null;
  /** Nanoseconds. */
  LockDelay: number;
  Behavior: string;
  TTL: string;
}


/** Go's time.Duration String() for whole milliseconds (what Consul prints in its TTL error): 10s, 1m0s, 24h0m0s, 500ms. */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s = `${Number(rest.toFixed(9))}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}

export class Sessions {
  constructor(
    private readonly backend: Backend,
    private readonly tracker: IndexTracker,
    private readonly catalog: Catalog,
  ) {}

  // ---- create ----

  /** Session.Apply(create): validates as Consul does, then writes the record (attached to a lease when there is a TTL). */
  async create(req: SessionCreateRequest, ttlMinMs: number, parseDurationMs: (s: string) => number | undefined): Promise<string> {
    if (!req.Node) throw new SessionError('Must provide Node');
    let behavior: SessionBehavior;
    if (req.Behavior === '' || req.Behavior === 'release') behavior = 'release';
    else if (req.Behavior === 'delete') behavior = 'delete';
    else throw new SessionError(`Invalid Behavior setting '${req.Behavior}'`);
    let ttlMs = 0;
    if (req.TTL !== '') {
      const parsed = parseDurationMs(req.TTL);
      if (parsed === undefined) throw new SessionError(`Session TTL '${req.TTL}' invalid: time: invalid duration ${JSON.stringify(req.TTL)}`);
      ttlMs = parsed;
      if (ttlMs !== 0 && (ttlMs < ttlMinMs || ttlMs > SESSION_TTL_MAX_MS)) {
        throw new SessionError(
          `Invalid Session TTL '${Math.round(ttlMs * 1e6)}', must be between [${goDurationString(ttlMinMs)}=${goDurationString(SESSION_TTL_MAX_MS)}]`,
        );
      }
    }
    const record: SessionRecord = {
      ID: randomUUID(),
      Name: req.Name,
      Node: req.Node,
      LockDelay: Math.min(Math.max(0, Math.round(req.LockDelay)), MAX_LOCK_DELAY_NS),
      Behavior: behavior,
      TTL: req.TTL,
      NodeChecks: req.NodeChecks ? [...new Set(req.NodeChecks)] : null,
      ServiceChecks: req.ServiceChecks,
      Lease: '0',
    };
    // Fail before granting a lease when the bindings are wrong (the txn below re-checks them).
    await this.bindingCompares(record);
    let lease = 0n;
    if (ttlMs > 0) {
      // Consul invalidates at TTL x 2 after the last renewal. A lease has whole seconds and the
      // store revokes an expired lease at its next expiry check (up to ~0.5 s later), so the lease is
      // one second shorter than 2 x TTL: invalidation lands just before Consul's, never after.
      const granted = await this.backend.leaseGrant({ ttl: Math.max(1, Math.ceil((2 * ttlMs) / 1000) - 1), id: 0n, keyspace: SYSTEM });
      lease = granted.id;
      record.Lease = lease.toString();
    }
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const compare = await this.bindingCompares(record);
        const key = sessionKey(record.ID);
        compare.push(modRevisionIs(SYSTEM, key, 0));
        const res = await this.backend.txn({
          compare,
          success: [{ requestPut: putRequest(key, encodeSession(record), { keyspace: SYSTEM, lease }) }],
          failure: [],
        });
        if (res.succeeded) return record.ID;
      }
      throw new SessionError('session create: the catalog kept changing; retry');
    } catch (err) {
      if (lease !== 0n) await this.backend.leaseRevoke(lease, SYSTEM).catch(() => undefined);
      throw err;
    }
  }

  /** The node and every bound check must exist and no check may be critical (Consul's texts); compares keep them so until the commit. */
  private async bindingCompares(r: SessionRecord): Promise<Compare[]> {
    const node = await this.catalog.getNode(r.Node);
    if (!node) throw new SessionError('Missing node registration');
    const compare: Compare[] = [modRevisionIs(SYSTEM, nodeKey(r.Node), node.modifyIndex)];
    for (const id of boundCheckIds(r)) {
      const check = await this.catalog.getCheck(r.Node, id);
      if (!check) throw new SessionError(`Missing check '${id}' registration`);
      if (check.value.Status === 'critical') throw new SessionError(`Check '${id}' is in critical state`);
      compare.push(modRevisionIs(SYSTEM, checkKey(r.Node, id), check.modifyIndex));
    }
    return compare;
  }

  // ---- reads (index = the sessions table's index, as Consul's session endpoints report) ----

  async get(id: string, linearizable = false): Promise<StoredSession | undefined> {
    const kv = await new PinnedRead(this.backend, linearizable).one(SYSTEM, sessionKey(id));
    return kv ? decodeSession(kv) : undefined;
  }

  async info(id: string, linearizable: boolean): Promise<KvRead<StoredSession[]>> {
    const index = this.tracker.index('sessions');
    const s = await this.get(id, linearizable);
    return { index, value: s ? [s] : [] };
  }

  async list(linearizable: boolean): Promise<KvRead<StoredSession[]>> {
    const index = this.tracker.index('sessions');
    const [k, end] = prefixRange(SESSION_PREFIX);
    const kvs = await new PinnedRead(this.backend, linearizable).range(SYSTEM, k, end);
    const all = kvs.map(decodeSession).filter((s): s is StoredSession => !!s);
    // Consul lists by its ID index: sorted by ID.
    all.sort((a, b) => (a.record.ID < b.record.ID ? -1 : a.record.ID > b.record.ID ? 1 : 0));
    return { index, value: all };
  }

  async forNode(node: string, linearizable: boolean): Promise<KvRead<StoredSession[]>> {
    const { index, value } = await this.list(linearizable);
    const n = node.toLowerCase();
    return { index, value: value.filter((s) => s.record.Node.toLowerCase() === n) };
  }

  // ---- renew / destroy / invalidate ----

  /** Session.Renew: the session (its TTL timer restarted), or undefined when it no longer exists. */
  async renew(id: string): Promise<StoredSession | undefined> {
    const s = await this.get(id, true);
    if (!s) return undefined;
    const lease = BigInt(s.record.Lease || '0');
    if (lease !== 0n) {
      const ka = await this.backend.leaseKeepAlive(lease, SYSTEM);
      if (ka.ttl <= 0) return undefined;
    }
    return s;
  }

  /** Session.Apply(destroy): invalidates the session (its keys released or deleted, lock-delay applied). Unknown IDs are a no-op. */
  async destroy(id: string): Promise<void> {
    await this.invalidate(id);
  }

  /**
   * Ends a session as Consul's invalidation does, in ONE backend txn: its record is deleted and
   * every key it holds is released (Session cleared, ModifyIndex moved) or deleted (Behavior
   * "delete"), each with a lock-delay window of the session's LockDelay. `gone` is the record when
   * it has already disappeared (its lease expired): then only the keys are left to handle.
   */
  async invalidate(id: string, gone?: SessionRecord): Promise<void> {
    let lease = 0n;
    for (let attempt = 0; ; attempt++) {
      const read = new PinnedRead(this.backend, false);
      const sessionKv = await read.one(SYSTEM, sessionKey(id));
      // Without the record (it vanished and the caller has no copy), held keys are released with no lock-delay.
      const record = sessionKv ? decodeSession(sessionKv)?.record : gone;
      const behavior: SessionBehavior = record?.Behavior ?? 'release';
      const delayMs = Math.floor((record?.LockDelay ?? 0) / 1e6);
      if (record) lease = BigInt(record.Lease || '0');
      const held = await this.heldKeys(read, id);
      const compare: Compare[] = [modRevisionIs(SYSTEM, sessionKey(id), sessionKv?.modRevision ?? 0)];
      const success: RequestOp[] = [];
      if (sessionKv) success.push({ requestDeleteRange: { keyspace: SYSTEM, key: sessionKey(id), rangeEnd: Buffer.alloc(0), prevKv: false } });
      const now = Date.now();
      for (const { user, meta } of held) {
        compare.push(modRevisionIs('user', user.key, user.modRevision), modRevisionIs(SYSTEM, meta.key, meta.modRevision));
        const current = metaFor(user, meta).meta;
        const lockDelayUntil = delayMs > 0 ? now + delayMs : current.lockDelayUntil;
        if (behavior === 'delete') {
          success.push({ requestDeleteRange: { key: user.key, rangeEnd: Buffer.alloc(0), prevKv: false } });
          if (lockDelayUntil > now) {
            success.push(metaPut(meta.key, encodeMeta({ ...EMPTY_META, lockDelayUntil }, NO_GENERATION)));
          } else {
            success.push({ requestDeleteRange: { keyspace: SYSTEM, key: meta.key, rangeEnd: Buffer.alloc(0), prevKv: false } });
          }
        } else {
          // Rewriting the value unchanged moves ModifyIndex, as Consul's release does.
          success.push({ requestPut: putRequest(user.key, user.value, { ignoreLease: true }) });
          success.push(metaPut(meta.key, encodeMeta({ ...current, session: '', lockDelayUntil }, user.createRevision)));
        }
      }
      if (success.length === 0) break;
      const res = await this.backend.txn({ compare, success, failure: [] });
      if (res.succeeded) break;
      if (attempt >= MAX_ATTEMPTS) throw new SessionError('session invalidation: the keys kept changing; retry');
    }
    if (lease !== 0n) await this.backend.leaseRevoke(lease, SYSTEM).catch(() => undefined);
  }

  /**
   * The keys a session holds, read at the pinned revision. Consul indexes KV entries by session;
   * here the metadata records are scanned (one range over kv/), which is linear in the number of
   * keys carrying Consul metadata.
   */
  private async heldKeys(read: PinnedRead, id: string): Promise<Array<{ user: KeyValue; meta: KeyValue }>> {
    const [mk, mend] = prefixRange(systemKey(SystemPrefix.kvMeta));
    const metas = await read.range(SYSTEM, mk, mend);
    const needle = `"s":${JSON.stringify(id)}`;
    const out: Array<{ user: KeyValue; meta: KeyValue }> = [];
    for (const meta of metas) {
      if (!meta.value.includes(needle)) continue;
      const user = await read.one('user', userKeyOfMeta(meta.key));
      if (!user) continue;
      if (metaFor(user, meta).meta.session === id) out.push({ user, meta });
    }
    return out;
  }

  /** Session IDs named by metadata records whose session record no longer exists (missed invalidations). */
  async orphanHolders(): Promise<string[]> {
    const read = new PinnedRead(this.backend, false);
    const [sk, send] = prefixRange(SESSION_PREFIX);
    const live = new Set((await read.range(SYSTEM, sk, send)).map((kv) => kv.key.subarray(SESSION_PREFIX.length).toString('utf8')));
    const [mk, mend] = prefixRange(systemKey(SystemPrefix.kvMeta));
    const out = new Set<string>();
    for (const meta of await read.range(SYSTEM, mk, mend)) {
      let s: { s?: string };
      try {
        s = JSON.parse(meta.value.toString('utf8')) as { s?: string };
      } catch {
        continue;
      }
      if (s.s && !live.has(s.s)) out.add(s.s);
    }
    return [...out];
  }
}

function metaPut(key: Buffer, value: Buffer): RequestOp {
  return { requestPut: putRequest(key, value, { keyspace: SYSTEM }) };
}
