// Watches on the Redis backend, fed by the store's change stream (P.."events", one entry per event,
// written by the same script that wrote the change; see ./redis-scripts.ts).
//
// One reader per backend sits in XREAD BLOCK on its own connection and hands each complete
// revision to the watchers that are live. A new watcher first catches up from the stream's
// history (a script reads the compacted revision and the entries at one instant, so a compaction
// cannot slip in between): a start revision below the compacted one ends it with onCompacted, as
// etcd does. A watcher turns live once it has nothing left to read that the reader has not passed;
// the reader skips revisions a watcher has already had, so the hand-over loses and repeats nothing.
import { EventType, WatchFilter, type Event, type KeyValue, type WatchHandle, type WatchListener, type WatchOptions } from './backend.js';
import { parseRecord, type Reply } from './redis-codec.js';
import type { RedisClient } from './redis-connection.js';
import { EMPTY_BYTES } from './requests.js';

/** One revision's events as stored: every event of both keyspaces, with its previous value. */
export interface StoredRevision {
  revision: number;
  events: Event[];
}

interface HubWatcher {
  opts: WatchOptions;
  listener: WatchListener;
  nextRev: number;
  live: boolean;
  dead: boolean;
}

type StreamEntry = [Buffer, Buffer[]];

/** Collects stream entries into whole revisions; the last one may still be incomplete. */
export class RevisionAssembler {
  private current: StoredRevision | undefined;

  /** Feeds one entry; returns the revision it completes, if it does. */
  push(entry: StreamEntry): StoredRevision | undefined {
    const [id, f] = entry;
    const idText = id.toString('latin1');
    const revision = Number(idText.slice(0, idText.indexOf('-')));
    if (!this.current || this.current.revision !== revision) this.current = { revision, events: [] };
    for (let i = 0; i + 3 < f.length; i += 4) {
      const name = f[i]!;
      const type = name[0] === 0x50 /* P */ ? EventType.PUT : EventType.DELETE;
      const system = name[1] === 0x73; /* s */
      const key = Buffer.from(name.subarray(2));
      const kv: KeyValue =
        type === EventType.PUT ? parseRecord(key, f[i + 1]!) : { key, createRevision: 0, modRevision: revision, version: 0, value: EMPTY_BYTES, lease: 0n };
      const prev = f[i + 3]!;
      const ev: Event = prev.length > 0 ? { type, kv, prevKv: parseRecord(key, prev) } : { type, kv };
      if (system) ev.keyspace = 'system';
      this.current.events.push(ev);
      if (f[i + 2]![0] === 0x6c /* l */) {
        const done = this.current;
        this.current = undefined;
        return done;
      }
    }
    return undefined;
  }
}

function inRange(key: Buffer, from: Buffer, end: Buffer): boolean {
  if (end.length === 0) return key.equals(from);
  if (Buffer.compare(key, from) < 0) return false;
  return (end.length === 1 && end[0] === 0) || Buffer.compare(key, end) < 0;
}

/**
 * The events of one revision that a watcher wants, as it wants them: prevKv only when asked, and
 * only while the revision before the event is not compacted (etcd reads it at rev - 1 then).
 */
function eventsFor(opts: WatchOptions, events: Event[], revision: number, compactRev: number): Event[] {
  const withPrev = opts.prevKv && revision - 1 >= compactRev;
  const system = opts.keyspace === 'system';
  const noPut = opts.filters.includes(WatchFilter.NOPUT);
  const noDelete = opts.filters.includes(WatchFilter.NODELETE);
  const out: Event[] = [];
  for (const e of events) {
    if ((e.keyspace === 'system') !== system) continue;
    if (e.type === EventType.PUT ? noPut : noDelete) continue;
    if (!inRange(e.kv.key, opts.key, opts.rangeEnd)) continue;
    if (withPrev || !e.prevKv) out.push(e);
    else out.push(e.keyspace ? { keyspace: e.keyspace, type: e.type, kv: e.kv } : { type: e.type, kv: e.kv });
  }
  return out;
}

