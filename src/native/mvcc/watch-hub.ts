// The watcher hub (etcd's watchableStore): synced watchers receive the events of each applied
// batch right after it commits; watchers that start behind the current revision are "unsynced"
// and caught up from stored history in bounded steps (setImmediate), then join the synced set.
//
// Matching is indexed so thousands of watchers stay cheap: single-key watchers by key in a Map;
// range watchers in an array sorted by start with a running maximum of ends (a stabbing query
// walks back from the last start <= key and stops as soon as no earlier range can reach the key);
// open-ended ("from key") watchers in a short list of their own.
import type { Event, Keyspace, KeyValue, WatchHandle, WatchListener, WatchOptions } from '../../adapters/backend.js';
import { EventType, WatchFilter } from '../../adapters/backend.js';

/** An applied change, as the store hands it to the hub. */
export interface StoreEvent {
  type: EventType;
  keyStr: string;
  kv: KeyValue;
  /** The key's previous value, present when some watcher asked for prev_kv and the key existed. */
  prevKv?: KeyValue;
}

/** What the hub needs from the store to catch unsynced watchers up. */
export interface HistorySource {
  currentRevision(): number;
  compactRevision(): number;
  /** Events with revision in [fromRev, ...), whole revisions only, at most about `maxEvents`; returns the next revision to read. */
  readHistory(fromRev: number, maxEvents: number, withPrevKv: boolean, visit: (ev: StoreEvent, rev: number) => void): number;
}

interface Logger {
  error(obj: object, msg: string): void;
}

const CATCH_UP_EVENTS_PER_STEP = 1000;
/** Latin1 strings never contain U+0100: it sorts after every key (an open end). */
const OPEN_END = '\u0100';

export class Watcher implements WatchHandle {
  synced = false;
  dead = false;
  /** The next revision this watcher has not seen. */
  nextRev: number;
  readonly noPut: boolean;
  readonly noDelete: boolean;

  constructor(
    private readonly hub: WatchHub,
    readonly key: string,
    /** undefined: single key; OPEN_END: everything from key on. */
    readonly end: string | undefined,
    readonly prevKv: boolean,
    filters: readonly number[],
    readonly listener: WatchListener,
    startRev: number,
  ) {
    this.nextRev = startRev;
    this.noPut = filters.includes(WatchFilter.NOPUT);
    this.noDelete = filters.includes(WatchFilter.NODELETE);
  }

  cancel(): void {
    this.hub.remove(this);
  }

  isSynced(): boolean {
    return this.synced && !this.dead;
  }

  matches(keyStr: string): boolean {
    if (this.end === undefined) return keyStr === this.key;
    return keyStr >= this.key && keyStr < this.end;
  }

  accepts(type: EventType): boolean {
    return type === EventType.PUT ? !this.noPut : !this.noDelete;
  }
}

function toEvent(ev: StoreEvent, withPrev: boolean): Event {
  return withPrev && ev.prevKv ? { type: ev.type, kv: ev.kv, prevKv: ev.prevKv } : { type: ev.type, kv: ev.kv };
}

function toSystemEvent(ev: StoreEvent, withPrev: boolean): Event {
  return withPrev && ev.prevKv
    ? { keyspace: 'system', type: ev.type, kv: ev.kv, prevKv: ev.prevKv }
    : { keyspace: 'system', type: ev.type, kv: ev.kv };
}

export class WatchHub {
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly ranges = new Set<Watcher>();
  private readonly openRanges = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private prevKvWatchers = 0;
  private total = 0;
  // The stabbing index over `ranges`, rebuilt lazily after changes.
  private sorted: Watcher[] = [];
  private maxEnd: string[] = [];
  private sortedDirty = false;
  private catchUpScheduled: ReturnType<typeof setImmediate> | undefined;
  private readonly toEvent: (ev: StoreEvent, withPrev: boolean) => Event;

