// Put / Range / DeleteRange semantics of etcd 3.4's mvcc, as a client sees them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Errors } from '../../../src/adapters/errors.js';
import { SortOrder, SortTarget } from '../../../src/adapters/backend.js';
import { Harness, b, keys, prefixEnd } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

describe('revisions', () => {
  it('starts at revision 1 and each put bumps the main revision by one', () => {
    expect(h.store.currentRevision()).toBe(1);
    h.put('a', '1');
    h.put('b', '2');
    expect(h.store.currentRevision()).toBe(3);
    const r = h.apply({ kind: 'put', req: { key: b('a'), value: b('3'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } });
    expect(r.revision).toBe(4);
  });

  it('tracks create_revision, mod_revision and version, and resets version after a delete', () => {
    h.put('k', 'v1'); // rev 2
    h.put('k', 'v2'); // rev 3
    let kv = h.get('k').kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version]).toEqual([2, 3, 2]);
    h.del('k'); // rev 4
    expect(h.get('k').kvs).toEqual([]);
    h.put('k', 'v3'); // rev 5
    kv = h.get('k').kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version]).toEqual([5, 5, 1]);
  });

  it('a delete matching nothing does not bump the revision (etcd: no change, no revision)', () => {
    h.put('a', '1');
    const v = h.del('zzz');
    expect(v).toEqual({ kind: 'deleteRange', deleted: 0, prevKvs: [] });
    expect(h.store.currentRevision()).toBe(2);
  });

  it('reads at an old revision see the value as it was', () => {
    h.put('k', 'old'); // 2
    h.put('k', 'new'); // 3
    h.del('k'); // 4
    expect(h.get('k', { revision: 2 }).kvs[0]!.value.toString()).toBe('old');
    expect(h.get('k', { revision: 3 }).kvs[0]!.value.toString()).toBe('new');
    expect(h.get('k', { revision: 4 }).kvs).toEqual([]);
    // the header revision is the current one, not the requested one (genuine etcd)
    expect(h.get('k', { revision: 2 }).revision).toBe(4);
  });

  it('a future revision fails with etcd\'s FutureRev error', () => {
    h.put('k', 'v');
    expect(() => h.get('k', { revision: 3 })).toThrow(Errors.FutureRev);
  });
});

