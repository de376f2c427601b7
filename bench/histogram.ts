// Latency histogram with logarithmic buckets (2 % wide): constant memory whatever the run length,
// mergeable across worker processes, percentiles within 2 %.
const GROWTH = Math.log(1.02);
const BUCKETS = 1200; // 1.02^1200 us is far beyond any latency we measure

export class Histogram {
  readonly counts: number[];
  total = 0;

  constructor(counts?: number[]) {
    this.counts = counts ?? new Array<number>(BUCKETS).fill(0);
    if (counts) this.total = counts.reduce((a, b) => a + b, 0);
  }

  /** Records one latency in microseconds. */
  record(us: number): void {
    const b = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / GROWTH));
    this.counts[b] = (this.counts[b] as number) + 1;
    this.total++;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.total += other.total;
  }

  /** The latency (us) below which `q` (0..1) of the samples fall: the bucket's upper bound. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.exp(i * GROWTH);
    }
    return Infinity;
  }
}
