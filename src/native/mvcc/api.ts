// The contract of the MVCC state machine (src/native/mvcc): what src/native/node.ts drives.
// The store applies committed commands in raft-index order, persists them in LMDB together with
// the last applied raft index (the "consistent index", so a restart replays only what is newer
// from the WAL), and serves reads from an in-memory key index over revision-keyed records.
import type {
  AlarmMember,
  AlarmRequest,
  CompactionRequest,
  DeleteRangeRequest,
  Event,
  Keyspace,
  KeyValue,
  LeaseGrantRequest,
  PutRequest,
  RangeRequest,
  ResponseOp,
  TxnRequest,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from '../../adapters/backend.js';
import type { EtcdError } from '../../adapters/errors.js';
import type { StoreSnapshotView } from './store-dump.js';

/** A replicated request, as proposed through raft. Encoded by encodeCommand / decodeCommand (src/native/mvcc/command.ts). */
export type Command =
  | { kind: 'put'; req: PutRequest }
  | { kind: 'deleteRange'; req: DeleteRangeRequest }
  | { kind: 'txn'; req: TxnRequest }
  | { kind: 'compaction'; req: CompactionRequest }
  /** The proposer has chosen the ID (never 0n) so every member creates the same lease. */
  | { kind: 'leaseGrant'; req: LeaseGrantRequest }
  /**
   * `keyspace`: set when a client asked (the lease must belong to it, else LeaseNotFound); absent
   * for the leader's own expiry revocations, which end a lease of either keyspace.
   */
  | { kind: 'leaseRevoke'; id: bigint; keyspace?: Keyspace }
  | { kind: 'leaseCheckpoint'; checkpoints: { id: bigint; remainingTtl: number }[] }
  | { kind: 'alarm'; req: AlarmRequest }
  /** A no-op used for linearizable health checks (etcdctl endpoint health does a Get of "health"). */
  | { kind: 'noop' }
  /**
   * Replace the whole replicated content (both keyspaces, leases, auth) with a snapshotData() dump:
   * Consul's snapshot restore, applied by every member at the same log position.
   */
  | { kind: 'restore'; data: Buffer }
  /** User/role management (etcd's auth store). Passwords arrive already hashed (hashPassword in auth-store.ts) so every member stores the same bytes. */
  | { kind: 'auth'; req: AuthCommand };

/** authpb.Permission: permType READ=0, WRITE=1, READWRITE=2; an empty rangeEnd is the single key, "\0" everything from key. */
export interface Permission {
  permType: 0 | 1 | 2;
  key: Buffer;
  rangeEnd: Buffer;
}

export type AuthCommand =
  | { op: 'authEnable' }
  | { op: 'authDisable' }
  | { op: 'userAdd'; name: string; hashedPassword: Buffer; noPassword: boolean }
  | { op: 'userDelete'; name: string }
  | { op: 'userChangePassword'; name: string; hashedPassword: Buffer }
  | { op: 'userGrantRole'; user: string; role: string }
  | { op: 'userRevokeRole'; name: string; role: string }
  | { op: 'roleAdd'; name: string }
  | { op: 'roleDelete'; role: string }
  | { op: 'roleGrantPermission'; name: string; perm: Permission }
  | { op: 'roleRevokePermission'; role: string; key: Buffer; rangeEnd: Buffer }
  /** Authenticate: every member learns the simple token (kept in memory only, as etcd's tokenProvider.assign at apply). */
  | { op: 'assignSimpleToken'; token: string; user: string; ttlMs: number };

/** Read side of the auth store (answers of UserGet/UserList/RoleGet/RoleList, password checks, permission checks). */
export interface AuthQueries {
  /** enabled, and the auth revision (1 on a fresh store, +1 per change), as etcd's auth store keeps it. */
  status(): { enabled: boolean; authRevision: number };
  /** The user's roles (sorted); throws Errors.UserNotFound. */
  userGet(name: string): string[];
  userList(): string[];
  /** The role's permissions (sorted by key); throws Errors.RoleNotFound. */
  roleGet(role: string): Permission[];
  roleList(): string[];
  /** Returns the auth revision when the password is right; throws Errors.AuthFailed otherwise. */
  checkPassword(name: string, password: string): number;
  /** Added with --no-password (etcd's Authenticate answers "password was given for no password user" for it). */
  isNoPasswordUser?(name: string): boolean;
  /** checkPassword with the hash computed off the event loop. */
  checkPasswordAsync?(name: string, password: string, signal?: AbortSignal): Promise<number>;
  /** The user of a live simple token (its TTL restarts, etcd's resetSimpleToken), or undefined (unknown, or unused for its TTL). */
  simpleTokenUser?(token: string, nowMs: number): string | undefined;
  isRangePermitted(user: string, key: Buffer, rangeEnd: Buffer): boolean;
  isPutPermitted(user: string, key: Buffer): boolean;
  isDeleteRangePermitted(user: string, key: Buffer, rangeEnd: Buffer): boolean;
  /** Holds the root role (etcd's IsAdminPermitted). */
  isAdmin(user: string): boolean;
}

/** The outcome of one applied command. `revision` is the store revision after it (for the response header). */
export type ApplyResult =
  | { ok: true; revision: number; value: ApplyValue }
  | { ok: false; revision: number; error: EtcdError };

export type ApplyValue =
  | { kind: 'put'; prevKv?: KeyValue }
  | { kind: 'deleteRange'; deleted: number; prevKvs: KeyValue[] }
  | { kind: 'txn'; succeeded: boolean; responses: ResponseOp[] } // headers inside responses are filled by the node
  | { kind: 'compaction' }
  | { kind: 'leaseGrant'; id: bigint; ttl: number }
  | { kind: 'leaseRevoke' }
  | { kind: 'leaseCheckpoint' }
  | { kind: 'alarm'; alarms: AlarmMember[] }
  | { kind: 'noop' }
  /** `revision`: the store revision after the restore (never lower than before it). */
  | { kind: 'restore'; revision: number }
  | { kind: 'auth' };

export interface CommittedCommand {
  index: number;
  term: number;
  /** undefined for entries that carry no command (leader no-op, conf change): they only advance the consistent index. */
  command?: Command;
}

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
  revision: number;
}

