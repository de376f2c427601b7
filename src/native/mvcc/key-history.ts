// The revision history of one key (etcd's keyIndex): a list of generations, each running from the
// key's creation to its deletion (the tombstone is the generation's last revision). The newest
// generation is the live one; it is empty while the key does not exist.
//
// Laid out for a key index of millions of keys held in V8's heap: every object per key is work for
// each major GC (marking visits it) and memory. A key with one revision is this object and its key
// string, nothing else: the live generation's newest revision sits in fields, its earlier revisions
// in one array of (main, sub) pairs made only once there are any, and closed generations (keys
// deleted and created again) in a list made only once there is one. The key bytes are not kept
// beside the key string: the latin1 string is those bytes, and `key` copies them out on demand.

/** A generation that ended with a tombstone: its revisions as (main, sub) pairs, the tombstone last. */
interface ClosedGeneration {
  /** Number of puts in the generation (the key's version at its last put). */
  ver: number;
  createdMain: number;
  revs: number[];
}

/** Where a key stood at some revision: the revision holding its value, and its create revision and version. */
export interface KeyAt {
  main: number;
  sub: number;
  createdMain: number;
  version: number;
}

/** Up to this many numbers a pair array is kept exact-size. */
const EXACT_UNTIL = 16;

/**
 * Appends a (main, sub) pair. A push() onto a short array reserves room for 16 more elements, so
 * short arrays are replaced by an exact-size copy instead; longer ones grow by push() (amortized).
 */
function appendedPair(a: number[] | null, main: number, sub: number): number[] {
  if (a === null) return [main, sub];
  if (a.length >= EXACT_UNTIL) {
    a.push(main, sub);
    return a;
  }
  return a.concat(main, sub);
}

export class KeyHistory {
  /** The lease of the live revision (0n when none or deleted): saves a record read to detach it. */
  lease = 0n;
  /** The live generation's create revision (0 while the key does not exist). */
  createdMain = 0;
  /** The live generation's number of puts: the key's current version (0 while it does not exist). */
  ver = 0;
  /** The live generation's newest revision; main 0 while the key does not exist (revisions start at 1). */
  main = 0;
  sub = 0;
  /** The live generation's earlier revisions, (main, sub) pairs oldest first; null when none. */
  private older: number[] | null = null;
  /** Generations that ended with a tombstone, oldest first; null when none. */
  private closed: ClosedGeneration[] | null = null;

  constructor(
    /** The key bytes as a latin1 string (the key index's form). */
    readonly keyStr: string,
    /** A key of the system keyspace (its records carry the system flag, its events go to system watches). */
    readonly system = false,
  ) {}

  /** The key bytes (a new buffer each time: callers may keep it). */
  get key(): Buffer {
    return Buffer.from(this.keyStr, 'latin1');
  }

  /** True while the key exists (its live generation has revisions). */
  live(): boolean {
    return this.main !== 0;
  }

  put(main: number, sub: number): void {
    if (this.main === 0) this.createdMain = main;
    else this.older = appendedPair(this.older, this.main, this.sub);
    this.main = main;
    this.sub = sub;
    this.ver++;
  }

  /**
   * Rebuilding from storage after compaction: the first stored revision of a generation may not be
   * its first put, so the create revision and version come from the record itself.
   */
  restorePut(main: number, sub: number, createdMain: number, version: number): void {
    if (this.main === 0) {
      this.createdMain = createdMain;
      this.ver = version - 1;
    } else {
      this.older = appendedPair(this.older, this.main, this.sub);
    }
    this.main = main;
    this.sub = sub;
    this.ver++;
  }

  /** Deletes the live generation at (main, sub) and opens an empty one. */
  tombstone(main: number, sub: number): void {
    let revs = this.older ?? [];
    if (this.main !== 0) revs = revs.concat(this.main, this.sub);
    revs = revs.concat(main, sub);
    const g: ClosedGeneration = { ver: this.ver, createdMain: this.createdMain, revs };
    this.closed = this.closed === null ? [g] : this.closed.concat(g);
    this.older = null;
    this.main = this.sub = this.ver = this.createdMain = 0;
  }

