// A small seeded PRNG (mulberry32): the whole simulation derives every choice from it, so a
// seed replays the exact same run.
import { mulberry32 } from '../support/prng.js';

export class Prng {
  private readonly draw: () => number;

  constructor(seed: number) {
    this.draw = mulberry32(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A derived generator (e.g. one per node for election timeouts) that does not disturb this one. */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4294967296));
  }
}
