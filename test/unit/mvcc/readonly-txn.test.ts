// Read-only txns served outside the log (store.readOnlyTxn): the same answer the apply path gives
// for the same txn at the same state — branch, responses, revision, errors — without a new
// revision or a write; and etcd's read-path auth check right before the read.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, type RequestAuth, type TxnRequest } from '../../../src/adapters/backend.js';
import { Errors, EtcdError } from '../../../src/adapters/errors.js';
import type { ApplyResult, AuthCommand } from '../../../src/native/mvcc/api.js';
import { hashPasswordSync } from '../../../src/native/mvcc/password-hash.js';
import { txnIsReadOnly, txnIsSerializable } from '../../../src/native/mvcc/txn-kind.js';
import { Harness, b, cmp, op, prefixEnd } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
  h.put('/a', '1');
  h.put('/b', '2');
  h.put('/a', '3');
  h.del('/b');
  h.put('/c/1', 'x');
  h.put('/c/2', 'y');
});
afterEach(() => h.destroy());

const txn = (t: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...t });

/** What the log path answers for `req`, then undone: the apply of a read-only txn writes nothing. */
function viaApply(req: TxnRequest): ApplyResult {
  return h.apply({ kind: 'txn', req });
}
function viaRead(req: TxnRequest): ApplyResult {
  try {
    const r = h.store.readOnlyTxn(req);
    return { ok: true, revision: r.revision, value: { kind: 'txn', succeeded: r.succeeded, responses: r.responses } };
  } catch (err) {
    if (err instanceof EtcdError) return { ok: false, revision: h.store.currentRevision(), error: err };
    throw err;
  }
}

describe('read-only txn outside the log', () => {
  const shapes: [string, () => TxnRequest][] = [
    ['no compare, one range', () => txn({ success: [op.get('/a')] })],
    ['compare true: success branch', () => txn({ compare: [cmp('/a', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('3') })], success: [op.get('/a')], failure: [op.get('/c/', { rangeEnd: b(prefixEnd('/c/')) })] })],
    ['compare false: failure branch', () => txn({ compare: [cmp('/a', CompareTarget.VERSION, CompareResult.GREATER, { version: 5 })], success: [op.get('/a')], failure: [op.get('/c/', { rangeEnd: b(prefixEnd('/c/')), limit: 1 })] })],
    ['missing key compares: value fails, mod 0 holds', () => txn({ compare: [cmp('/zz', CompareTarget.MOD, CompareResult.EQUAL, { modRevision: 0 })], success: [op.get('/zz'), op.get('/b')] })],
    ['range at an old revision, count only, keys only', () => txn({ success: [op.get('/b', { revision: 2 }), op.get('/c/', { rangeEnd: b(prefixEnd('/c/')), countOnly: true }), op.get('/a', { keysOnly: true })] })],
    ['compares only, no ops', () => txn({ compare: [cmp('/a', CompareTarget.CREATE, CompareResult.LESS, { createRevision: 2 })] })],
    ['range at a future revision', () => txn({ success: [op.get('/a', { revision: 99 })] })],
    ['future revision in the branch not taken is not checked', () => txn({ compare: [cmp('/a', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('3') })], success: [op.get('/a')], failure: [op.get('/a', { revision: 99 })] })],
  ];
  for (const [name, make] of shapes) {
    it(`${name}: the same answer as through the log`, () => {
      const rev = h.store.currentRevision();
      const read = viaRead(make());
      const applied = viaApply(make());
      expect(read).toEqual(applied);
      expect(h.store.currentRevision()).toBe(rev);
    });
  }

  it('a range at a compacted revision fails the txn with etcd error, as through the log', () => {
    h.ok({ kind: 'compaction', req: { revision: 5, physical: false } });
    const req = () => txn({ success: [op.get('/a'), op.get('/a', { revision: 3 })] });
    const read = viaRead(req());
    expect(read.ok).toBe(false);
    expect(!read.ok && read.error.message).toBe(Errors.Compacted.message);
    expect(read).toEqual(viaApply(req()));
    expect(viaRead(txn({ success: [op.get('/a', { revision: 5 })] })).ok).toBe(true);
  });

  it('the answer sees the latest applied write and moves no revision itself', () => {
    const before = viaRead(txn({ success: [op.get('/a')] }));
    h.put('/a', '4');
    const after = viaRead(txn({ success: [op.get('/a')] }));
    expect(after.ok && before.ok && after.revision).toBe(before.ok ? before.revision + 1 : -1);
    const v = after.ok && after.value.kind === 'txn' ? after.value.responses[0]!.responseRange!.kvs[0]!.value.toString() : '';
    expect(v).toBe('4');
  });

  it('refuses a txn with a write (nested txns count as writes, as etcd isTxnReadonly)', () => {
    expect(() => h.store.readOnlyTxn(txn({ success: [op.put('/a', '9')] }))).toThrow(/through the log/);
    expect(() => h.store.readOnlyTxn(txn({ success: [op.txn({ success: [op.get('/a')] })] }))).toThrow(/through the log/);
    expect(h.val('/a')).toBe('3');
  });
});