  /**
   * One hub per keyspace: `keyspace` 'system' makes this the hub of system watches, whose events
   * say so (Event.keyspace); the source hands each hub the history of its own keyspace only.
   */
  constructor(
    private readonly source: HistorySource,
    private readonly log: Logger,
    keyspace: Keyspace = 'user',
  ) {
    this.toEvent = keyspace === 'system' ? toSystemEvent : toEvent;
  }

  /** True when any watcher exists (the store skips building events otherwise). */
  get active(): boolean {
    return this.total > 0;
  }

  /** True when a synced watcher wants prev_kv (the store then reads previous values while applying). */
  get wantsPrevKv(): boolean {
    return this.prevKvWatchers > 0;
  }

  watch(opts: WatchOptions, listener: WatchListener): Watcher {
    const key = opts.key.toString('latin1');
    let end: string | undefined;
    if (opts.rangeEnd.length === 1 && opts.rangeEnd[0] === 0) end = OPEN_END;
    else if (opts.rangeEnd.length > 0) end = opts.rangeEnd.toString('latin1');
    const current = this.source.currentRevision();
    const start = opts.startRevision > 0 ? opts.startRevision : current + 1;
    const w = new Watcher(this, key, end, opts.prevKv, opts.filters, listener, start);
    this.total++;
    if (start > current) {
      this.addSynced(w);
    } else {
      this.unsynced.add(w);
      this.scheduleCatchUp();
    }
    return w;
  }

  remove(w: Watcher): void {
    if (w.dead) return;
    w.dead = true;
    this.total--;
    if (this.unsynced.delete(w)) return;
    this.removeSynced(w);
  }

