// The binary codec of replicated commands (the raft entry payload). Hand-written because put is on
// the hot path: one tag byte, a flags byte, varint lengths, raw bytes; no JSON, no protobuf.
// Decoded Buffers are copies, so the caller may reuse the entry buffer afterwards.
// The keyspace of each op (DESIGN.md, "One keyspace, two views") rides in a spare bit of the flags
// byte each request already has (put, delete, range, compare's presence byte): entries logged
// before the bit existed decode as 'user', and a user put costs nothing more than before.
import type {
  AlarmRequest,
  AlarmAction,
  AlarmType,
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  LeaseGrantRequest,
  PutRequest,
  RangeRequest,
  RequestAuth,
  RequestOp,
  SortOrder,
  SortTarget,
  TxnRequest,
} from '../../adapters/backend.js';
import type { AuthCommand, Command, Permission } from './api.js';

const Tag = {
  put: 1,
  deleteRange: 2,
  txn: 3,
  compaction: 4,
  leaseGrant: 5,
  leaseRevoke: 6,
  leaseCheckpoint: 7,
  alarm: 8,
  noop: 9,
  auth: 10,
  restore: 11,
} as const;

const AuthOps = [
  'authEnable',
  'authDisable',
  'userAdd',
  'userDelete',
  'userChangePassword',
  'userGrantRole',
  'userRevokeRole',
  'roleAdd',
  'roleDelete',
  'roleGrantPermission',
  'roleRevokePermission',
  'assignSimpleToken', // appended: tags of logged entries stay valid
] as const;

const OpTag = { range: 1, put: 2, deleteRange: 3, txn: 4 } as const;

/** The optional last byte of a leaseGrant: the lease belongs to the system keyspace. */
const LEASE_SYSTEM = 1;
/** The optional last byte of a leaseRevoke: the keyspace the client named. */
const REVOKE_USER = 1;
const REVOKE_SYSTEM = 2;

const EMPTY = Buffer.alloc(0);

