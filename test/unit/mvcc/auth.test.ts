// The auth store as replicated commands: etcd 3.4's errors and their order (checked against
// genuine etcd 3.4.23 with etcdctl), the auth revision, persistence, snapshots, permission checks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Errors } from '../../../src/adapters/errors.js';
import type { AuthCommand } from '../../../src/native/mvcc/api.js';
import { hashPassword } from '../../../src/native/mvcc/auth-store.js';
import { Harness, b } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

const auth = (req: AuthCommand) => h.ok({ kind: 'auth', req });
const q = () => h.store.auth();
const pw = hashPassword('pw'); // hashing is slow on purpose: do it once
const userAdd = (name: string) => auth({ op: 'userAdd', name, hashedPassword: pw, noPassword: false });

describe('users and roles', () => {
  it('a fresh store is disabled at auth revision 1; each change bumps it', () => {
    expect(q().status()).toEqual({ enabled: false, authRevision: 1 });
    userAdd('u1');
    auth({ op: 'roleAdd', name: 'r1' });
    expect(q().status().authRevision).toBe(3);
    expect(q().userList()).toEqual(['u1']);
    expect(q().roleList()).toEqual(['r1']);
    // the KV revision is not touched
    expect(h.store.currentRevision()).toBe(1);
  });

  it('answers etcd\'s errors', () => {
    expect(() => userAdd('')).toThrow(Errors.UserEmpty);
    userAdd('u1');
    expect(() => userAdd('u1')).toThrow(Errors.UserAlreadyExist);
    expect(() => auth({ op: 'userDelete', name: 'nosuch' })).toThrow(Errors.UserNotFound);
    expect(() => auth({ op: 'roleAdd', name: '' })).toThrow(Errors.RoleEmpty);
    auth({ op: 'roleAdd', name: 'r1' });
    expect(() => auth({ op: 'roleAdd', name: 'r1' })).toThrow(Errors.RoleAlreadyExist);
    expect(() => auth({ op: 'userGrantRole', user: 'u1', role: 'nosuch' })).toThrow(Errors.RoleNotFound);
    expect(() => auth({ op: 'userGrantRole', user: 'nobody', role: 'r1' })).toThrow(Errors.UserNotFound);
    expect(() => auth({ op: 'userRevokeRole', name: 'u1', role: 'nosuch' })).toThrow(Errors.RoleNotGranted);
    expect(() => auth({ op: 'roleRevokePermission', role: 'r1', key: b('/zz'), rangeEnd: b('') })).toThrow(Errors.PermissionNotGranted);
    expect(() => q().userGet('nobody')).toThrow(Errors.UserNotFound);
    expect(() => q().roleGet('nosuch')).toThrow(Errors.RoleNotFound);
  });

  it('granting a role twice succeeds without a new revision; deleting a role takes it from its users', () => {
    userAdd('u1');
    auth({ op: 'roleAdd', name: 'r1' });
    auth({ op: 'userGrantRole', user: 'u1', role: 'r1' });
    const rev = q().status().authRevision;
    auth({ op: 'userGrantRole', user: 'u1', role: 'r1' });
    expect(q().status().authRevision).toBe(rev);
    expect(q().userGet('u1')).toEqual(['r1']);
    auth({ op: 'roleDelete', role: 'r1' });
    expect(q().userGet('u1')).toEqual([]);
  });

  it('a permission on the same key and range replaces the earlier type (genuine: readwrite then write -> write)', () => {
    auth({ op: 'roleAdd', name: 'r1' });
    auth({ op: 'roleGrantPermission', name: 'r1', perm: { permType: 2, key: b('/a'), rangeEnd: b('/b') } });
    auth({ op: 'roleGrantPermission', name: 'r1', perm: { permType: 0, key: b('/0'), rangeEnd: b('') } });
    auth({ op: 'roleGrantPermission', name: 'r1', perm: { permType: 1, key: b('/a'), rangeEnd: b('/b') } });
    expect(q().roleGet('r1')).toEqual([
      { permType: 0, key: b('/0'), rangeEnd: b('') },
      { permType: 1, key: b('/a'), rangeEnd: b('/b') },
    ]);
    auth({ op: 'roleRevokePermission', role: 'r1', key: b('/0'), rangeEnd: b('') });
    expect(q().roleGet('r1').length).toBe(1);
  });
});

