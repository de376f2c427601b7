// The key index's B+tree against a plain sorted model: random inserts, overwrites, deletions
// (enough to trigger its compacting rebuild) and range scans from random bounds.
import { describe, expect, it } from 'vitest';
import { OrderedMap } from '../../../src/native/mvcc/ordered-map.js';

/** Small deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

describe('OrderedMap', () => {
  it('matches a sorted model under random inserts, deletes and range scans', () => {
    const rand = rng(42);
    const m = new OrderedMap<number>();
    const model = new Map<string, number>();
    const key = () => String.fromCharCode(...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => 97 + Math.floor(rand() * 6)));
    for (let step = 0; step < 20_000; step++) {
      const k = key();
      if (rand() < 0.65) {
        m.set(k, step);
        model.set(k, step);
      } else {
        expect(m.delete(k)).toBe(model.delete(k));
      }
      if (step % 500 === 0) {
        const sorted = [...model.keys()].sort();
        expect([...m.entries()].map(([k2]) => k2)).toEqual(sorted);
        const from = key();
        const to = rand() < 0.3 ? undefined : from + key();
        const got: string[] = [];
        m.forRange(from, to, (k2) => {
          got.push(k2);
        });
        expect(got).toEqual(sorted.filter((k2) => k2 >= from && (to === undefined || k2 < to)));
        expect(m.size).toBe(model.size);
        for (const k2 of sorted.slice(0, 20)) expect(m.get(k2)).toBe(model.get(k2));
      }
    }
  });

  it('handles many sequential keys (deep tree) and deleting them all', () => {
    const m = new OrderedMap<number>();
    const n = 30_000;
    for (let i = 0; i < n; i++) m.set(`k${String(i).padStart(6, '0')}`, i);
    expect(m.size).toBe(n);
    let count = 0;
    m.forRange('k010000', 'k010100', () => {
      count++;
    });
    expect(count).toBe(100);
    let deleted = 0;
    for (let i = 0; i < n; i++) if (m.delete(`k${String(i).padStart(6, '0')}`)) deleted++;
    expect(deleted).toBe(n);
    expect(m.size).toBe(0);
    expect([...m.entries()]).toEqual([]);
    m.set('again', 1);
    expect(m.get('again')).toBe(1);
  });
});