export interface WatchHubDeps {
  /** The blocking connection (the hub owns it and closes it). */
  reader: RedisClient;
  eventsKey: string;
  /** {compacted revision, current revision, entries from `from`} at one instant (the watchRead script). */
  readHistory(from: number, count: number): Promise<Reply>;
  /** The store's current revision. */
  currentRevision(): Promise<number>;
  /** Every revision the hub sees (keeps the backend's header fresh). */
  onRevision(revision: number): void;
}

const MAX_SEQ = '18446744073709551615';
/** How long one XREAD waits for news before the reader checks whether anyone still watches. */
const IDLE_BLOCK_MS = 1000;

export class RedisWatchHub {
  private readonly watchers = new Set<HubWatcher>();
  private hubRev = 0;
  /** The newest compacted revision seen (history reads report it; so does the backend's compact). */
  private compactRev = 0;
  private lastId = '0-0';
  private closed = false;
  /** The reader lost its connection: check the store was not reset before reading on. */
  private reconnected = false;
  /** The revision being read started while no watcher existed: its events are not decoded. */
  private skipping = false;
  private readonly assembler = new RevisionAssembler();
  private loop: Promise<void> | undefined;
  /** Set while the reader runs (resolved once it has its start position). */
  private running: Promise<void> | undefined;

  constructor(private readonly deps: WatchHubDeps) {
    // every (re)connection of the reader: a blocked XREAD is re-sent by the client on its own, so
    // the check that the store was not reset meanwhile is made when that read comes back
    deps.reader.on('ready', () => {
      this.reconnected = true;
    });
  }

