// Consul's KV tombstones, for list indexes that never go backwards: a ?recurse or ?keys answer
// carries the highest ModifyIndex under the prefix, and a deletion under the prefix must raise it
// even though the deleted entry is gone. Consul keeps a tombstone per deleted key (reaped after
// tombstone_ttl, 15 minutes); this keeps the same in memory, fed by a watch on the user keyspace
// (so deletions by etcd clients count too). Deletions before this process started are unknown:
// for the first 15 minutes every prefix's graveyard index is the revision at start (an upper
// bound, so an index a client holds never appears to go backwards).
import type { Backend, WatchHandle } from '../adapters/backend.js';
import { EventType } from '../adapters/backend.js';

const TOMBSTONE_TTL_MS = 15 * 60_000;
const RESTART_DELAY_MS = 200;
const ALL = Buffer.from([0]);

export class KvGraveyard {
  /** key (latin1 of the bytes) -> [delete revision, wall time]. */
  private readonly stones = new Map<string, [number, number]>();
  private readonly startRevision: number;
  private readonly startedAt = Date.now();
  private handle?: WatchHandle;
  private closed = false;
  private lastReap = Date.now();

  constructor(private readonly backend: Backend) {
    this.startRevision = backend.header().revision;
    this.watch(this.startRevision + 1);
  }

  /** The highest deletion revision under `prefix` (0 when none is known). */
  maxIndexUnder(prefix: Buffer): number {
    const now = Date.now();
    this.reap(now);
    let max = now - this.startedAt < TOMBSTONE_TTL_MS ? this.startRevision : 0;
    const p = prefix.toString('latin1');
    for (const [k, [rev]] of this.stones) if (rev > max && k.startsWith(p)) max = rev;
    return max;
  }

  close(): void {
    this.closed = true;
    this.handle?.cancel();
  }

  private reap(now: number): void {
    if (now - this.lastReap < 60_000) return;
    this.lastReap = now;
    for (const [k, [, at]] of this.stones) if (now - at > TOMBSTONE_TTL_MS) this.stones.delete(k);
  }

  private watch(from: number): void {
    if (this.closed) return;
    let last = from - 1;
    const restart = () => {
      if (!this.closed) setTimeout(() => this.watch(last + 1), RESTART_DELAY_MS).unref();
    };
    this.handle = this.backend.watch(
      { key: ALL, rangeEnd: ALL, startRevision: from, prevKv: false, filters: [] },
      {
        onEvents: (events, revision) => {
          last = revision;
          const now = Date.now();
          for (const e of events) {
            if (e.type === EventType.DELETE) this.stones.set(e.kv.key.toString('latin1'), [e.kv.modRevision, now]);
          }
        },
        onCompacted: (_c, revision) => {
          last = revision;
          restart();
        },
        onCanceled: () => restart(),
      },
    );
  }
}
