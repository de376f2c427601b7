// The Backend interface: the spine between the wire front ends (src/gateway) and the stores
// (src/native, or an adapter to a genuine etcd / Consul / Redis). It is the etcd v3 model.
//
// Conventions of these types (the gateway codec produces and consumes exactly these shapes):
// - field names are the proto field names in camelCase (create_revision -> createRevision);
// - bytes are Buffers (an unset bytes field is an empty Buffer, never undefined);
// - revisions, versions, counts, TTLs, raft index/term are JS numbers (safe below 2^53);
// - 64-bit identifiers (lease IDs, member IDs, cluster IDs, hashes that are uint64) are bigint;
// - enums are the proto enum numbers;
// - optional message fields are `undefined` when unset.
// Errors are thrown as EtcdError (src/adapters/errors.ts) with etcd's code and text.

/**
 * Which keyspace a request addresses (DESIGN.md, "One keyspace, two views"). etcd clients only ever
 * reach 'user' (the etcd front end never sets this field); Consul-only state (KV metadata, sessions,
 * catalog, health, events, ...) lives in 'system', in the same revision space and the same
 * transactions, invisible to every etcd request. Absent = 'user'.
 */
export type Keyspace = 'user' | 'system';

export interface ResponseHeader {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

export interface KeyValue {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
  lease: bigint;
}

export const SortOrder = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];
export const SortTarget = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
export type SortTarget = (typeof SortTarget)[keyof typeof SortTarget];

export interface RangeRequest {
  /** Absent = 'user'. */
  keyspace?: Keyspace;
  key: Buffer;
  rangeEnd: Buffer;
  limit: number;
  revision: number;
  sortOrder: SortOrder;
  sortTarget: SortTarget;
  serializable: boolean;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: number;
  maxModRevision: number;
  minCreateRevision: number;
  maxCreateRevision: number;
}
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

/**
 * etcd's RequestHeader auth fields: who asked, and the auth revision seen when the token was
 * checked. A backend that applies writes itself checks the permissions again at apply and refuses
 * with "revision of auth store is old" when the auth store has changed since (etcd 3.4).
 */
export interface RequestAuth {
  user: string;
  revision: number;
}

export interface PutRequest {
  /** Absent = 'user'. */
  keyspace?: Keyspace;
  /** Top-level requests only, when auth is enabled (see RequestAuth). */
  auth?: RequestAuth;
  key: Buffer;
  value: Buffer;
  lease: bigint;
  prevKv: boolean;
  ignoreValue: boolean;
  ignoreLease: boolean;
}
export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  /** Absent = 'user'. */
  keyspace?: Keyspace;
  /** Top-level requests only, when auth is enabled (see RequestAuth). */
  auth?: RequestAuth;
  key: Buffer;
  rangeEnd: Buffer;
  prevKv: boolean;
}
export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

/** A proto `oneof request`: exactly one field is set. */
export interface RequestOp {
  requestRange?: RangeRequest;
  requestPut?: PutRequest;
  requestDeleteRange?: DeleteRangeRequest;
  requestTxn?: TxnRequest;
}
/** A proto `oneof response`: exactly one field is set. */
export interface ResponseOp {
  responseRange?: RangeResponse;
  responsePut?: PutResponse;
  responseDeleteRange?: DeleteRangeResponse;
  responseTxn?: TxnResponse;
}

export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
export type CompareResult = (typeof CompareResult)[keyof typeof CompareResult];
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
export type CompareTarget = (typeof CompareTarget)[keyof typeof CompareTarget];

/** `target` says which member of the proto `oneof target_union` is compared; an unset member compares as its zero value. */
export interface Compare {
  /** Absent = 'user'. */
  keyspace?: Keyspace;
  result: CompareResult;
  target: CompareTarget;
  key: Buffer;
  rangeEnd: Buffer;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Buffer;
  lease?: bigint;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
  /** Top-level requests only, when auth is enabled (see RequestAuth). */
  auth?: RequestAuth;
}
export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  physical: boolean;
}
export interface CompactionResponse {
  header: ResponseHeader;
}

