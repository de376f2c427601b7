import { describe, expect, it } from 'vitest';
import { formatFailure, runSeed } from './run.js';

// SIM_SEED=<n>: replay one seed. SIM_SEEDS=<n>: run seeds 1..n (default 400). SIM_SEED_BASE shifts the range.
const one = process.env.SIM_SEED;
const count = Number(process.env.SIM_SEEDS ?? 400);
const base = Number(process.env.SIM_SEED_BASE ?? 0);

describe('deterministic Raft simulation', () => {
  it(one ? `seed ${one}` : `seeds ${base + 1}..${base + count}`, () => {
    const seeds = one ? [Number(one)] : Array.from({ length: count }, (_, i) => base + i + 1);
    const total = { crashes: 0, elections: 0, snapshotsRestored: 0, confChanges: 0, transfers: 0, readsServed: 0 };
    for (const seed of seeds) {
      const r = runSeed(seed);
      if (!r.ok) expect.fail(formatFailure(r));
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r.counts[k];
    }
    // The runs must have exercised every kind of event (a silent no-op sim proves nothing).
    if (seeds.length >= 100) {
      for (const [k, v] of Object.entries(total)) expect(v, `${k} over ${seeds.length} seeds`).toBeGreaterThanOrEqual(seeds.length / 10);
    }
  }, 600_000);

  it('the same seed replays the same run', () => {
    const a = runSeed(7);
    const b = runSeed(7);
    expect(a.stats).toBe(b.stats);
  });
});
