// A compaction larger than one step (compactionBatchLimit keys) is removed by the background
// compactor: readers see the compaction at once, the stored records end as an inline compaction's
// would (Maintenance.Hash covers every stored record), a restart resumes the walk, and
// defragmentation shrinks the file without losing a write made while it copies.
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Errors } from '../../../src/adapters/errors.js';
import type { MvccStore } from '../../../src/native/mvcc/index.js';
import { Harness, keys } from './harness.js';

const made: Harness[] = [];
function harness(batchLimit?: number): Harness {
  const h = new Harness(batchLimit ? { compactionBatchLimit: batchLimit } : {});
  made.push(h);
  return h;
}
afterEach(() => {
  for (const h of made.splice(0)) h.destroy();
});

/** 60 keys, 3 revisions each, every third deleted, then one more put: the same history in any store. */
function history(h: Harness): number {
  for (let round = 0; round < 3; round++) for (let i = 0; i < 60; i++) h.put(`k${String(i).padStart(2, '0')}`, `v${round}-${i}`);
  for (let i = 0; i < 60; i += 3) h.del(`k${String(i).padStart(2, '0')}`);
  const compactAt = h.store.currentRevision();
  h.put('k01', 'after');
  return compactAt;
}

const physical = (s: MvccStore, rev: number) => (s as unknown as { waitPhysicalCompaction(r: number): Promise<void> }).waitPhysicalCompaction(rev);
const compact = (h: Harness, revision: number) => h.ok({ kind: 'compaction', req: { revision, physical: true } });

describe('background compaction', () => {
  it('answers readers at once and ends with the records an inline compaction leaves', async () => {
    const inline = harness();
    const bg = harness(7);
    const at = history(inline);
    expect(history(bg)).toBe(at);
    compact(inline, at);
    compact(bg, at);
    // Visible at once: below the compact revision is compacted, at and above it answers as before.
    expect(() => bg.get('k02', { revision: at - 1 })).toThrow(Errors.Compacted);
    expect(bg.get('k02', { revision: at }).kvs[0]!.value.toString()).toBe('v2-2');
    expect(keys(bg.get('k', { rangeEnd: Buffer.from('l') }).kvs)).toEqual(keys(inline.get('k', { rangeEnd: Buffer.from('l') }).kvs));
    expect(bg.store.hashKV(0)).toEqual(inline.store.hashKV(0));
    // Not yet removed: the stored records still differ from the inline compaction's.
    expect(bg.store.hash()).not.toBe(inline.store.hash());
    await physical(bg.store, at);
    expect(bg.store.hash()).toBe(inline.store.hash());
    expect(bg.store.hashKV(0)).toEqual(inline.store.hashKV(0));
    // Writes interleaved with the walk end the same too.
    bg.put('k05', 'later');
    inline.put('k05', 'later');
    expect(bg.store.hash()).toBe(inline.store.hash());
  });

  it('a newer compaction during the walk restarts it at the newer revision', async () => {
    const inline = harness();
    const bg = harness(5);
    const at = history(inline);
    history(bg);
    compact(bg, at - 30);
    compact(bg, at);
    compact(inline, at - 30);
    compact(inline, at);
    await physical(bg.store, at);
    expect(bg.store.hash()).toBe(inline.store.hash());
  });

  it('a restart in the middle of the walk resumes it', async () => {
    const inline = harness();
    const bg = harness(4);
    const at = history(inline);
    history(bg);
    compact(inline, at);
    compact(bg, at);
    bg.reopen(); // before any background step ran
    expect(bg.store.compactRevision()).toBe(at);
    expect(() => bg.get('k02', { revision: at - 1 })).toThrow(Errors.Compacted);
    await physical(bg.store, at);
    expect(bg.store.hash()).toBe(inline.store.hash());
    bg.reopen();
    expect(bg.store.hash()).toBe(inline.store.hash());
  });

  it('close() fails a caller still waiting for the removal', async () => {
    const bg = harness(3);
    const at = history(bg);
    compact(bg, at);
    const waiting = physical(bg.store, at);
    bg.store.close();
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});

describe('defragmentation', () => {
  it('shrinks the file after a compaction and keeps every record, including writes made while it copies', async () => {
    const h = harness();
    const big = 'x'.repeat(2000);
    for (let i = 0; i < 2000; i++) h.put(`big/${i}`, big);
    h.del('big/', 'big0');
    h.put('kept', 'yes');
    compact(h, h.store.currentRevision());
    await physical(h.store, h.store.compactRevision());
    const before = h.store.dbSize();
    const hashBefore = h.store.hash();
    const defrag = (h.store as unknown as { defragment(): Promise<void> }).defragment();
    h.put('during', 'copy'); // applied while the copy runs off the main thread
    await defrag;
    expect(h.store.dbSize()).toBeLessThan(before / 4);
    // the copy took the store's own file names: nothing is left beside them
    expect(readdirSync(h.dir).sort()).toEqual(['data.mdb', 'lock.mdb']);
    expect(h.val('kept')).toBe('yes');
    expect(h.val('during')).toBe('copy');
    h.put('after', 'swap');
    const hashAfter = h.store.hash();
    expect(hashAfter).not.toBe(hashBefore);
    h.reopen();
    expect(h.store.hash()).toBe(hashAfter);
    expect([h.val('kept'), h.val('during'), h.val('after')]).toEqual(['yes', 'copy', 'swap']);
    expect(h.get('big/', { rangeEnd: Buffer.from('big0') }).kvs).toEqual([]);
  });
});