describe('txn kinds (etcd isTxnReadonly / isTxnSerializable)', () => {
  it('classifies', () => {
    expect(txnIsReadOnly(txn({ success: [op.get('/a')], failure: [op.get('/b')] }))).toBe(true);
    expect(txnIsReadOnly(txn({ success: [op.get('/a')], failure: [op.del('/b')] }))).toBe(false);
    expect(txnIsReadOnly(txn({ success: [op.txn({ success: [op.get('/a')] })] }))).toBe(false);
    expect(txnIsSerializable(txn({ success: [op.get('/a', { serializable: true })] }))).toBe(true);
    expect(txnIsSerializable(txn({ success: [op.get('/a', { serializable: true })], failure: [op.get('/a')] }))).toBe(false);
    expect(txnIsSerializable(txn({}))).toBe(true);
  });
});

describe('auth on the read path (etcd doSerialize)', () => {
  beforeEach(() => {
    const pw = hashPasswordSync('pw', 4);
    for (const req of [
      { op: 'userAdd', name: 'root', hashedPassword: pw, noPassword: false },
      { op: 'userGrantRole', user: 'root', role: 'root' },
      { op: 'roleAdd', name: 'app' },
      { op: 'roleGrantPermission', name: 'app', perm: { permType: 0, key: b('/a'), rangeEnd: b('') } },
      { op: 'userAdd', name: 'alice', hashedPassword: pw, noPassword: false },
      { op: 'userGrantRole', user: 'alice', role: 'app' },
      { op: 'authEnable' },
    ] as AuthCommand[]) h.ok({ kind: 'auth', req });
  });
  const as = (user: string): RequestAuth => ({ user, revision: h.store.auth().status().authRevision });

  it('permitted reads pass; a key without read permission is denied; a changed auth store is "old revision"', () => {
    const seen = as('alice');
    expect(viaRead({ ...txn({ success: [op.get('/a')] }), auth: seen }).ok).toBe(true);
    const denied = viaRead({ ...txn({ success: [op.get('/a')], failure: [op.get('/c/1')] }), auth: seen });
    expect(!denied.ok && denied.error).toBe(Errors.PermissionDenied);
    const cmpDenied = viaRead({ ...txn({ compare: [cmp('/c/1', CompareTarget.VERSION, CompareResult.EQUAL, { version: 1 })], success: [op.get('/a')] }), auth: seen });
    expect(!cmpDenied.ok && cmpDenied.error).toBe(Errors.PermissionDenied);
    h.ok({ kind: 'auth', req: { op: 'roleAdd', name: 'other' } });
    const stale = viaRead({ ...txn({ success: [op.get('/a')] }), auth: seen });
    expect(!stale.ok && stale.error).toBe(Errors.AuthOldRevision);
    expect(viaRead({ ...txn({ success: [op.get('/c/1')] }), auth: as('root') }).ok).toBe(true);
  });
});
