// Compaction: superseded revisions <= rev are removed physically; the latest of each key at rev
// survives unless it is a tombstone; errors as etcd's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Errors } from '../../../src/adapters/errors.js';
import { Harness, b, keys } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

const compact = (revision: number) => h.ok({ kind: 'compaction', req: { revision, physical: true } });

describe('compaction', () => {
  it('keeps the value current at the compact revision and everything after it', () => {
    h.put('a', '1'); // 2
    h.put('a', '2'); // 3
    h.put('b', '1'); // 4
    h.put('a', '3'); // 5
    compact(4);
    expect(h.store.compactRevision()).toBe(4);
    expect(() => h.get('a', { revision: 3 })).toThrow(Errors.Compacted);
    // reading at the compact revision itself still works (etcd: rev < compactRev is compacted)
    expect(h.get('a', { revision: 4 }).kvs[0]!.value.toString()).toBe('2');
    expect(h.get('a', { revision: 5 }).kvs[0]!.value.toString()).toBe('3');
    const kv = h.get('a').kvs[0]!;
    expect([kv.createRevision, kv.version]).toEqual([2, 3]);
    // the revision does not move
    expect(h.store.currentRevision()).toBe(5);
  });

  it('drops keys whose last revision at or before the compact revision is a tombstone', () => {
    h.put('gone', 'x'); // 2
    h.del('gone'); // 3
    h.put('kept', 'y'); // 4
    const before = h.store.dbSizeInUse();
    compact(4);
    expect(h.get('gone', { revision: 4 }).kvs).toEqual([]);
    expect(keys(h.get('', { rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['kept']);
    // a recreated key starts a fresh generation
    h.put('gone', 'again'); // 5
    expect(h.get('gone').kvs[0]!.version).toBe(1);
    expect(before).toBeGreaterThan(0);
  });

  it('compacting at or below the compact revision fails with Compacted; above the current with FutureRev', () => {
    h.put('a', '1');
    h.put('a', '2');
    compact(2);
    expect(() => compact(2)).toThrow(Errors.Compacted);
    expect(() => compact(1)).toThrow(Errors.Compacted);
    expect(() => compact(4)).toThrow(Errors.FutureRev);
  });

  it('keeps the data of a deleted generation that was still alive at the compact revision', () => {
    h.put('k', '1'); // 2
    h.put('k', '2'); // 3
    h.del('k'); // 4
    compact(3);
    expect(h.get('k', { revision: 3 }).kvs[0]!.value.toString()).toBe('2');
    expect(h.get('k', { revision: 3 }).kvs[0]!.version).toBe(2);
    expect(h.get('k').kvs).toEqual([]);
  });

  it('hashKV reports compact revision -1 until the first compaction; a compaction at 0 is accepted once (as etcd 3.4)', () => {
    h.put('a', '1'); // 2
    expect(h.store.hashKV(0).compactRevision).toBe(-1);
    h.reopen();
    expect(h.store.hashKV(0).compactRevision).toBe(-1);
    compact(0);
    expect(h.store.hashKV(0).compactRevision).toBe(0);
    expect(() => compact(0)).toThrow(Errors.Compacted);
    h.reopen();
    expect(h.store.hashKV(0).compactRevision).toBe(0);
    expect(h.get('a').kvs[0]!.value.toString()).toBe('1');
  });

  it('hashKV: stores with the same history and compaction agree; a later write changes only the later hashes', () => {
    const other = new Harness();
    try {
      for (const s of [h, other]) {
        s.put('a', '1');
        s.put('a', '2');
        s.put('b', 'x');
        s.del('b');
        s.put('c', 'y');
      }
      compact(4);
      other.ok({ kind: 'compaction', req: { revision: 4, physical: true } });
      expect(h.store.hashKV(6).hash).toBe(other.store.hashKV(6).hash);
      expect(h.store.hashKV(0)).toEqual({ ...other.store.hashKV(0) });
      expect(h.store.hashKV(0).compactRevision).toBe(4);
      other.put('c', 'z');
      expect(other.store.hashKV(6).hash).toBe(h.store.hashKV(6).hash);
      expect(other.store.hashKV(0).hash).not.toBe(h.store.hashKV(0).hash);
      expect(() => h.store.hashKV(4)).toThrow(Errors.Compacted);
      expect(() => h.store.hashKV(99)).toThrow(Errors.FutureRev);
      expect(h.store.hash()).not.toBe(other.store.hash());
    } finally {
      other.destroy();
    }
  });

  it('compacts many keys in one go and the index stays consistent for ranges', () => {
    for (let i = 0; i < 300; i++) h.put(`k${String(i).padStart(3, '0')}`, 'a');
    for (let i = 0; i < 300; i += 2) h.del(`k${String(i).padStart(3, '0')}`);
    compact(h.store.currentRevision());
    const r = h.get('k', { rangeEnd: b('l') });
    expect(r.count).toBe(150);
    expect(keys(r.kvs).slice(0, 3)).toEqual(['k001', 'k003', 'k005']);
    for (let i = 0; i < 300; i += 2) h.put(`k${String(i).padStart(3, '0')}`, 'b');
    expect(h.get('k', { rangeEnd: b('l'), countOnly: true }).count).toBe(300);
  });
});
