// The native Backend: the etcd v3 API on top of a member of the built-in Raft-replicated store
// (src/native/node.ts + the MVCC state machine). What etcd's EtcdServer does between its gRPC
// handlers and raft: writes go through raft and answer once applied here; linearizable reads wait
// for a ReadIndex; serializable reads are local; lease keep-alive / time-to-live are the leader's
// business (a follower forwards them over the peer transport, as etcd does over its peer port);
// headers carry cluster ID, member ID, store revision and raft term like etcd's.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type {
  AlarmRequest,
  AlarmResponse,
  Backend,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  Keyspace,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  Member,
  MemberAddRequest,
  MemberAddResponse,
  MemberChangeResponse,
  MemberListResponse,
  PutRequest,
  PutResponse,
  RaftStatusView,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  ResponseOp,
  SnapshotChunk,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './backend.js';
import { AlarmAction, AlarmType } from './backend.js';
import { Errors, EtcdError, GrpcCode } from './errors.js';
import { raftStatusView } from './raft-status-view.js';
import { etcdMetrics } from '../gateway/etcd/metrics.js';
import type { ApplyValue, AuthCommand, AuthQueries, Command, RangeResult, ReadOnlyTxnResult, StateMachine } from '../native/mvcc/api.js';
import { openMvccStore } from '../native/mvcc/index.js';
import { dumpView, parseStoreDump } from '../native/mvcc/store-dump.js';
import { txnIsReadOnly, txnIsSerializable } from '../native/mvcc/txn-kind.js';
import { type AppliedOk, NativeNode } from '../native/node.js';
import { AutoCompactor, type AutoCompactionConfig } from '../native/node/auto-compactor.js';
import { etcdSnapshotStream, SNAPSHOT_CHUNK } from '../native/node/etcd-snapshot.js';
import { encodeMemberContext } from '../native/node/members.js';
import { ConfChangeType } from '../native/raft/api.js';
import type { Transport } from '../native/transport/api.js';

export interface NativeBackendConfig {
  name: string;
  dataDir: string;
  memberId: bigint;
  clusterId: bigint;
  initialCluster: { id: bigint; name: string; peerURLs: string[] }[];
  initialClusterState: 'new' | 'existing';
  advertiseClientURLs: string[];
  advertisePeerURLs: string[];
  snapshotCount: number;
  heartbeatMs: number;
  electionMs: number;
  quotaBackendBytes: number;
  autoCompaction?: AutoCompactionConfig;
  transport?: Transport;
  logger: Logger;
  /** Optional: WAL segment size in bytes (tests). */
  walSegmentBytes?: number;
  /** Optional: entries kept after a snapshot for slow followers (etcd: 5000). */
  snapshotCatchUpEntries?: number;
  /** Optional: etcd's request timeout, 5 s + 2 x election timeout unless set (tests shorten it). */
  requestTimeoutMs?: number;
  /** etcd's --pre-vote (etcd 3.4 default false). Unset: true, which avoids term inflation by partitioned members. */
  preVote?: boolean;
  /** etcd's --force-new-cluster (see src/native/node/force-new-cluster.ts). */
  forceNewCluster?: boolean;
  /** etcd's --strict-reconfig-check (default true): refuse membership changes that would endanger quorum. */
  strictReconfigCheck?: boolean;
  /** Where the member reports etcd_server_proposals_* and etcd_disk_wal_fsync_duration_seconds (default: the client port's registry). */
  metrics?: NodeMetricsSink;
}

/** The part of the client port's metrics (src/gateway/etcd/metrics.ts) the member feeds. */
export interface NodeMetricsSink {
  walFsyncDuration: { observe(seconds: number): void };
  proposalsPending: { set(n: number): void };
  proposalsFailed: { inc(): void };
}

