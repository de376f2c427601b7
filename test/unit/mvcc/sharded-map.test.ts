import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../../../src/native/mvcc/sharded-map.js';

describe('ShardedMap (the key index exact-key map)', () => {
  it('answers as a Map does across adds, replaces and deletes of many keys', () => {
    const m = new ShardedMap<number>();
    const ref = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = i % 3 === 0 ? `s/${String(i).padStart(8, '0')}` : `k${i % 7}-${i}`;
      m.set(k, i);
      ref.set(k, i);
      if (i % 5 === 0) {
        m.set(k, -i); // a replace does not count twice
        ref.set(k, -i);
      }
      if (i % 11 === 0) expect(m.delete(k)).toBe(ref.delete(k));
    }
    expect(m.delete('absent')).toBe(false);
    expect(m.size).toBe(ref.size);
    for (const [k, v] of ref) expect(m.get(k)).toBe(v);
    expect(m.get('')).toBeUndefined();
    m.set('', 1);
    expect(m.get('')).toBe(1);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get('s/00000003')).toBeUndefined();
  });
});
