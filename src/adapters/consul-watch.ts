// etcd watches on Consul blocking queries (the Consul adapter). Consul keeps no history: it can
// say "something under this prefix changed since index N" and show the prefix as it is now. So
// every watched prefix has one poller (shared by the watches under it): a blocking
// GET /v1/kv/<prefix>?recurse&index=N, and on each answer the changes since the last one are:
//  - this process's own writes, from its write journal (consul-write-journal.ts): every revision
//    of every key, deletes at their exact revision, each with the value before it;
//  - beyond them, what comparing the new entries with the previous ones shows (other clients'
//    writes, leases expiring): a new or higher ModifyIndex is a put at that revision, a key that is
//    gone a delete, at the index of the answer that showed it (Consul publishes no tombstone's
//    index: exact when that answer brought one change, as a lease expiring does).
//
// What a poll cannot see of other clients' writes: a key written twice between two answers shows
// its last write only, and a key deleted and created again shows as a delete and a put.
//
// A watch from a past revision can be served only if nothing under its prefix changed since
// (Consul's list index says so), or if every Consul index since was a write of this process (the
// journal has them all, exactly); otherwise it is told its revision is compacted, with the first
// revision it can watch from, as etcd tells a watcher whose history is gone.
import { EventType, WatchFilter, type Event, type KeyValue, type WatchHandle, type WatchListener, type WatchOptions } from './backend.js';
import type { ConsulHttp } from './consul-http.js';
import { consulRange, coveringPrefix, inRange, keyOf, kvOf, kvPath, parseConsulJson, RESERVED, type ConsulEntry, type ConsulRange } from './consul-keyspace.js';
import { attachVersions, shadowsIn, versionKey } from './consul-versions.js';
import { byKeyBytes } from './consul-range-answer.js';
import type { WriteJournal } from './consul-write-journal.js';

/** Consul answers a blocking query after at most this long without a change. */
const BLOCK_WAIT = '60s';
const RETRY_MS = 500;
/** How long a watch being set up waits for this process's writes in flight to be recorded. */
const SETTLE_MS = 5_000;

export interface WatchContext {
  http: ConsulHttp;
  leaseOfSession(session: string): bigint;
  learnSessionsOf(entries: Iterable<ConsulEntry>): Promise<void>;
  /** The writes this process committed. */
  journal: WriteJournal;
  /** True when `revision` is recent enough that Consul still has the tombstones of deletions after it. */
  isRecent(revision: number): boolean;
  /** The current revision as last seen. */
  currentRevision(): number;
  seen(revision: number): void;
}

interface Subscriber {
  opts: WatchOptions;
  range: ConsulRange;
  listener: WatchListener;
  /** Events below this revision are not delivered (a watch of a future revision). */
  from: number;
  live: boolean;
  canceled: boolean;
}

