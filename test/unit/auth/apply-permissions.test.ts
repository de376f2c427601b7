// Permission checks at apply (etcd 3.4's authApplierV3): a write carries the caller and the auth
// revision its token was checked at, through the raft log (command codec), and the store refuses
// it when the auth store has moved on ("revision of auth store is old") or the permission is gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestAuth, TxnRequest } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import type { AuthCommand, Command } from '../../../src/native/mvcc/api.js';
import { decodeCommand, encodeCommand } from '../../../src/native/mvcc/command.js';
import { hashPasswordSync } from '../../../src/native/mvcc/password-hash.js';
import { Harness, b, op, putReq, delReq, rangeReq } from '../mvcc/harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
  const pw = hashPasswordSync('pw', 4);
  for (const req of [
    { op: 'userAdd', name: 'root', hashedPassword: pw, noPassword: false },
    { op: 'userGrantRole', user: 'root', role: 'root' },
    { op: 'roleAdd', name: 'app' },
    { op: 'roleGrantPermission', name: 'app', perm: { permType: 2, key: b('/app/'), rangeEnd: b('/app0') } },
    { op: 'userAdd', name: 'alice', hashedPassword: pw, noPassword: false },
    { op: 'userGrantRole', user: 'alice', role: 'app' },
    { op: 'authEnable' },
  ] as AuthCommand[]) h.ok({ kind: 'auth', req });
});
afterEach(() => h.destroy());

const rev = () => h.store.auth().status().authRevision;
const as = (user: string, revision = rev()): RequestAuth => ({ user, revision });
const errorOf = (cmd: Command) => {
  const r = h.apply(cmd);
  return r.ok ? undefined : r.error;
};
const txn = (t: Partial<TxnRequest>, auth: RequestAuth): Command => ({ kind: 'txn', req: { compare: [], success: [], failure: [], ...t, auth } });

