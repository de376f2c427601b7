// Flow control: the last indexes of the MsgApps sent to one follower and not yet acknowledged.
// A fixed ring buffer (no allocation per message) of at most `size` entries.

export class Inflights {
  private start = 0;
  count = 0;
  private readonly buffer: number[];

  constructor(readonly size: number) {
    this.buffer = new Array<number>(size).fill(0);
  }

  full(): boolean {
    return this.count === this.size;
  }

  add(lastIndex: number): void {
    if (this.full()) throw new Error('cannot add into a full inflights');
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    this.buffer[next] = lastIndex;
    this.count++;
  }

  /** Frees every inflight message whose last index is ≤ to (they were acknowledged). */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.buffer[this.start]!) return;
    let idx = this.start;
    let i = 0;
    for (; i < this.count; i++) {
      if (to < this.buffer[idx]!) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest one (a heartbeat response shows the follower is alive, let one more through). */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buffer[this.start]!);
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
