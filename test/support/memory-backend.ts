// A small single-member, in-memory Backend with etcd's MVCC semantics, for testing the wire front
// ends (src/gateway/etcd) without the native store: revisions, versions, tombstones, history reads,
// compaction, txn (nested), watches from a past revision with filters and prev_kv, leases.
// Keyspaces as the native store has them (DESIGN.md, "One keyspace, two views"): a request with
// keyspace 'system' addresses a second map of keys in the same revision space; user requests,
// user watches, Hash/HashKV and the snapshot never see it; a lease revoke deletes in both.
// Not fast, not durable, no raft: a test double that behaves, never a product path.
import { createHash } from 'node:crypto';
import {
  CompareResult,
  CompareTarget,
  EventType,
  SortOrder,
  SortTarget,
  WatchFilter,
  type AlarmMember,
  type AlarmRequest,
  type Backend,
  type Compare,
  type DeleteRangeRequest,
  type Event,
  type Keyspace,
  type KeyValue,
  type Member,
  type PutRequest,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type SnapshotChunk,
  type TxnRequest,
  type WatchHandle,
  type WatchListener,
  type WatchOptions,
} from '../../src/adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../src/adapters/errors.js';

interface Version {
  kv: KeyValue; // value at this revision; for a tombstone, kv.version = 0
  tombstone: boolean;
}

interface Lease {
  id: bigint;
  ttl: number;
  expiresAt: number;
  keys: Set<string>;
  /** Attached keys of the system keyspace (never listed by TimeToLive). */
  systemKeys: Set<string>;
  /** Granted in the system keyspace: unknown to user-keyspace lease requests. */
  system: boolean;
}

interface MemWatcher {
  opts: WatchOptions;
  listener: WatchListener;
  nextRev: number;
  dead: boolean;
}

const k = (b: Buffer) => b.toString('latin1');
const EMPTY = Buffer.alloc(0);

export class MemoryBackend implements Backend {
  readonly clusterId = 0x1000n;
  readonly memberId = 0xabcdn;
  private rev = 1;
  private compactRev = 0;
  private history = new Map<string, Version[]>();
  private systemHistory = new Map<string, Version[]>();
  private revEvents = new Map<number, Event[]>();
  private leasesById = new Map<bigint, Lease>();
  private watchers = new Set<MemWatcher>();
  private alarms: AlarmMember[] = [];
  private nextLeaseId = 0x694d7a1cn;
  private expiryTimer?: NodeJS.Timeout;
  /** Make the member appear leaderless (for /health and require-leader tests): see setLeaderless. */
  leaderless = false;
  private leaderListeners: ((leader: bigint) => void)[] = [];

  setLeaderless(v: boolean): void {
    this.leaderless = v;
    for (const fn of this.leaderListeners) fn(v ? 0n : this.memberId);
  }
  hasLeader(): boolean {
    return !this.leaderless;
  }
  onLeaderChange(fn: (leader: bigint) => void): void {
    this.leaderListeners.push(fn);
  }

  constructor(opts: { expireLeases?: boolean } = {}) {
    if (opts.expireLeases) {
      this.expiryTimer = setInterval(() => this.expireLeases(), 100);
      this.expiryTimer.unref();
    }
  }

  header(): ResponseHeader {
    return { clusterId: this.clusterId, memberId: this.memberId, revision: this.rev, raftTerm: 2 };
  }
  private hdr(revision = this.rev): ResponseHeader {
    return { ...this.header(), revision };
  }

  // ---- reads ----

  private inRange(key: string, from: string, end: Buffer): boolean {
    if (end.length === 0) return key === from;
    if (end.length === 1 && end[0] === 0) return key >= from;
    return key >= from && key < k(end);
  }

  private historyOf(keyspace: Keyspace | undefined): Map<string, Version[]> {
    return keyspace === 'system' ? this.systemHistory : this.history;
  }

  private kvsAt(key: Buffer, rangeEnd: Buffer, rev: number, keyspace?: Keyspace): KeyValue[] {
    const from = k(key);
    const out: KeyValue[] = [];
    for (const [name, versions] of this.historyOf(keyspace)) {
      if (!this.inRange(name, from, rangeEnd)) continue;
      let found: Version | undefined;
      for (const v of versions) if (v.kv.modRevision <= rev) found = v;
      if (found && !found.tombstone) out.push(found.kv);
    }
    out.sort((a, b) => Buffer.compare(a.key, b.key));
    return out;
  }

