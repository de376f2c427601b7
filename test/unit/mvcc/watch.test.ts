// The watch hub: synced delivery after each batch, catch-up from history, filters, prev_kv,
// ranges, compaction, cancellation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchFilter } from '../../../src/adapters/backend.js';
import { Harness, Recorder, b, op, prefixEnd, putReq, settle, watchOpts } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

describe('synced watchers', () => {
  it('get the events of each batch after it commits, with the batch revision', () => {
    const r = new Recorder();
    const w = h.store.watch(watchOpts('k'), r);
    expect(w.isSynced()).toBe(true);
    h.put('k', '1'); // rev 2
    h.put('other', 'x'); // rev 3
    h.del('k'); // rev 4
    expect(r.lines).toEqual(['PUT k=1@2', 'DELETE k@4']);
    expect(r.calls.map((c) => c.revision)).toEqual([2, 4]);
    // a delete event carries only the key and the mod revision (genuine etcd)
    const del = r.events[1]!.kv;
    expect([del.createRevision, del.version, del.value.length, del.lease]).toEqual([0, 0, 0, 0n]);
  });

  it('one call per batch, with the events of a txn together and in order', () => {
    const r = new Recorder();
    h.store.watch(watchOpts('a', { rangeEnd: b('z') }), r);
    h.applyAll([
      { kind: 'put', req: putReq('a', '1') },
      { kind: 'txn', req: { compare: [], success: [op.put('b', '1'), op.put('c', '1'), op.del('a')], failure: [] } },
    ]);
    expect(r.calls.length).toBe(1);
    expect(r.calls[0]!.revision).toBe(3);
    expect(r.lines).toEqual(['PUT a=1@2', 'PUT b=1@3', 'PUT c=1@3', 'DELETE a@3']);
  });

  it('prefix, from-key and single-key watchers each see only their keys', () => {
    const prefix = new Recorder();
    const fromKey = new Recorder();
    const single = new Recorder();
    h.store.watch(watchOpts('p/', { rangeEnd: b(prefixEnd('p/')) }), prefix);
    h.store.watch(watchOpts('q', { rangeEnd: Buffer.from([0]) }), fromKey);
    h.store.watch(watchOpts('p/2'), single);
    for (const k of ['p/1', 'p/2', 'p', 'q', 'r', 'pp']) h.put(k, 'v');
    expect(prefix.lines).toEqual(['PUT p/1=v@2', 'PUT p/2=v@3']);
    expect(fromKey.lines).toEqual(['PUT q=v@5', 'PUT r=v@6']);
    expect(single.lines).toEqual(['PUT p/2=v@3']);
  });

  it('many overlapping range watchers all match correctly', () => {
    const recs: { lo: string; hi: string; r: Recorder }[] = [];
    for (let i = 0; i < 200; i++) {
      const lo = `k${String(i).padStart(3, '0')}`;
      const hi = `k${String(i + (i % 7) + 1).padStart(3, '0')}`;
      const r = new Recorder();
      h.store.watch(watchOpts(lo, { rangeEnd: b(hi) }), r);
      recs.push({ lo, hi, r });
    }
    const written: string[] = [];
    for (let i = 0; i < 210; i += 3) {
      const k = `k${String(i).padStart(3, '0')}`;
      written.push(k);
      h.put(k, 'v');
    }
    for (const { lo, hi, r } of recs) {
      expect(r.events.map((e) => e.kv.key.toString())).toEqual(written.filter((k) => k >= lo && k < hi));
    }
  });

  it('thousands of single-key watchers: each sees exactly its key', () => {
    const recs: Recorder[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = new Recorder();
      h.store.watch(watchOpts(`key${i}`), r);
      recs.push(r);
    }
    h.txn({ success: Array.from({ length: 100 }, (_, i) => op.put(`key${i * 50}`, 'v')) });
    const wrong: number[] = [];
    recs.forEach((r, i) => {
      const expected = i % 50 === 0 ? [`PUT key${i}=v@2`] : [];
      if (r.lines.join() !== expected.join() || r.calls.length !== expected.length) wrong.push(i);
    });
    expect(wrong).toEqual([]);
  });

  it('NOPUT / NODELETE filters and prev_kv', () => {
    const noPut = new Recorder();
    const noDel = new Recorder();
    h.store.watch(watchOpts('k', { filters: [WatchFilter.NOPUT], prevKv: true }), noPut);
    h.store.watch(watchOpts('k', { filters: [WatchFilter.NODELETE], prevKv: true }), noDel);
    h.put('k', '1');
    h.put('k', '2');
    h.del('k');
    expect(noPut.lines).toEqual(['DELETE k@4']);
    expect(noPut.events[0]!.prevKv!.value.toString()).toBe('2');
    expect(noDel.lines).toEqual(['PUT k=1@2', 'PUT k=2@3']);
    expect(noDel.events[0]!.prevKv).toBeUndefined();
    expect(noDel.events[1]!.prevKv!.value.toString()).toBe('1');
  });

  it('a watcher from a future revision gets nothing before it', () => {
    const r = new Recorder();
    h.store.watch(watchOpts('k', { startRevision: 4 }), r);
    h.put('k', '1'); // 2
    h.put('k', '2'); // 3
    h.put('k', '3'); // 4
    expect(r.lines).toEqual(['PUT k=3@4']);
  });

  it('cancel stops delivery', () => {
    const r = new Recorder();
    const w = h.store.watch(watchOpts('k'), r);
    h.put('k', '1');
    w.cancel();
    h.put('k', '2');
    expect(r.lines).toEqual(['PUT k=1@2']);
  });

  it('close cancels every watcher', () => {
    const r = new Recorder();
    h.store.watch(watchOpts('k'), r);
    h.store.close();
    expect(r.canceled).toBeDefined();
  });
});

