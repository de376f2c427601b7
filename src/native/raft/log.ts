// raftLog: the stable log (storage) + the unstable tail, with the commit and apply cursors.
// Invariant: applied <= committed <= lastIndex().
//
// term(i) answers TERM_COMPACTED (-1) for an index older than the log, 0 for one past its end:
// a -1 never matches a real term, so matchTerm stays a plain comparison on the hot path.

import type { Entry, RaftStorage, Snapshot } from './api.js';
import { ErrCompacted, ErrUnavailable } from './errors.js';
import { limitSize } from './entry-size.js';
import { Unstable } from './unstable.js';

export const TERM_COMPACTED = -1;
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(storage: RaftStorage) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    const i = this.unstable.maybeFirstIndex();
    return i !== -1 ? i : this.storage.firstIndex();
  }

  lastIndex(): number {
    const i = this.unstable.maybeLastIndex();
    return i !== -1 ? i : this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) return TERM_COMPACTED;
    if (i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== -1) return t;
    try {
      return this.storage.term(i);
    } catch (err) {
      if (err instanceof ErrCompacted) return TERM_COMPACTED;
      if (err instanceof ErrUnavailable) return 0;
      throw err;
    }
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** Follower side of MsgApp. Returns the last new index, or -1 if (index, logTerm) does not match. */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[], noTruncate = false): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(`entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      }
      const start = ci - (index + 1);
      if (noTruncate) {
        // Planted bug 'follower-no-truncate-conflict': only append what lies past our end.
        const past = this.lastIndex() + 1 - (index + 1);
        if (past < ents.length) this.append(ents.slice(past));
      } else {
        this.append(start === 0 ? ents : ents.slice(start));
      }
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) throw new Error(`after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** The index of the first entry whose term differs from ours (or is new), 0 if all match. */
  findConflict(ents: readonly Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index ≤ `index` whose term is ≤ `term` (etcd-io/raft's
   * findConflictByTerm). Lets a rejected MsgApp skip a whole term of mismatching entries.
   */
  findConflictByTerm(index: number, term: number): number {
    const last = this.lastIndex();
    if (index > last) return index;
    for (;;) {
      const t = this.term(index);
      if (t <= term || t === TERM_COMPACTED) return index;
      index--;
    }
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.length === 0 ? [] : this.unstable.entries.slice();
  }

  /** Committed entries not applied yet, up to maxSize bytes. */
  nextEnts(maxSize: number): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) return this.slice(off, this.committed + 1, maxSize);
    return [];
  }

  hasNextEnts(): boolean {
    const off = Math.max(this.applied + 1, this.firstIndex());
    return this.committed + 1 > off;
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  snapshot(): Snapshot {
    if (this.unstable.snapshot) return this.unstable.snapshot;
    return this.storage.snapshot();
  }

  commitTo(toCommit: number): void {
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        throw new Error(`tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
      }
      this.committed = toCommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(`applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** Entries from i on, at most maxSize bytes. Throws ErrCompacted if i is compacted. */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), NO_LIMIT);
  }

  /** Is a candidate's log (lastIndex, term) at least as up to date as ours? (§5.4.1) */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries [lo, hi) across storage and unstable. Throws ErrCompacted if lo is compacted. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo === hi) return [];
    const first = this.firstIndex();
    if (lo < first) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) throw new Error(`slice[${lo},${hi}) out of bound [${first},${this.lastIndex()}]`);
    let ents: Entry[] = [];
    const uOff = this.unstable.offset;
    if (lo < uOff) {
      const stored = this.storage.entries(lo, Math.min(hi, uOff), maxSize);
      // Storage returned fewer than asked: the size limit bit, stop here.
      if (stored.length < Math.min(hi, uOff) - lo) return stored;
      ents = stored;
    }
    if (hi > uOff) {
      const u = this.unstable.slice(Math.max(lo, uOff), hi);
      if (ents.length > 0) {
        for (const e of u) ents.push(e);
      } else {
        ents = u;
      }
    }
    return limitSize(ents, maxSize);
  }
}
