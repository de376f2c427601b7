// Txn semantics of etcd 3.4: compares (single key and ranges, missing keys), branches, nested
// txns, one revision per txn with increasing sub revisions, reads seeing the txn's own writes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompareResult as R, CompareTarget as T } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import type { ApplyValue } from '../../../src/native/mvcc/api.js';
import { Harness, b, cmp, keys, op, prefixEnd } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

function txnOf(v: ApplyValue) {
  if (v.kind !== 'txn') throw new Error(`not a txn result: ${v.kind}`);
  return v;
}

describe('compares', () => {
  beforeEach(() => {
    h.put('a', '1'); // rev 2
    h.put('a', '2'); // rev 3, version 2
    h.put('b', 'x'); // rev 4
  });

  const succeeded = (...compare: ReturnType<typeof cmp>[]) => txnOf(h.txn({ compare })).succeeded;

  it('targets VERSION, CREATE, MOD, VALUE, LEASE with each result', () => {
    expect(succeeded(cmp('a', T.VERSION, R.EQUAL, { version: 2 }))).toBe(true);
    expect(succeeded(cmp('a', T.CREATE, R.EQUAL, { createRevision: 2 }))).toBe(true);
    expect(succeeded(cmp('a', T.MOD, R.GREATER, { modRevision: 2 }))).toBe(true);
    expect(succeeded(cmp('a', T.MOD, R.LESS, { modRevision: 3 }))).toBe(false);
    expect(succeeded(cmp('a', T.VALUE, R.EQUAL, { value: b('2') }))).toBe(true);
    expect(succeeded(cmp('a', T.VALUE, R.NOT_EQUAL, { value: b('2') }))).toBe(false);
    expect(succeeded(cmp('a', T.VALUE, R.GREATER, { value: b('10') }))).toBe(true); // bytes: "2" > "10"
    expect(succeeded(cmp('a', T.LEASE, R.EQUAL, { lease: 0n }))).toBe(true);
  });

  it('a missing key compares as zeros, but a value compare on it always fails (genuine etcd)', () => {
    expect(succeeded(cmp('nokey', T.VERSION, R.EQUAL, { version: 0 }))).toBe(true);
    expect(succeeded(cmp('nokey', T.MOD, R.LESS, { modRevision: 100 }))).toBe(true);
    expect(succeeded(cmp('nokey', T.CREATE, R.EQUAL, { createRevision: 0 }))).toBe(true);
    expect(succeeded(cmp('nokey', T.VALUE, R.NOT_EQUAL, { value: b('x') }))).toBe(false);
    expect(succeeded(cmp('nokey', T.VALUE, R.EQUAL, { value: b('') }))).toBe(false);
  });

  it('an unset target value compares as its zero value', () => {
    expect(succeeded(cmp('a', T.VERSION, R.GREATER, {}))).toBe(true);
    expect(succeeded(cmp('nokey', T.VERSION, R.EQUAL, {}))).toBe(true);
  });

  it('a range compare holds only when every key in the range satisfies it', () => {
    const range = (v: number, result: R) => ({ ...cmp('a', T.MOD, result, { modRevision: v }), rangeEnd: b('c') });
    expect(succeeded(range(1, R.GREATER))).toBe(true);
    expect(succeeded(range(3, R.GREATER))).toBe(false); // a is at 3
    expect(succeeded(range(5, R.LESS))).toBe(true);
  });

  it('all compares must hold (AND)', () => {
    expect(succeeded(cmp('a', T.VERSION, R.EQUAL, { version: 2 }), cmp('b', T.VALUE, R.EQUAL, { value: b('x') }))).toBe(true);
    expect(succeeded(cmp('a', T.VERSION, R.EQUAL, { version: 2 }), cmp('b', T.VALUE, R.EQUAL, { value: b('y') }))).toBe(false);
  });
});