class Writer {
  buf: Buffer;
  pos = 0;
  /** `headroom`: bytes left free before the command for the caller's header (see encodeCommand). */
  constructor(size: number, headroom = 0) {
    this.buf = Buffer.allocUnsafe(headroom + size);
    this.pos = headroom;
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  /** Unsigned LEB128 for non-negative integers up to 2^53 (arithmetic, not bitwise, above 2^31). */
  uint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  /** Signed integers (zigzag), for fields a client may send negative (limit, revision, ttl). */
  int(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(data: Uint8Array) {
    this.buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  u8(): number {
    if (this.pos >= this.buf.length) throw new Error('mvcc command: truncated');
    return this.buf[this.pos++]!;
  }
  uint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }
  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  i64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new Error('mvcc command: truncated');
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new Error('mvcc command: truncated');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.uint();
    if (n === 0) return EMPTY;
    if (this.pos + n > this.buf.length) throw new Error('mvcc command: truncated');
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

// ---- requests ----

const PUT_PREV_KV = 1;
const PUT_IGNORE_VALUE = 2;
const PUT_IGNORE_LEASE = 4;
const PUT_HAS_LEASE = 8;
const PUT_SYSTEM = 16;

function writePut(w: Writer, r: PutRequest): void {
  const hasLease = r.lease !== 0n;
  w.u8(
    (r.prevKv ? PUT_PREV_KV : 0) |
      (r.ignoreValue ? PUT_IGNORE_VALUE : 0) |
      (r.ignoreLease ? PUT_IGNORE_LEASE : 0) |
      (hasLease ? PUT_HAS_LEASE : 0) |
      (r.keyspace === 'system' ? PUT_SYSTEM : 0),
  );
  w.bytes(r.key);
  w.bytes(r.value);
  if (hasLease) w.i64(r.lease);
}
function readPut(r: Reader): PutRequest {
  const f = r.u8();
  const key = r.bytes();
  const value = r.bytes();
  const req: PutRequest = {
    key,
    value,
    lease: f & PUT_HAS_LEASE ? r.i64() : 0n,
    prevKv: (f & PUT_PREV_KV) !== 0,
    ignoreValue: (f & PUT_IGNORE_VALUE) !== 0,
    ignoreLease: (f & PUT_IGNORE_LEASE) !== 0,
  };
  // Only system puts carry the field: user puts keep the shape (and hidden class) they always had.
  if (f & PUT_SYSTEM) req.keyspace = 'system';
  return req;
}

const DELETE_PREV_KV = 1;
const DELETE_SYSTEM = 2;

function writeDelete(w: Writer, r: DeleteRangeRequest): void {
  w.u8((r.prevKv ? DELETE_PREV_KV : 0) | (r.keyspace === 'system' ? DELETE_SYSTEM : 0));
  w.bytes(r.key);
  w.bytes(r.rangeEnd);
}
function readDelete(r: Reader): DeleteRangeRequest {
  const f = r.u8();
  const req: DeleteRangeRequest = { prevKv: (f & DELETE_PREV_KV) !== 0, key: r.bytes(), rangeEnd: r.bytes() };
  if (f & DELETE_SYSTEM) req.keyspace = 'system';
  return req;
}

const RANGE_SYSTEM = 8;

function writeRange(w: Writer, r: RangeRequest): void {
  w.u8((r.serializable ? 1 : 0) | (r.keysOnly ? 2 : 0) | (r.countOnly ? 4 : 0) | (r.keyspace === 'system' ? RANGE_SYSTEM : 0));
  w.bytes(r.key);
  w.bytes(r.rangeEnd);
  w.int(r.limit);
  w.int(r.revision);
  w.u8(r.sortOrder);
  w.u8(r.sortTarget);
  w.int(r.minModRevision);
  w.int(r.maxModRevision);
  w.int(r.minCreateRevision);
  w.int(r.maxCreateRevision);
}
function readRange(r: Reader): RangeRequest {
  const f = r.u8();
  const req: RangeRequest = {
    serializable: (f & 1) !== 0,
    keysOnly: (f & 2) !== 0,
    countOnly: (f & 4) !== 0,
    key: r.bytes(),
    rangeEnd: r.bytes(),
    limit: r.int(),
    revision: r.int(),
    sortOrder: r.u8() as SortOrder,
    sortTarget: r.u8() as SortTarget,
    minModRevision: r.int(),
    maxModRevision: r.int(),
    minCreateRevision: r.int(),
    maxCreateRevision: r.int(),
  };
  if (f & RANGE_SYSTEM) req.keyspace = 'system';
  return req;
}

// Which optional member of a Compare's target union is present.
const CMP_VERSION = 1;
const CMP_CREATE = 2;
const CMP_MOD = 4;
const CMP_VALUE = 8;
const CMP_LEASE = 16;
/** Not a target member: the compare reads the system keyspace. */
const CMP_SYSTEM = 32;

function writeCompare(w: Writer, c: Compare): void {
  w.u8(c.result);
  w.u8(c.target);
  w.bytes(c.key);
  w.bytes(c.rangeEnd);
  const present =
    (c.version !== undefined ? CMP_VERSION : 0) |
    (c.createRevision !== undefined ? CMP_CREATE : 0) |
    (c.modRevision !== undefined ? CMP_MOD : 0) |
    (c.value !== undefined ? CMP_VALUE : 0) |
    (c.lease !== undefined ? CMP_LEASE : 0) |
    (c.keyspace === 'system' ? CMP_SYSTEM : 0);
  w.u8(present);
  if (c.version !== undefined) w.int(c.version);
  if (c.createRevision !== undefined) w.int(c.createRevision);
  if (c.modRevision !== undefined) w.int(c.modRevision);
  if (c.value !== undefined) w.bytes(c.value);
  if (c.lease !== undefined) w.i64(c.lease);
}
function readCompare(r: Reader): Compare {
  const c: Compare = {
    result: r.u8() as CompareResult,
    target: r.u8() as CompareTarget,
    key: r.bytes(),
    rangeEnd: r.bytes(),
  };
  const present = r.u8();
  if (present & CMP_VERSION) c.version = r.int();
  if (present & CMP_CREATE) c.createRevision = r.int();
  if (present & CMP_MOD) c.modRevision = r.int();
  if (present & CMP_VALUE) c.value = r.bytes();
  if (present & CMP_LEASE) c.lease = r.i64();
  if (present & CMP_SYSTEM) c.keyspace = 'system';
  return c;
}

function writeOps(w: Writer, ops: RequestOp[]): void {
  w.uint(ops.length);
  for (const op of ops) {
    if (op.requestRange) {
      w.u8(OpTag.range);
      writeRange(w, op.requestRange);
    } else if (op.requestPut) {
      w.u8(OpTag.put);
      writePut(w, op.requestPut);
    } else if (op.requestDeleteRange) {
      w.u8(OpTag.deleteRange);
      writeDelete(w, op.requestDeleteRange);
    } else if (op.requestTxn) {
      w.u8(OpTag.txn);
      writeTxn(w, op.requestTxn);
    } else {
      w.u8(0); // an empty oneof: etcd skips it
    }
  }
}
function readOps(r: Reader): RequestOp[] {
  const n = r.uint();
  const ops: RequestOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = r.u8();
    switch (t) {
      case OpTag.range:
        ops[i] = { requestRange: readRange(r) };
        break;
      case OpTag.put:
        ops[i] = { requestPut: readPut(r) };
        break;
      case OpTag.deleteRange:
        ops[i] = { requestDeleteRange: readDelete(r) };
        break;
      case OpTag.txn:
        ops[i] = { requestTxn: readTxn(r) };
        break;
      default:
        ops[i] = {};
    }
  }
  return ops;
}

// ---- the caller's auth info (etcd's RequestHeader username + auth_revision) ----
// Appended after a top-level put, deleteRange or txn when the request carries it: entries logged
// without it (and every request with auth disabled) end where they always did.

const AUTH_TRAILER = 0xa1;

function writeRequestAuth(w: Writer, a: RequestAuth | undefined): void {
  if (!a) return;
  w.u8(AUTH_TRAILER);
  w.bytes(Buffer.from(a.user));
  w.uint(a.revision);
}
function readRequestAuth<T extends { auth?: RequestAuth }>(r: Reader, req: T): T {
  if (r.pos < r.buf.length && r.u8() === AUTH_TRAILER) req.auth = { user: r.bytes().toString(), revision: r.uint() };
  return req;
}

function writeTxn(w: Writer, t: TxnRequest): void {
  w.uint(t.compare.length);
  for (const c of t.compare) writeCompare(w, c);
  writeOps(w, t.success);
  writeOps(w, t.failure);
}
function readTxn(r: Reader): TxnRequest {
  const n = r.uint();
  const compare: Compare[] = new Array(n);
  for (let i = 0; i < n; i++) compare[i] = readCompare(r);
  return { compare, success: readOps(r), failure: readOps(r) };
}

// ---- auth ----

function writeAuth(w: Writer, a: AuthCommand): void {
  w.u8(AuthOps.indexOf(a.op));
  const str = (v: string) => w.bytes(Buffer.from(v));
  switch (a.op) {
    case 'authEnable':
    case 'authDisable':
      return;
    case 'userAdd':
      str(a.name);
      w.bytes(a.hashedPassword);
      w.u8(a.noPassword ? 1 : 0);
      return;
    case 'userDelete':
      str(a.name);
      return;
    case 'userChangePassword':
      str(a.name);
      w.bytes(a.hashedPassword);
      return;
    case 'userGrantRole':
      str(a.user);
      str(a.role);
      return;
    case 'userRevokeRole':
      str(a.name);
      str(a.role);
      return;
    case 'roleAdd':
      str(a.name);
      return;
    case 'roleDelete':
      str(a.role);
      return;
    case 'roleGrantPermission':
      str(a.name);
      w.u8(a.perm.permType);
      w.bytes(a.perm.key);
      w.bytes(a.perm.rangeEnd);
      return;
    case 'roleRevokePermission':
      str(a.role);
      w.bytes(a.key);
      w.bytes(a.rangeEnd);
      return;
    case 'assignSimpleToken':
      str(a.token);
      str(a.user);
      w.uint(a.ttlMs);
      return;
  }
}

function readAuth(r: Reader): AuthCommand {
  const op = AuthOps[r.u8()];
  const str = () => r.bytes().toString();
  switch (op) {
    case 'authEnable':
    case 'authDisable':
      return { op };
    case 'userAdd': {
      const name = str();
      const hashedPassword = r.bytes();
      return { op, name, hashedPassword, noPassword: r.u8() === 1 };
    }
    case 'userDelete':
      return { op, name: str() };
    case 'userChangePassword': {
      const name = str();
      return { op, name, hashedPassword: r.bytes() };
    }
    case 'userGrantRole': {
      const user = str();
      return { op, user, role: str() };
    }
    case 'userRevokeRole': {
      const name = str();
      return { op, name, role: str() };
    }
    case 'roleAdd':
      return { op, name: str() };
    case 'roleDelete':
      return { op, role: str() };
    case 'roleGrantPermission': {
      const name = str();
      const permType = r.u8() as Permission['permType'];
      const key = r.bytes();
      return { op, name, perm: { permType, key, rangeEnd: r.bytes() } };
    }
    case 'roleRevokePermission': {
      const role = str();
      const key = r.bytes();
      return { op, role, key, rangeEnd: r.bytes() };
    }
    case 'assignSimpleToken': {
      const token = str();
      const user = str();
      return { op, token, user, ttlMs: r.uint() };
    }
    default:
      throw new Error('mvcc command: unknown auth op');
  }
}

// ---- commands ----

/**
 * The bytes of `cmd`, after `headroom` free bytes at the front: the raft envelope's header is then
 * written there (sealEnvelope) instead of the whole command, a 10 KiB value and all, being copied
 * into a second buffer behind it.
 */
export function encodeCommand(cmd: Command, headroom = 0): Uint8Array {
  switch (cmd.kind) {
    case 'put': {
      const w = new Writer(cmd.req.key.length + cmd.req.value.length + 24, headroom);
      w.u8(Tag.put);
      writePut(w, cmd.req);
      writeRequestAuth(w, cmd.req.auth);
      return w.result();
    }
    case 'deleteRange': {
      const w = new Writer(cmd.req.key.length + cmd.req.rangeEnd.length + 16, headroom);
      w.u8(Tag.deleteRange);
      writeDelete(w, cmd.req);
      writeRequestAuth(w, cmd.req.auth);
      return w.result();
    }
    case 'txn': {
      const w = new Writer(256, headroom);
      w.u8(Tag.txn);
      writeTxn(w, cmd.req);
      writeRequestAuth(w, cmd.req.auth);
      return w.result();
    }
    case 'compaction': {
      const w = new Writer(16, headroom);
      w.u8(Tag.compaction);
      w.u8(cmd.req.physical ? 1 : 0);
      w.int(cmd.req.revision);
      return w.result();
    }
    case 'leaseGrant': {
      const w = new Writer(24, headroom);
      w.u8(Tag.leaseGrant);
      w.i64(cmd.req.id);
      w.int(cmd.req.ttl);
      // Appended only for a system lease: grants logged before keyspaces existed end after the TTL.
      if (cmd.req.keyspace === 'system') w.u8(LEASE_SYSTEM);
      return w.result();
    }
    case 'leaseRevoke': {
      const w = new Writer(10, headroom);
      w.u8(Tag.leaseRevoke);
      w.i64(cmd.id);
      // Appended only when a client named the keyspace: entries logged before keyspaces end after the ID.
      if (cmd.keyspace !== undefined) w.u8(cmd.keyspace === 'system' ? REVOKE_SYSTEM : REVOKE_USER);
      return w.result();
    }
    case 'leaseCheckpoint': {
      const w = new Writer(8 + cmd.checkpoints.length * 16, headroom);
      w.u8(Tag.leaseCheckpoint);
      w.uint(cmd.checkpoints.length);
      for (const c of cmd.checkpoints) {
        w.i64(c.id);
        w.int(c.remainingTtl);
      }
      return w.result();
    }
    case 'alarm': {
      const w = new Writer(16, headroom);
      w.u8(Tag.alarm);
      w.u8(cmd.req.action);
      w.u8(cmd.req.alarm);
      w.u64(cmd.req.memberID); // member IDs are uint64
      return w.result();
    }
    case 'noop': {
      const w = new Writer(1, headroom);
      w.u8(Tag.noop);
      return w.result();
    }
    case 'restore': {
      const w = new Writer(cmd.data.length + 8, headroom);
      w.u8(Tag.restore);
      w.bytes(cmd.data);
      return w.result();
    }
    case 'auth': {
      const w = new Writer(128, headroom);
      w.u8(Tag.auth);
      writeAuth(w, cmd.req);
      return w.result();
    }
  }
}

export function decodeCommand(data: Uint8Array): Command {
  const r = new Reader(data);
  const tag = r.u8();
  switch (tag) {
    case Tag.put:
      return { kind: 'put', req: readRequestAuth(r, readPut(r)) };
    case Tag.deleteRange:
      return { kind: 'deleteRange', req: readRequestAuth(r, readDelete(r)) };
    case Tag.txn:
      return { kind: 'txn', req: readRequestAuth(r, readTxn(r)) };
    case Tag.compaction: {
      const physical = r.u8() === 1;
      return { kind: 'compaction', req: { physical, revision: r.int() } };
    }
    case Tag.leaseGrant: {
      const id = r.i64();
      const req: LeaseGrantRequest = { id, ttl: r.int() };
      if (r.pos < r.buf.length && r.u8() === LEASE_SYSTEM) req.keyspace = 'system';
      return { kind: 'leaseGrant', req };
    }
    case Tag.leaseRevoke: {
      const id = r.i64();
      if (r.pos >= r.buf.length) return { kind: 'leaseRevoke', id };
      return { kind: 'leaseRevoke', id, keyspace: r.u8() === REVOKE_SYSTEM ? 'system' : 'user' };
    }
    case Tag.leaseCheckpoint: {
      const n = r.uint();
      const checkpoints: { id: bigint; remainingTtl: number }[] = [];
      for (let i = 0; i < n; i++) {
        const id = r.i64();
        checkpoints.push({ id, remainingTtl: r.int() });
      }
      return { kind: 'leaseCheckpoint', checkpoints };
    }
    case Tag.alarm: {
      const action = r.u8() as AlarmAction;
      const alarm = r.u8() as AlarmType;
      return { kind: 'alarm', req: { action, alarm, memberID: r.u64() } satisfies AlarmRequest };
    }
    case Tag.noop:
      return { kind: 'noop' };
    case Tag.restore:
      return { kind: 'restore', data: r.bytes() };
    case Tag.auth:
      return { kind: 'auth', req: readAuth(r) };
    default:
      throw new Error(`mvcc command: unknown tag ${tag}`);
  }
}