class PrefixPoller {
  private entries = new Map<string, ConsulEntry>();
  private index = 0;
  readonly subs = new Set<Subscriber>();
  /** Watches using this poller, attached or still waiting for its first listing. */
  refs = 0;
  private readonly abort = new AbortController();
  private stopped = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly ctx: WatchContext,
    readonly prefix: string,
  ) {
    this.ready = this.loop();
  }

  isReady(): boolean {
    return this.index > 0;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async fetch(index: number): Promise<{ entries: ConsulEntry[]; index: number } | undefined> {
    const query: Record<string, string | number | undefined> = { recurse: '' };
    if (index > 0) {
      query.index = index;
      query.wait = BLOCK_WAIT;
    }
    const res = await this.ctx.http.call('GET', kvPath(this.prefix), query, undefined, this.abort.signal);
    if (res.status === 404) return { entries: [], index: res.index };
    if (res.status !== 200) return undefined;
    const entries = parseConsulJson<ConsulEntry[]>(res.text);
    // versions of the keys: their shadows, read right after (a write between shows as the shadow's + 1)
    let shadows = entries;
    if (!RESERVED.startsWith(this.prefix)) {
      const got = await this.ctx.http.call('GET', kvPath(versionKey(this.prefix)), { recurse: '' }, undefined, this.abort.signal);
      shadows = got.status === 200 ? parseConsulJson<ConsulEntry[]>(got.text) : [];
    }
    attachVersions(entries, shadowsIn(shadows));
    return { entries, index: res.index };
  }

  /** Resolves once the first listing is in; then keeps polling until stopped. */
  private loop(): Promise<void> {
    return new Promise<void>((resolveReady) => {
      const run = async () => {
        while (!this.stopped) {
          try {
            const got = await this.fetch(this.index);
            if (!got || this.stopped) {
              if (!this.stopped) await sleep(RETRY_MS);
              continue;
            }
            await this.ctx.learnSessionsOf(got.entries);
            if (this.index === 0) {
              for (const e of got.entries) this.entries.set(e.Key, e);
              this.index = Math.max(1, got.index);
              this.ctx.seen(this.index);
              resolveReady();
              continue;
            }
            if (got.index === this.index) continue;
            this.apply(got.entries, got.index);
          } catch {
            if (this.stopped) return;
            await sleep(RETRY_MS);
          }
        }
      };
      void run();
    });
  }

  private apply(list: ConsulEntry[], newIndex: number): void {
    const before = this.entries;
    const after = new Map<string, ConsulEntry>();
    for (const e of list) after.set(e.Key, e);
    const oldIndex = this.index;
    // Consul's rule: an index that goes backwards (a restored snapshot, reaped tombstones) is reset
    let index = newIndex;
    if (newIndex < oldIndex) for (const e of list) index = Math.max(index, e.ModifyIndex, oldIndex);
    const changes = this.journalChanges(oldIndex, index);
    // this process's own writes, each at its revision with the value before it
    const ours = new Map<string, ConsulEntry | null>();
    for (const c of changes) ours.set(c.key, c.type === EventType.PUT ? c.entry : null);
    // what the entries show beyond them: other clients' writes, and lease expiries
    const explained = (k: string, now: ConsulEntry | undefined): boolean => {
      if (!ours.has(k)) return false;
      const last = ours.get(k)!;
      return now === undefined ? last === null : last !== null && last.ModifyIndex === now.ModifyIndex && last.CreateIndex === now.CreateIndex;
    };
    for (const [k, prev] of before) {
      const now = after.get(k);
      if ((!now || now.CreateIndex !== prev.CreateIndex) && !explained(k, now) && !(now && ours.has(k))) {
        // Consul shows no tombstone: the delete is placed at the answer's index (or just before the key's re-creation)
        const at = now ? Math.min(now.CreateIndex, index) : index;
        changes.push({ rev: at, key: k, type: EventType.DELETE, entry: prev, prev });
      }
    }
    for (const [k, e] of after) {
      const prev = before.get(k);
      if (prev && prev.ModifyIndex === e.ModifyIndex && prev.CreateIndex === e.CreateIndex) continue;
      if (explained(k, e)) continue;
      changes.push({ rev: e.ModifyIndex, key: k, type: EventType.PUT, entry: e, ...(prev && prev.CreateIndex === e.CreateIndex ? { prev } : {}) });
    }
    this.entries = after;
    this.index = index;
    this.ctx.seen(index);
    if (changes.length === 0) return;
    changes.sort((a, b) => a.rev - b.rev || (a.type === b.type ? byKeyBytes(a.key, b.key) : a.type === EventType.DELETE ? -1 : 1));
    for (const sub of this.subs) deliver(sub, changes, this.ctx);
  }

  /** This process's own writes under the prefix with after < revision <= upTo, as changes. */
  private journalChanges(after: number, upTo: number): Change[] {
    return this.ctx.journal.between(after, upTo, this.prefix).map((j) => ({
      rev: j.revision,
      key: j.key,
      type: j.entry ? EventType.PUT : EventType.DELETE,
      entry: j.entry ?? j.prev!,
      ...(j.prev ? { prev: j.prev } : {}),
    }));
  }

  /** Starts a subscriber: from now, or from a past revision when nothing under the prefix changed since. */
  attach(sub: Subscriber, settled = false): void {
    const start = sub.opts.startRevision;
    const current = Math.max(this.index, this.ctx.currentRevision());
    // nothing under the prefix changed at or after `start` (Consul's list index counts deletions
    // while it keeps their tombstones, hence "recent"), or `start` is still to come
    if (start === 0 || start > current || (start > this.index && this.ctx.isRecent(start - 1))) {
      sub.live = true;
      this.subs.add(sub);
      return;
    }
    // When every Consul index since `start` was a write of this process, the journal tells them
    // exactly, then the watch is live: a watch "from now" whose set-up raced a write of ours, or one
    // from a revision just past (etcdctl watch --rev=N started as our write of N lands). A write of
    // ours Consul has answered may not be recorded yet: decide once those are.
    if (!settled) {
      void this.ctx.journal.settled(SETTLE_MS).then(() => {
        if (!sub.canceled) this.attach(sub, true);
      });
      return;
    }
    if (this.ctx.journal.covers(start - 1, this.index)) {
      sub.live = true;
      this.subs.add(sub);
      deliver(sub, this.journalChanges(start - 1, this.index), this.ctx);
      return;
    }
    this.compacted(sub, current);
  }

  /** The prefix changed at or after the watch's start: those changes are gone from Consul. */
  private compacted(sub: Subscriber, current: number): void {
    const compactRevision = this.index + 1;
    queueMicrotask(() => sub.listener.onCompacted(compactRevision, current));
  }
}

