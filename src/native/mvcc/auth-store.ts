// etcd 3.4's auth store: users, roles, key permissions, the enabled flag and the auth revision,
// applied as replicated commands and persisted in the store's LMDB transaction. Errors and their
// order follow etcd's auth/store.go (checked against genuine etcd 3.4.23 with etcdctl).
//
// Passwords are hashed by the proposer (hashPasswordAsync, bcrypt as Go writes it) so every member
// stores the same bytes; the apply path never hashes (etcd 3.4 hashed inside apply, making members'
// stores differ).
import { Errors } from '../../adapters/errors.js';
import type { DeleteRangeRequest, PutRequest, TxnRequest } from '../../adapters/backend.js';
import type { AuthCommand, AuthQueries, Permission } from './api.js';
import { verifyPasswordAsync, verifyPasswordSync } from './password-hash.js';

export { hashPasswordAsync, hashPasswordSync, hashPasswordSync as hashPassword } from './password-hash.js';

const ROOT = 'root';
const READ = 0;
const WRITE = 1;
const READWRITE = 2;

export interface User {
  name: string;
  hashedPassword: Buffer;
  noPassword: boolean;
  /** Sorted, as etcd keeps them. */
  roles: string[];
}

/** Storage keys: 'u' + name, 'r' + name, and two singletons. */
const ENABLED_KEY = Buffer.from('enabled');
const REVISION_KEY = Buffer.from('revision');
const userKey = (name: string) => Buffer.concat([Buffer.from('u'), Buffer.from(name)]);
const roleKey = (name: string) => Buffer.concat([Buffer.from('r'), Buffer.from(name)]);

export function encodeUser(u: User): Buffer {
  const parts: Buffer[] = [Buffer.from([u.noPassword ? 1 : 0]), u32(u.hashedPassword.length), u.hashedPassword, u32(u.roles.length)];
  for (const r of u.roles) {
    const rb = Buffer.from(r);
    parts.push(u32(rb.length), rb);
  }
  return Buffer.concat(parts);
}

export function decodeUser(name: string, b: Buffer): User {
  let off = 1;
  const pwLen = b.readUInt32LE(off);
  off += 4;
  const hashedPassword = Buffer.from(b.subarray(off, off + pwLen));
  off += pwLen;
  const n = b.readUInt32LE(off);
  off += 4;
  const roles: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32LE(off);
    off += 4;
    roles.push(b.subarray(off, off + len).toString());
    off += len;
  }
  return { name, hashedPassword, noPassword: b[0] === 1, roles };
}

export function encodeRole(perms: Permission[]): Buffer {
  const parts: Buffer[] = [u32(perms.length)];
  for (const p of perms) parts.push(Buffer.from([p.permType]), u32(p.key.length), p.key, u32(p.rangeEnd.length), p.rangeEnd);
  return Buffer.concat(parts);
}

export function decodeRole(b: Buffer): Permission[] {
  const n = b.readUInt32LE(0);
  let off = 4;
  const perms: Permission[] = [];
  for (let i = 0; i < n; i++) {
    const permType = b[off]! as Permission['permType'];
    off += 1;
    const kl = b.readUInt32LE(off);
    off += 4;
    const key = Buffer.from(b.subarray(off, off + kl));
    off += kl;
    const el = b.readUInt32LE(off);
    off += 4;
    const rangeEnd = Buffer.from(b.subarray(off, off + el));
    off += el;
    perms.push({ permType, key, rangeEnd });
  }
  return perms;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n);
  return b;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A half-open interval of keys; `end` undefined = up to infinity. */
interface Interval {
  start: Buffer;
  end: Buffer | undefined;
}

function toInterval(key: Buffer, rangeEnd: Buffer): Interval {
  if (rangeEnd.length === 0) return { start: key, end: Buffer.concat([key, Buffer.from([0])]) }; // the single key
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start: key, end: undefined };
  return { start: key, end: rangeEnd };
}

/** Persistence hook: the store writes these into its LMDB transaction (value undefined = delete). */
export type AuthPersist = (key: Buffer, value: Buffer | undefined) => void;

export class AuthStore implements AuthQueries {
  private readonly users = new Map<string, User>();
  private readonly roles = new Map<string, Permission[]>();
  private enabled = false;
  private revision = 0;
  /** Simple tokens: memory only (etcd's tokenSimple), on every member; lastUsed is this member's clock. */
  private readonly simpleTokens = new Map<string, { user: string; ttlMs: number; lastUsed: number }>();

