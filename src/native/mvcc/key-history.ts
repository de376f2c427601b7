// The revision history of one key (etcd's keyIndex): a list of generations, each running from the
// key's creation to its deletion (the tombstone is the generation's last revision). The last
// generation is the live one; it is empty while the key does not exist.
// Revisions are kept as parallel arrays of numbers (main, sub) to avoid one object per revision.

export interface Generation {
  /** Number of revisions put in this generation (the key's version at its latest revision). */
  ver: number;
  createdMain: number;
  mains: number[];
  subs: number[];
}

/** Where a key stood at some revision: the revision holding its value, and its create revision and version. */
export interface KeyAt {
  main: number;
  sub: number;
  createdMain: number;
  version: number;
}

/** Up to this many revisions a generation's arrays are kept exact-size. */
const EXACT_UNTIL = 8;

/**
 * Appends v. A push() onto a short array reserves room for 16 more elements (~140 bytes per
 * array, two arrays per key: most of the index's memory when keys have a few revisions each), so
 * short arrays are replaced by an exact-size copy instead; longer ones grow by push() (amortized).
 */
function appended<T>(a: T[], v: T): T[] {
  if (a.length >= EXACT_UNTIL) {
    a.push(v);
    return a;
  }
  return a.concat(v);
}

export class KeyHistory {
  generations: Generation[] = [{ ver: 0, createdMain: 0, mains: [], subs: [] }];
  /** The lease of the live revision (0n when none or deleted): saves a record read to detach it. */
  lease = 0n;

  constructor(
    readonly key: Buffer,
    readonly keyStr: string,
    /** A key of the system keyspace (its records carry the system flag, its events go to system watches). */
    readonly system = false,
  ) {}

  /** The live generation, if the key currently exists. */
  live(): Generation | undefined {
    const g = this.generations[this.generations.length - 1]!;
    return g.mains.length > 0 ? g : undefined;
  }

  put(main: number, sub: number): void {
    const g = this.generations[this.generations.length - 1]!;
    if (g.mains.length === 0) g.createdMain = main;
    g.mains = appended(g.mains, main);
    g.subs = appended(g.subs, sub);
    g.ver++;
  }

  /**
   * Rebuilding from storage after compaction: the first stored revision of a generation may not be
   * its first put, so the create revision and version come from the record itself.
   */
  restorePut(main: number, sub: number, createdMain: number, version: number): void {
    const g = this.generations[this.generations.length - 1]!;
    if (g.mains.length === 0) {
      g.createdMain = createdMain;
      g.ver = version - 1;
    }
    g.mains = appended(g.mains, main);
    g.subs = appended(g.subs, sub);
    g.ver++;
  }

  /** Deletes the live generation at (main, sub) and opens an empty one. */
  tombstone(main: number, sub: number): void {
    const g = this.generations[this.generations.length - 1]!;
    g.mains = appended(g.mains, main);
    g.subs = appended(g.subs, sub);
    this.generations = appended<Generation>(this.generations, { ver: 0, createdMain: 0, mains: [], subs: [] });
  }

  /** The revision of the key's value at `atRev`, or undefined when the key did not exist then. */
  at(atRev: number): KeyAt | undefined {
    const gens = this.generations;
    const last = gens.length - 1;
    for (let gi = last; gi >= 0; gi--) {
      const g = gens[gi]!;
      const n = g.mains.length;
      if (n === 0) continue;
      if (gi !== last && g.mains[n - 1]! <= atRev) return undefined; // deleted at or before atRev
      if (g.mains[0]! > atRev) continue;
      // Last revision <= atRev (generations are short in practice; scan from the end).
      let i = n - 1;
      while (g.mains[i]! > atRev) i--;
      const puts = gi === last ? n : n - 1; // a closed generation ends with its tombstone
      return { main: g.mains[i]!, sub: g.subs[i]!, createdMain: g.createdMain, version: g.ver - (puts - 1 - i) };
    }
    return undefined;
  }

  /**
   * at(atRev) !== undefined, without building the answer: a range counts every key it covers,
   * and most of them (beyond its limit) need nothing but this.
   */
  existsAt(atRev: number): boolean {
    const gens = this.generations;
    const last = gens.length - 1;
    for (let gi = last; gi >= 0; gi--) {
      const g = gens[gi]!;
      const n = g.mains.length;
      if (n === 0) continue;
      if (gi !== last && g.mains[n - 1]! <= atRev) return false;
      if (g.mains[0]! <= atRev) return true;
    }
    return false;
  }

  /**
   * True when `at` is the key's newest revision and the key is live: the record there carries
   * `lease`, so a keys-only read needs no record at all.
   */
  isLatest(at: KeyAt): boolean {
    const g = this.generations[this.generations.length - 1]!;
    const n = g.mains.length;
    return n > 0 && g.mains[n - 1] === at.main && g.subs[n - 1] === at.sub;
  }

  /** True when no revision of the key is left (it can be dropped from the index). */
  isEmpty(): boolean {
    return this.generations.length === 1 && this.generations[0]!.mains.length === 0;
  }

  /**
   * Drops every revision < the one that is current at `rev` (etcd's keyIndex.compact): within the
   * generation alive at `rev`, keeps its revision at `rev`; removes whole earlier generations; a
   * generation whose tombstone is <= rev is removed entirely. Calls drop(main, sub, tombstone) for
   * each removed revision. Returns true when nothing of the key remains.
   */
  compact(rev: number, drop: (main: number, sub: number, tombstone: boolean) => void): boolean {
    const gens = this.generations;
    const last = gens.length - 1;
    let keepFrom = 0; // index of the first generation that survives
    for (let gi = 0; gi <= last; gi++) {
      const g = gens[gi]!;
      const n = g.mains.length;
      if (n === 0) {
        keepFrom = gi;
        break;
      }
      const closed = gi !== last;
      if (closed && g.mains[n - 1]! <= rev) {
        // The whole generation, tombstone included, is history at or before rev.
        for (let i = 0; i < n; i++) drop(g.mains[i]!, g.subs[i]!, i === n - 1);
        keepFrom = gi + 1;
        continue;
      }
      // This generation is alive at rev (or starts after it): keep its revision current at rev.
      let keep = -1;
      for (let i = 0; i < n && g.mains[i]! <= rev; i++) keep = i;
      if (keep > 0) {
        for (let i = 0; i < keep; i++) drop(g.mains[i]!, g.subs[i]!, false);
        g.mains.splice(0, keep);
        g.subs.splice(0, keep);
      }
      keepFrom = gi;
      break;
    }
    if (keepFrom > 0) gens.splice(0, keepFrom);
    return gens.length === 1 && gens[0]!.mains.length === 0;
  }
}