// ---- Watch ----

export const EventType = { PUT: 0, DELETE: 1 } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const WatchFilter = { NOPUT: 0, NODELETE: 1 } as const;
export type WatchFilter = (typeof WatchFilter)[keyof typeof WatchFilter];

export interface Event {
  /** Set to 'system' on events of a system-keyspace watch; absent on user events. */
  keyspace?: Keyspace;
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface WatchOptions {
  /** Absent = 'user'. */
  keyspace?: Keyspace;
  key: Buffer;
  rangeEnd: Buffer;
  /** 0 = from the next revision. */
  startRevision: number;
  prevKv: boolean;
  filters: WatchFilter[];
}

/** What a backend tells one watcher. Calls arrive in revision order; `revision` is the store revision the batch brings the watcher to. */
export interface WatchListener {
  onEvents(events: Event[], revision: number): void;
  /** The start revision was compacted: the watcher is dead after this call. */
  onCompacted(compactRevision: number, revision: number): void;
  /** The backend ended the watch (e.g. leader lost, server stopped); the watcher is dead after this call. */
  onCanceled(reason: string): void;
}

export interface WatchHandle {
  cancel(): void;
  /** True when the watcher has caught up with the store (etcd sends progress notifications only to synced watchers). */
  isSynced(): boolean;
}

// ---- Lease ----

export interface LeaseGrantRequest {
  /**
   * Absent = 'user'. A 'system' lease (a Consul session's) is invisible to lease requests of the
   * user keyspace — every etcd request: Revoke, KeepAlive and TimeToLive answer as for an unknown
   * lease, Leases omits it — so no etcd client can end a session. Lease IDs are one space: a grant
   * of an ID in use fails whichever keyspace holds it. Keys of either keyspace may be attached.
   */
  keyspace?: Keyspace;
  ttl: number;
  id: bigint; // 0n = let the server choose
}
export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: bigint;
  ttl: number;
  error: string;
}
export interface LeaseRevokeResponse {
  header: ResponseHeader;
}
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  id: bigint;
  ttl: number; // 0 (and -1 remaining) when the lease is gone, as etcd answers
}
export interface LeaseTimeToLiveRequest {
  /** The keyspace of the lease asked about (absent = 'user'); a lease of the other keyspace reads as unknown. */
  keyspace?: Keyspace;
  id: bigint;
  keys: boolean;
}
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: bigint;
  ttl: number; // -1 when the lease does not exist or has expired
  grantedTtl: number;
  keys: Buffer[];
}
export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { id: bigint }[];
}

// ---- Cluster ----

export interface Member {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}
export interface MemberListResponse {
  header: ResponseHeader;
  members: Member[];
}
export interface MemberAddRequest {
  peerURLs: string[];
  isLearner: boolean;
}
export interface MemberAddResponse {
  header: ResponseHeader;
  member: Member;
  members: Member[];
}
export interface MemberChangeResponse {
  header: ResponseHeader;
  members: Member[];
}

// ---- Maintenance ----

export const AlarmType = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;
export type AlarmType = (typeof AlarmType)[keyof typeof AlarmType];
export const AlarmAction = { GET: 0, ACTIVATE: 1, DEACTIVATE: 2 } as const;
export type AlarmAction = (typeof AlarmAction)[keyof typeof AlarmAction];

