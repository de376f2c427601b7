// In-memory log storage, modelled on etcd-io/raft's MemoryStorage. The host mutates it (append
// after persisting a Ready, applySnapshot at restart or on a received snapshot, createSnapshot +
// compact to bound memory); the core only reads it through RaftStorage.
//
// Layout: ents[0] is a dummy entry holding the index/term of the last compaction point (the
// snapshot), so term(firstIndex - 1) is always answerable; real entries follow contiguously.

import type { ConfState, Entry, HardState, RaftStorage, Snapshot } from './api.js';
import { EntryType, None } from './api.js';
import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable } from './errors.js';
import { limitSize } from './entry-size.js';

const EMPTY = new Uint8Array(0);

export class MemoryStorage implements RaftStorage {
  private hardState: HardState = { term: 0, vote: None, commit: 0 };
  private snap: Snapshot = { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: EMPTY };
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) throw new ErrUnavailable();
    if (this.ents.length === 1) throw new ErrUnavailable(); // only the dummy entry
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    if (index < offset) throw new ErrCompacted();
    if (index - offset >= this.ents.length) throw new ErrUnavailable();
    return this.ents[index - offset]!.term;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot (restart, or a snapshot received from the leader). */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index && snap.metadata.index !== 0) throw new ErrSnapOutOfDate();
    this.snap = snap;
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Normal, data: EMPTY }];
  }

  /**
   * Records a snapshot of the state machine at `index` (which must be applied and ≤ lastIndex).
   * Does not discard entries: call compact() for that.
   */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new ErrSnapOutOfDate();
    const offset = this.ents[0]!.index;
    if (index > this.lastIndex()) throw new Error(`snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    const term = this.ents[index - offset]!.term;
    const cs = confState ? cloneConfState(confState) : cloneConfState(this.snap.metadata.confState);
    this.snap = { metadata: { index, term, confState: cs }, data };
    return this.snap;
  }

  /** Discards every entry before `compactIndex`; compactIndex itself becomes the dummy entry. */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw new ErrCompacted();
    if (compactIndex > this.lastIndex()) throw new Error(`compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    const i = compactIndex - offset;
    const dummy: Entry = { term: this.ents[i]!.term, index: compactIndex, type: EntryType.Normal, data: EMPTY };
    const rest = this.ents.slice(i + 1);
    this.ents = [dummy, ...rest];
  }

  /**
   * Appends entries that the host has just persisted. Entries that overlap existing ones replace
   * them and everything after (raft's log truncation); entries already compacted are ignored.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all compacted already
    let ents = entries;
    if (first > entries[0]!.index) ents = entries.slice(first - entries[0]!.index);
    const offset = ents[0]!.index - this.ents[0]!.index;
    if (offset > this.ents.length) {
      throw new Error(`missing log entry [last: ${this.lastIndex()}, append at: ${ents[0]!.index}]`);
    }
    if (offset < this.ents.length) this.ents.length = offset; // truncate the conflicting suffix
    for (const e of ents) this.ents.push(e);
  }
}

function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