describe('checks at apply', () => {
  it('a write let in before an auth change is refused as etcd refuses it', () => {
    const seen = as('alice');
    expect(errorOf({ kind: 'put', req: { ...putReq('/app/a', '1'), auth: seen } })).toBeUndefined();
    // an unrelated role change moves the auth revision past what the token was checked at
    h.ok({ kind: 'auth', req: { op: 'roleAdd', name: 'other' } });
    expect(errorOf({ kind: 'put', req: { ...putReq('/app/a', '2'), auth: seen } })).toBe(Errors.AuthOldRevision);
    expect(errorOf(txn({ success: [op.put('/app/a', '3')] }, seen))).toBe(Errors.AuthOldRevision);
    expect(errorOf({ kind: 'deleteRange', req: { ...delReq('/app/a'), auth: seen } })).toBe(Errors.AuthOldRevision);
    expect(h.val('/app/a')).toBe('1');
    // checked again at the new revision, it goes through
    expect(errorOf({ kind: 'put', req: { ...putReq('/app/a', '4'), auth: as('alice') } })).toBeUndefined();
    expect(h.val('/app/a')).toBe('4');
  });

  it('a permission revoked between the check and the apply: the revision says so first', () => {
    const seen = as('alice');
    h.ok({ kind: 'auth', req: { op: 'roleRevokePermission', role: 'app', key: b('/app/'), rangeEnd: b('/app0') } });
    expect(errorOf(txn({ success: [op.put('/app/a', 'x')] }, seen))).toBe(Errors.AuthOldRevision);
    expect(errorOf(txn({ success: [op.put('/app/a', 'x')] }, as('alice')))).toBe(Errors.PermissionDenied);
    expect(h.val('/app/a')).toBeUndefined();
  });

  it('no user (revision 0) is "user name is empty"; an unknown user is denied; root passes', () => {
    expect(errorOf({ kind: 'put', req: { ...putReq('/app/a', '1'), auth: { user: '', revision: 0 } } })).toBe(Errors.UserEmpty);
    expect(errorOf({ kind: 'put', req: { ...putReq('/app/a', '1'), auth: as('ghost') } })).toBe(Errors.PermissionDenied);
    expect(errorOf({ kind: 'put', req: { ...putReq('/anything', '1'), auth: as('root') } })).toBeUndefined();
  });

  it('txn: compares, every branch and nested txns need their permissions (not just the branch taken)', () => {
    const alice = as('alice');
    expect(errorOf(txn({ compare: [{ result: 0, target: 0, key: b('/secret'), rangeEnd: b(''), version: 0 }], success: [op.put('/app/a', '1')] }, alice))).toBe(Errors.PermissionDenied);
    expect(errorOf(txn({ success: [op.put('/app/a', '1')], failure: [op.put('/secret', 's')] }, alice))).toBe(Errors.PermissionDenied);
    const nested: TxnRequest = { compare: [], success: [op.put('/secret', 's')], failure: [] };
    expect(errorOf(txn({ success: [{ requestTxn: nested }] }, alice))).toBe(Errors.PermissionDenied);
    expect(errorOf(txn({ success: [{ requestRange: rangeReq('/secret') }] }, alice))).toBe(Errors.PermissionDenied);
    expect(h.val('/secret')).toBeUndefined();
    // an empty txn needs no permission, so it is not refused for an old revision either (as etcd)
    h.ok({ kind: 'auth', req: { op: 'roleAdd', name: 'other' } });
    expect(errorOf(txn({}, alice))).toBeUndefined();
  });

  it('put: prev_kv needs read; a lease holding a key the caller may not write cannot be attached', () => {
    h.ok({ kind: 'auth', req: { op: 'roleAdd', name: 'wo' } });
    h.ok({ kind: 'auth', req: { op: 'roleGrantPermission', name: 'wo', perm: { permType: 1, key: b('/wo'), rangeEnd: b('') } } });
    h.ok({ kind: 'auth', req: { op: 'userGrantRole', user: 'alice', role: 'wo' } });
    expect(errorOf({ kind: 'put', req: { ...putReq('/wo', '1'), auth: as('alice') } })).toBeUndefined();
    expect(errorOf({ kind: 'put', req: { ...putReq('/wo', '1', { prevKv: true }), auth: as('alice') } })).toBe(Errors.PermissionDenied);
    h.ok({ kind: 'leaseGrant', req: { id: 7n, ttl: 60 } });
    h.put('/secret', 's', { lease: 7n });
    expect(errorOf({ kind: 'put', req: { ...putReq('/app/l', '1', { lease: 7n }), auth: as('alice') } })).toBe(Errors.PermissionDenied);
    expect(h.val('/app/l')).toBeUndefined();
  });

  it('with auth disabled since, nothing is checked (etcd\'s isOpPermitted)', () => {
    const seen = as('alice');
    h.ok({ kind: 'auth', req: { op: 'authDisable' } });
    expect(errorOf({ kind: 'put', req: { ...putReq('/secret', '1'), auth: seen } })).toBeUndefined();
  });
});

describe('the auth info in the raft log', () => {
  it('round-trips on put, deleteRange and txn, and is absent when not given', () => {
    const auth = { user: 'alice', revision: 12345 };
    for (const cmd of [
      { kind: 'put', req: { ...putReq('/k', 'v', { lease: 5n }), auth } },
      { kind: 'deleteRange', req: { ...delReq('/k', '/l', true), auth } },
      { kind: 'txn', req: { compare: [], success: [op.put('/k', 'v')], failure: [op.del('/k')], auth } },
    ] as Command[]) {
      const back = decodeCommand(encodeCommand(cmd)) as typeof cmd & { req: { auth?: RequestAuth } };
      expect(back.req.auth).toEqual(auth);
      expect(back).toEqual(cmd);
    }
    const plain = decodeCommand(encodeCommand({ kind: 'put', req: putReq('/k', 'v') })) as { req: object };
    expect('auth' in plain.req).toBe(false);
  });
});
