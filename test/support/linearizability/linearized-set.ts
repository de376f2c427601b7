// The set of operations linearized so far, and its memoisation key. A plain bitset key costs
// O(history) per search step and per cache entry, which for long nemesis histories means
// gigabytes of keys. But the set has a shape: in call order, every operation of known outcome
// below some rank f is linearized, none above some rank g is, and only the window between holds
// choices (operations concurrent with the search's frontier). Operations of unknown outcome
// (never returning) may stay out arbitrarily long, so they are listed apart. The key
// (f, the bitset words of the window, the linearized unknown ranks) is exact and canonical, and
// its size is about the concurrency, not the history length.
import type { Operation } from './types.js';

export class LinearizedSet {
  private readonly rank: Int32Array;
  private readonly unknownByRank: Uint8Array;
  private readonly bits: Uint32Array;
  private readonly bytes: Buffer;
  /** Lowest rank of a known-outcome operation that may be unlinearized (advanced lazily). */
  private floorRank = 0;
  /** Highest linearized known-outcome rank (-1: none), with the values it had before each add. */
  private topRank = -1;
  private readonly topHistory: number[] = [];
  /** Ranks of linearized unknown-outcome operations, ascending. */
  private readonly unknownIn: number[] = [];

  constructor(ops: readonly Operation<unknown, unknown>[]) {
    const order = ops.map((_, i) => i).sort((a, b) => ops[a]!.call - ops[b]!.call || a - b);
    this.rank = new Int32Array(ops.length);
    this.unknownByRank = new Uint8Array(ops.length);
    order.forEach((opIndex, r) => {
      this.rank[opIndex] = r;
      this.unknownByRank[r] = ops[opIndex]!.return === Infinity ? 1 : 0;
    });
    this.bits = new Uint32Array(Math.ceil(ops.length / 32) + 1);
    this.bytes = Buffer.from(this.bits.buffer);
  }

  has(op: number): boolean {
    const r = this.rank[op]!;
    return (this.bits[r >>> 5]! & (1 << (r & 31))) !== 0;
  }

  /** Adds op. Adds and removes must be strictly last-in first-out (as the search does). */
  add(op: number): void {
    const r = this.rank[op]!;
    this.bits[r >>> 5]! |= 1 << (r & 31);
    this.topHistory.push(this.topRank);
    if (this.unknownByRank[r]) this.unknownIn.splice(insertionPoint(this.unknownIn, r), 0, r);
    else if (r > this.topRank) this.topRank = r;
  }

  /** Removes the op added last. */
  remove(op: number): void {
    const r = this.rank[op]!;
    this.bits[r >>> 5]! &= ~(1 << (r & 31));
    this.topRank = this.topHistory.pop()!;
    if (this.unknownByRank[r]) this.unknownIn.splice(insertionPoint(this.unknownIn, r), 1);
    else if (r < this.floorRank) this.floorRank = r;
  }

  key(): string {
    const n = this.rank.length;
    while (this.floorRank < n && (this.unknownByRank[this.floorRank] || this.hasRank(this.floorRank))) this.floorRank++;
    const f = this.floorRank;
    const window = this.topRank < f ? '' : this.bytes.toString('latin1', (f >>> 5) * 4, ((this.topRank >>> 5) + 1) * 4);
    return `${f}\u0001${window}\u0001${this.unknownIn.join(',')}`;
  }

  private hasRank(r: number): boolean {
    return (this.bits[r >>> 5]! & (1 << (r & 31))) !== 0;
  }
}

/** Index of the first element >= value in an ascending array. */
function insertionPoint(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