export interface LeaseInfo {
  id: bigint;
  grantedTtl: number;
  /** Remaining seconds, as etcd's TimeToLive reports it (-1 when expired/unknown). */
  remainingTtl: number;
  keys: Buffer[];
  /** 'system' for a lease granted in the system keyspace (invisible to user-keyspace lease requests); absent = user. */
  keyspace?: Keyspace;
}

/** A read-only txn's outcome; the headers inside `responses` are filled by the caller. */
export interface ReadOnlyTxnResult {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface StateMachine {
  /** Last raft index whose effects are in the store (persisted atomically with them). */
  consistentIndex(): number;
  /** Apply in order, in one storage transaction; watchers are notified once per batch, after it commits. */
  applyBatch(batch: CommittedCommand[]): ApplyResult[];

  /** Reads the request's keyspace only (absent = user). */
  range(req: RangeRequest): RangeResult; // throws Errors.Compacted / Errors.FutureRev
  /**
   * The same answer as range() called now, built in slices across event-loop turns when it is large
   * (optional: a state machine without it has range() called).
   */
  rangeSliced?(req: RangeRequest): Promise<RangeResult>;
  currentRevision(): number;
  compactRevision(): number;
  /** Watches the options' keyspace only (absent = user); system events carry keyspace 'system'. */
  watch(opts: WatchOptions, listener: WatchListener): WatchHandle;

  // Leases: the lessor state is replicated (grant/revoke/checkpoint commands); expiry times are the primary's (leader's) alone.
  leaseExists(id: bigint): boolean;
  /** `nowMs` (optional, default the wall clock) is the leader's time for the remaining TTL. `keys` are the user keys only (etcd's TimeToLive). */
  leaseInfo(id: bigint, withKeys: boolean, nowMs?: number): LeaseInfo | undefined;
  /** Every lease, or those of one keyspace. */
  leaseIds(keyspace?: Keyspace): bigint[];
  /** Leader only: extend the lease's expiry to now + TTL; returns the TTL, or throws Errors.LeaseNotFound. */
  leaseRenew(id: bigint, nowMs: number): number;
  /** Leader only: leases whose expiry has passed (the node proposes their revocation). */
  expiredLeases(nowMs: number): bigint[];
  /** Leader only: each lease's remaining TTL, for the node to propose as a leaseCheckpoint command (optional). */
  leaseCheckpoints?(nowMs: number): { id: bigint; remainingTtl: number }[];
  /** On becoming leader: every lease's expiry restarts at now + TTL (etcd's Promote). */
  promote(nowMs: number): void;
  /** On losing leadership: stop expiring leases. */
  demote(): void;

  alarms(): AlarmMember[];
  hash(): number; // uint32 CRC over the whole database but system records, as Maintenance.Hash
  /** etcd's HashKV over the user keyspace (system records never count). */
  hashKV(revision: number): { hash: number; compactRevision: number; revision: number };
  dbSize(): number;
  dbSizeInUse(): number;

  /** A consistent copy of the whole state (for raft snapshots and Maintenance.Snapshot). */
  snapshotData(): Promise<Buffer>;
  /** The state at this point in time, readable in slices while applies go on (etcd's snapshot stream); see store-dump.ts. */
  snapshotView?(): StoreSnapshotView;
  /** Replace the whole state with a snapshot (raft snapshot received, or `dcsgw snapshot restore`). */
  restore(data: Buffer): void;
  /**
   * Serves a read-only txn (every op a range: etcd's isTxnReadonly) from the local state, outside
   * the log, as etcd does. Throws etcd's errors (compacted / future revision of a range, auth).
   * Optional: a state machine without it has every txn proposed.
   */
  readOnlyTxn?(req: TxnRequest): ReadOnlyTxnResult;
  /** readOnlyTxn() with its ranges built in slices across event-loop turns (optional, like rangeSliced). */
  readOnlyTxnSliced?(req: TxnRequest): Promise<ReadOnlyTxnResult>;
  /** The auth store's read side (optional: state machines without an auth store omit it). */
  auth?(): AuthQueries;
  /** Forces the store's writes to disk (they are committed without fsync; the WAL is the durability). Optional. */
  flush?(): Promise<void>;
  close(): void;
}

export type { Event };