  constructor(private readonly persist: AuthPersist) {}

  /** Rebuilds from stored entries; a fresh store starts at auth revision 1, as etcd's does. */
  load(entries: Iterable<{ key: Buffer; value: Buffer }>): void {
    this.users.clear();
    this.roles.clear();
    this.enabled = false;
    this.revision = 0;
    for (const { key, value } of entries) {
      if (key.equals(ENABLED_KEY)) this.enabled = value[0] === 1;
      else if (key.equals(REVISION_KEY)) this.revision = value.readDoubleLE(0);
      else if (key[0] === 0x75 /* u */) {
        const name = key.subarray(1).toString();
        this.users.set(name, decodeUser(name, value));
      } else if (key[0] === 0x72 /* r */) this.roles.set(key.subarray(1).toString(), decodeRole(value));
    }
  }

  /** On a fresh store, inside the first write transaction: etcd's NewAuthStore commits revision 1. */
  initialize(): void {
    if (this.revision === 0) this.commitRevision();
  }

  private commitRevision(): void {
    this.revision++;
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleLE(this.revision);
    this.persist(REVISION_KEY, b);
  }

  private putUser(u: User): void {
    this.users.set(u.name, u);
    this.persist(userKey(u.name), encodeUser(u));
  }

  private putRole(name: string, perms: Permission[]): void {
    this.roles.set(name, perms);
    this.persist(roleKey(name), encodeRole(perms));
  }

  apply(cmd: AuthCommand): void {
    switch (cmd.op) {
      case 'authEnable': {
        if (this.enabled) return;
        const root = this.users.get(ROOT);
        if (!root) throw Errors.RootUserNotExist;
        if (!root.roles.includes(ROOT)) throw Errors.RootRoleNotExist;
        this.enabled = true;
        this.persist(ENABLED_KEY, Buffer.from([1]));
        return;
      }
      case 'assignSimpleToken': {
        const now = Date.now();
        // the sweep of tokens unused for their TTL happens here, on each assignment
        for (const [t, e] of this.simpleTokens) if (now - e.lastUsed >= e.ttlMs) this.simpleTokens.delete(t);
        this.simpleTokens.set(cmd.token, { user: cmd.user, ttlMs: cmd.ttlMs, lastUsed: now });
        return;
      }
      case 'authDisable':
        this.simpleTokens.clear(); // etcd's tokenProvider.disable()
        if (!this.enabled) return;
        this.enabled = false;
        this.persist(ENABLED_KEY, Buffer.from([0]));
        this.commitRevision();
        return;
      case 'userAdd':
        if (cmd.name.length === 0) throw Errors.UserEmpty;
        if (this.users.has(cmd.name)) throw Errors.UserAlreadyExist;
        this.putUser({ name: cmd.name, hashedPassword: cmd.noPassword ? Buffer.alloc(0) : cmd.hashedPassword, noPassword: cmd.noPassword, roles: [] });
        this.commitRevision();
        return;
      case 'userDelete':
        if (this.enabled && cmd.name === ROOT) throw Errors.InvalidAuthMgmt;
        if (!this.users.has(cmd.name)) throw Errors.UserNotFound;
        this.users.delete(cmd.name);
        this.persist(userKey(cmd.name), undefined);
        this.invalidateTokensOf(cmd.name);
        this.commitRevision();
        return;
      case 'userChangePassword': {
        const u = this.users.get(cmd.name);
        if (!u) throw Errors.UserNotFound;
        this.putUser({ ...u, hashedPassword: cmd.hashedPassword });
        this.invalidateTokensOf(cmd.name);
        this.commitRevision();
        return;
      }
      case 'userGrantRole': {
        const u = this.users.get(cmd.user);
        if (!u) throw Errors.UserNotFound;
        if (cmd.role !== ROOT && !this.roles.has(cmd.role)) throw Errors.RoleNotFound;
        if (u.roles.includes(cmd.role)) return; // already granted: success, no new revision (etcd)
        this.putUser({ ...u, roles: [...u.roles, cmd.role].sort(byName) });
        this.commitRevision();
        return;
      }
      case 'userRevokeRole': {
        if (this.enabled && cmd.name === ROOT && cmd.role === ROOT) throw Errors.InvalidAuthMgmt;
        const u = this.users.get(cmd.name);
        if (!u) throw Errors.UserNotFound;
        if (!u.roles.includes(cmd.role)) throw Errors.RoleNotGranted;
        this.putUser({ ...u, roles: u.roles.filter((r) => r !== cmd.role) });
        this.commitRevision();
        return;
      }
      case 'roleAdd':
        if (cmd.name.length === 0) throw Errors.RoleEmpty;
        if (this.roles.has(cmd.name)) throw Errors.RoleAlreadyExist;
        this.putRole(cmd.name, []);
        this.commitRevision();
        return;
      case 'roleDelete': {
        if (this.enabled && cmd.role === ROOT) throw Errors.InvalidAuthMgmt;
        if (!this.roles.has(cmd.role)) throw Errors.RoleNotFound;
        this.roles.delete(cmd.role);
        this.persist(roleKey(cmd.role), undefined);
        // etcd 3.4 also takes the deleted role away from every user holding it.
        for (const u of [...this.users.values()]) {
          if (u.roles.includes(cmd.role)) this.putUser({ ...u, roles: u.roles.filter((r) => r !== cmd.role) });
        }
        this.commitRevision();
        return;
      }
      case 'roleGrantPermission': {
        const perms = this.roles.get(cmd.name);
        if (!perms) throw Errors.RoleNotFound;
        const p = cmd.perm;
        const i = perms.findIndex((q) => q.key.equals(p.key) && q.rangeEnd.equals(p.rangeEnd));
        const next = [...perms];
        // The same key and range end: the grant replaces its type (genuine etcd: readwrite then write leaves write).
        if (i >= 0) next[i] = { ...perms[i]!, permType: p.permType };
        else next.push({ permType: p.permType, key: Buffer.from(p.key), rangeEnd: Buffer.from(p.rangeEnd) });
        next.sort((a, b) => Buffer.compare(a.key, b.key));
        this.putRole(cmd.name, next);
        this.commitRevision();
        return;
      }
      case 'roleRevokePermission': {
        const perms = this.roles.get(cmd.role);
        if (!perms) throw Errors.RoleNotFound;
        const next = perms.filter((q) => !(q.key.equals(cmd.key) && q.rangeEnd.equals(cmd.rangeEnd)));
        if (next.length === perms.length) throw Errors.PermissionNotGranted;
        this.putRole(cmd.role, next);
        this.commitRevision();
        return;
      }
    }
  }