export interface NativeBackend extends Backend {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  /** Whether a leader is currently known (gRPC requests with the "hasleader" metadata fail fast with `etcdserver: no leader` otherwise). */
  hasLeader(): boolean;
  /** Whether this member is a learner of its cluster (etcd refuses every stream RPC on one). */
  isLearner(): boolean;
  isLeader(): boolean;
  /** Called with the new leader ID (0n = none) on every change; watch streams requiring a leader are cancelled on 0n. */
  onLeaderChange(fn: (leader: bigint) => void): void;
  /**
   * The auth store (an extension beyond Backend, for the Auth service): a user/role change goes
   * through raft (the password already hashed with hashPassword of src/native/mvcc/auth-store.ts)
   * and resolves with the header once applied; its errors are etcd's (user name already exists, ...).
   */
  authChange(cmd: AuthCommand): Promise<ResponseHeader>;
  /** Runs fn over the auth store once a linearizable read may be served (etcd serves UserGet & co through raft). */
  authRead<T>(fn: (auth: AuthQueries) => T): Promise<T>;
  /** This member's applied auth store, read synchronously (the gateway's per-request permission checks; undefined without one). */
  authQueries(): AuthQueries | undefined;
  /** Called once this member applied its own removal from the cluster and stopped (etcd exits then). */
  onRemoved(fn: () => void): void;
  /** The raft host, for tests and diagnostics. */
  readonly node: NativeNode;
  /** Always present on the native store (optional on Backend). */
  consulSnapshot(opts: { stale: boolean }): Promise<{ data: Buffer; index: number }>;
  restoreConsulSnapshot(data: Buffer): Promise<void>;
}

const VERSION = '3.4.23';
const MAX_LEARNERS = 1;
const ROUTE_KEEPALIVE = 'lease/keepalive';
const ROUTE_TIMETOLIVE = 'lease/timetolive';
const ROUTE_PROMOTE = 'member/promote';
const FORWARD_TIMEOUT_MS = 5000;

export async function createNativeBackend(cfg: NativeBackendConfig): Promise<NativeBackend> {
  const electionTicks = Math.max(2, Math.round(cfg.electionMs / cfg.heartbeatMs));
  // etcd: minTTL = ceil((3 * electionTicks / 2) * heartbeat) seconds.
  const minLeaseTtl = Math.ceil((Math.floor((3 * electionTicks) / 2) * cfg.heartbeatMs) / 1000);
  const sm = openMvccStore({
    dir: join(cfg.dataDir, 'member', 'snap', 'db'),
    quotaBackendBytes: cfg.quotaBackendBytes,
    minLeaseTtl,
    logger: cfg.logger,
  });
  const metrics: NodeMetricsSink = cfg.metrics ?? etcdMetrics;
  const node = new NativeNode({
    onWalSync: (seconds) => metrics.walFsyncDuration.observe(seconds),
    onProposalFailed: () => metrics.proposalsFailed.inc(),
    name: cfg.name,
    memberId: cfg.memberId,
    clusterId: cfg.clusterId,
    dataDir: cfg.dataDir,
    initialCluster: cfg.initialCluster,
    initialClusterState: cfg.initialClusterState,
    clientURLs: cfg.advertiseClientURLs,
    peerURLs: cfg.advertisePeerURLs,
    heartbeatMs: cfg.heartbeatMs,
    electionMs: cfg.electionMs,
    snapshotCount: cfg.snapshotCount,
    stateMachine: sm,
    logger: cfg.logger,
    ...(cfg.transport ? { transport: cfg.transport } : {}),
    ...(cfg.walSegmentBytes ? { walSegmentBytes: cfg.walSegmentBytes } : {}),
    ...(cfg.snapshotCatchUpEntries !== undefined ? { snapshotCatchUpEntries: cfg.snapshotCatchUpEntries } : {}),
    ...(cfg.requestTimeoutMs !== undefined ? { requestTimeoutMs: cfg.requestTimeoutMs } : {}),
    ...(cfg.preVote !== undefined ? { preVote: cfg.preVote } : {}),
    ...(cfg.forceNewCluster ? { forceNewCluster: true } : {}),
  });
  const backend = new NativeBackendImpl(cfg, node, sm, metrics);
  backend.registerPeerRoutes();
  try {
    await node.start();
  } catch (err) {
    sm.close();
    throw err;
  }
  backend.startBackground();
  return backend;
}

