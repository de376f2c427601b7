// One Range read (etcd 3.4's applier Range over mvcc Range) as a walk of the key index that can
// stop and resume: the store runs it to the end at once (txns, small ranges) or in slices of a few
// milliseconds across event-loop turns (a large range must not hold the loop). The answer is
// fixed by the read revision, not by when a slice runs: every key is judged as it stood at `rev`,
// and the store guarantees that nothing at or below `rev` is removed meanwhile.
//
// Cost per key: every key in the range is counted (etcd's count is the total before limit and
// filters), which takes only a walk of its revision list; only the keys that can be in the answer
// are materialized, and a keys-only answer is built from the index alone (create/mod revision and
// version are the index's; the lease is the key's live lease when `rev` sees its newest revision),
// so it reads no record unless it must (an older revision's lease, or values to sort by).
import { SortOrder, SortTarget, type KeyValue, type RangeRequest } from '../../adapters/backend.js';
import { orderBy } from '../../adapters/range-order.js';
import type { RangeResult } from './api.js';
import type { KeyHistory } from './key-history.js';
import type { KeyIndex } from './key-index.js';

const EMPTY = Buffer.alloc(0);
/** Work units between two looks at the clock: a visited key is one unit, a record read READ_WEIGHT. */
const CLOCK_EVERY = 64;
/**
 * A record read can fault a cold page of the data file in from disk (milliseconds on a busy disk),
 * so a slice that reads records looks at the clock every few reads, not every 64.
 */
const READ_WEIGHT = 16;

/** Reads the stored record of one revision of a key (throws when it is missing). */
export type RecordReader = (h: KeyHistory, main: number, sub: number) => KeyValue;

export class RangeScan {
  private count = 0;
  private readonly kvs: KeyValue[] = [];
  /** How many kvs the walk collects: etcd fetches limit + 1 (for `more`), or all when it sorts or filters. */
  private readonly window: number;
  private readonly filtered: boolean;
  private readonly sortOrder: number;
  private readonly needValues: boolean;
  /** The key the next slice starts at ('' = the range's start). */
  private cursor = '';
  /** Records read so far (the clock is looked at more often when slices read records). */
  private reads = 0;
  private finished = false;

  constructor(
    private readonly index: KeyIndex,
    private readonly req: RangeRequest,
    /** The read revision (already checked against the compact and current revisions). */
    readonly rev: number,
    private readonly read: RecordReader,
  ) {
    this.filtered = req.minModRevision !== 0 || req.maxModRevision !== 0 || req.minCreateRevision !== 0 || req.maxCreateRevision !== 0;
    let sortOrder: number = req.sortOrder;
    // etcd sorts ascending by default only when the target is not the key (mvcc returns key order).
    if (req.sortTarget !== SortTarget.KEY && sortOrder === SortOrder.NONE) sortOrder = SortOrder.ASCEND;
    this.sortOrder = sortOrder;
    const fetchAll = req.sortOrder !== SortOrder.NONE || this.filtered;
    this.window = req.countOnly ? 0 : req.limit > 0 && !fetchAll ? req.limit + 1 : Infinity;
    this.needValues = !req.keysOnly || (sortOrder !== SortOrder.NONE && req.sortTarget === SortTarget.VALUE);
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * Walks on until the range ends (returns true) or, after at least one key, `maxKeys` keys have
   * been visited or the clock passed `deadline` (returns false: call again to resume).
   */
  step(maxKeys = Infinity, deadline = Infinity): boolean {
    if (this.finished) return true;
    const { req, rev, kvs } = this;
    let visited = 0;
    let nextClock = CLOCK_EVERY;
    const readsBefore = this.reads;
    let stoppedAt: string | undefined;
    this.index.forRangeFrom(req.key, req.rangeEnd, this.cursor, (ks, h) => {
      if (visited > 0) {
        const work = visited + (this.reads - readsBefore) * READ_WEIGHT;
        if (visited >= maxKeys || (work >= nextClock && performance.now() > deadline)) {
          stoppedAt = ks;
          return false;
        }
        if (work >= nextClock) nextClock = work + CLOCK_EVERY;
      }
      visited++;
      if (!h.existsAt(rev)) return true;
      this.count++;
      if (kvs.length < this.window) {
        const kv = this.materialize(h);
        if (kv) kvs.push(kv);
      }
      return true;
    });
    if (stoppedAt === undefined) {
      this.finished = true;
      return true;
    }
    this.cursor = stoppedAt;
    return false;
  }

  /** The key as it stood at `rev`, or undefined when the min/max revision filters leave it out. */
  private materialize(h: KeyHistory): KeyValue | undefined {
    const { req } = this;
    const at = h.at(this.rev)!;
    if (this.filtered) {
      if (req.maxModRevision !== 0 && at.main > req.maxModRevision) return undefined;
      if (req.minModRevision !== 0 && at.main < req.minModRevision) return undefined;
      if (req.maxCreateRevision !== 0 && at.createdMain > req.maxCreateRevision) return undefined;
      if (req.minCreateRevision !== 0 && at.createdMain < req.minCreateRevision) return undefined;
    }
    if (this.needValues) {
      this.reads++;
      return this.read(h, at.main, at.sub);
    }
    if (!h.isLatest(at)) {
      this.reads++;
      const kv = this.read(h, at.main, at.sub);
      kv.value = EMPTY;
      return kv;
    }
    return { key: h.key, createRevision: at.createdMain, modRevision: at.main, version: at.version, value: EMPTY, lease: h.lease };
  }

  /** The answer once done(); `curRev` is the store revision the response header carries. */
  result(curRev: number): RangeResult {
    const { req } = this;
    if (req.countOnly) return { kvs: [], more: false, count: this.count, revision: curRev };
    const kvs = this.kvs;
    if (this.sortOrder !== SortOrder.NONE) {
      const cmp = orderBy(req.sortTarget);
      kvs.sort(this.sortOrder === SortOrder.DESCEND ? (a, b) => cmp(b, a) : cmp);
    }
    let more = false;
    if (req.limit > 0 && kvs.length > req.limit) {
      kvs.length = req.limit;
      more = true;
    }
    if (req.keysOnly && this.needValues) for (const kv of kvs) kv.value = EMPTY;
    return { kvs, more, count: this.count, revision: curRev };
  }
}