  /** etcd's tokenProvider.invalidateUser (UserDelete, UserChangePassword). */
  private invalidateTokensOf(user: string): void {
    for (const [t, e] of this.simpleTokens) if (e.user === user) this.simpleTokens.delete(t);
  }

  // ---- AuthQueries

  simpleTokenUser(token: string, nowMs: number): string | undefined {
    const e = this.simpleTokens.get(token);
    if (!e) return undefined;
    if (nowMs - e.lastUsed >= e.ttlMs) {
      this.simpleTokens.delete(token);
      return undefined;
    }
    e.lastUsed = nowMs;
    return e.user;
  }

  status(): { enabled: boolean; authRevision: number } {
    return { enabled: this.enabled, authRevision: this.revision };
  }

  userGet(name: string): string[] {
    const u = this.users.get(name);
    if (!u) throw Errors.UserNotFound;
    return [...u.roles];
  }

  userList(): string[] {
    return [...this.users.keys()].sort(byName);
  }

  roleGet(role: string): Permission[] {
    const perms = this.roles.get(role);
    if (!perms) throw Errors.RoleNotFound;
    return perms.map((p) => ({ ...p }));
  }

  roleList(): string[] {
    return [...this.roles.keys()].sort(byName);
  }

  checkPassword(name: string, password: string): number {
    const u = this.users.get(name);
    if (!u || u.noPassword || !verifyPasswordSync(u.hashedPassword, password)) throw Errors.AuthFailed;
    return this.revision;
  }

  async checkPasswordAsync(name: string, password: string, signal?: AbortSignal): Promise<number> {
    const u = this.users.get(name);
    if (!u || u.noPassword || !(await verifyPasswordAsync(u.hashedPassword, password, signal))) throw Errors.AuthFailed;
    return this.revision;
  }

  isNoPasswordUser(name: string): boolean {
    return this.users.get(name)?.noPassword ?? false;
  }

