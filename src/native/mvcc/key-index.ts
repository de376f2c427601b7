// The in-memory key index: every key ever written (until compaction forgets it) with its revision
// history. A Map answers exact-key lookups (the put hot path) in O(1); an ordered B+tree serves
// range scans in byte order. Both hold the same KeyHistory objects, keyed by the latin1 form of
// the key bytes (whose JS string order is the byte order).
import { KeyHistory, type KeyAt } from './key-history.js';
import { OrderedMap } from './ordered-map.js';
import { ShardedMap } from './sharded-map.js';

/** A key as it stood at the revision of a range read. */
export interface KeyHit {
  h: KeyHistory;
  at: KeyAt;
}

/** Latin1 strings never contain U+0100: an upper bound above every key. */
const OPEN_END = undefined;

export class KeyIndex {
  /** `system`: the index of the system keyspace (one KeyIndex per keyspace; their keys never mix). */
  constructor(readonly system = false) {}

  private readonly map = new ShardedMap<KeyHistory>();
  private readonly ordered = new OrderedMap<KeyHistory>();

  get size(): number {
    return this.map.size;
  }

  get(keyStr: string): KeyHistory | undefined {
    return this.map.get(keyStr);
  }

  /** `keyStr`: the key's bytes as a latin1 string (the only form kept: a request's buffer may be a view into a larger network or WAL buffer). */
  getOrCreate(keyStr: string): KeyHistory {
    let h = this.map.get(keyStr);
    if (!h) {
      h = new KeyHistory(keyStr, this.system);
      this.map.set(keyStr, h);
      if (this.bulk === undefined) this.ordered.set(keyStr, h);
      else {
        if (this.bulk.last !== undefined && keyStr <= this.bulk.last) this.bulk.sorted = false;
        this.bulk.last = keyStr;
        this.bulk.added.push(h);
      }
    }
    return h;
  }

  /** Between beginBulkLoad() and endBulkLoad(): new keys go to the Map only (see beginBulkLoad). */
  private bulk: { last: string | undefined; sorted: boolean; added: KeyHistory[] } | undefined;

  /**
   * A store's open: from now on getOrCreate() fills only the exact-key Map; endBulkLoad() builds
   * the ordered tree once from all keys. Nothing may walk the index in between (range walks
   * would miss the new keys). The index must be empty.
   */
  beginBulkLoad(): void {
    if (this.map.size > 0) throw new Error('key index: a bulk load needs an empty index');
    this.bulk = { last: undefined, sorted: true, added: [] };
  }

  /** Builds the ordered tree from the keys added since beginBulkLoad (sorted first unless they came in order). */
  endBulkLoad(): void {
    const bulk = this.bulk;
    if (bulk === undefined) return;
    this.bulk = undefined;
    const vals = bulk.added;
    if (!bulk.sorted) vals.sort((a, b) => (a.keyStr < b.keyStr ? -1 : 1));
    this.ordered.resetFromSorted(
      vals.map((h) => h.keyStr),
      vals,
    );
  }

  remove(keyStr: string): void {
    if (this.map.delete(keyStr)) this.ordered.delete(keyStr);
  }

  clear(): void {
    this.map.clear();
    this.ordered.clear();
    this.bulk = undefined;
  }

  /** All keys in byte order. */
  all(): IterableIterator<[string, KeyHistory]> {
    return this.ordered.entries();
  }

  /** Visits keys >= from in byte order until fn returns false (a resumable walk: the background compactor). */
  forEachFrom(from: string, fn: (keyStr: string, h: KeyHistory) => boolean): void {
    this.ordered.forRange(from, OPEN_END, fn);
  }

  /**
   * Visits the keys of etcd's range [key, rangeEnd) from `from` on (a resumable walk: a range read
   * built in slices restarts at the key where its previous slice stopped), until fn returns false.
   */
  forRangeFrom(key: Buffer, rangeEnd: Buffer, from: string, fn: (keyStr: string, h: KeyHistory) => boolean): void {
    if (rangeEnd.length === 0) {
      const ks = key.toString('latin1');
      const h = from <= ks ? this.map.get(ks) : undefined;
      if (h) fn(ks, h);
      return;
    }
    const start = key.toString('latin1');
    const to = rangeEnd.length === 1 && rangeEnd[0] === 0 ? OPEN_END : rangeEnd.toString('latin1');
    if (to !== undefined && to <= start) return;
    this.ordered.forRange(from > start ? from : start, to, fn);
  }

  /**
   * The keys that existed at `atRev` in etcd's range [key, rangeEnd): an empty rangeEnd means the
   * single key, "\0" means every key >= key, otherwise keys in [key, rangeEnd).
   */
  collect(key: Buffer, rangeEnd: Buffer, atRev: number): KeyHit[] {
    const out: KeyHit[] = [];
    const from = key.toString('latin1');
    if (rangeEnd.length === 0) {
      const h = this.map.get(from);
      const at = h?.at(atRev);
      if (h && at) out.push({ h, at });
      return out;
    }
    const to = rangeEnd.length === 1 && rangeEnd[0] === 0 ? OPEN_END : rangeEnd.toString('latin1');
    if (to !== undefined && to <= from) return out;
    this.ordered.forRange(from, to, (_k, h) => {
      const at = h.at(atRev);
      if (at) out.push({ h, at });
    });
    return out;
  }
}