  /**
   * The reader runs only while there are watchers (a gateway nobody watches pays nothing per
   * write). Resuming starts after the current revision; watchers catch up to it from the history.
   */
  private resume(): Promise<void> {
    if (!this.running) {
      const running = (async () => {
        const rev = await this.deps.currentRevision();
        if (rev > this.hubRev) this.hubRev = rev;
        this.lastId = `${this.hubRev}-${MAX_SEQ}`;
        this.skipping = false;
        this.loop = this.run();
      })();
      this.running = running;
      running.catch(() => {
        if (this.running === running) this.running = undefined;
      });
    }
    return this.running;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.watchers.size === 0) {
        this.running = undefined;
        return;
      }
      if (this.reconnected) {
        this.reconnected = false;
        try {
          await this.checkNotReset();
        } catch {
          await new Promise((r) => setTimeout(r, 200));
          this.reconnected = true;
          continue;
        }
      }
      let res: [Buffer, StreamEntry[]][] | null;
      try {
        res = (await this.deps.reader.xreadBuffer('COUNT', 1000, 'BLOCK', IDLE_BLOCK_MS, 'STREAMS', this.deps.eventsKey, this.lastId)) as [Buffer, StreamEntry[]][] | null;
      } catch {
        if (this.closed) return;
        this.reconnected = true;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (!res) continue;
      for (const entry of res[0]![1]) {
        const id = entry[0].toString('latin1');
        this.lastId = id;
        const dash = id.indexOf('-');
        // with no watcher when a revision starts, its events are not decoded at all (a write-heavy
        // gateway nobody watches pays only for reading the IDs)
        if (id.charCodeAt(dash + 1) === 0x30 /* 0 */ && id.length === dash + 2) this.skipping = this.watchers.size === 0;
        if (this.skipping) {
          const fields = entry[1];
          if (fields[fields.length - 2]?.[0] === 0x6c /* l */) this.skipped(Number(id.slice(0, dash)));
          continue;
        }
        const done = this.assembler.push(entry);
        if (done) this.deliver(done);
      }
    }
  }

  private deliver(r: StoredRevision): void {
    if (r.revision <= this.hubRev) return;
    if (r.revision > this.hubRev + 1) {
      // revisions the reader never saw were trimmed by a compaction: the watchers waiting for them cannot have them
      for (const w of this.watchers) if (w.live && w.nextRev < r.revision) this.compacted(w, r.revision - 1, r.revision);
    }
    this.hubRev = r.revision;
    this.deps.onRevision(r.revision);
    for (const w of this.watchers) {
      if (!w.live || w.dead || w.nextRev > r.revision) continue;
      w.nextRev = r.revision + 1;
      const evs = eventsFor(w.opts, r.events, r.revision, this.compactRev);
      if (evs.length > 0) w.listener.onEvents(evs, r.revision);
    }
  }

  /** The store was compacted up to `revision`. */
  noteCompaction(revision: number): void {
    if (revision > this.compactRev) this.compactRev = revision;
  }

  /**
   * After a lost connection: a Redis that came back with an older revision than the reader had
   * seen lost its data (restarted without persistence, or failed over to a replica that was
   * behind). Watchers cannot be continued over that: they are canceled, saying why.
   */
  private async checkNotReset(): Promise<void> {
    const rev = await this.deps.currentRevision();
    if (rev >= this.hubRev) return;
    const reason = `dcsgw: the Redis store went back from revision ${this.hubRev} to ${rev} (restarted without its data, or failed over to a replica that was behind)`;
    for (const w of [...this.watchers]) {
      w.dead = true;
      this.watchers.delete(w);
      w.listener.onCanceled(reason);
    }
    this.hubRev = rev;
    this.lastId = `${rev}-${MAX_SEQ}`;
  }

  /** A revision passed undecoded: a watcher that went live meanwhile and wanted it reads it from the history. */
  private skipped(revision: number): void {
    if (revision <= this.hubRev) return;
    this.hubRev = revision;
    this.deps.onRevision(revision);
    for (const w of this.watchers) {
      if (w.live && !w.dead && w.nextRev <= revision) {
        w.live = false;
        this.startCatchUp(w);
      }
    }
  }

  private compacted(w: HubWatcher, compactRevision: number, revision: number): void {
    w.dead = true;
    this.watchers.delete(w);
    w.listener.onCompacted(compactRevision, revision);
  }

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    const w: HubWatcher = { opts, listener, nextRev: opts.startRevision, live: false, dead: false };
    this.watchers.add(w);
    this.startCatchUp(w);
    return {
      cancel: () => {
        w.dead = true;
        this.watchers.delete(w);
      },
      isSynced: () => w.live && !w.dead,
    };
  }

  private startCatchUp(w: HubWatcher): void {
    this.catchUp(w).catch((err: unknown) => {
      if (w.dead) return;
      w.dead = true;
      this.watchers.delete(w);
      w.listener.onCanceled(`dcsgw: the Redis backend's change stream failed: ${(err as Error).message}`);
    });
  }

  private async catchUp(w: HubWatcher): Promise<void> {
    await this.resume();
    if (w.nextRev <= 0) w.nextRev = (await this.deps.currentRevision()) + 1;
    let count = 1000;
    while (!w.dead && !this.closed) {
      if (w.nextRev > this.hubRev) {
        w.live = true;
        return;
      }
      const reply = (await this.deps.readHistory(w.nextRev, count)) as [number, number, StreamEntry[]];
      if (w.dead) return;
      const [compactRev, current, entries] = reply;
      this.noteCompaction(compactRev);
      if (w.nextRev < compactRev) {
        this.compacted(w, compactRev, current);
        return;
      }
      // as etcd's catch-up: the events of every revision read go out in one batch, at the current revision
      const assembler = new RevisionAssembler();
      const batch: Event[] = [];
      let complete = 0;
      for (const entry of entries) {
        const done = assembler.push(entry);
        if (!done || done.revision < w.nextRev) continue;
        complete++;
        w.nextRev = done.revision + 1;
        for (const e of eventsFor(w.opts, done.events, done.revision, compactRev)) batch.push(e);
      }
      if (batch.length > 0) w.listener.onEvents(batch, current);
      if (w.dead) return;
      if (entries.length < count) {
        // the whole history up to `current` was read: nothing before it is left to deliver
        if (w.nextRev <= current) w.nextRev = current + 1;
      } else if (complete === 0) {
        count *= 2; // one revision larger than a read: read more at once
      }
    }
  }

  /** The newest revision the reader has passed. */
  revision(): number {
    return this.hubRev;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers) w.dead = true;
    this.watchers.clear();
    this.deps.reader.disconnect();
    await this.loop?.catch(() => undefined);
  }
}