export interface AlarmMember {
  memberID: bigint;
  alarm: AlarmType;
}
export interface AlarmRequest {
  action: AlarmAction;
  memberID: bigint;
  alarm: AlarmType;
}
export interface AlarmResponse {
  header: ResponseHeader;
  alarms: AlarmMember[];
}
/** Raft's view of this member, what etcd publishes as "raft.status" in /debug/vars. */
export interface RaftStatusView {
  id: bigint;
  term: number;
  vote: bigint;
  commit: number;
  lead: bigint;
  raftState: 'StateFollower' | 'StateCandidate' | 'StateLeader' | 'StatePreCandidate';
  applied: number;
  /** The leader's view of every member; empty on other members. */
  progress: Array<{ id: bigint; match: number; next: number; state: 'StateProbe' | 'StateReplicate' | 'StateSnapshot' }>;
  leadTransferee: bigint;
}

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}
export interface HashResponse {
  header: ResponseHeader;
  hash: number; // uint32
}
export interface HashKVResponse {
  header: ResponseHeader;
  hash: number; // uint32
  compactRevision: number;
}
export interface SnapshotChunk {
  header: ResponseHeader;
  remainingBytes: number;
  blob: Buffer;
}

// ---- The interface ----

export interface Backend {
  // KV
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  compact(req: CompactionRequest): Promise<CompactionResponse>;

  // Watch: the listener is called until cancel(), onCompacted or onCanceled.
  watch(opts: WatchOptions, listener: WatchListener): WatchHandle;
  /** Header for a progress notification: the current revision, once this member is known to be up to date. */
  progressHeader(): Promise<ResponseHeader>;

  // Lease
  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  /** `keyspace` (absent = 'user'): the keyspace the lease was granted in; another keyspace's lease is "not found". */
  leaseRevoke(id: bigint, keyspace?: Keyspace): Promise<LeaseRevokeResponse>;
  /** As leaseRevoke: another keyspace's lease answers TTL 0 (etcd's answer for an unknown lease). */
  leaseKeepAlive(id: bigint, keyspace?: Keyspace): Promise<LeaseKeepAliveResponse>;
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  /** The leases of one keyspace (absent = 'user'). */
  leaseLeases(keyspace?: Keyspace): Promise<LeaseLeasesResponse>;

  // Cluster
  memberList(linearizable: boolean): Promise<MemberListResponse>;
  memberAdd(req: MemberAddRequest): Promise<MemberAddResponse>;
  memberRemove(id: bigint): Promise<MemberChangeResponse>;
  memberUpdate(id: bigint, peerURLs: string[]): Promise<MemberChangeResponse>;
  memberPromote(id: bigint): Promise<MemberChangeResponse>;

  // Maintenance
  status(): Promise<StatusResponse>;
  hash(): Promise<HashResponse>;
  hashKV(revision: number): Promise<HashKVResponse>;
  alarm(req: AlarmRequest): Promise<AlarmResponse>;
  defragment(): Promise<{ header: ResponseHeader }>;
  /** A consistent point-in-time copy of the state machine's database, in chunks (etcd sends 32 KiB blobs). */
  snapshot(): AsyncIterable<SnapshotChunk>;
  moveLeader(targetID: bigint): Promise<{ header: ResponseHeader }>;

  /**
   * Consul's snapshot save (GET /v1/snapshot): the WHOLE store — both keyspaces, leases, auth — at
   * one point in time, as bytes only the same kind of backend can restore (unlike snapshot(), which
   * is etcd's view: user keys only). `index` is the store revision it holds. Taken after a
   * linearizable read unless `stale`. Absent on backends that cannot produce one.
   */
  consulSnapshot?(opts: { stale: boolean }): Promise<{ data: Buffer; index: number }>;
  /**
   * Consul's snapshot restore (PUT /v1/snapshot): replaces the whole store with consulSnapshot()
   * bytes, through raft so every member applies it. Throws an EtcdError (INVALID_ARGUMENT) for bytes
   * that are not such a dump. Absent on backends that cannot restore.
   */
  restoreConsulSnapshot?(data: Buffer): Promise<void>;

  /** Raft's status for /debug/vars; absent on backends without a raft of their own. */
  raftStatus?(): RaftStatusView;

  /** Header as a read at the current state would carry it (used by services that answer without touching the KV). */
  header(): ResponseHeader;
  /** Resolves when the backend can serve (a leader is known, or the adapter is connected). */
  ready(): Promise<void>;
  close(): Promise<void>;
}
