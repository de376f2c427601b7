// Consul's KV tombstones, for list indexes that never go backwards: a ?recurse or ?keys answer
// carries the highest ModifyIndex under the prefix, and a deletion under the prefix must raise it
// even though the deleted entry is gone. Consul keeps a tombstone per deleted key (reaped after
// tombstone_ttl, 15 minutes); this keeps the same in memory, fed by the index tracker's watch on
// the user keyspace (so deletions by etcd clients count too). It is the tracker's own watch, seen
// before the tracker wakes a blocking query: a query woken by a deletion always finds its
// tombstone (with a watch of its own it could run first, answer the old index and sleep on).
// Deletions this process never saw (before it started, or compacted away before its watch read
// them) are unknown: for 15 minutes after such a gap every prefix's graveyard index is the
// revision at the gap (an upper bound, so an index a client holds never appears to go backwards).
import { EventType, type Event } from '../adapters/backend.js';
import type { IndexTracker } from './index-tracker.js';

const TOMBSTONE_TTL_MS = 15 * 60_000;

export class KvGraveyard {
  /** key (latin1 of the bytes) -> [delete revision, wall time]. */
  private readonly stones = new Map<string, [number, number]>();
  /** The latest revision up to which deletions may have been missed, and when that was learnt. */
  private gapRevision: number;
  private gapAt = Date.now();
  private lastReap = Date.now();

  constructor(startRevision: number, tracker: IndexTracker) {
    this.gapRevision = startRevision;
    tracker.addUserListener({
      onEvents: (events) => this.bury(events),
      onGap: (revision) => {
        this.gapRevision = Math.max(this.gapRevision, revision);
        this.gapAt = Date.now();
      },
    });
  }

  /** The highest deletion revision under `prefix` (0 when none is known). */
  maxIndexUnder(prefix: Buffer): number {
    const now = Date.now();
    this.reap(now);
    let max = now - this.gapAt < TOMBSTONE_TTL_MS ? this.gapRevision : 0;
    const p = prefix.toString('latin1');
    for (const [k, [rev]] of this.stones) if (rev > max && k.startsWith(p)) max = rev;
    return max;
  }

  private bury(events: readonly Event[]): void {
    const now = Date.now();
    for (const e of events) {
      if (e.type === EventType.DELETE) this.stones.set(e.kv.key.toString('latin1'), [e.kv.modRevision, now]);
    }
  }

  private reap(now: number): void {
    if (now - this.lastReap < 60_000) return;
    this.lastReap = now;
    for (const [k, [, at]] of this.stones) if (now - at > TOMBSTONE_TTL_MS) this.stones.delete(k);
  }
}