  isAdmin(user: string): boolean {
    return this.users.get(user)?.roles.includes(ROOT) ?? false;
  }

  isRangePermitted(user: string, key: Buffer, rangeEnd: Buffer): boolean {
    return this.permitted(user, key, rangeEnd, READ);
  }

  isPutPermitted(user: string, key: Buffer): boolean {
    return this.permitted(user, key, Buffer.alloc(0), WRITE);
  }

  isDeleteRangePermitted(user: string, key: Buffer, rangeEnd: Buffer): boolean {
    return this.permitted(user, key, rangeEnd, WRITE);
  }

  /**
   * etcd's authApplierV3 for Put, DeleteRange and Txn: each permission the request needs is checked
   * (isOpPermitted: no user -> "user name is empty"; the auth store changed since the caller's token
   * was checked -> "revision of auth store is old"; else the key permissions), in etcd's order. A
   * request needing no check (an empty txn) passes. `leaseKeys`: the keys now attached to a lease.
   */
  authorizeAtApply(
    cmd: { kind: 'put'; req: PutRequest } | { kind: 'deleteRange'; req: DeleteRangeRequest } | { kind: 'txn'; req: TxnRequest },
    leaseKeys: (id: bigint) => Buffer[],
  ): void {
    const a = cmd.req.auth;
    if (!a || !this.enabled) return;
    const check = (key: Buffer, rangeEnd: Buffer, type: number): void => {
      if (a.revision === 0) throw Errors.UserEmpty;
      if (a.revision < this.revision) throw Errors.AuthOldRevision;
      if (!this.permitted(a.user, key, rangeEnd, type)) throw Errors.PermissionDenied;
    };
    const none = Buffer.alloc(0);
    switch (cmd.kind) {
      case 'put': {
        const r = cmd.req;
        check(r.key, none, WRITE);
        // checkLeasePuts: attaching to a lease holding keys the caller may not write is refused
        if (r.lease !== 0n) for (const k of leaseKeys(r.lease)) check(k, none, WRITE);
        if (r.prevKv) check(r.key, none, READ);
        return;
      }
      case 'deleteRange':
        check(cmd.req.key, cmd.req.rangeEnd, WRITE);
        if (cmd.req.prevKv) check(cmd.req.key, cmd.req.rangeEnd, READ);
        return;
      case 'txn': {
        const txn = (t: TxnRequest): void => {
          for (const c of t.compare) check(c.key, c.rangeEnd, READ);
          for (const ops of [t.success, t.failure]) {
            for (const op of ops) {
              if (op.requestRange) check(op.requestRange.key, op.requestRange.rangeEnd, READ);
              else if (op.requestPut) check(op.requestPut.key, none, WRITE);
              else if (op.requestDeleteRange) {
                const d = op.requestDeleteRange;
                if (d.prevKv) check(d.key, d.rangeEnd, READ);
                check(d.key, d.rangeEnd, WRITE);
              } else if (op.requestTxn) txn(op.requestTxn); // nested txns too (CVE fix of etcd 3.4.10)
            }
          }
        };
        txn(cmd.req);
        return;
      }
    }
  }

  /** Root may do anything; otherwise the union of the user's roles' intervals of that type must cover the request. */
  private permitted(user: string, key: Buffer, rangeEnd: Buffer, type: number): boolean {
    const u = this.users.get(user);
    if (!u) return false;
    if (u.roles.includes(ROOT)) return true;
    const granted: Interval[] = [];
    for (const r of u.roles) {
      for (const p of this.roles.get(r) ?? []) {
        if (p.permType === READWRITE || p.permType === type) granted.push(toInterval(p.key, p.rangeEnd));
      }
    }
    return covers(granted, toInterval(key, rangeEnd));
  }
}

/** Whether the union of `granted` contains all of `want`. */
function covers(granted: Interval[], want: Interval): boolean {
  granted.sort((a, b) => Buffer.compare(a.start, b.start));
  let reached = want.start; // everything in [want.start, reached) is covered
  for (const g of granted) {
    if (Buffer.compare(g.start, reached) > 0) break; // a gap before g
    if (g.end === undefined) return true;
    if (Buffer.compare(g.end, reached) > 0) reached = g.end;
    if (want.end !== undefined && Buffer.compare(reached, want.end) >= 0) return true;
  }
  return false;
}