  /** Delivers the events of one committed batch to synced watchers: one onEvents call per watcher. */
  notify(events: readonly StoreEvent[], revs: readonly number[], revision: number): void {
    if (events.length === 0 || this.total === this.unsynced.size) return;
    const out = new Map<Watcher, Event[]>();
    const add = (w: Watcher, ev: StoreEvent, rev: number): void => {
      if (rev < w.nextRev || !w.accepts(ev.type)) return; // a watcher from a future revision, or filtered
      let list = out.get(w);
      if (!list) out.set(w, (list = []));
      list.push(this.toEvent(ev, w.prevKv));
    };
    if (this.sortedDirty) this.rebuildRanges();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      const rev = revs[i]!;
      const exact = this.byKey.get(ev.keyStr);
      if (exact) for (const w of exact) add(w, ev, rev);
      if (this.openRanges.size > 0) for (const w of this.openRanges) if (ev.keyStr >= w.key) add(w, ev, rev);
      if (this.sorted.length > 0) this.stab(ev.keyStr, (w) => add(w, ev, rev));
    }
    for (const [w, list] of out) {
      if (w.dead) continue; // canceled by another watcher's listener during this delivery
      w.nextRev = revision + 1;
      this.deliver(w, list, revision);
    }
  }

  /** Compaction: unsynced watchers that now start below the compact revision are told so and dropped. */
  compacted(compactRev: number): void {
    for (const w of this.unsynced) {
      if (w.nextRev < compactRev) this.killCompacted(w, compactRev);
    }
  }

  /** The store's content was replaced (snapshot restore): every synced watcher catches up again from stored history. */
  resync(): void {
    const synced = [...this.ranges, ...this.openRanges];
    for (const set of this.byKey.values()) synced.push(...set);
    for (const w of synced) {
      this.removeSynced(w);
      w.synced = false;
      this.unsynced.add(w);
    }
    if (this.unsynced.size > 0) this.scheduleCatchUp();
  }

  /** The backend ends every watch (store closed or replaced by a snapshot). */
  cancelAll(reason: string): void {
    const all = [...this.unsynced, ...this.ranges, ...this.openRanges];
    for (const set of this.byKey.values()) all.push(...set);
    for (const w of all) {
      this.remove(w);
      try {
        w.listener.onCanceled(reason);
      } catch (err) {
        this.log.error({ err }, 'watch listener threw');
      }
    }
    if (this.catchUpScheduled) clearImmediate(this.catchUpScheduled);
    this.catchUpScheduled = undefined;
  }

  private deliver(w: Watcher, events: Event[], revision: number): void {
    try {
      w.listener.onEvents(events, revision);
    } catch (err) {
      this.log.error({ err }, 'watch listener threw');
    }
  }

  private killCompacted(w: Watcher, compactRev: number): void {
    this.remove(w);
    try {
      w.listener.onCompacted(compactRev, this.source.currentRevision());
    } catch (err) {
      this.log.error({ err }, 'watch listener threw');
    }
  }

  private addSynced(w: Watcher): void {
    w.synced = true;
    if (w.prevKv) this.prevKvWatchers++;
    if (w.end === undefined) {
      let set = this.byKey.get(w.key);
      if (!set) this.byKey.set(w.key, (set = new Set()));
      set.add(w);
    } else if (w.end === OPEN_END) {
      this.openRanges.add(w);
    } else {
      this.ranges.add(w);
      this.sortedDirty = true;
    }
  }

  private removeSynced(w: Watcher): void {
    if (w.prevKv) this.prevKvWatchers--;
    if (w.end === undefined) {
      const set = this.byKey.get(w.key);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.byKey.delete(w.key);
      }
    } else if (w.end === OPEN_END) {
      this.openRanges.delete(w);
    } else if (this.ranges.delete(w)) {
      this.sortedDirty = true;
    }
  }

  private rebuildRanges(): void {
    this.sorted = [...this.ranges].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.maxEnd = new Array<string>(this.sorted.length);
    let m = '';
    for (let i = 0; i < this.sorted.length; i++) {
      const e = this.sorted[i]!.end!;
      if (e > m) m = e;
      this.maxEnd[i] = m;
    }
    this.sortedDirty = false;
  }

  /** Calls fn for each range watcher with start <= k < end. */
  private stab(k: string, fn: (w: Watcher) => void): void {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]!.key <= k) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && this.maxEnd[i]! > k; i--) {
      const w = s[i]!;
      if (w.end! > k) fn(w);
    }
  }

  private scheduleCatchUp(): void {
    if (this.catchUpScheduled) return;
    this.catchUpScheduled = setImmediate(() => {
      this.catchUpScheduled = undefined;
      this.catchUpStep();
    });
  }

  /**
   * One bounded step of catch-up (etcd's syncWatchers): history is read once from the lowest
   * revision any unsynced watcher needs and shared out; reschedules while any remain unsynced.
   */
  private catchUpStep(): void {
    const compactRev = this.source.compactRevision();
    // etcd: a watcher may start at the compact revision itself, not below it.
    for (const w of this.unsynced) if (w.nextRev < compactRev) this.killCompacted(w, compactRev);
    if (this.unsynced.size === 0) return;
    const watchers = [...this.unsynced];
    let minRev = Number.POSITIVE_INFINITY;
    let wantPrev = false;
    for (const w of watchers) {
      if (w.nextRev < minRev) minRev = w.nextRev;
      if (w.prevKv) wantPrev = true;
    }
    const current = this.source.currentRevision();
    const out = new Map<Watcher, Event[]>();
    const next = this.source.readHistory(minRev, CATCH_UP_EVENTS_PER_STEP, wantPrev, (ev, rev) => {
      for (const w of watchers) {
        if (rev < w.nextRev || !w.matches(ev.keyStr) || !w.accepts(ev.type)) continue;
        let list = out.get(w);
        if (!list) out.set(w, (list = []));
        list.push(this.toEvent(ev, w.prevKv));
      }
    });
    const reached = Math.min(next - 1, current);
    for (const w of watchers) {
      if (w.dead || w.nextRev > reached) continue;
      w.nextRev = reached + 1;
      const list = out.get(w);
      if (list) this.deliver(w, list, reached);
      if (w.dead) continue; // the listener may cancel
      if (w.nextRev > current) {
        this.unsynced.delete(w);
        this.addSynced(w);
      }
    }
    if (this.unsynced.size > 0) this.scheduleCatchUp();
  }
}