interface Change {
  rev: number;
  key: string;
  type: EventType;
  entry: ConsulEntry;
  prev?: ConsulEntry;
}

function deliver(sub: Subscriber, changes: Change[], ctx: WatchContext): void {
  if (!sub.live) return;
  const ks = sub.opts.keyspace;
  const noPut = sub.opts.filters.includes(WatchFilter.NOPUT);
  const noDelete = sub.opts.filters.includes(WatchFilter.NODELETE);
  let batch: Event[] = [];
  let batchRev = 0;
  const flush = () => {
    if (batch.length > 0 && sub.live) sub.listener.onEvents(batch, batchRev);
    batch = [];
  };
  for (const c of changes) {
    if (c.rev < sub.from) continue;
    if (!inRange(Buffer.from(c.key, 'utf8'), sub.range)) continue;
    if ((c.type === EventType.PUT && noPut) || (c.type === EventType.DELETE && noDelete)) continue;
    if (c.rev !== batchRev) flush();
    batchRev = c.rev;
    const kv: KeyValue =
      c.type === EventType.PUT
        ? kvOf(c.entry, ks, (s) => ctx.leaseOfSession(s))
        : { key: keyOf(c.key, ks), createRevision: 0, modRevision: c.rev, version: 0, value: Buffer.alloc(0), lease: 0n };
    const ev: Event = { type: c.type, kv };
    if (ks === 'system') ev.keyspace = 'system';
    if (sub.opts.prevKv && c.prev) ev.prevKv = kvOf(c.prev, ks, (s) => ctx.leaseOfSession(s));
    batch.push(ev);
  }
  flush();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pollers of one adapter, one per watched Consul prefix. */
export class ConsulWatches {
  private readonly pollers = new Map<string, PrefixPoller>();

  constructor(private readonly ctx: WatchContext) {}

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    const range = consulRange(opts.keyspace, opts.key, opts.rangeEnd);
    const prefix = coveringPrefix(range);
    let poller = this.pollers.get(prefix);
    if (!poller) {
      poller = new PrefixPoller(this.ctx, prefix);
      this.pollers.set(prefix, poller);
    }
    const p = poller;
    p.refs++;
    const cancel = () => {
      if (sub.canceled) return;
      sub.canceled = true;
      sub.live = false;
      p.subs.delete(sub);
      if (--p.refs === 0) this.drop(p);
    };
    // a watcher is dead after onCompacted / onCanceled: it lets go of its poller then
    const tracked: WatchListener = {
      onEvents: (events, revision) => listener.onEvents(events, revision),
      onCompacted: (compactRevision, revision) => {
        cancel();
        listener.onCompacted(compactRevision, revision);
      },
      onCanceled: (reason) => {
        cancel();
        listener.onCanceled(reason);
      },
    };
    const sub: Subscriber = { opts, range, listener: tracked, from: opts.startRevision, live: false, canceled: false };
    void p.ready.then(() => {
      if (!sub.canceled) p.attach(sub);
    });
    return { cancel, isSynced: () => sub.live && p.isReady() };
  }

  private drop(p: PrefixPoller): void {
    // a poller nobody listens to stops (a later watch of the prefix starts a new one)
    if (this.pollers.get(p.prefix) === p) this.pollers.delete(p.prefix);
    p.stop();
  }

  close(): void {
    for (const p of [...this.pollers.values()]) {
      for (const s of [...p.subs]) s.listener.onCanceled('dcsgw: the Consul backend is closing');
      p.stop();
    }
    this.pollers.clear();
  }
}