describe('execution', () => {
  it('runs the success or failure branch, all writes in one main revision', () => {
    h.put('x', '0'); // rev 2
    const v = txnOf(
      h.txn({
        compare: [cmp('x', T.VALUE, R.EQUAL, { value: b('0') })],
        success: [op.put('p/1', 'a'), op.put('p/2', 'b'), op.del('x')],
        failure: [op.put('fail', '1')],
      }),
    );
    expect(v.succeeded).toBe(true);
    expect(h.store.currentRevision()).toBe(3);
    const kvs = h.get('p/', { rangeEnd: b(prefixEnd('p/')) }).kvs;
    expect(kvs.map((kv) => kv.modRevision)).toEqual([3, 3]);
    expect(h.val('x')).toBeUndefined();
    expect(h.val('fail')).toBeUndefined();
    const f = txnOf(h.txn({ compare: [cmp('x', T.VALUE, R.EQUAL, { value: b('0') })], success: [op.put('s', '1')], failure: [op.put('fail', '1')] }));
    expect(f.succeeded).toBe(false);
    expect(h.val('fail')).toBe('1');
    expect(h.val('s')).toBeUndefined();
  });

  it('reads inside the txn see its earlier writes; response headers carry the revision etcd reports', () => {
    h.put('a', '1'); // rev 2
    h.put('b', '1'); // rev 3
    const v = txnOf(h.txn({ success: [op.get('b'), op.put('d', '4'), op.get('d'), op.del('zz')] }));
    // genuine etcd 3.4.23: range before the write -> 3, put -> 4, range after -> 4 (and sees d), del -> 4
    expect(v.responses.map((r) => (r.responseRange ?? r.responsePut ?? r.responseDeleteRange)!.header.revision)).toEqual([3, 4, 4, 4]);
    expect(keys(v.responses[2]!.responseRange!.kvs)).toEqual(['d']);
    expect(v.responses[3]!.responseDeleteRange!.deleted).toBe(0);
  });

  it('a txn with only reads, or whose writes change nothing, does not bump the revision', () => {
    h.put('a', '1');
    txnOf(h.txn({ success: [op.get('a'), op.get('b')] }));
    expect(h.store.currentRevision()).toBe(2);
    txnOf(h.txn({ success: [op.del('nothing')] }));
    expect(h.store.currentRevision()).toBe(2);
  });

  it('a put and a later range of the same txn give increasing sub revisions (events in order)', () => {
    const v = txnOf(h.txn({ success: [op.put('k1', 'a'), op.put('k2', 'b'), op.del('k1')] }));
    expect(v.succeeded).toBe(true);
    expect(h.store.currentRevision()).toBe(2);
    expect(h.val('k1')).toBeUndefined();
    expect(h.get('k2').kvs[0]!.modRevision).toBe(2);
  });

  it('nested txns: their compares are decided against the state before the outer txn (etcd 3.4)', () => {
    h.put('a', '1'); // rev 2
    const v = txnOf(
      h.txn({
        success: [
          op.put('a', '2'),
          op.txn({
            compare: [cmp('a', T.VALUE, R.EQUAL, { value: b('1') })], // true before the txn
            success: [op.put('inner', 'yes'), op.get('a')],
            failure: [op.put('inner', 'no')],
          }),
        ],
      }),
    );
    expect(h.val('inner')).toBe('yes');
    const nested = v.responses[1]!.responseTxn!;
    expect(nested.succeeded).toBe(true);
    expect(nested.responses[1]!.responseRange!.kvs[0]!.value.toString()).toBe('2');
    expect(h.store.currentRevision()).toBe(3);
  });

  it('put preconditions fail the whole txn before any write (lease, ignore_value)', () => {
    h.put('a', '1');
    expect(() => h.txn({ success: [op.put('b', '1'), op.put('c', '1', { lease: 42n })] })).toThrow(Errors.LeaseNotFound);
    expect(() => h.txn({ success: [op.put('b', '1'), op.put('missing', '', { ignoreValue: true })] })).toThrow(Errors.KeyNotFound);
    expect(h.val('b')).toBeUndefined();
    expect(h.store.currentRevision()).toBe(2);
  });

  it('a range at a compacted or future revision fails the whole txn', () => {
    h.put('a', '1');
    h.put('a', '2');
    h.ok({ kind: 'compaction', req: { revision: 3, physical: true } });
    expect(() => h.txn({ success: [op.put('b', '1'), op.get('a', { revision: 2 })] })).toThrow(Errors.Compacted);
    expect(() => h.txn({ success: [op.get('a', { revision: 9 })] })).toThrow(Errors.FutureRev);
    expect(h.val('b')).toBeUndefined();
  });

  it('prev_kv inside a txn', () => {
    h.put('a', 'old');
    const v = txnOf(h.txn({ success: [op.put('a', 'new', { prevKv: true })] }));
    expect(v.responses[0]!.responsePut!.prevKv!.value.toString()).toBe('old');
  });
});
