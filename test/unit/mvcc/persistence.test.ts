// Restart (close + reopen on the same directory) and snapshots: same state, same revision, same
// consistent index, key index and lessor rebuilt.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlarmAction, AlarmType } from '../../../src/adapters/backend.js';
import { Harness, Recorder, b, keys, op, settle, watchOpts } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

function scenario(s: Harness): void {
  s.ok({ kind: 'leaseGrant', req: { id: 5n, ttl: 100 } });
  s.put('a', '1'); // 2
  s.put('a', '2', { lease: 5n }); // 3
  s.put('b', 'x'); // 4
  s.del('b'); // 5
  s.txn({ success: [op.put('c', '1'), op.put('d', '1')] }); // 6
  s.ok({ kind: 'compaction', req: { revision: 4, physical: true } });
  s.put('b', 'again'); // 7
}

describe('restart', () => {
  it('reopens with the same revision, consistent index, keys, history, versions and leases', () => {
    scenario(h);
    const before = {
      rev: h.store.currentRevision(),
      ci: h.store.consistentIndex(),
      all: h.get('', { rangeEnd: Buffer.from([0]) }).kvs,
      hash: h.store.hash(),
      hashKV: h.store.hashKV(0),
    };
    h.reopen();
    expect(h.store.currentRevision()).toBe(before.rev);
    expect(h.store.consistentIndex()).toBe(before.ci);
    expect(h.store.compactRevision()).toBe(4);
    expect(h.get('', { rangeEnd: Buffer.from([0]) }).kvs).toEqual(before.all);
    expect(h.store.hash()).toBe(before.hash);
    expect(h.store.hashKV(0)).toEqual(before.hashKV);
    expect(h.get('a', { revision: 4 }).kvs[0]!.value.toString()).toBe('2');
    expect(h.store.leaseInfo(5n, true)!.keys.map(String)).toEqual(['a']);
    // writes continue from the same point: a's version continues, b's generation is fresh
    h.put('a', '3');
    expect(h.get('a').kvs[0]!.version).toBe(3);
    expect(h.get('a').kvs[0]!.createRevision).toBe(2);
    expect(h.get('b').kvs[0]!.version).toBe(1);
    expect(h.store.currentRevision()).toBe(before.rev + 1);
  });

  it('an empty store reopens at revision 1', () => {
    h.reopen();
    expect(h.store.currentRevision()).toBe(1);
    expect(h.store.consistentIndex()).toBe(0);
  });

  it('keeps alarms across a restart', () => {
    h.ok({ kind: 'alarm', req: { action: AlarmAction.ACTIVATE, memberID: 0xfedcba9876543210n, alarm: AlarmType.NOSPACE } });
    h.reopen();
    expect(h.store.alarms()).toEqual([{ memberID: 0xfedcba9876543210n, alarm: AlarmType.NOSPACE }]);
  });

  it('a revoke after restart still deletes the keys attached before it', () => {
    scenario(h);
    h.reopen();
    h.ok({ kind: 'leaseRevoke', id: 5n });
    expect(h.val('a')).toBeUndefined();
  });
});

describe('snapshots', () => {
  it('snapshotData + restore reproduce the whole state in another store', async () => {
    scenario(h);
    const data = await h.store.snapshotData();
    const other = new Harness();
    try {
      other.put('junk', 'will be replaced');
      other.store.restore(data);
      expect(other.store.currentRevision()).toBe(h.store.currentRevision());
      expect(other.store.consistentIndex()).toBe(h.store.consistentIndex());
      expect(other.store.compactRevision()).toBe(4);
      expect(keys(other.get('', { rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['a', 'b', 'c', 'd']);
      expect(other.store.hash()).toBe(h.store.hash());
      expect(other.store.leaseIds()).toEqual([5n]);
      expect(other.store.leaseInfo(5n, true)!.keys).toEqual([b('a')]);
      // and it survives its own restart
      other.reopen();
      expect(other.store.hashKV(0)).toEqual(h.store.hashKV(0));
    } finally {
      other.destroy();
    }
  });

  it('rejects data that is not a snapshot', () => {
    expect(() => h.store.restore(Buffer.from('nope'))).toThrow(/not a dcsgw mvcc snapshot/);
  });

  it('watchers survive a restore: they catch up from the new history, or learn it is compacted', async () => {
    const leader = new Harness();
    try {
      h.put('k', 'a'); // 2 (this member is behind)
      for (const v of ['a', 'b', 'c', 'd']) leader.put('k', v); // leader: 2..5
      const behind = new Recorder();
      h.store.watch(watchOpts('k'), behind); // next revision 3
      const data = await leader.store.snapshotData();
      h.store.restore(data);
      await settle();
      expect(behind.lines).toEqual(['PUT k=b@3', 'PUT k=c@4', 'PUT k=d@5']);
      leader.ok({ kind: 'compaction', req: { revision: 5, physical: true } });
      const stale = new Harness();
      try {
        stale.put('k', 'a'); // 2
        const r = new Recorder();
        stale.store.watch(watchOpts('k'), r); // next revision 3 < compact revision 5
        stale.store.restore(await leader.store.snapshotData());
        await settle();
        expect(r.compacted).toEqual({ compactRevision: 5, revision: 5 });
      } finally {
        stale.destroy();
      }
    } finally {
      leader.destroy();
    }
  });
});