  /** The revision of the key's value at `atRev`, or undefined when the key did not exist then. */
  at(atRev: number): KeyAt | undefined {
    if (this.main !== 0) {
      if (this.main <= atRev) return { main: this.main, sub: this.sub, createdMain: this.createdMain, version: this.ver };
      const o = this.older;
      if (o !== null && o[0]! <= atRev) {
        // Last earlier revision <= atRev (scan from the end: reads are mostly recent).
        let i = o.length - 2;
        while (o[i]! > atRev) i -= 2;
        return { main: o[i]!, sub: o[i + 1]!, createdMain: this.createdMain, version: this.ver - (o.length - i) / 2 };
      }
    }
    const closed = this.closed;
    if (closed === null) return undefined;
    for (let gi = closed.length - 1; gi >= 0; gi--) {
      const g = closed[gi]!;
      const r = g.revs;
      const n = r.length;
      if (r[n - 2]! <= atRev) return undefined; // deleted at or before atRev
      if (r[0]! > atRev) continue;
      let i = n - 4; // the tombstone (last pair) is > atRev
      while (r[i]! > atRev) i -= 2;
      const puts = n / 2 - 1;
      return { main: r[i]!, sub: r[i + 1]!, createdMain: g.createdMain, version: g.ver - (puts - 1 - i / 2) };
    }
    return undefined;
  }

  /**
   * at(atRev) !== undefined, without building the answer: a range counts every key it covers,
   * and most of them (beyond its limit) need nothing but this.
   */
  existsAt(atRev: number): boolean {
    if (this.main !== 0) {
      if (this.main <= atRev) return true;
      const o = this.older;
      if (o !== null && o[0]! <= atRev) return true;
    }
    const closed = this.closed;
    if (closed === null) return false;
    for (let gi = closed.length - 1; gi >= 0; gi--) {
      const r = closed[gi]!.revs;
      if (r[r.length - 2]! <= atRev) return false;
      if (r[0]! <= atRev) return true;
    }
    return false;
  }

  /**
   * True when `at` is the key's newest revision and the key is live: the record there carries
   * `lease`, so a keys-only read needs no record at all.
   */
  isLatest(at: KeyAt): boolean {
    return this.main !== 0 && this.main === at.main && this.sub === at.sub;
  }

  /** True when no revision of the key is left (it can be dropped from the index). */
  isEmpty(): boolean {
    return this.main === 0 && this.closed === null;
  }

  /**
   * Drops every revision < the one that is current at `rev` (etcd's keyIndex.compact): within the
   * generation alive at `rev`, keeps its revision at `rev`; removes whole earlier generations; a
   * generation whose tombstone is <= rev is removed entirely. Calls drop(main, sub, tombstone) for
   * each removed revision. Returns true when nothing of the key remains.
   */
  compact(rev: number, drop: (main: number, sub: number, tombstone: boolean) => void): boolean {
    const closed = this.closed;
    if (closed !== null) {
      let gone = 0;
      for (; gone < closed.length; gone++) {
        const r = closed[gone]!.revs;
        const n = r.length;
        if (r[n - 2]! > rev) {
          // Alive at rev (or created after it): keep its revision current at rev, and stop here.
          const keep = keptFrom(r, rev);
          if (keep > 0) {
            for (let i = 0; i < keep; i += 2) drop(r[i]!, r[i + 1]!, false);
            r.splice(0, keep);
          }
          break;
        }
        // The whole generation, tombstone included, is history at or before rev.
        for (let i = 0; i < n; i += 2) drop(r[i]!, r[i + 1]!, i === n - 2);
      }
      if (gone === closed.length) this.closed = null;
      else {
        if (gone > 0) this.closed = closed.slice(gone);
        return false;
      }
    }
    const o = this.older;
    if (this.main !== 0 && o !== null && o[0]! <= rev) {
      if (this.main <= rev) {
        for (let i = 0; i < o.length; i += 2) drop(o[i]!, o[i + 1]!, false);
        this.older = null;
      } else {
        const keep = keptFrom(o, rev);
        if (keep > 0) {
          for (let i = 0; i < keep; i += 2) drop(o[i]!, o[i + 1]!, false);
          this.older = o.slice(keep);
        }
      }
    }
    return this.main === 0;
  }
}

/** Index (into a pair array) of the last pair whose main is <= rev; 0 when none is. */
function keptFrom(r: number[], rev: number): number {
  let keep = 0;
  for (let i = 0; i < r.length && r[i]! <= rev; i += 2) keep = i;
  return keep;
}