describe('range', () => {
  beforeEach(() => {
    for (const k of ['a', 'ab', 'abc', 'b', 'c']) h.put(k, `v-${k}`); // revs 2..6
  });

  it('single key, [key, end), from-key ("\\0") and prefix', () => {
    expect(keys(h.get('ab').kvs)).toEqual(['ab']);
    expect(keys(h.get('ab', { rangeEnd: b('b') }).kvs)).toEqual(['ab', 'abc']);
    expect(keys(h.get('ab', { rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['ab', 'abc', 'b', 'c']);
    expect(keys(h.get('a', { rangeEnd: b(prefixEnd('a')) }).kvs)).toEqual(['a', 'ab', 'abc']);
    expect(keys(h.get('', { rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['a', 'ab', 'abc', 'b', 'c']);
    // an end at or before the key matches nothing
    expect(h.get('b', { rangeEnd: b('a') }).count).toBe(0);
  });

  it('orders keys by bytes, not by UTF-16 or locale', () => {
    h.put('\u00e9', 'x'); // UTF-8 c3 a9
    h.ok({ kind: 'put', req: { key: Buffer.from([0xff]), value: b('y'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } });
    h.ok({ kind: 'put', req: { key: Buffer.from([0x7f]), value: b('z'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } });
    const all = h.get('', { rangeEnd: Buffer.from([0]) }).kvs.map((kv) => kv.key.toString('hex'));
    expect(all).toEqual(['61', '6162', '616263', '62', '63', '7f', 'c3a9', 'ff']);
  });

  it('limit sets more, and count is the total before the limit', () => {
    const r = h.get('a', { rangeEnd: b('z'), limit: 2 });
    expect(keys(r.kvs)).toEqual(['a', 'ab']);
    expect(r.more).toBe(true);
    expect(r.count).toBe(5);
    const all = h.get('a', { rangeEnd: b('z'), limit: 5 });
    expect(all.more).toBe(false);
  });

  it('count_only returns the count and no kvs; keys_only drops values', () => {
    const c = h.get('a', { rangeEnd: b('z'), countOnly: true });
    expect(c.kvs).toEqual([]);
    expect(c.count).toBe(5);
    const k = h.get('a', { rangeEnd: b('z'), keysOnly: true });
    expect(k.kvs.map((kv) => kv.value.length)).toEqual([0, 0, 0, 0, 0]);
    expect(k.kvs[0]!.modRevision).toBe(2);
  });

  it('DESCEND by key with a limit returns the last keys (etcd sorts before truncating)', () => {
    const r = h.get('', { rangeEnd: Buffer.from([0]), sortOrder: SortOrder.DESCEND, limit: 2 });
    expect(keys(r.kvs)).toEqual(['c', 'b']);
    expect(r.more).toBe(true);
    expect(r.count).toBe(5);
  });

  it('sorts by other targets ascending by default', () => {
    h.put('a', 'zz'); // a: version 2, mod 7
    const byMod = h.get('', { rangeEnd: Buffer.from([0]), sortTarget: SortTarget.MOD });
    expect(keys(byMod.kvs)).toEqual(['ab', 'abc', 'b', 'c', 'a']);
    const byVersionDesc = h.get('', { rangeEnd: Buffer.from([0]), sortTarget: SortTarget.VERSION, sortOrder: SortOrder.DESCEND });
    expect(keys(byVersionDesc.kvs)[0]).toBe('a');
    const byValue = h.get('', { rangeEnd: Buffer.from([0]), sortTarget: SortTarget.VALUE, sortOrder: SortOrder.ASCEND });
    expect(keys(byValue.kvs)).toEqual(['ab', 'abc', 'b', 'c', 'a']);
  });

  it('min/max mod and create revision filters prune kvs but not count (etcd 3.4)', () => {
    const r = h.get('', { rangeEnd: Buffer.from([0]), minModRevision: 3, maxModRevision: 5 });
    expect(keys(r.kvs)).toEqual(['ab', 'abc', 'b']);
    expect(r.count).toBe(5);
    const c = h.get('', { rangeEnd: Buffer.from([0]), maxCreateRevision: 3, limit: 1 });
    expect(keys(c.kvs)).toEqual(['a']);
    expect(c.more).toBe(true);
  });
});

describe('put options', () => {
  it('prev_kv returns the previous pair; absent for a new key', () => {
    expect(h.put('k', 'v1', { prevKv: true })).toEqual({ kind: 'put' });
    const v = h.put('k', 'v2', { prevKv: true });
    expect(v.kind === 'put' && v.prevKv?.value.toString()).toBe('v1');
  });

  it('ignore_value keeps the value; ignore_lease keeps the lease; both need the key', () => {
    expect(() => h.put('k', '', { ignoreValue: true })).toThrow(Errors.KeyNotFound);
    expect(() => h.put('k', 'x', { ignoreLease: true })).toThrow(Errors.KeyNotFound);
    expect(h.store.currentRevision()).toBe(1);
    h.ok({ kind: 'leaseGrant', req: { id: 7n, ttl: 60 } });
    h.put('k', 'v1', { lease: 7n });
    h.put('k', '', { ignoreValue: true, lease: 7n });
    expect(h.val('k')).toBe('v1');
    expect(h.get('k').kvs[0]!.lease).toBe(7n);
    h.put('k', 'v2', { ignoreLease: true });
    expect(h.get('k').kvs[0]!.lease).toBe(7n);
    // genuine etcd: ignore_value without a lease detaches the key from its lease
    h.put('k', '', { ignoreValue: true });
    expect(h.val('k')).toBe('v2');
    expect(h.get('k').kvs[0]!.lease).toBe(0n);
    expect(h.store.leaseInfo(7n, true)!.keys).toEqual([]);
    h.put('k', 'v3', { lease: 7n });
    expect(h.get('k').kvs[0]!.lease).toBe(7n);
    expect(h.val('k')).toBe('v3');
  });

  it('a put with an unknown lease fails with LeaseNotFound and changes nothing', () => {
    expect(() => h.put('k', 'v', { lease: 99n })).toThrow(Errors.LeaseNotFound);
    expect(h.store.currentRevision()).toBe(1);
  });
});

describe('delete', () => {
  it('deletes a range, counts it, returns prev kvs, in one revision', () => {
    for (const k of ['p/1', 'p/2', 'p/3', 'q']) h.put(k, k);
    const v = h.del('p/', prefixEnd('p/'), true);
    expect(v.kind === 'deleteRange' && v.deleted).toBe(3);
    expect(v.kind === 'deleteRange' && keys(v.prevKvs)).toEqual(['p/1', 'p/2', 'p/3']);
    expect(h.store.currentRevision()).toBe(6);
    expect(keys(h.get('', { rangeEnd: Buffer.from([0]) }).kvs)).toEqual(['q']);
  });
});

describe('consistent index', () => {
  it('advances with every entry, including entries without a command, and skips replayed ones', () => {
    h.store.applyBatch([
      { index: 1, term: 1 },
      { index: 2, term: 1, command: { kind: 'put', req: { key: b('a'), value: b('1'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } } },
    ]);
    expect(h.store.consistentIndex()).toBe(2);
    // replaying index 2 (e.g. after a restart) must not apply it twice
    h.store.applyBatch([{ index: 2, term: 1, command: { kind: 'put', req: { key: b('a'), value: b('again'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } } }]);
    expect(h.val('a')).toBe('1');
    expect(h.store.currentRevision()).toBe(2);
  });

  it('a batch that breaks half-way is rolled back whole, in storage and in memory', () => {
    h.put('before', '1'); // index 1, rev 2
    const broken = { requestPut: { key: undefined as unknown as Buffer, value: b('x'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } };
    expect(() =>
      h.store.applyBatch([
        { index: 2, term: 1, command: { kind: 'put', req: { key: b('a'), value: b('1'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } } },
        { index: 3, term: 1, command: { kind: 'txn', req: { compare: [], success: [{ requestPut: { key: b('b'), value: b('1'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }, broken], failure: [] } } },
      ]),
    ).toThrow();
    expect(h.store.consistentIndex()).toBe(1);
    expect(h.store.currentRevision()).toBe(2);
    expect(h.val('a')).toBeUndefined();
    expect(h.val('b')).toBeUndefined();
    h.index = 1;
    h.put('after', '1');
    expect(h.get('after').kvs[0]!.modRevision).toBe(3);
  });
});