  /** `pending`: the revision a write txn is building, so its reads see its own earlier writes. */
  private doRange(r: RangeRequest, pending = this.rev): RangeResponse {
    const rev = r.revision > 0 ? r.revision : pending;
    if (r.revision > this.rev) throw Errors.FutureRev;
    if (r.revision > 0 && r.revision < this.compactRev) throw Errors.Compacted;
    let kvs = this.kvsAt(r.key, r.rangeEnd, rev, r.keyspace).filter(
      (kv) =>
        (r.minModRevision === 0 || kv.modRevision >= r.minModRevision) &&
        (r.maxModRevision === 0 || kv.modRevision <= r.maxModRevision) &&
        (r.minCreateRevision === 0 || kv.createRevision >= r.minCreateRevision) &&
        (r.maxCreateRevision === 0 || kv.createRevision <= r.maxCreateRevision),
    );
    let order: number = r.sortOrder;
    if (r.sortTarget !== SortTarget.KEY && order === SortOrder.NONE) order = SortOrder.ASCEND;
    if (order !== SortOrder.NONE) {
      const val = (kv: KeyValue): number | Buffer =>
        r.sortTarget === SortTarget.VERSION
          ? kv.version
          : r.sortTarget === SortTarget.CREATE
            ? kv.createRevision
            : r.sortTarget === SortTarget.MOD
              ? kv.modRevision
              : r.sortTarget === SortTarget.VALUE
                ? kv.value
                : kv.key;
      kvs = [...kvs].sort((a, b) => {
        const x = val(a);
        const y = val(b);
        const c = typeof x === 'number' ? x - (y as number) : Buffer.compare(x, y as Buffer);
        return order === SortOrder.DESCEND ? -c : c;
      });
    }
    const count = kvs.length;
    const more = r.limit > 0 && count > r.limit;
    if (r.limit > 0) kvs = kvs.slice(0, r.limit);
    if (r.countOnly) kvs = [];
    if (r.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY }));
    return { header: this.hdr(), kvs, more, count };
  }

  // ---- writes (inside one revision) ----

  private current(key: string, keyspace?: Keyspace): KeyValue | undefined {
    const vs = this.historyOf(keyspace).get(key);
    const last = vs?.[vs.length - 1];
    return last && !last.tombstone ? last.kv : undefined;
  }

  private checkPut(r: PutRequest): void {
    const cur = this.current(k(r.key), r.keyspace);
    if ((r.ignoreValue || r.ignoreLease) && !cur) throw Errors.KeyNotFound;
    if (r.lease !== 0n && !r.ignoreLease && !this.leasesById.has(r.lease)) throw Errors.LeaseNotFound;
  }

  private applyPut(r: PutRequest, rev: number, events: Event[]): KeyValue | undefined {
    const name = k(r.key);
    const system = r.keyspace === 'system';
    const prev = this.current(name, r.keyspace);
    const lease = r.ignoreLease ? (prev?.lease ?? 0n) : r.lease;
    const kv: KeyValue = {
      key: Buffer.from(r.key),
      createRevision: prev ? prev.createRevision : rev,
      modRevision: rev,
      version: prev ? prev.version + 1 : 1,
      value: r.ignoreValue ? (prev?.value ?? EMPTY) : Buffer.from(r.value),
      lease,
    };
    if (prev && prev.lease !== 0n) this.leaseKeysOf(prev.lease, system)?.delete(name);
    if (lease !== 0n) this.leaseKeysOf(lease, system)?.add(name);
    const history = this.historyOf(r.keyspace);
    const vs = history.get(name) ?? [];
    vs.push({ kv, tombstone: false });
    history.set(name, vs);
    const ev: Event = prev ? { type: EventType.PUT, kv, prevKv: prev } : { type: EventType.PUT, kv };
    if (system) ev.keyspace = 'system';
    events.push(ev);
    return prev;
  }

  private leaseKeysOf(id: bigint, system: boolean): Set<string> | undefined {
    const l = this.leasesById.get(id);
    return l && (system ? l.systemKeys : l.keys);
  }

  private applyDelete(r: DeleteRangeRequest, rev: number, events: Event[]): KeyValue[] {
    const system = r.keyspace === 'system';
    const prevs = this.kvsAt(r.key, r.rangeEnd, this.rev, r.keyspace);
    for (const prev of prevs) {
      const name = k(prev.key);
      if (prev.lease !== 0n) this.leaseKeysOf(prev.lease, system)?.delete(name);
      const kv: KeyValue = { key: prev.key, createRevision: 0, modRevision: rev, version: 0, value: EMPTY, lease: 0n };
      this.historyOf(r.keyspace).get(name)!.push({ kv, tombstone: true });
      events.push(system ? { keyspace: 'system', type: EventType.DELETE, kv, prevKv: prev } : { type: EventType.DELETE, kv, prevKv: prev });
    }
    return prevs;
  }

  private compare(c: Compare): boolean {
    const kvs: (KeyValue | undefined)[] =
      c.rangeEnd.length > 0 ? this.kvsAt(c.key, c.rangeEnd, this.rev, c.keyspace) : [this.current(k(c.key), c.keyspace)];
    return kvs.every((kv) => {
      let x: number | Buffer | bigint;
      let y: number | Buffer | bigint;
      switch (c.target) {
        case CompareTarget.VERSION:
          x = kv?.version ?? 0;
          y = c.version ?? 0;
          break;
        case CompareTarget.CREATE:
          x = kv?.createRevision ?? 0;
          y = c.createRevision ?? 0;
          break;
        case CompareTarget.MOD:
          x = kv?.modRevision ?? 0;
          y = c.modRevision ?? 0;
          break;
        case CompareTarget.LEASE:
          x = kv?.lease ?? 0n;
          y = c.lease ?? 0n;
          break;
        default:
          if (!kv) return false;
          x = kv.value;
          y = c.value ?? EMPTY;
      }
      const cmp = Buffer.isBuffer(x) ? Buffer.compare(x, y as Buffer) : x < (y as number | bigint) ? -1 : x > (y as number | bigint) ? 1 : 0;
      switch (c.result) {
        case CompareResult.EQUAL:
          return cmp === 0;
        case CompareResult.NOT_EQUAL:
          return cmp !== 0;
        case CompareResult.GREATER:
          return cmp > 0;
        default:
          return cmp < 0;
      }
    });
  }

  private isWrite(ops: RequestOp[]): boolean {
    return ops.some((u) => u.requestPut || u.requestDeleteRange || (u.requestTxn && (this.isWrite(u.requestTxn.success) || this.isWrite(u.requestTxn.failure))));
  }

  private checkOps(ops: RequestOp[]): void {
    for (const u of ops) {
      if (u.requestPut) this.checkPut(u.requestPut);
      if (u.requestRange && u.requestRange.revision > this.rev) throw Errors.FutureRev;
    }
  }

  private applyOps(ops: RequestOp[], rev: number, events: Event[]): ResponseOp[] {
    return ops.map((u): ResponseOp => {
      if (u.requestRange) return { responseRange: { ...this.doRange(u.requestRange, rev), header: this.hdr(rev) } };
      if (u.requestPut) {
        const prev = this.applyPut(u.requestPut, rev, events);
        return { responsePut: { header: this.hdr(rev), prevKv: u.requestPut.prevKv ? prev : undefined } };
      }
      if (u.requestDeleteRange) {
        const prevs = this.applyDelete(u.requestDeleteRange, rev, events);
        return { responseDeleteRange: { header: this.hdr(rev), deleted: prevs.length, prevKvs: u.requestDeleteRange.prevKv ? prevs : [] } };
      }
      const t = u.requestTxn!;
      const ok = t.compare.every((c) => this.compare(c));
      const responses = this.applyOps(ok ? t.success : t.failure, rev, events);
      return { responseTxn: { header: this.hdr(rev), succeeded: ok, responses } };
    });
  }

  /** Ends a write: the revision advances only when something changed; watchers hear of it. */
  private commit(events: Event[]): void {
    if (events.length === 0) return;
    this.rev++;
    this.revEvents.set(this.rev, events);
    for (const w of this.watchers) this.pump(w);
  }

  async range(r: RangeRequest) {
    return this.doRange(r);
  }

  async put(r: PutRequest) {
    this.checkPut(r);
    const events: Event[] = [];
    const prev = this.applyPut(r, this.rev + 1, events);
    this.commit(events);
    return { header: this.hdr(), prevKv: r.prevKv ? prev : undefined };
  }

  async deleteRange(r: DeleteRangeRequest) {
    const events: Event[] = [];
    const prevs = this.applyDelete(r, this.rev + 1, events);
    this.commit(events);
    return { header: this.hdr(), deleted: prevs.length, prevKvs: r.prevKv ? prevs : [] };
  }

  async txn(r: TxnRequest) {
    const ok = r.compare.every((c) => this.compare(c));
    const ops = ok ? r.success : r.failure;
    this.checkOps(ops);
    const write = this.isWrite(ops);
    const events: Event[] = [];
    const responses = this.applyOps(ops, write ? this.rev + 1 : this.rev, events);
    this.commit(events);
    return { header: this.hdr(), succeeded: ok, responses };
  }

  async compact(r: { revision: number; physical: boolean }) {
    if (r.revision <= this.compactRev) throw Errors.Compacted;
    if (r.revision > this.rev) throw Errors.FutureRev;
    this.compactRev = r.revision;
    return { header: this.hdr() };
  }

  // ---- watch ----

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    const w: MemWatcher = { opts, listener, nextRev: opts.startRevision > 0 ? opts.startRevision : this.rev + 1, dead: false };
    if (w.nextRev < this.compactRev) {
      w.dead = true;
      listener.onCompacted(this.compactRev, this.rev);
      return { cancel: () => undefined, isSynced: () => false };
    }
    this.watchers.add(w);
    this.pump(w);
    return {
      cancel: () => {
        w.dead = true;
        this.watchers.delete(w);
      },
      isSynced: () => w.nextRev > this.rev,
    };
  }

  private pump(w: MemWatcher): void {
    const { opts } = w;
    const from = k(opts.key);
    const keyspace = opts.keyspace === 'system' ? 'system' : undefined;
    while (!w.dead && w.nextRev <= this.rev) {
      const rev = w.nextRev++;
      const evs = (this.revEvents.get(rev) ?? []).filter(
        (e) =>
          e.keyspace === keyspace &&
          this.inRange(k(e.kv.key), from, opts.rangeEnd) &&
          !(e.type === EventType.PUT && opts.filters.includes(WatchFilter.NOPUT)) &&
          !(e.type === EventType.DELETE && opts.filters.includes(WatchFilter.NODELETE)),
      );
      if (evs.length === 0) continue;
      // prev_kv only when asked; a create event has none anyway.
      w.listener.onEvents(
        evs.map((e) => (opts.prevKv ? e : e.keyspace ? { keyspace: e.keyspace, type: e.type, kv: e.kv } : { type: e.type, kv: e.kv })),
        rev,
      );
    }
  }

  async progressHeader() {
    return this.hdr();
  }

  // ---- leases ----

  async leaseGrant(r: { ttl: number; id: bigint; keyspace?: Keyspace }) {
    const id = r.id !== 0n ? r.id : this.nextLeaseId++;
    if (this.leasesById.has(id)) throw Errors.LeaseExist;
    if (r.ttl > 9_000_000_000) throw Errors.LeaseTTLTooLarge;
    const ttl = Math.max(r.ttl, 5);
    const system = r.keyspace === 'system';
    this.leasesById.set(id, { id, ttl, expiresAt: Date.now() + ttl * 1000, keys: new Set(), systemKeys: new Set(), system });
    return { header: this.hdr(), id, ttl, error: '' };
  }

  /** The lease, when it belongs to `keyspace` (another keyspace's lease does not exist for the asker). */
  private leaseOf(id: bigint, keyspace: Keyspace | undefined): Lease | undefined {
    const l = this.leasesById.get(id);
    return l && l.system === (keyspace === 'system') ? l : undefined;
  }

  async leaseRevoke(id: bigint, keyspace?: Keyspace) {
    const l = this.leaseOf(id, keyspace);
    if (!l) throw Errors.LeaseNotFound;
    this.revoke(l);
    return { header: this.hdr() };
  }

  private revoke(l: Lease): void {
    this.leasesById.delete(l.id);
    const events: Event[] = [];
    for (const name of [...l.keys].sort()) this.applyDelete({ key: Buffer.from(name, 'latin1'), rangeEnd: EMPTY, prevKv: false }, this.rev + 1, events);
    for (const name of [...l.systemKeys].sort()) {
      this.applyDelete({ keyspace: 'system', key: Buffer.from(name, 'latin1'), rangeEnd: EMPTY, prevKv: false }, this.rev + 1, events);
    }
    this.commit(events);
  }

  private expireLeases(): void {
    const now = Date.now();
    for (const l of [...this.leasesById.values()]) if (l.expiresAt <= now) this.revoke(l);
  }

  async leaseKeepAlive(id: bigint, keyspace?: Keyspace) {
    const l = this.leaseOf(id, keyspace);
    if (!l) return { header: this.hdr(), id, ttl: 0 };
    l.expiresAt = Date.now() + l.ttl * 1000;
    return { header: this.hdr(), id, ttl: l.ttl };
  }

  async leaseTimeToLive(r: { id: bigint; keys: boolean; keyspace?: Keyspace }) {
    const l = this.leaseOf(r.id, r.keyspace);
    if (!l) return { header: this.hdr(), id: r.id, ttl: -1, grantedTtl: 0, keys: [] };
    const ttl = Math.max(0, Math.ceil((l.expiresAt - Date.now()) / 1000));
    return { header: this.hdr(), id: r.id, ttl, grantedTtl: l.ttl, keys: r.keys ? [...l.keys].map((n) => Buffer.from(n, 'latin1')) : [] };
  }

  async leaseLeases(keyspace?: Keyspace) {
    const system = keyspace === 'system';
    return { header: this.hdr(), leases: [...this.leasesById.values()].filter((l) => l.system === system).map((l) => ({ id: l.id })) };
  }

  // ---- cluster & maintenance ----

  private member(): Member {
    return { id: this.memberId, name: 'mem', peerURLs: ['http://127.0.0.1:25380'], clientURLs: ['http://127.0.0.1:25379'], isLearner: false };
  }
  async memberList() {
    return { header: this.hdr(), members: [this.member()] };
  }
  async memberAdd(): Promise<never> {
    throw new EtcdError(GrpcCode.UNIMPLEMENTED, 'memory backend: single member');
  }
  async memberRemove(id: bigint): Promise<never> {
    if (id !== this.memberId) throw Errors.MemberNotFound;
    throw new EtcdError(GrpcCode.UNIMPLEMENTED, 'memory backend: single member');
  }
  async memberUpdate(id: bigint) {
    if (id !== this.memberId) throw Errors.MemberNotFound;
    return { header: this.hdr(), members: [this.member()] };
  }
  async memberPromote(id: bigint): Promise<never> {
    if (id !== this.memberId) throw Errors.MemberNotFound;
    throw Errors.MemberNotLearner;
  }
  async status() {
    return {
      header: this.hdr(),
      version: 'memory',
      dbSize: 4096,
      leader: this.leaderless ? 0n : this.memberId,
      raftIndex: this.rev,
      raftTerm: 2,
      raftAppliedIndex: this.rev,
      errors: [],
      dbSizeInUse: 4096,
      isLearner: false,
    };
  }
  /** The user keyspace only: what Hash, HashKV and Snapshot show an etcd client. */
  private dump(): Buffer {
    const lines = [...this.history.entries()].map(([key, vs]) => `${key}=${vs.length}`);
    return Buffer.from(lines.join('\n') + `\nrev=${this.rev}\n`);
  }
  async hash() {
    return { header: this.hdr(), hash: createHash('sha256').update(this.dump()).digest().readUInt32BE(0) };
  }
  async hashKV(revision: number) {
    return { header: this.hdr(), hash: createHash('sha256').update(this.dump()).update(String(revision)).digest().readUInt32BE(0), compactRevision: this.compactRev };
  }
  async alarm(r: AlarmRequest) {
    if (r.action === 1) this.alarms.push({ memberID: r.memberID, alarm: r.alarm });
    if (r.action === 2) this.alarms = this.alarms.filter((a) => !(a.memberID === r.memberID && a.alarm === r.alarm));
    return { header: this.hdr(), alarms: [...this.alarms] };
  }
  async defragment() {
    return { header: this.hdr() };
  }
  async *snapshot(): AsyncIterable<SnapshotChunk> {
    const db = this.dump();
    const CHUNK = 16;
    for (let off = 0; off < db.length; off += CHUNK) {
      const blob = db.subarray(off, off + CHUNK);
      yield { header: this.hdr(), remainingBytes: db.length - off - blob.length, blob };
    }
  }
  async moveLeader(): Promise<never> {
    throw Errors.BadLeaderTransferee;
  }
  async ready() {}
  async close() {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    for (const w of this.watchers) w.dead = true;
    this.watchers.clear();
  }
}
