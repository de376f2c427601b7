// The writes this process committed to Consul, newest last, so that watches (consul-watch.ts) can
// report them exactly: every revision of a key (Consul's blocking answer only shows its last state),
// the exact revision of a delete (Consul shows no tombstone's index), and the value before each
// write. Writes by other Consul clients are not here: the watch computes those from the entries.
// Bounded: the newest JOURNAL_MAX to 2 x JOURNAL_MAX changes, and only those whose values are small.
import type { ConsulEntry } from './consul-keyspace.js';

const JOURNAL_MAX = 4096;
const MAX_VALUE_CHARS = 64 * 1024;

export interface JournalChange {
  revision: number;
  key: string;
  /** The entry after the write; null for a delete. */
  entry: ConsulEntry | null;
  /** The entry before it (null when the key did not exist). */
  prev: ConsulEntry | null;
}

const tooBig = (e: ConsulEntry | null): boolean => e !== null && e.Value !== null && e.Value.length > MAX_VALUE_CHARS;

export class WriteJournal {
  private readonly changes: JournalChange[] = [];
  /** The revisions whose every write is in `changes` (none left out for its size). */
  private readonly complete = new Set<number>();
  private inFlight = 0;
  private idle: Array<() => void> = [];

  /** A write is on its way to Consul; call the returned function once it is recorded or failed. */
  begin(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.inFlight > 0) return;
      const waiting = this.idle;
      this.idle = [];
      for (const w of waiting) w();
    };
  }

  /** Resolves when no write is on its way (at once if none is), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  record(revision: number, writes: Iterable<{ key: string; entry: ConsulEntry | null; prev: ConsulEntry | null }>): void {
    let whole = true;
    for (const w of writes) {
      if (tooBig(w.entry) || tooBig(w.prev)) {
        whole = false;
        continue;
      }
      // commits can come back out of order: insert in revision order (almost always at the end)
      let at = this.changes.length;
      while (at > 0 && this.changes[at - 1]!.revision > revision) at--;
      this.changes.splice(at, 0, { revision, ...w });
    }
    if (whole) this.complete.add(revision);
    // trimmed in halves, so that a write does not pay for moving the whole journal
    if (this.changes.length > 2 * JOURNAL_MAX) {
      this.changes.splice(0, this.changes.length - JOURNAL_MAX);
      const oldest = this.changes[0]!.revision;
      for (const r of this.complete) if (r < oldest) this.complete.delete(r);
    }
  }

  /**
   * True when every Consul index in after < index <= upTo was a write of this process, recorded
   * whole: then nothing else changed in between, and the journal tells all of it. (Consul's index
   * moves by one per Raft entry, so an index written by anyone else leaves a gap here.)
   */
  covers(after: number, upTo: number): boolean {
    if (upTo - after > JOURNAL_MAX) return false;
    for (let r = after + 1; r <= upTo; r++) if (!this.complete.has(r)) return false;
    return true;
  }

  /** The changes of keys under `prefix` with after < revision <= upTo, in revision order. */
  between(after: number, upTo: number, prefix: string): JournalChange[] {
    const out: JournalChange[] = [];
    for (const c of this.changes) if (c.revision > after && c.revision <= upTo && c.key.startsWith(prefix)) out.push(c);
    return out;
  }
}
