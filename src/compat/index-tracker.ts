// Consul's per-table indexes on the Backend (DESIGN.md, "One index space"): a table's index is the
// highest store revision that touched it, deletions included. It is tracked incrementally from two
// watches (the whole user keyspace = the 'kvs' table; the whole system keyspace, split by the first
// path segment of each key, system-keys.ts), never by scanning. At start every table's index is
// the store's current revision: an upper bound of what touched it, so an index never goes
// backwards across a restart (Consul's clients reset when it does) at the cost of one spurious
// wake-up of a blocking query that carried an older index.
//
// Blocking queries wait here (waitForChange) for any of their tables to move past their index,
// then re-run their query; Consul's own blocking loop does the same with its watch sets.
import type { Backend, Event, Keyspace, WatchHandle } from '../adapters/backend.js';
import { tableOfSystemKey, type Table } from './system-keys.js';

/**
 * Sees the user keyspace's events before any blocking query wakes for them, so state derived
 * from them (the KV tombstones) is never behind the index a woken query reads.
 */
export interface UserKeyspaceListener {
  onEvents(events: readonly Event[]): void;
  /** History up to `revision` was compacted away before it was seen. */
  onGap(revision: number): void;
}

interface Waiter {
  tables: readonly Table[];
  afterIndex: number;
  resolve: () => void;
  timer?: NodeJS.Timeout;
}

const ALL_KEYS = Buffer.from([0]);
const RESTART_DELAY_MS = 200;

export class IndexTracker {
  private readonly indexes = new Map<Table, number>();
  private readonly waiters = new Map<Table, Set<Waiter>>();
  private readonly handles = new Map<Keyspace, WatchHandle>();
  private readonly userListeners: UserKeyspaceListener[] = [];
  private floor: number;
  private closed = false;

  constructor(private readonly backend: Backend) {
    this.floor = backend.header().revision;
    this.watch('user', this.floor + 1);
    this.watch('system', this.floor + 1);
  }

  /** `listener` sees every later event of the user keyspace, ahead of the waiters it wakes. */
  addUserListener(listener: UserKeyspaceListener): void {
    this.userListeners.push(listener);
  }

  /** The table's index: never below 1 (Consul never reports 0). */
  index(table: Table): number {
    return Math.max(1, this.indexes.get(table) ?? this.floor);
  }

  /** The highest index of several tables (endpoints that join tables, e.g. health = nodes + services + checks). */
  maxIndex(tables: readonly Table[]): number {
    let max = 1;
    for (const t of tables) max = Math.max(max, this.index(t));
    return max;
  }

  /**
   * Resolves once any of `tables` has an index above `afterIndex`, after `timeoutMs`, or when
   * `signal` aborts (the client went away), whichever comes first. Never rejects.
   */
  waitForChange(tables: readonly Table[], afterIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || this.maxIndex(tables) > afterIndex || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w: Waiter = {
        tables,
        afterIndex,
        resolve: () => {
          if (w.timer) clearTimeout(w.timer);
          for (const t of tables) this.waiters.get(t)?.delete(w);
          signal?.removeEventListener('abort', w.resolve);
          resolve();
        },
      };
      w.timer = setTimeout(w.resolve, timeoutMs);
      signal?.addEventListener('abort', w.resolve, { once: true });
      for (const t of tables) {
        let set = this.waiters.get(t);
        if (!set) this.waiters.set(t, (set = new Set()));
        set.add(w);
      }
    });
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles.values()) h.cancel();
    this.handles.clear();
    for (const set of this.waiters.values()) for (const w of [...set]) w.resolve();
  }

  private watch(keyspace: Keyspace, fromRevision: number): void {
    if (this.closed) return;
    let last = fromRevision - 1;
    const restart = () => {
      this.handles.delete(keyspace);
      if (!this.closed) setTimeout(() => this.watch(keyspace, last + 1), RESTART_DELAY_MS).unref();
    };
    const handle = this.backend.watch(
      { keyspace, key: ALL_KEYS, rangeEnd: ALL_KEYS, startRevision: fromRevision, prevKv: false, filters: [] },
      {
        onEvents: (events: Event[], revision: number) => {
          last = revision;
          this.apply(keyspace, events);
        },
        onCompacted: (_compactRevision: number, revision: number) => {
          // Missed history: every table may have moved up to `revision`.
          last = revision;
          if (keyspace === 'user') for (const l of this.userListeners) l.onGap(revision);
          this.floor = Math.max(this.floor, revision);
          for (const t of [...this.indexes.keys()]) this.bump(t, revision);
          restart();
        },
        onCanceled: () => restart(),
      },
    );
    this.handles.set(keyspace, handle);
  }

  private apply(keyspace: Keyspace, events: Event[]): void {
    if (keyspace === 'user') for (const l of this.userListeners) l.onEvents(events);
    for (const e of events) {
      const table = keyspace === 'user' ? 'kvs' : tableOfSystemKey(e.kv.key);
      if (table) this.bump(table, e.kv.modRevision);
    }
  }

  private bump(table: Table, revision: number): void {
    if (revision <= (this.indexes.get(table) ?? this.floor)) return;
    this.indexes.set(table, revision);
    const set = this.waiters.get(table);
    if (!set) return;
    for (const w of [...set]) if (revision > w.afterIndex) w.resolve();
  }
}