describe('unsynced watchers (start revision in the past)', () => {
  it('are caught up from history, then receive live events, without gaps or duplicates', async () => {
    for (let i = 1; i <= 5; i++) h.put('k', String(i)); // revs 2..6
    const r = new Recorder();
    const w = h.store.watch(watchOpts('k', { startRevision: 3, prevKv: true }), r);
    expect(w.isSynced()).toBe(false);
    h.put('k', '6'); // rev 7, applied before the catch-up ran
    await settle();
    expect(w.isSynced()).toBe(true);
    h.put('k', '7'); // rev 8
    expect(r.lines).toEqual(['PUT k=2@3', 'PUT k=3@4', 'PUT k=4@5', 'PUT k=5@6', 'PUT k=6@7', 'PUT k=7@8']);
    expect(r.events[0]!.prevKv!.value.toString()).toBe('1');
  });

  it('catch-up of a long history arrives in revision order with whole revisions per call', async () => {
    for (let i = 0; i < 600; i++) {
      h.txn({ success: [op.put(`a${i}`, 'x'), op.put(`b${i}`, 'y')] });
    }
    const r = new Recorder();
    h.store.watch(watchOpts('', { rangeEnd: Buffer.from([0]), startRevision: 1 }), r);
    await settle(20);
    const revs = r.events.map((e) => e.kv.modRevision);
    expect(revs.length).toBe(1200);
    expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    expect(r.calls.length).toBeGreaterThan(1);
    for (const c of r.calls) expect(c.events.length % 2).toBe(0);
  });

  it('a watcher starting at the compact revision is served; below it gets onCompacted (genuine etcd)', async () => {
    h.put('a', '5'); // 2
    h.put('a', '6'); // 3
    h.ok({ kind: 'compaction', req: { revision: 3, physical: true } });
    const at = new Recorder();
    const below = new Recorder();
    h.store.watch(watchOpts('a', { startRevision: 3 }), at);
    h.store.watch(watchOpts('a', { startRevision: 2 }), below);
    await settle();
    expect(at.lines).toEqual(['PUT a=6@3']);
    expect(below.compacted).toEqual({ compactRevision: 3, revision: 3 });
    expect(below.calls).toEqual([]);
  });

  it('a compaction while a watcher is still catching up kills it with onCompacted', async () => {
    for (let i = 0; i < 5; i++) h.put('k', String(i)); // 2..6
    const r = new Recorder();
    h.store.watch(watchOpts('k', { startRevision: 2 }), r);
    h.ok({ kind: 'compaction', req: { revision: 5, physical: true } });
    await settle();
    expect(r.compacted?.compactRevision).toBe(5);
    expect(r.calls).toEqual([]);
  });
});
