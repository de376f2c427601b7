// The part of the log not yet persisted by the host: an optional incoming snapshot and entries
// starting at `offset`. Ready.entries hands them out; advance() marks them stable.

import type { Entry, Snapshot } from './api.js';

export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  /** Index of entries[0] (or where the next entry will go). */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index if there is an unstable snapshot (index + 1), else -1. */
  maybeFirstIndex(): number {
    return this.snapshot ? this.snapshot.metadata.index + 1 : -1;
  }

  /** The last index of the unstable part, or -1 if there is nothing unstable. */
  maybeLastIndex(): number {
    if (this.entries.length !== 0) return this.offset + this.entries.length - 1;
    if (this.snapshot) return this.snapshot.metadata.index;
    return -1;
  }

  /** The term of index i if the unstable part knows it, else -1. */
  maybeTerm(i: number): number {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.metadata.index === i) return this.snapshot.metadata.term;
      return -1;
    }
    const last = this.maybeLastIndex();
    if (last === -1 || i > last) return -1;
    return this.entries[i - this.offset]!.term;
  }

  /** The host persisted entries up to (i, t): drop them, unless they were replaced meanwhile. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === -1) return;
    // Only drop if the entry at i is still the one that was persisted (same term) and is in the entries.
    if (gt === t && i >= this.offset) {
      const n = i + 1 - this.offset;
      this.entries = n >= this.entries.length ? [] : this.entries.slice(n);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e); // directly after: append
    } else if (after <= this.offset) {
      // Replaces everything unstable (the log is being rewritten from before our offset).
      this.offset = after;
      this.entries = ents.slice();
    } else {
      // Truncate to `after`, then append.
      this.entries = this.entries.slice(0, after - this.offset);
      for (const e of ents) this.entries.push(e);
    }
  }

  /** Entries [lo, hi) held here (caller checked bounds). */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