describe('enable / disable', () => {
  it('needs a root user holding the root role; then root cannot be removed', () => {
    expect(() => auth({ op: 'authEnable' })).toThrow(Errors.RootUserNotExist);
    userAdd('root');
    expect(() => auth({ op: 'authEnable' })).toThrow(Errors.RootRoleNotExist);
    auth({ op: 'roleAdd', name: 'root' });
    auth({ op: 'userGrantRole', user: 'root', role: 'root' });
    const rev = q().status().authRevision;
    auth({ op: 'authEnable' });
    expect(q().status()).toEqual({ enabled: true, authRevision: rev });
    expect(() => auth({ op: 'userDelete', name: 'root' })).toThrow(Errors.InvalidAuthMgmt);
    expect(() => auth({ op: 'roleDelete', role: 'root' })).toThrow(Errors.InvalidAuthMgmt);
    expect(() => auth({ op: 'userRevokeRole', name: 'root', role: 'root' })).toThrow(Errors.InvalidAuthMgmt);
    auth({ op: 'authDisable' });
    expect(q().status()).toEqual({ enabled: false, authRevision: rev + 1 });
  });
});

describe('passwords and permissions', () => {
  it('checks passwords; a no-password user cannot authenticate', () => {
    userAdd('u1');
    auth({ op: 'userAdd', name: 'nopw', hashedPassword: Buffer.alloc(0), noPassword: true });
    expect(q().checkPassword('u1', 'pw')).toBe(q().status().authRevision);
    expect(() => q().checkPassword('u1', 'wrong')).toThrow(Errors.AuthFailed);
    expect(() => q().checkPassword('nobody', 'pw')).toThrow(Errors.AuthFailed);
    expect(() => q().checkPassword('nopw', '')).toThrow(Errors.AuthFailed);
  });

  it('ranges must be covered by the union of the user\'s intervals of the right type; root may do anything', () => {
    userAdd('u1');
    userAdd('admin');
    auth({ op: 'roleAdd', name: 'r1' });
    auth({ op: 'roleAdd', name: 'r2' });
    auth({ op: 'roleAdd', name: 'root' });
    auth({ op: 'roleGrantPermission', name: 'r1', perm: { permType: 0, key: b('a'), rangeEnd: b('c') } });
    auth({ op: 'roleGrantPermission', name: 'r2', perm: { permType: 2, key: b('c'), rangeEnd: b('e') } });
    auth({ op: 'roleGrantPermission', name: 'r2', perm: { permType: 1, key: b('x'), rangeEnd: b('') } });
    auth({ op: 'userGrantRole', user: 'u1', role: 'r1' });
    auth({ op: 'userGrantRole', user: 'u1', role: 'r2' });
    auth({ op: 'userGrantRole', user: 'admin', role: 'root' });
    const a = q();
    expect(a.isRangePermitted('u1', b('a'), b('e'))).toBe(true); // [a,c) read + [c,e) readwrite
    expect(a.isRangePermitted('u1', b('a'), b('f'))).toBe(false);
    expect(a.isRangePermitted('u1', b('b'), b(''))).toBe(true);
    expect(a.isRangePermitted('u1', b('x'), b(''))).toBe(false); // x is write-only
    expect(a.isPutPermitted('u1', b('x'))).toBe(true);
    expect(a.isPutPermitted('u1', b('xy'))).toBe(false);
    expect(a.isPutPermitted('u1', b('b'))).toBe(false);
    expect(a.isDeleteRangePermitted('u1', b('c'), b('d'))).toBe(true);
    expect(a.isRangePermitted('u1', b('a'), Buffer.from([0]))).toBe(false);
    expect(a.isRangePermitted('admin', b(''), Buffer.from([0]))).toBe(true);
    expect(a.isAdmin('admin')).toBe(true);
    expect(a.isAdmin('u1')).toBe(false);
    expect(a.isRangePermitted('nobody', b('a'), b(''))).toBe(false);
  });
});

describe('persistence', () => {
  it('survives restart and travels in snapshots', async () => {
    userAdd('u1');
    auth({ op: 'roleAdd', name: 'r1' });
    auth({ op: 'userGrantRole', user: 'u1', role: 'r1' });
    const status = q().status();
    h.reopen();
    expect(q().status()).toEqual(status);
    expect(q().userGet('u1')).toEqual(['r1']);
    expect(q().checkPassword('u1', 'pw')).toBe(status.authRevision);
    const other = new Harness();
    try {
      other.store.restore(await h.store.snapshotData());
      expect(other.store.auth().userList()).toEqual(['u1']);
      expect(other.store.auth().status()).toEqual(status);
      expect(other.store.hash()).toBe(h.store.hash());
    } finally {
      other.destroy();
    }
  });
});
