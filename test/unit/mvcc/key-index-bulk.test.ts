// KeyIndex's bulk load (a store's open): keys added between beginBulkLoad() and endBulkLoad(), in
// order or not, give the same index as keys added one by one: the same ordered walk, the same
// ranges, and later inserts and removals work on it.
import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../../../src/native/mvcc/key-index.js';

function keysOf(idx: KeyIndex): string[] {
  return [...idx.all()].map(([k]) => k);
}

function rangeOf(idx: KeyIndex, from: string, to: string): string[] {
  const out: string[] = [];
  idx.forRangeFrom(Buffer.from(from, 'latin1'), Buffer.from(to, 'latin1'), '', (k) => {
    out.push(k);
    return true;
  });
  return out;
}

describe('KeyIndex bulk load', () => {
  for (const order of ['ascending', 'shuffled'] as const) {
    it(`builds the same ordered index as one-by-one inserts (${order} keys, latin1 bytes up to 0xff)`, () => {
      const keys = Array.from({ length: 5000 }, (_, i) => `k/${String(i).padStart(5, '0')}${i % 7 === 0 ? '\xff' : ''}`);
      const input = order === 'ascending' ? keys : [...keys].sort(() => Math.random() - 0.5);
      const bulk = new KeyIndex();
      const single = new KeyIndex();
      bulk.beginBulkLoad();
      input.forEach((k, i) => bulk.getOrCreate(k).put(i + 1, 0));
      input.forEach((k, i) => single.getOrCreate(k).put(i + 1, 0));
      expect(bulk.get(input[0]!)?.main).toBe(1); // exact lookups work during the load
      bulk.endBulkLoad();
      expect(keysOf(bulk)).toEqual(keysOf(single));
      expect(keysOf(bulk)).toEqual([...keys].sort());
      expect(rangeOf(bulk, 'k/01000', 'k/01010')).toEqual(rangeOf(single, 'k/01000', 'k/01010'));
      expect(rangeOf(bulk, 'k/01000', 'k/01010').length).toBe(10); // 01000 .. 01009 (01001 and 01008 end in \xff)
      // The index goes on as usual afterwards.
      bulk.getOrCreate('k/00000a');
      bulk.remove('k/00001');
      expect(keysOf(bulk).slice(0, 3)).toEqual(['k/00000a', 'k/00000\xff', 'k/00002']);
      expect(bulk.size).toBe(keys.length);
    });
  }

  it('an empty bulk load leaves an empty index that takes keys afterwards', () => {
    const idx = new KeyIndex();
    idx.beginBulkLoad();
    idx.endBulkLoad();
    expect(keysOf(idx)).toEqual([]);
    idx.getOrCreate('a');
    expect(keysOf(idx)).toEqual(['a']);
    expect(() => idx.beginBulkLoad()).toThrow(/empty index/);
  });
});