function sortIds(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function validURL(u: string): boolean {
  try {
    const p = new URL(u);
    return (p.protocol === 'http:' || p.protocol === 'https:' || p.protocol === 'unix:' || p.protocol === 'unixs:') && p.host !== '';
  } catch {
    return false;
  }
}

class NativeBackendImpl implements NativeBackend {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  private compactor: AutoCompactor | undefined;
  private closed = false;

  constructor(
    private readonly cfg: NativeBackendConfig,
    readonly node: NativeNode,
    private readonly sm: StateMachine,
    private readonly metrics: NodeMetricsSink,
  ) {
    this.memberId = cfg.memberId;
    this.clusterId = cfg.clusterId;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  registerPeerRoutes(): void {
    const t = this.cfg.transport;
    if (!t) return;
    // A forwarded lease request carries its keyspace in a trailing byte (1 = system; absent = user).
    t.handle(ROUTE_KEEPALIVE, (_from, body) => {
      const id = body.readBigInt64BE(0);
      const out = Buffer.alloc(8);
      out.writeBigInt64BE(BigInt(this.renewOnLeader(id, body[8] === 1 ? 'system' : 'user')));
      return Promise.resolve(out);
    });
    t.handle(ROUTE_TIMETOLIVE, (_from, body) => {
      const id = body.readBigInt64BE(0);
      const withKeys = body[8] === 1;
      if (!this.node.isLeader()) return Promise.reject(Errors.NotLeader);
      const info = this.leaseInfoOf(id, withKeys, body[9] === 1 ? 'system' : 'user');
      const json = info
        ? { ttl: info.remainingTtl, grantedTtl: info.grantedTtl, keys: info.keys.map((k) => k.toString('base64')) }
        : { ttl: -1, grantedTtl: 0, keys: [] };
      return Promise.resolve(Buffer.from(JSON.stringify(json)));
    });
    t.handle(ROUTE_PROMOTE, async (_from, body) => {
      await this.memberPromote(body.readBigUInt64BE(0));
      return Buffer.alloc(0);
    });
  }

  private pendingTimer: NodeJS.Timeout | undefined;

  startBackground(): void {
    this.pendingTimer = setInterval(() => this.metrics.proposalsPending.set(this.node.pendingProposals()), 1000);
    this.pendingTimer.unref();
    if (this.cfg.autoCompaction) {
      this.compactor = new AutoCompactor(this.cfg.autoCompaction, {
        isLeader: () => this.node.isLeader(),
        currentRevision: () => this.sm.currentRevision(),
        compact: async (revision) => {
          await this.compact({ revision, physical: false });
        },
        logger: this.cfg.logger,
      });
      this.compactor.start();
    }
  }

  header(revision?: number): ResponseHeader {
    return {
      clusterId: this.clusterId,
      memberId: this.memberId,
      revision: revision ?? this.sm.currentRevision(),
      raftTerm: this.node.raftTerm(),
    };
  }

  hasLeader(): boolean {
    return this.node.leader() !== 0n;
  }
  isLeader(): boolean {
    return this.node.isLeader();
  }
  onLeaderChange(fn: (leader: bigint) => void): void {
    this.node.onLeaderChange(fn);
  }
  onRemoved(fn: () => void): void {
    this.node.onRemoved(fn);
  }

  authChange(cmd: AuthCommand): Promise<ResponseHeader> {
    const learner = this.notOnLearner();
    if (learner) return Promise.reject(learner);
    return this.node.proposeAndMap({ kind: 'auth', req: cmd }, (r) => this.header(r.revision));
  }

  authQueries(): AuthQueries | undefined {
    return this.sm.auth?.();
  }

  authRead<T>(fn: (auth: AuthQueries) => T): Promise<T> {
    const learner = this.notOnLearner();
    if (learner) return Promise.reject(learner);
    const auth = this.sm.auth?.();
    if (!auth) return Promise.reject(new EtcdError(GrpcCode.UNIMPLEMENTED, 'dcsgw: this store has no auth store'));
    return this.node.linearizableReadThen(() => fn(auth));
  }
  ready(): Promise<void> {
    return this.node.ready();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor?.stop();
    if (this.pendingTimer) clearInterval(this.pendingTimer);
    await this.node.stop();
    this.sm.close();
  }

  /**
   * etcd's gRPC interceptor answers every RPC on a learner with "rpc not supported for learner",
   * except Status and serializable Range (isRPCSupportedForLearner).
   */
  private notOnLearner(): EtcdError | undefined {
    return this.isLearner() ? Errors.NotSupportedForLearner : undefined;
  }

  isLearner(): boolean {
    return this.node.isLearner() && this.node.members.has(this.memberId);
  }

  private async write(cmd: Command): Promise<{ value: ApplyValue; revision: number }> {
    const r = await this.node.propose(cmd);
    if (!r.ok) throw r.error;
    return { value: r.value, revision: r.revision };
  }

  /** Resolves when a leader is known, or fails with `request timed out` after etcd's request timeout. */
  private waitLeader(): Promise<bigint> {
    return this.node.waitLeader();
  }

  // ---- KV -------------------------------------------------------------------------------------

  // The hot path: one promise per request (the one the client awaits); the answer is built inside
  // the apply loop / read loop by these mappers, created once per backend.
  private readonly mapPut = (r: AppliedOk): PutResponse => {
    const res: PutResponse = { header: this.header(r.revision) };
    if (r.value.kind === 'put' && r.value.prevKv) res.prevKv = r.value.prevKv;
    return res;
  };
  private readonly mapDelete = (r: AppliedOk): DeleteRangeResponse => {
    if (r.value.kind !== 'deleteRange') throw new EtcdError(GrpcCode.INTERNAL, 'unexpected apply result');
    return { header: this.header(r.revision), deleted: r.value.deleted, prevKvs: r.value.prevKvs };
  };
  private readonly mapTxn = (r: AppliedOk): TxnResponse => {
    if (r.value.kind !== 'txn') throw new EtcdError(GrpcCode.INTERNAL, 'unexpected apply result');
    fillHeaders(r.value.responses, { clusterId: 0n, memberId: 0n, revision: r.revision, raftTerm: 0 });
    return { header: this.header(r.revision), succeeded: r.value.succeeded, responses: r.value.responses };
  };

  range(req: RangeRequest): Promise<RangeResponse> {
    if (!req.serializable && this.node.isLearner()) return Promise.reject(Errors.NotSupportedForLearner);
    // settleRead resolves with the slices' promise, so the read waits for the last slice.
    if (!req.serializable) return this.node.linearizableReadThen(() => this.rangeNow(req)) as unknown as Promise<RangeResponse>;
    try {
      return this.rangeNow(req);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** A large range is built in slices (rangeSliced) so it does not hold the event loop. */
  private rangeNow(req: RangeRequest): Promise<RangeResponse> {
    if (!this.sm.rangeSliced) return Promise.resolve(this.rangeResponse(this.sm.range(req)));
    return this.sm.rangeSliced(req).then(this.rangeResponse);
  }

  private readonly rangeResponse = (r: RangeResult): RangeResponse => ({ header: this.header(r.revision), kvs: r.kvs, more: r.more, count: r.count });

  put(req: PutRequest): Promise<PutResponse> {
    const learner = this.notOnLearner();
    if (learner) return Promise.reject(learner);
    return this.node.proposeAndMap({ kind: 'put', req }, this.mapPut);
  }

  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const learner = this.notOnLearner();
    if (learner) return Promise.reject(learner);
    return this.node.proposeAndMap({ kind: 'deleteRange', req }, this.mapDelete);
  }

  /**
   * etcd's EtcdServer.Txn: a read-only txn (every op a range) is a read, not a proposal — a
   * linearizable one waits for a ReadIndex (batched with the other reads of the round) and is then
   * evaluated on the local store, a serializable one (every range serializable) is evaluated at
   * once; neither touches the log. A txn with any write (a nested txn counts as one) is proposed.
   */
  txn(req: TxnRequest): Promise<TxnResponse> {
    const learner = this.notOnLearner();
    if (learner) return Promise.reject(learner);
    if (this.sm.readOnlyTxn && txnIsReadOnly(req)) {
      // As range(): the read waits for the last slice of the txn's ranges.
      if (!txnIsSerializable(req)) return this.node.linearizableReadThen(() => this.readOnlyTxnNow(req)) as unknown as Promise<TxnResponse>;
      try {
        return this.readOnlyTxnNow(req);
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return this.node.proposeAndMap({ kind: 'txn', req }, this.mapTxn);
  }

  private readOnlyTxnNow(req: TxnRequest): Promise<TxnResponse> {
    if (!this.sm.readOnlyTxnSliced) return Promise.resolve(this.readOnlyTxnResponse(this.sm.readOnlyTxn!(req)));
    return this.sm.readOnlyTxnSliced(req).then(this.readOnlyTxnResponse);
  }

  private readonly readOnlyTxnResponse = (r: ReadOnlyTxnResult): TxnResponse => {
    fillHeaders(r.responses, { clusterId: 0n, memberId: 0n, revision: r.revision, raftTerm: 0 });
    return { header: this.header(r.revision), succeeded: r.succeeded, responses: r.responses };
  };

  async compact(req: CompactionRequest): Promise<CompactionResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    const { revision } = await this.write({ kind: 'compaction', req });
    // etcd's --physical waits for its compaction barrier: the removal, which runs in the background here.
    const store = this.sm as Partial<{ waitPhysicalCompaction(rev: number): Promise<void> }>;
    if (req.physical && store.waitPhysicalCompaction) await store.waitPhysicalCompaction(req.revision);
    return { header: this.header(revision) };
  }

  // ---- Watch ----------------------------------------------------------------------------------

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    return this.sm.watch(opts, listener);
  }

  async progressHeader(): Promise<ResponseHeader> {
    if (!this.node.isLeader()) await this.node.linearizableRead();
    return this.header();
  }

  // ---- Lease ----------------------------------------------------------------------------------

  /** The lease's info when it belongs to `keyspace` (a lease of the other keyspace does not exist for the asker). */
  private leaseInfoOf(id: bigint, withKeys: boolean, keyspace: Keyspace): ReturnType<StateMachine['leaseInfo']> {
    const info = this.sm.leaseInfo(id, withKeys);
    return info && (info.keyspace ?? 'user') === keyspace ? info : undefined;
  }

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    let id = req.id;
    // etcd: a server-chosen ID is the request ID generator's next value with the sign bit cleared.
    while (id === 0n) id = this.node.leaseIds.next() & 0x7fffffffffffffffn;
    const grant: LeaseGrantRequest = { id, ttl: req.ttl };
    if (req.keyspace === 'system') grant.keyspace = 'system';
    const { value, revision } = await this.write({ kind: 'leaseGrant', req: grant });
    if (value.kind !== 'leaseGrant') throw new EtcdError(GrpcCode.INTERNAL, 'unexpected apply result');
    return { header: this.header(revision), id: value.id, ttl: value.ttl, error: '' };
  }

  async leaseRevoke(id: bigint, keyspace: Keyspace = 'user'): Promise<LeaseRevokeResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    // The keyspace rides in the command, so the check is made where the lease surely exists: at apply.
    const { revision } = await this.write({ kind: 'leaseRevoke', id, keyspace });
    return { header: this.header(revision) };
  }

  /** On the leader: renew, answering TTL 0 for a lease that does not exist (etcd's keep-alive answer), or is another keyspace's. */
  private renewOnLeader(id: bigint, keyspace: Keyspace): number {
    if (!this.node.isLeader()) throw Errors.NotLeader;
    if (!this.leaseInfoOf(id, false, keyspace)) return 0;
    try {
      return this.sm.leaseRenew(id, Date.now());
    } catch (err) {
      if (err === Errors.LeaseNotFound || (err instanceof EtcdError && err.message === Errors.LeaseNotFound.message)) return 0;
      throw err;
    }
  }

  async leaseKeepAlive(id: bigint, keyspace: Keyspace = 'user'): Promise<LeaseKeepAliveResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (this.node.isLeader()) return { header: this.header(), id, ttl: this.renewOnLeader(id, keyspace) };
    const lead = await this.waitLeader();
    if (lead === this.memberId) return { header: this.header(), id, ttl: this.renewOnLeader(id, keyspace) };
    const body = Buffer.alloc(keyspace === 'system' ? 9 : 8);
    body.writeBigInt64BE(id);
    if (keyspace === 'system') body[8] = 1;
    const out = await this.forward(lead, ROUTE_KEEPALIVE, body);
    return { header: this.header(), id, ttl: Number(out.readBigInt64BE(0)) };
  }

  async leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    const keyspace = req.keyspace ?? 'user';
    if (this.node.isLeader()) {
      const info = this.leaseInfoOf(req.id, req.keys, keyspace);
      if (!info) return { header: this.header(), id: req.id, ttl: -1, grantedTtl: 0, keys: [] };
      return { header: this.header(), id: req.id, ttl: info.remainingTtl, grantedTtl: info.grantedTtl, keys: info.keys };
    }
    const lead = await this.waitLeader();
    const body = Buffer.alloc(keyspace === 'system' ? 10 : 9);
    body.writeBigInt64BE(req.id);
    body[8] = req.keys ? 1 : 0;
    if (keyspace === 'system') body[9] = 1;
    const out = await this.forward(lead, ROUTE_TIMETOLIVE, body);
    const j = JSON.parse(out.toString('utf8')) as { ttl: number; grantedTtl: number; keys: string[] };
    return {
      header: this.header(),
      id: req.id,
      ttl: j.ttl,
      grantedTtl: j.grantedTtl,
      keys: j.keys.map((k) => Buffer.from(k, 'base64')),
    };
  }

  async leaseLeases(keyspace: Keyspace = 'user'): Promise<LeaseLeasesResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    return { header: this.header(), leases: this.sm.leaseIds(keyspace).map((id) => ({ id })) };
  }

  private async forward(to: bigint, route: string, body: Buffer): Promise<Buffer> {
    const t = this.cfg.transport;
    if (!t) throw Errors.NoLeader;
    try {
      return await t.request(to, route, body, FORWARD_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof EtcdError) throw err;
      // etcd answers a keep-alive it could not forward with its connection-lost timeout error.
      throw Errors.TimeoutDueToConnectionLost;
    }
  }

  // ---- Cluster --------------------------------------------------------------------------------

  async memberList(linearizable: boolean): Promise<MemberListResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (linearizable) await this.node.linearizableRead();
    return { header: this.header(), members: this.node.members.list() };
  }

  async memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (req.peerURLs.length === 0 || !req.peerURLs.every(validURL)) throw Errors.MemberBadURLs;
    const members = this.node.members.list();
    const used = new Set(members.flatMap((m) => m.peerURLs));
    if (req.peerURLs.some((u) => used.has(u))) throw Errors.PeerURLExist;
    // etcd's mayAddMember (only with --strict-reconfig-check), then the learner cap at apply
    if (this.strictReconfig) {
      if (!req.isLearner && !this.readyToAddVotingMember(members)) throw Errors.MemberNotEnoughStarted;
      // etcd's isConnectedFullySince: every voting member must be reachable before the change.
      const voters = members.filter((m) => !m.isLearner);
      if (this.connectedVoters(voters) < voters.length) throw Errors.Unhealthy;
    }
    if (req.isLearner && members.filter((m) => m.isLearner).length >= MAX_LEARNERS) throw Errors.TooManyLearners;
    let id = 0n;
    while (id === 0n || this.node.members.has(id) || this.node.members.isRemoved(id)) id = randomBytes(8).readBigUInt64BE(0);
    const member: Member = { id, name: '', peerURLs: [...req.peerURLs], clientURLs: [], isLearner: req.isLearner };
    await this.node.proposeConfChange({
      type: req.isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode,
      nodeId: id,
      context: encodeMemberContext(member),
    });
    return { header: this.header(), member, members: this.node.members.list() };
  }

  private get strictReconfig(): boolean {
    return this.cfg.strictReconfigCheck ?? true;
  }

  /** Voting members reachable from here (this member counts), as etcd's numConnectedSince. */
  private connectedVoters(voters: Member[]): number {
    const t = this.cfg.transport;
    let n = 0;
    for (const v of voters) if (v.id === this.memberId || (t !== undefined && t.isActive(v.id))) n++;
    return n;
  }

  /** etcd's strict reconfig check (IsReadyToAddVotingMember): started voters must still be a quorum. */
  private readyToAddVotingMember(members: Member[]): boolean {
    const voters = members.filter((m) => !m.isLearner);
    const nstarted = voters.filter((m) => m.name !== '').length;
    const nmembers = voters.length + 1;
    if (nstarted === 1 && nmembers === 2) return true; // adding a member to a 1-member cluster
    return nstarted >= Math.floor(nmembers / 2) + 1;
  }

  async memberRemove(id: bigint): Promise<MemberChangeResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    const m = this.node.members.get(id);
    if (!m) throw Errors.MemberNotFound;
    if (!m.isLearner && this.strictReconfig) {
      const voters = this.node.members.list().filter((x) => !x.isLearner && x.id !== id);
      const nstarted = voters.filter((x) => x.name !== '').length;
      if (voters.length > 0 && nstarted < Math.floor(voters.length / 2) + 1) throw Errors.MemberNotEnoughStarted;
      // etcd: removing a member that is down is safe; otherwise the members still connected after
      // the removal must be a quorum of the remaining ones.
      const t = this.cfg.transport;
      if (t && (id === this.memberId || t.isActive(id))) {
        const all = this.node.members.list().filter((x) => !x.isLearner);
        if (this.connectedVoters(all) - 1 < 1 + Math.floor((all.length - 1) / 2)) throw Errors.Unhealthy;
      }
    }
    await this.node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) });
    return { header: this.header(), members: this.node.members.list() };
  }

  async memberUpdate(id: bigint, peerURLs: string[]): Promise<MemberChangeResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (peerURLs.length === 0 || !peerURLs.every(validURL)) throw Errors.MemberBadURLs;
    const m = this.node.members.get(id);
    if (!m) throw Errors.MemberNotFound;
    const usedByOthers = new Set(this.node.members.list().filter((x) => x.id !== id).flatMap((x) => x.peerURLs));
    if (peerURLs.some((u) => usedByOthers.has(u))) throw Errors.PeerURLExist;
    await this.node.proposeConfChange({
      type: ConfChangeType.UpdateNode,
      nodeId: id,
      context: encodeMemberContext({ ...m, peerURLs: [...peerURLs] }),
    });
    return { header: this.header(), members: this.node.members.list() };
  }

  async memberPromote(id: bigint): Promise<MemberChangeResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    const m = this.node.members.get(id);
    if (!m) throw Errors.MemberNotFound;
    if (!m.isLearner) throw Errors.MemberNotLearner;
    if (!this.node.isLeader()) {
      // etcd forwards promotion to the leader, which alone knows the learner's progress.
      const lead = await this.waitLeader();
      const body = Buffer.alloc(8);
      body.writeBigUInt64BE(id);
      await this.forward(lead, ROUTE_PROMOTE, body);
      return { header: this.header(), members: this.node.members.list() };
    }
    // etcd: a learner is ready once its match index is at least 90% of the leader's.
    const p = this.node.progress(id);
    if (!p || p.match < 0.9 * this.node.committedIndex()) throw Errors.LearnerNotReady;
    // etcd's IsReadyToPromoteMember: the started voters plus the learner must be a quorum of the voters plus it
    if (this.strictReconfig) {
      const voters = this.node.members.list().filter((x) => !x.isLearner);
      const nstarted = 1 + voters.filter((x) => x.name !== '').length;
      if (nstarted < Math.floor((voters.length + 1) / 2) + 1) throw Errors.MemberNotEnoughStarted;
    }
    await this.node.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: id, context: encodeMemberContext({ ...m, isLearner: false }) });
    return { header: this.header(), members: this.node.members.list() };
  }

  // ---- Maintenance ----------------------------------------------------------------------------

  async status(): Promise<StatusResponse> {
    const errors: string[] = [];
    if (this.node.leader() === 0n) errors.push(Errors.NoLeader.message);
    for (const a of this.sm.alarms()) {
      // etcd appends each alarm's proto text form.
      errors.push(`memberID:${a.memberID} alarm:${a.alarm === AlarmType.NOSPACE ? 'NOSPACE' : a.alarm === AlarmType.CORRUPT ? 'CORRUPT' : 'NONE'} `);
    }
    return {
      header: this.header(),
      version: VERSION,
      dbSize: this.sm.dbSize(),
      leader: this.node.leader(),
      raftIndex: this.node.committedIndex(),
      raftTerm: this.node.raftTerm(),
      raftAppliedIndex: this.node.appliedRaftIndex(),
      errors,
      dbSizeInUse: this.sm.dbSizeInUse(),
      isLearner: this.node.isLearner(),
    };
  }

  raftStatus(): RaftStatusView {
    return raftStatusView(this.node.raftStatus());
  }

  async hash(): Promise<HashResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    return { header: this.header(), hash: this.sm.hash() };
  }

  async hashKV(revision: number): Promise<HashKVResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    const r = this.sm.hashKV(revision);
    return { header: this.header(r.revision), hash: r.hash, compactRevision: r.compactRevision };
  }

  async alarm(req: AlarmRequest): Promise<AlarmResponse> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (req.action === AlarmAction.GET) {
      const all = this.sm.alarms();
      const alarms = req.alarm === AlarmType.NONE ? all : all.filter((a) => a.alarm === req.alarm);
      return { header: this.header(), alarms };
    }
    const { value, revision } = await this.write({ kind: 'alarm', req });
    if (value.kind !== 'alarm') throw new EtcdError(GrpcCode.INTERNAL, 'unexpected apply result');
    return { header: this.header(revision), alarms: value.alarms };
  }

  /**
   * etcd's defragment gives the free pages of its file back to the file system; LMDB never shrinks
   * its file either, so the store rewrites it with LMDB's compacting copy (MvccStore.defragment).
   */
  async defragment(): Promise<{ header: ResponseHeader }> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    const store = this.sm as Partial<{ defragment(): Promise<void> }>;
    if (store.defragment) await store.defragment();
    return { header: this.header() };
  }

  /**
   * A bbolt file with etcd's buckets, as genuine etcd streams (see src/native/node/etcd-snapshot.ts):
   * built from one read view of the store while it is sent, in slices, so the loop keeps serving.
   * `transientBlobs` (the gRPC handler, which copies each blob into its message at once): a blob is
   * valid only until the next chunk is asked for, and the file is built in one reused buffer.
   */
  async *snapshot(opts: { transientBlobs?: boolean } = {}): AsyncIterable<SnapshotChunk> {
    const view = this.sm.snapshotView ? this.sm.snapshotView() : dumpView(await this.sm.snapshotData());
    try {
      const header = this.header();
      const file = await etcdSnapshotStream(view, this.node.members.list(), this.node.members.clusterVersion, { reuseBuffers: opts.transientBlobs === true });
      let sent = 0;
      for await (const chunk of file.chunks) {
        for (let off = 0; off < chunk.length; off += SNAPSHOT_CHUNK) {
          const blob = chunk.subarray(off, Math.min(off + SNAPSHOT_CHUNK, chunk.length));
          sent += blob.length;
          yield { header, remainingBytes: file.size - sent, blob };
        }
      }
    } finally {
      view.done();
    }
  }

  /** The store's own dump (both keyspaces), after a linearizable read unless stale: see Backend.consulSnapshot. */
  async consulSnapshot(opts: { stale: boolean }): Promise<{ data: Buffer; index: number }> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (!opts.stale) await this.node.linearizableRead();
    const index = this.sm.currentRevision();
    return { data: await this.sm.snapshotData(), index };
  }

  /** Proposes the dump as one raft entry; a malformed one is refused before it reaches the log. */
  async restoreConsulSnapshot(data: Buffer): Promise<void> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    try {
      parseStoreDump(data);
    } catch (err) {
      throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `dcsgw: snapshot restore refused: ${(err as Error).message}`);
    }
    await this.write({ kind: 'restore', data });
  }

  async moveLeader(targetID: bigint): Promise<{ header: ResponseHeader }> {
    const learner = this.notOnLearner();
    if (learner) throw learner;
    if (!this.node.isLeader()) throw Errors.NotLeader;
    const target = this.node.members.get(targetID);
    if (!target || target.isLearner) throw Errors.BadLeaderTransferee;
    // Genuine etcd 3.4 answers a transfer to the current leader with success at once.
    if (targetID === this.memberId) return { header: this.header() };
    this.node.transferLeader(targetID);
    const deadline = Date.now() + this.node.requestTimeout();
    while (this.node.leader() !== targetID) {
      if (Date.now() > deadline) {
        throw new EtcdError(GrpcCode.UNAVAILABLE, 'etcdserver: request timed out, leader transfer took too long');
      }
      await new Promise((r) => setTimeout(r, this.cfg.heartbeatMs));
    }
    return { header: this.header() };
  }
}

/** Genuine etcd 3.4 gives every response nested in a txn a header holding only the txn's revision. */
function fillHeaders(responses: ResponseOp[], header: ResponseHeader): void {
  for (const r of responses) {
    if (r.responseRange) r.responseRange.header = header;
    else if (r.responsePut) r.responsePut.header = header;
    else if (r.responseDeleteRange) r.responseDeleteRange.header = header;
    else if (r.responseTxn) {
      r.responseTxn.header = header;
      fillHeaders(r.responseTxn.responses, header);
    }
  }
}
