// The host loop of a native member: what etcd's raftNode + EtcdServer do around the raft core.
// It owns the RawNode, its MemoryStorage, the WAL + snapshotter, the state machine and (for a
// multi-member cluster) the peer transport, and runs:
//
// - the ticker (every heartbeat interval; electionTick = election timeout / heartbeat interval);
// - the Ready loop: one Ready at a time — the leader sends its messages at once (it may replicate
//   while it persists, as etcd does), everyone persists hard state + entries with ONE fdatasync for
//   the whole Ready, followers send their messages (acks) only after that, then committed entries
//   are applied in one stateMachine.applyBatch and the proposers' waiters are resolved, then
//   advance(). Proposals arriving while a Ready is being persisted accumulate inside raft and go
//   out together in the next Ready: that is the group commit (one fsync for many clients);
//   meanwhile the leader already replicates them and a follower already relays them
//   (scheduleEarlySend). A Ready of one entry (one client) is written on the main thread when no
//   other write is in flight: no thread-pool round trip on the latency of a lone write;
// - proposal waiters (request ID in an envelope around the command: only the proposing member
//   resolves its waiter), read-index waiters batched into one readIndex call per round (etcd's
//   linearizableReadLoop), request timeouts (5 s + 2 x election timeout, as etcd);
// - lease expiry on the leader (every 500 ms), promote/demote on leadership change;
// - snapshots every `snapshotCount` applied entries, WAL release, log compaction keeping 5000
//   entries for slow followers; received snapshots restore the state machine;
// - restart: newest snapshot + WAL into MemoryStorage; entries already reflected in the state
//   machine (index <= its consistent index) are not applied to it again;
// - membership: a MemberStore changed by applied conf changes and by each member's published
//   attributes (name, client URLs), carried inside raft snapshots.
import { join } from 'node:path';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Errors, EtcdError } from '../adapters/errors.js';
import type { ApplyResult, Command, CommittedCommand, StateMachine } from './mvcc/api.js';
import { decodeCommand, encodeCommand } from './mvcc/command.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  type NodeId,
  None,
  type RaftConfig,
  type RaftNode,
  type RaftStatus,
  type Ready,
  type Snapshot,
  type SnapshotMetadata,
  SnapshotStatus,
  StateType,
} from './raft/api.js';
import { decodeConfChange } from './raft/conf-change.js';
import { standaloneLog } from './node/force-new-cluster.js';
import { MemoryStorage } from './raft/memory-storage.js';
import type { Transport } from './transport/api.js';
import { ENVELOPE_HEADER, EnvelopeKind, decodeEnvelope, encodeEnvelope, envelopeProposer, envelopeRequestId, sealEnvelope, isFrom, proposerBytes } from './node/envelope.js';
import { IdGenerator, RequestIdCounter } from './node/id-generator.js';
import { type MemberAttributes, MemberStore, encodeMemberContext, idHex } from './node/members.js';
import { type HostedRaft, createRaft } from './node/raft-factory.js';
import { decodeSnapshotData, encodeSnapshotData } from './node/snapshot-data.js';
import { writeTrace } from './node/write-trace.js';
import { Snapshotter } from './wal/snapshotter.js';
import { Wal } from './wal/wal.js';

export interface NativeNodeConfig {
  name: string;
  memberId: bigint;
  clusterId: bigint;
  /** etcd's layout: <dataDir>/member/wal and <dataDir>/member/snap. */
  dataDir: string;
  initialCluster: { id: bigint; name: string; peerURLs: string[] }[];
  initialClusterState: 'new' | 'existing';
  clientURLs: string[];
  peerURLs: string[];
  heartbeatMs: number;
  electionMs: number;
  snapshotCount: number;
  /** Entries kept in memory after a snapshot for slow followers (etcd: 5000). */
  snapshotCatchUpEntries?: number;
  stateMachine: StateMachine;
  transport?: Transport;
  logger: Logger;
  /** WAL segment size (tests use small ones). */
  walSegmentBytes?: number;
  /** How long a proposal or linearizable read waits (etcd: 5 s + 2 x election timeout). */
  requestTimeoutMs?: number;
  /** Raft pre-vote (etcd's --pre-vote, false by default in etcd 3.4); true here unless set. */
  preVote?: boolean;
  /** etcd's --force-new-cluster: a member with a log restarts as a one-member cluster. */
  forceNewCluster?: boolean;
  /** Metrics hooks: seconds each WAL fsync took (etcd_disk_wal_fsync_duration_seconds), proposals that failed. */
  onWalSync?: (seconds: number) => void;
  onProposalFailed?: () => void;
}

interface ProposalWaiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
  deadline: number;
  /** The command itself, so the proposer applies it without decoding its own bytes again. */
  cmd: Command | undefined;
  /** Turns a successful outcome into the client's answer inside the apply loop (no extra promise per request). */
  map: ((r: AppliedOk) => unknown) | undefined;
}
interface ReadWaiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
  deadline: number;
  /** Runs once the read may be served; its result is the client's answer. */
  fn: (() => unknown) | undefined;
}
export type AppliedOk = Extract<ApplyResult, { ok: true }>;

function settle(w: ProposalWaiter, r: ApplyResult): void {
  if (!w.map) return w.resolve(r);
  if (!r.ok) return w.reject(r.error);
  try {
    w.resolve(w.map(r));
  } catch (err) {
    w.reject(err as Error);
  }
}
/** Messages a follower relays for its clients (not statements about its own log or vote). */
function isForward(m: Message): boolean {
  return m.type === MessageType.MsgProp || m.type === MessageType.MsgReadIndex;
}
function settleRead(w: ReadWaiter): void {
  if (!w.fn) return w.resolve(undefined);
  try {
    w.resolve(w.fn());
  } catch (err) {
    w.reject(err as Error);
  }
}
interface QueuedProposal {
  data: Uint8Array;
  requestId: number;
}
interface ConfWaiter {
  nodeId: NodeId;
  type: ConfChangeType;
  resolve(): void;
  reject(e: Error): void;
  deadline: number;
}

const READ_RETRY_MS = 500;
const LEASE_CHECK_MS = 500;
const PUBLISH_RETRY_MS = 500;
const DEFAULT_CATCH_UP_ENTRIES = 5000;
/** A lone voter's in-memory raft log keeps this many applied entries (see trimAppliedLog). */
const LONE_VOTER_KEPT_ENTRIES = 256;
const CLUSTER_VERSION = '3.4.0';
const NO_DATA = new Uint8Array(0);
/** The most entry bytes applied in one turn of the event loop (applyInPieces). */
const APPLY_PIECE_BYTES = 256 * 1024;
/** Readies of at most this many entries have their WAL write done on the main thread (when no other write is in flight); DCSGW_WAL_INLINE_MAX_ENTRIES overrides it (0: never). */
const WAL_INLINE_MAX_ENTRIES = Number(process.env['DCSGW_WAL_INLINE_MAX_ENTRIES'] ?? 1);

export class NativeNode {
  readonly id: bigint;
  readonly clusterId: bigint;
  readonly members = new MemberStore();
  readonly leaseIds: IdGenerator;

  private readonly log: Logger;
  private readonly idBytes: Uint8Array;
  private readonly sm: StateMachine;
  private readonly storage = new MemoryStorage();
  private raft!: HostedRaft;
  private wal!: Wal;
  private snapshotter!: Snapshotter<null>;
  private readonly reqIds = new RequestIdCounter();
  private readonly requestTimeoutMs: number;

  // Raft state as the last Ready told it (cheaper than status() on every request).
  private lead: NodeId = None;
  private raftState: StateType = StateType.Follower;
  private term = 0;
  private commitIndex = 0;
  private appliedIndex = 0;
  private confState: ConfState = { voters: [], learners: [] };
  private snapshotIndex = 0;
  /** A snapshot's store flush in flight (startSnapshot), and one flushed whose WAL record is due. */
  private snapshotFlushing: Promise<void> | undefined;
  private snapshotFlushed: SnapshotMetadata | undefined;
  /** The release of files older than the last snapshot (recordSnapshot), in the background. */
  private releasing: Promise<void> = Promise.resolve();

  private readonly waiters = new Map<number, ProposalWaiter>();
  private queued: QueuedProposal[] = [];
  private confWaiter: ConfWaiter | undefined;

  private readWaiters: ReadWaiter[] = [];
  private readRound: { ctx: string; waiters: ReadWaiter[]; sentAt: number } | undefined;
  private readsAwaitingApply: { index: number; waiters: ReadWaiter[] }[] = [];
  private readCtx = 0;

  private loopRunning = false;
  private loopScheduled = false;
  /** A Ready's WAL write is in flight on the thread pool (the loop waits for it). */
  private persisting = false;
  private earlySendScheduled = false;
  /** Raft messages held until this turn's answers are written (see handleReady's answerFirst). */
  private deferredMsgs: Message[] = [];
  private deferredScheduled = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wantCampaign = false;
  private stopped = false;
  private fatal: Error | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly revoking = new Set<bigint>();
  private readonly peersInTransport = new Set<bigint>();
  private readonly leaderListeners: ((lead: bigint) => void)[] = [];
  private readonly removedListeners: (() => void)[] = [];
  /** When the current leader became known (etcd's leadElectedTime), 0 before any. */
  private leadElectedAt = 0;
  private publishedResolve!: () => void;
  private publishedReject!: (e: Error) => void;
  private readonly published: Promise<void>;
  private leaderWaiters: { resolve(lead: bigint): void; reject(e: Error): void; deadline: number }[] = [];
  private publishing = false;
  private isPublished = false;

  constructor(private readonly cfg: NativeNodeConfig) {
    this.id = cfg.memberId;
    this.idBytes = proposerBytes(cfg.memberId);
    this.clusterId = cfg.clusterId;
    this.sm = cfg.stateMachine;
    this.log = cfg.logger;
    this.leaseIds = new IdGenerator(cfg.memberId);
    this.requestTimeoutMs = cfg.requestTimeoutMs ?? 5000 + 2 * cfg.electionMs;
    this.published = new Promise((resolve, reject) => {
      this.publishedResolve = resolve;
      this.publishedReject = reject;
    });
    // Nobody may be waiting when a stop rejects it: that must not be an unhandled rejection.
    this.published.catch(() => undefined);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  async start(): Promise<void> {
    const memberDir = join(this.cfg.dataDir, 'member');
    const walDir = join(memberDir, 'wal');
    this.snapshotter = new Snapshotter<null>(join(memberDir, 'snap'), this.log);
    const raftCfg = (applied: number): RaftConfig => ({
      id: this.id,
      electionTick: Math.max(2, Math.round(this.cfg.electionMs / this.cfg.heartbeatMs)),
      heartbeatTick: 1,
      storage: this.storage,
      applied,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      checkQuorum: true,
      preVote: this.cfg.preVote ?? true,
      randomInt: (n) => Math.floor(Math.random() * n),
    });

    let opened: Awaited<ReturnType<typeof Wal.open>> | undefined;
    let snap: Awaited<ReturnType<typeof this.snapshotter.loadNewest>> | undefined;
    if (Wal.exists(walDir)) {
      snap = await this.snapshotter.loadNewest();
      opened = await Wal.open(walDir, { logger: this.log, ...this.walOpts() });
      if (opened.state.metadata.memberId !== this.id) {
        throw new Error(`member ${idHex(this.id)} started with the data dir of member ${idHex(opened.state.metadata.memberId)}`);
      }
    }
    // A crash between creating the WAL and syncing the bootstrap entries leaves a WAL with no raft
    // state at all. Restarting from it would skip the bootstrap, and the member could later apply
    // AddNode(itself) alone and elect itself in a one-voter configuration (found by the raft
    // simulation, seed 20788). Such a member has promised nothing to anyone: it is bootstrapped
    // again, appending to the empty log it already has (the same as a freshly created one).
    const hasRaftState = snap !== undefined || opened?.state.hardState !== undefined || (opened?.state.entries.length ?? 0) > 0;
    if (opened && hasRaftState) {
      const { wal, state } = opened;
      this.wal = wal;
      let applied = 0;
      if (snap) {
        // Raft keeps only the metadata: a follower that needs a snapshot gets a fresh one (sendMergedSnapshot).
        this.storage.applySnapshot({ metadata: snap.metadata, data: NO_DATA });
        const { members, store } = decodeSnapshotData(snap.data);
        this.members.load(members);
        if (this.sm.consistentIndex() < snap.metadata.index) {
          if (store.length === 0) {
            // The snapshot relied on the store's own files (see startSnapshot): they lost writes.
            throw new Error(
              `the store's consistent index ${this.sm.consistentIndex()} is behind the snapshot at index ${snap.metadata.index}: its database files are missing or damaged`,
            );
          }
          this.sm.restore(store);
        }
        this.confState = snap.metadata.confState;
        applied = snap.metadata.index;
        this.snapshotIndex = applied;
      }
      let entries = state.entries;
      let hardState = state.hardState;
      if (this.cfg.forceNewCluster) ({ entries, hardState } = await this.forceStandalone(snap?.metadata.confState.voters ?? [], entries, hardState));
      if (hardState) this.storage.setHardState(hardState);
      this.storage.append(entries);
      this.term = hardState?.term ?? 0;
      this.commitIndex = hardState?.commit ?? 0;
      this.appliedIndex = applied;
      this.raft = createRaft(raftCfg(applied));
      this.log.info(
        {
          'local-member-id': idHex(this.id),
          'cluster-id': idHex(this.clusterId),
          'commit-index': this.commitIndex,
          'snapshot-index': applied,
          'wal-entries': state.entries.length,
        },
        'restarting local member',
      );
      this.wantCampaign = true;
    } else {
      if (opened) this.log.warn({ 'local-member-id': idHex(this.id) }, 'WAL holds no raft state; bootstrapping the member again');
      this.wal = opened?.wal ?? (await Wal.create(walDir, { memberId: this.id, clusterId: this.clusterId }, this.walOpts()));
      this.raft = createRaft(raftCfg(0));
      if (this.cfg.initialClusterState === 'new') {
        const peers = [...this.cfg.initialCluster]
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((m) => ({
            id: m.id,
            context: encodeMemberContext({ id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: [], isLearner: false }),
          }));
        this.raft.bootstrap(peers);
        this.wantCampaign = true;
      }
      this.log.info(
        { 'local-member-id': idHex(this.id), 'cluster-id': idHex(this.clusterId), 'initial-cluster-state': this.cfg.initialClusterState },
        'starting local member',
      );
    }

    const t = this.cfg.transport;
    if (t) {
      await t.start({
        onMessages: (msgs) => this.onPeerMessages(msgs),
        onUnreachable: (id) => {
          if (!this.stopped) this.raft.reportUnreachable(id);
        },
        onSnapshotStatus: (id, status) => {
          if (!this.stopped) this.raft.reportSnapshot(id, status);
          this.schedule();
        },
      });
      for (const m of this.members.list()) this.ensurePeer(m.id, m.peerURLs);
      for (const m of this.cfg.initialCluster) this.ensurePeer(m.id, m.peerURLs);
    }

    if (t) this.advanceTicksOnceConnected();
    this.timers.push(setInterval(() => this.onTick(), this.cfg.heartbeatMs));
    this.timers.push(setInterval(() => this.onLeaseCheck(), LEASE_CHECK_MS));
    this.schedule();
    void this.publishLoop();
  }

  /** --force-new-cluster on a member with a log: see ./node/force-new-cluster.ts; persisted before raft starts. */
  private async forceStandalone(snapshotVoters: readonly bigint[], entries: Entry[], hardState: HardState | undefined): Promise<{ entries: Entry[]; hardState: HardState }> {
    const term = hardState?.term ?? 0;
    const plan = standaloneLog({
      snapshotVoters,
      entries,
      commit: hardState?.commit ?? 0,
      term,
      self: this.id,
      selfContext: encodeMemberContext({ id: this.id, name: this.cfg.name, peerURLs: this.cfg.peerURLs, clientURLs: [], isLearner: false }),
    });
    if (plan.discarded > 0) this.log.info({ 'number-of-discarded-entries': plan.discarded, 'commit-index-from-wal': hardState?.commit ?? 0 }, 'discarding uncommitted WAL entries');
    const forced: HardState = { term, vote: hardState?.vote ?? 0n, commit: plan.commit };
    this.wal.save(forced, plan.appended);
    await this.wal.sync();
    this.log.info({ 'cluster-id': idHex(this.clusterId), 'local-member-id': idHex(this.id), 'commit-index': plan.commit }, 'forcing restart member');
    return { entries: [...plan.kept, ...plan.appended], hardState: forced };
  }

  /**
   * etcd's --initial-election-tick-advance: once a peer connection is up (polled every 50 ms for up
   * to 5 s), fast-forward the election clock to two ticks before its timeout, so a booting cluster
   * elects within a few heartbeats instead of a whole election timeout. Done only while no leader
   * is known, so a member rejoining a healthy cluster does not disturb it.
   */
  private advanceTicksOnceConnected(): void {
    const t = this.cfg.transport;
    if (!t) return;
    const started = Date.now();
    const timer = setInterval(() => {
      if (this.stopped || Date.now() - started > 5000 || this.lead !== None) return clearInterval(timer);
      const peers = this.confState.voters.filter((v) => v !== this.id);
      if (peers.length === 0 || !peers.some((p) => t.isActive(p))) return;
      clearInterval(timer);
      const ticks = Math.max(2, Math.round(this.cfg.electionMs / this.cfg.heartbeatMs)) - 2;
      for (let i = 0; i < ticks; i++) this.raft.tick();
      this.schedule();
    }, 50);
    this.timers.push(timer);
  }

  /** Resolves once this member's attributes are published through raft (etcd's ReadyNotify). */
  ready(): Promise<void> {
    return this.published;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.failAll(Errors.Stopped);
    await this.loopDone;
    // the store stays open until the member is stopped: a flush must not outlive it
    await this.snapshotFlushing;
    await this.releasing;
    if (this.cfg.transport) await this.cfg.transport.close().catch(() => undefined);
    await this.wal.close().catch(() => undefined);
  }

  // ---- views ----------------------------------------------------------------------------------

  leader(): bigint {
    return this.lead;
  }
  isLeader(): boolean {
    return this.raftState === StateType.Leader;
  }
  raftTerm(): number {
    return this.term;
  }
  committedIndex(): number {
    return this.commitIndex;
  }
  appliedRaftIndex(): number {
    return this.appliedIndex;
  }
  isLearner(): boolean {
    return this.confState.learners.includes(this.id);
  }
  votingMembers(): bigint[] {
    return [...this.confState.voters];
  }
  /** Raft's full status (term, vote, commit, applied, the leader's view of every peer), for /debug/vars. */
  raftStatus(): RaftStatus {
    return this.raft.status();
  }
  /** Raft's progress view of a peer (leader only), for learner promotion checks. */
  progress(id: bigint): { match: number } | undefined {
    const p = this.raft.status().progress?.get(id);
    return p ? { match: p.match } : undefined;
  }
  /** Resolves with the leader once one is known; fails with `request timed out` after the request timeout. */
  waitLeader(): Promise<bigint> {
    if (this.stopped) return Promise.reject(Errors.Stopped);
    if (this.lead !== None) return Promise.resolve(this.lead);
    return new Promise((resolve, reject) => {
      this.leaderWaiters.push({ resolve, reject, deadline: Date.now() + this.requestTimeoutMs });
    });
  }

  /** Called with the new leader (0n = none) whenever it changes. */
  onLeaderChange(fn: (lead: bigint) => void): void {
    this.leaderListeners.push(fn);
  }
  transport(): Transport | undefined {
    return this.cfg.transport;
  }
  /** Proposals of this member not applied yet (etcd_server_proposals_pending). */
  pendingProposals(): number {
    return this.waiters.size;
  }
  /** etcd's request timeout: how long proposals and linearizable reads wait before `request timed out`. */
  requestTimeout(): number {
    return this.requestTimeoutMs;
  }

  // ---- proposals ------------------------------------------------------------------------------

  /** Replicates a store command and resolves with its outcome once applied here. */
  propose(cmd: Command): Promise<ApplyResult> {
    return this.proposeEnvelope(EnvelopeKind.Store, encodeCommand(cmd, ENVELOPE_HEADER), cmd, undefined, true) as Promise<ApplyResult>;
  }

  /** Like propose, but a failed outcome rejects with its EtcdError and a successful one resolves with map(outcome). */
  proposeAndMap<T>(cmd: Command, map: (r: AppliedOk) => T): Promise<T> {
    return this.proposeEnvelope(EnvelopeKind.Store, encodeCommand(cmd, ENVELOPE_HEADER), cmd, map, true) as Promise<T>;
  }

  private proposeEnvelope(
    kind: EnvelopeKind,
    payload: Uint8Array,
    cmd: Command | undefined,
    map: ((r: AppliedOk) => unknown) | undefined,
    /** `payload` starts with ENVELOPE_HEADER free bytes for the header (encodeCommand's headroom). */
    headerRoom = false,
  ): Promise<unknown> {
    if (this.stopped) return Promise.reject(Errors.Stopped);
    const requestId = this.reqIds.next();
    const data = headerRoom ? sealEnvelope(payload, kind, this.id, requestId) : encodeEnvelope(kind, this.id, requestId, payload);
    writeTrace?.proposed();
    return new Promise<unknown>((resolve, reject) => {
      this.waiters.set(requestId, { resolve, reject, deadline: Date.now() + this.requestTimeoutMs, cmd, map });
      if (this.lead === None || !this.tryPropose(data)) this.queued.push({ data, requestId });
      else this.schedule();
    });
  }

  private tryPropose(data: Uint8Array): boolean {
    try {
      this.raft.propose(data);
      return true;
    } catch {
      return false; // ErrProposalDropped: no leader yet, or a transfer in progress; retried later
    }
  }

  /** Proposes a membership change and resolves once it is applied here. */
  proposeConfChange(cc: ConfChange): Promise<void> {
    if (this.stopped) return Promise.reject(Errors.Stopped);
    if (this.confWaiter) return Promise.reject(Errors.TooManyRequests);
    return new Promise<void>((resolve, reject) => {
      this.confWaiter = { nodeId: cc.nodeId, type: cc.type, resolve, reject, deadline: Date.now() + this.requestTimeoutMs };
      try {
        this.raft.proposeConfChange(cc);
      } catch {
        this.confWaiter = undefined;
        reject(Errors.Timeout);
        return;
      }
      this.schedule();
    });
  }

  transferLeader(target: bigint): void {
    this.raft.transferLeader(target);
    this.schedule();
  }

  // ---- linearizable reads ---------------------------------------------------------------------

  /** Resolves once this member has applied everything committed when the call was made (ReadIndex). */
  linearizableRead(): Promise<void> {
    return this.readThen(undefined) as Promise<void>;
  }

  /** Runs fn once a linearizable read may be served, and resolves with its result (one promise per read). */
  linearizableReadThen<T>(fn: () => T): Promise<T> {
    return this.readThen(fn) as Promise<T>;
  }

  private readThen(fn: (() => unknown) | undefined): Promise<unknown> {
    if (this.stopped) return Promise.reject(Errors.Stopped);
    return new Promise<unknown>((resolve, reject) => {
      this.readWaiters.push({ resolve, reject, deadline: Date.now() + this.requestTimeoutMs, fn });
      if (!this.readRound) this.startReadRound();
    });
  }

  private startReadRound(): void {
    if (this.readWaiters.length === 0 || this.lead === None) return;
    const ctx = String(++this.readCtx);
    this.readRound = { ctx, waiters: this.readWaiters, sentAt: Date.now() };
    this.readWaiters = [];
    this.raft.readIndex(Buffer.from(ctx));
    this.schedule();
  }

  private onReadState(index: number, ctx: string): void {
    const round = this.readRound;
    if (!round || round.ctx !== ctx) return;
    this.readRound = undefined;
    if (this.appliedIndex >= index) for (const w of round.waiters) settleRead(w);
    else this.readsAwaitingApply.push({ index, waiters: round.waiters });
    this.startReadRound();
  }

  // ---- the loop -------------------------------------------------------------------------------

  private schedule(): void {
    if (this.stopped) return;
    if (this.persisting) this.scheduleEarlySend();
    if (this.loopRunning || this.loopScheduled) return;
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      if (this.loopRunning || this.stopped) return;
      this.loopRunning = true;
      this.loopDone = this.runLoop().finally(() => {
        this.loopRunning = false;
      });
    });
  }

  /**
   * While a Ready's WAL write is in flight, what may leave before it ends goes at once (one send
   * per turn of the event loop, gathering what arrived meanwhile): the leader replicates proposals
   * made during its sync, so the followers persist them while the leader does, and tells the
   * followers a new commit index as soon as it has one; a follower relays its clients' proposals
   * and reads to the leader without waiting for its own sync. See RaftNode.takeEarlyMessages.
   */
  private scheduleEarlySend(): void {
    if (this.earlySendScheduled || !this.cfg.transport) return;
    this.earlySendScheduled = true;
    setImmediate(() => {
      this.earlySendScheduled = false;
      if (!this.persisting || this.stopped) return;
      const msgs = this.raft.takeEarlyMessages();
      if (msgs.length > 0) this.send(msgs);
    });
  }

  private async runLoop(): Promise<void> {
    try {
      // A lone voter restarted with nothing left to persist or apply has no Ready to wait for: it
      // campaigns now rather than after an election timeout (etcd advances a single member's ticks).
      if (this.wantCampaign && this.shouldCampaignAtOnce() && !this.raft.hasReady()) {
        this.wantCampaign = false;
        this.raft.campaign();
      }
      while (!this.stopped) {
        if (this.snapshotFlushed) await this.finishSnapshot();
        if (!this.raft.hasReady()) break;
        await this.handleReady(this.raft.ready());
        if (this.wantCampaign && this.shouldCampaignAtOnce()) {
          this.wantCampaign = false;
          this.raft.campaign();
        }
      }
    } catch (err) {
      this.fatal = err as Error;
      this.log.fatal({ err }, 'raft loop failed; stopping the member');
      this.stopped = true;
      for (const t of this.timers) clearInterval(t);
      this.failAll(Errors.Stopped);
    }
  }

  /** A lone voter need not wait an election timeout (etcd campaigns at once in a 1-member cluster). */
  private shouldCampaignAtOnce(): boolean {
    const v = this.confState.voters;
    return v.length === 1 && v[0] === this.id && this.raftState !== StateType.Leader;
  }

  private async handleReady(rd: Ready): Promise<void> {
    const trace = writeTrace;
    if (trace && rd.mustSync && rd.entries.length > 0) trace.persistBegin(rd.entries.length);
    if (rd.softState) this.onSoftState(rd.softState.lead, rd.softState.raftState);
    const leader = this.raftState === StateType.Leader;
    const committed = rd.committedEntries;
    // A Ready that persists nothing and commits only proposals this member answers: its messages
    // (the leader's commit broadcast, a follower's ack of a commit-only MsgApp) tell no one
    // anything they wait for, so they leave after the answers are written instead of before
    // (each loopback write also wakes its receiver, which on a busy machine can take this
    // process's core away right before the answer).
    const answerFirst = rd.messages.length > 0 && rd.entries.length === 0 && !rd.mustSync && !rd.snapshot && this.answersAllHere(committed);
    let afterSync = rd.messages;
    if (leader && rd.messages.length > 0) {
      if (!answerFirst) {
        this.send(committed.length > 0 ? this.proposerFirst(rd.messages, committed) : rd.messages);
        afterSync = [];
      }
    } else if (rd.messages.length > 0) {
      // A follower's forwarded proposals and read requests state nothing about its log or vote, so
      // they need not wait for this Ready's fsync (acks and votes do): sent now, they reach the
      // leader one fsync earlier.
      const forwards = rd.messages.filter(isForward);
      if (forwards.length > 0) {
        this.send(forwards);
        afterSync = forwards.length === rd.messages.length ? [] : rd.messages.filter((m) => !isForward(m));
      }
    }

    if (rd.snapshot) await this.persistReceivedSnapshot(rd.snapshot);
    if (rd.hardState || rd.entries.length > 0) this.wal.save(rd.hardState, rd.entries);
    trace?.encoded();
    // Committed entries already on this member's disk are applied (and their proposers answered)
    // while this Ready's own write is in flight, as etcd hands them to its applier before
    // storage.Save: committed on a quorum and synced here by an earlier Ready, so nothing is
    // acknowledged before it is durable. MemoryStorage only receives entries after their sync, so
    // its lastIndex is the last durable index. This takes one fsync off the commit latency in a
    // cluster (the leader learns the commit of batch N while it persists batch N+1).
    // Not before a write done inline on this thread, though: the answers would still leave only
    // after it (this turn runs to its end first), and a follower's ack would wait for the apply.
    const inlineWrite = !rd.snapshot && rd.entries.length <= WAL_INLINE_MAX_ENTRIES && this.wal.canSyncInline();
    let early = 0;
    if (rd.mustSync && !rd.snapshot && committed.length > 0 && !inlineWrite) {
      const durable = this.storage.lastIndex();
      while (early < committed.length && committed[early]!.index <= durable) early++;
      if (early > 0) await this.applyInPieces(early === committed.length ? committed : committed.slice(0, early));
    }
    if (rd.mustSync || rd.snapshot) {
      const t0 = this.cfg.onWalSync ? performance.now() : 0;
      // A small batch is written on this thread when no other write is in flight: the thread-pool
      // round trip (queue, worker wake-up, completion wake-up of this loop) costs about as much
      // as the write itself on a fast disk. Big batches (many clients) go to the pool, so the
      // next batch's requests are decoded and proposed while this one is on its way to disk.
      const inline = !rd.snapshot && rd.entries.length <= WAL_INLINE_MAX_ENTRIES && this.wal.syncInline();
      if (!inline) {
        this.persisting = true;
        try {
          await this.wal.sync();
        } finally {
          this.persisting = false;
        }
      }
      if (this.cfg.onWalSync) this.cfg.onWalSync((performance.now() - t0) / 1000);
      trace?.synced(inline);
    }
    if (rd.hardState) {
      this.storage.setHardState(rd.hardState);
      this.term = rd.hardState.term;
      this.commitIndex = rd.hardState.commit;
    }
    if (rd.snapshot) this.applyReceivedSnapshot(rd.snapshot);
    this.storage.append(rd.entries);
    if (afterSync.length > 0) {
      if (answerFirst) this.sendAfterAnswers(afterSync);
      else this.send(afterSync);
    }

    if (committed.length > early) {
      trace?.applyBegin();
      await this.applyInPieces(early === 0 ? committed : committed.slice(early));
      trace?.applyEnd();
    }
    for (const rs of rd.readStates) this.onReadState(rs.index, Buffer.from(rs.requestCtx).toString());
    this.raft.advance(rd);
    this.trimAppliedLog();

    if (this.appliedIndex - this.snapshotIndex >= this.cfg.snapshotCount && !this.snapshotFlushing && !this.snapshotFlushed) {
      if (this.sm.flush) this.startSnapshot();
      else await this.takeSnapshotInline();
    }
  }

  private onSoftState(lead: NodeId, state: StateType): void {
    const wasLeader = this.raftState === StateType.Leader;
    const leadChanged = lead !== this.lead;
    const prevLead = this.lead;
    this.lead = lead;
    this.raftState = state;
    const isLeader = state === StateType.Leader;
    if (isLeader && !wasLeader) {
      this.log.info(`${idHex(this.id)} became leader at term ${this.raft.status().hardState.term}`);
      this.sm.promote(Date.now());
    } else if (!isLeader && wasLeader) {
      this.sm.demote();
      this.revoking.clear();
    }
    if (leadChanged) {
      // etcd's raft log lines, word for word.
      const term = this.raft.status().hardState.term;
      if (lead === None) this.log.info(`raft.node: ${idHex(this.id)} lost leader ${idHex(prevLead)} at term ${term}`);
      else this.log.info(`raft.node: ${idHex(this.id)} elected leader ${idHex(lead)} at term ${term}`);
      for (const fn of this.leaderListeners) fn(lead);
      if (lead !== None) {
        this.leadElectedAt = Date.now();
        const ws = this.leaderWaiters;
        this.leaderWaiters = [];
        for (const w of ws) w.resolve(lead);
        this.flushQueued();
        if (this.readRound) {
          // The old round may have been dropped with the old leader: ask again.
          this.readWaiters = this.readRound.waiters.concat(this.readWaiters);
          this.readRound = undefined;
        }
        this.startReadRound();
        if (isLeader && this.members.clusterVersion === '') {
          this.log.info({ 'cluster-version': '3.4' }, 'setting up initial cluster version');
          void this.proposeEnvelope(EnvelopeKind.ClusterVersion, Buffer.from(CLUSTER_VERSION), undefined, undefined).catch(() => undefined);
        }
      }
    }
  }

  private flushQueued(): void {
    if (this.queued.length === 0) return;
    const q = this.queued;
    this.queued = [];
    for (const p of q) {
      if (!this.waiters.has(p.requestId)) continue; // timed out meanwhile
      if (!this.tryPropose(p.data)) this.queued.push(p);
    }
  }

  /**
   * Whether every entry committed here is a proposal of this member (or a leader's no-op), one at
   * least still awaited by its proposer: then no other member waits for this commit to answer.
   */
  private answersAllHere(ents: Entry[]): boolean {
    let awaited = false;
    for (const e of ents) {
      if (e.type !== EntryType.Normal) return false;
      const data = e.data;
      if (data.length === 0) continue;
      if (!isFrom(data, this.idBytes)) return false;
      if (!awaited && this.waiters.has(envelopeRequestId(data))) awaited = true;
    }
    return awaited;
  }

  /**
   * The leader's messages with those to the member that proposed the last committed entry first:
   * that member answers its client once the new commit index reaches it, the others are not
   * waiting (one loopback write each, in order).
   */
  private proposerFirst(msgs: Message[], committed: Entry[]): Message[] {
    for (let i = committed.length - 1; i >= 0; i--) {
      const e = committed[i]!;
      const d = e.data;
      if (e.type !== EntryType.Normal || d.length < ENVELOPE_HEADER) continue;
      if (isFrom(d, this.idBytes)) return msgs;
      const proposer = envelopeProposer(d);
      if (msgs[0]!.to === proposer || !msgs.some((m) => m.to === proposer)) return msgs;
      return msgs.filter((m) => m.to === proposer).concat(msgs.filter((m) => m.to !== proposer));
    }
    return msgs;
  }

  /** Sends msgs one turn later: after the answers resolved in this turn are on the wire. */
  private sendAfterAnswers(msgs: Message[]): void {
    for (const m of msgs) this.deferredMsgs.push(m);
    if (this.deferredScheduled) return;
    this.deferredScheduled = true;
    setImmediate(() => {
      this.deferredScheduled = false;
      if (!this.stopped) this.flushDeferred();
    });
  }

  private flushDeferred(): void {
    const msgs = this.deferredMsgs;
    if (msgs.length === 0) return;
    this.deferredMsgs = [];
    this.send(msgs);
  }

  private send(msgs: Message[]): void {
    const t = this.cfg.transport;
    if (!t) return;
    // what was held for the answers goes first: a peer sees messages in the order raft made them
    if (this.deferredMsgs.length > 0) this.flushDeferred();
    if (!msgs.some((m) => m.type === MessageType.MsgSnap)) return t.send(msgs);
    t.send(msgs.filter((m) => m.type !== MessageType.MsgSnap));
    for (const m of msgs) if (m.type === MessageType.MsgSnap) this.sendMergedSnapshot(t, m);
  }

  /**
   * etcd's createMergedSnapshotMessage: a follower that needs a snapshot gets one of the state as
   * applied NOW, with the current configuration — not the last snapshot file, which may predate
   * the follower's own addition (raft ignores a snapshot whose ConfState lacks the receiver).
   * The store's snapshotData() captures its state when called, so index and data agree.
   */
  private sendMergedSnapshot(t: Transport, m: Message): void {
    const index = this.appliedIndex;
    const term = this.storage.term(index);
    const confState: ConfState = { voters: [...this.confState.voters], learners: [...this.confState.learners] };
    const members = this.members.toJSON();
    this.sm.snapshotData().then(
      (store) => {
        if (this.stopped) return;
        m.snapshot = { metadata: { index, term, confState }, data: encodeSnapshotData(members, store) };
        t.send([m]);
        this.log.info({ 'local-member-id': idHex(this.id), 'remote-peer-id': idHex(m.to), 'snapshot-index': index }, 'sending merged snapshot');
      },
      (err: Error) => {
        this.log.warn({ err, 'remote-peer-id': idHex(m.to) }, 'failed to create a snapshot for a follower');
        if (!this.stopped) this.raft.reportSnapshot(m.to, SnapshotStatus.Failure);
      },
    );
  }

  private onPeerMessages(msgs: Message[]): void {
    if (this.stopped) return;
    for (const m of msgs) {
      try {
        this.raft.step(m);
      } catch (err) {
        this.log.debug({ err, type: m.type, from: idHex(m.from) }, 'dropped a peer message');
      }
    }
    this.schedule();
  }

  // ---- applying -------------------------------------------------------------------------------

  /**
   * Applies committed entries; a big run of them (10 KiB values from many clients: megabytes in one
   * Ready) goes in pieces of about APPLY_PIECE_BYTES, the event loop turning between them, so one
   * apply never holds the loop for long (writing fresh pages of the store's write map faults them
   * in, tens of milliseconds per piece at worst). Each piece is one store transaction; reads and
   * answers see the applied index move piece by piece, never inside one.
   */
  private async applyInPieces(ents: Entry[]): Promise<void> {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < ents.length; i++) {
      bytes += ents[i]!.data.length;
      if (bytes < APPLY_PIECE_BYTES || i === ents.length - 1) continue;
      this.applyEntries(ents.slice(start, i + 1));
      start = i + 1;
      bytes = 0;
      await setImmediatePromise();
    }
    if (start < ents.length) this.applyEntries(start === 0 ? ents : ents.slice(start));
  }

  private applyEntries(ents: Entry[]): void {
    const ci = this.sm.consistentIndex();
    const batch: CommittedCommand[] = [];
    const owners: (ProposalWaiter | undefined)[] = [];
    const nodeLevel: ProposalWaiter[] = [];
    for (const e of ents) {
      if (e.type === EntryType.ConfChange) {
        this.applyConfChangeEntry(e);
        if (e.index > ci) {
          batch.push({ index: e.index, term: e.term });
          owners.push(undefined);
        }
        continue;
      }
      const data = e.data;
      if (data.length === 0) {
        // The no-op a new leader appends.
        if (e.index > ci) {
          batch.push({ index: e.index, term: e.term });
          owners.push(undefined);
        }
        continue;
      }
      // Fast path: a store command this member proposed — no decoding, no allocation.
      let waiter: ProposalWaiter | undefined;
      if (isFrom(data, this.idBytes)) {
        const rid = envelopeRequestId(data);
        waiter = this.waiters.get(rid);
        if (waiter) this.waiters.delete(rid);
      }
      if (data[0] === EnvelopeKind.Store) {
        if (e.index <= ci) continue; // already in the store (restart replay)
        batch.push({
          index: e.index,
          term: e.term,
          command: waiter?.cmd ?? decodeCommand(data.subarray(ENVELOPE_HEADER)),
        });
        owners.push(waiter);
        continue;
      }
      const env = decodeEnvelope(data)!;
      // Node-level entries shape the member list, which is rebuilt from snapshot + WAL: always applied.
      if (env.kind === EnvelopeKind.MemberAttributes) {
        this.members.applyAttributes(JSON.parse(Buffer.from(env.payload).toString('utf8')) as MemberAttributes);
      } else if (env.kind === EnvelopeKind.ClusterVersion) {
        const v = Buffer.from(env.payload).toString('utf8');
        if (this.members.clusterVersion !== v) {
          this.members.clusterVersion = v;
          this.log.info(
            { 'cluster-id': idHex(this.clusterId), 'local-member-id': idHex(this.id), 'cluster-version': v.split('.').slice(0, 2).join('.') },
            'set initial cluster version',
          );
        }
      }
      if (e.index > ci) {
        batch.push({ index: e.index, term: e.term });
        owners.push(undefined);
      }
      if (waiter) nodeLevel.push(waiter);
    }
    if (batch.length > 0) {
      const results = this.sm.applyBatch(batch);
      for (let i = 0; i < owners.length; i++) {
        const w = owners[i];
        if (w) settle(w, results[i]!);
      }
    }
    this.appliedIndex = ents[ents.length - 1]!.index;
    if (nodeLevel.length > 0) {
      const r: ApplyResult = { ok: true, revision: this.sm.currentRevision(), value: { kind: 'noop' } };
      for (const w of nodeLevel) settle(w, r);
    }
    if (this.readsAwaitingApply.length > 0) {
      const still: { index: number; waiters: ReadWaiter[] }[] = [];
      for (const r of this.readsAwaitingApply) {
        if (r.index <= this.appliedIndex) for (const w of r.waiters) settleRead(w);
        else still.push(r);
      }
      this.readsAwaitingApply = still;
    }
  }

  private applyConfChangeEntry(e: Entry): void {
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode || !this.members.isRemoved(cc.nodeId)) {
      this.confState = this.raft.applyConfChange(cc);
    }
    const ev = this.members.applyConfChange(cc);
    if (ev) {
      if (ev.kind === 'added') {
        this.log.info(
          { 'cluster-id': idHex(this.clusterId), 'local-member-id': idHex(this.id), 'added-peer-id': idHex(ev.member.id), 'added-peer-peer-urls': ev.member.peerURLs },
          'added member',
        );
        this.ensurePeer(ev.member.id, ev.member.peerURLs);
      } else if (ev.kind === 'removed') {
        this.log.info({ 'cluster-id': idHex(this.clusterId), 'local-member-id': idHex(this.id), 'removed-remote-peer-id': idHex(ev.id) }, 'removed member');
        if (this.peersInTransport.delete(ev.id)) this.cfg.transport?.removePeer(ev.id);
        if (ev.id === this.id) this.onSelfRemoved();
      } else {
        this.log.info({ 'local-member-id': idHex(this.id), 'updated-remote-peer-id': idHex(ev.member.id) }, 'updated member');
        if (this.peersInTransport.has(ev.member.id)) this.cfg.transport?.updatePeer(ev.member.id, ev.member.peerURLs);
      }
    }
    const w = this.confWaiter;
    if (w && w.nodeId === cc.nodeId && w.type === cc.type) {
      this.confWaiter = undefined;
      w.resolve();
    }
  }

  /** etcd stops a member once it applies its own removal (and refuses to start it again). */
  private onSelfRemoved(): void {
    this.log.warn({ 'local-member-id': idHex(this.id) }, 'the member has been permanently removed from the cluster');
    // After the current Ready: the entry that removed us is applied, its proposer (if here) answered.
    setImmediate(() => {
      void this.stop().finally(() => {
        for (const fn of this.removedListeners) fn();
      });
    });
  }

  /** Called once this member has applied its own removal and stopped. */
  onRemoved(fn: () => void): void {
    this.removedListeners.push(fn);
  }

  private ensurePeer(id: bigint, peerURLs: string[]): void {
    const t = this.cfg.transport;
    if (!t || id === this.id || this.stopped) return;
    if (this.peersInTransport.has(id)) {
      t.updatePeer(id, peerURLs);
    } else {
      this.peersInTransport.add(id);
      t.addPeer(id, peerURLs);
    }
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /**
   * A lone voter (no other voter, no learner) has nobody to send old entries to, so it lets go of
   * what it has applied but the last LONE_VOTER_KEPT_ENTRIES, instead of keeping up to snapshotCount
   * entries until the next snapshot as etcd does. A put's raft entry and its value then die young:
   * kept for 100k entries they outlived scavenges into V8's old space (more promotion, more
   * mark-compacts; 10 KiB values were up to 1 GB of external memory). The WAL still keeps them
   * until the next snapshot, so a restart replays as before. A member added later that needs older
   * entries gets a snapshot (sendMergedSnapshot): raft's in-memory snapshot record is moved to the
   * trim point so the core has a non-empty one to start from.
   */
  private trimAppliedLog(): void {
    const cs = this.confState;
    if (cs.voters.length !== 1 || cs.voters[0] !== this.id || cs.learners.length !== 0) return;
    const upTo = Math.min(this.appliedIndex, this.storage.lastIndex()) - LONE_VOTER_KEPT_ENTRIES;
    // in steps, so the array copy of compact() is paid once per LONE_VOTER_KEPT_ENTRIES entries
    if (upTo - this.storage.firstIndex() < LONE_VOTER_KEPT_ENTRIES) return;
    // (a snapshot taken since the last trim is newer than upTo already: it stays)
    if (upTo > this.storage.snapshot().metadata.index) this.storage.createSnapshot(upTo, cs, NO_DATA);
    this.storage.compact(upTo);
  }

  /**
   * A store that persists itself (it has flush) is its own snapshot, as etcd's bolt db is: it is
   * forced to disk, so it holds everything up to the snapshot's index before the WAL up to there
   * is released, and the snapshot file carries the member list only. (Copying the whole store into
   * the file cost O(db) of main-thread time every snapshotCount writes: about 1 s at 100k revisions.)
   * The flush runs beside the raft loop: at 1 GB of fresh pages it takes up to half a second, and
   * proposals and reads waited for it when the loop did. What needs the loop (the WAL's snapshot
   * record, log compaction) is done by the loop once the flush is over (finishSnapshot); old files
   * are then released in the background (recordSnapshot).
   * The member list and configuration are taken now: they are the ones at `index`.
   */
  private startSnapshot(): void {
    const index = this.appliedIndex;
    const metadata: SnapshotMetadata = { index, term: this.storage.term(index), confState: this.confState };
    const data = encodeSnapshotData(this.members.toJSON(), NO_DATA);
    this.snapshotFlushing = (async () => {
      await this.sm.flush!();
      await this.snapshotter.save({ metadata, extra: null, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
      this.snapshotFlushed = metadata;
    })()
      .catch((err: unknown) => this.log.warn({ err, 'snapshot-index': index }, 'snapshot: flushing the store failed; trying again at the next apply'))
      .finally(() => {
        this.snapshotFlushing = undefined;
        this.schedule();
      });
  }

  /** The loop's part of a snapshot whose store flush and file are done (startSnapshot). */
  private async finishSnapshot(): Promise<void> {
    const metadata = this.snapshotFlushed!;
    this.snapshotFlushed = undefined;
    // An incoming snapshot applied meanwhile is newer: this one is superseded (purge removes its file).
    if (metadata.index <= this.snapshotIndex) return;
    // Raft's in-memory copy needs just the metadata, since followers are sent a fresh snapshot
    // (sendMergedSnapshot), so memory does not hold the db twice. A lone voter's trim may have
    // moved it past this index already (trimAppliedLog).
    if (metadata.index > this.storage.snapshot().metadata.index) this.storage.createSnapshot(metadata.index, metadata.confState, NO_DATA);
    await this.recordSnapshot(metadata);
  }

  /** A store without flush: its whole state goes into the snapshot file, taken in the loop. */
  private async takeSnapshotInline(): Promise<void> {
    const index = this.appliedIndex;
    const data = encodeSnapshotData(this.members.toJSON(), await this.sm.snapshotData());
    const snap = this.storage.createSnapshot(index, this.confState, NO_DATA);
    await this.snapshotter.save({ metadata: snap.metadata, extra: null, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
    await this.recordSnapshot(snap.metadata);
  }

  /** The snapshot is in its file: the WAL records it, and the log and the WAL before it are let go. */
  private async recordSnapshot({ index, term }: SnapshotMetadata): Promise<void> {
    this.wal.saveSnapshot({ index, term });
    await this.wal.sync();
    this.snapshotIndex = index;
    const keep = this.cfg.snapshotCatchUpEntries ?? DEFAULT_CATCH_UP_ENTRIES;
    const compactIndex = index - keep;
    if (compactIndex > this.storage.firstIndex()) this.storage.compact(compactIndex);
    this.log.info({ 'local-member-id': idHex(this.id), 'snapshot-index': index }, 'saved snapshot');
    // Deleting old WAL segments and snapshot files is left to the background, one release at a
    // time, as etcd's purge goroutine does: an unlink on a filesystem mounted with `discard` waits
    // for the discard of every block (hundreds of ms for 64 MB segments), and the loop must not.
    this.releasing = this.releasing
      .then(async () => {
        await this.wal.releaseTo(index);
        await this.snapshotter.purge(5);
      })
      .catch((err: unknown) => this.log.warn({ err, 'snapshot-index': index }, 'failed to release the WAL and snapshot files before the snapshot'));
  }

  private async persistReceivedSnapshot(snap: Snapshot): Promise<void> {
    await this.snapshotter.save({ metadata: snap.metadata, extra: null, data: Buffer.from(snap.data) });
    this.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term });
  }

  private applyReceivedSnapshot(snap: Snapshot): void {
    this.storage.applySnapshot({ metadata: snap.metadata, data: NO_DATA });
    const { members, store } = decodeSnapshotData(snap.data);
    this.sm.restore(store);
    this.members.load(members);
    for (const m of this.members.list()) this.ensurePeer(m.id, m.peerURLs);
    this.confState = snap.metadata.confState;
    this.appliedIndex = snap.metadata.index;
    this.snapshotIndex = snap.metadata.index;
    if (snap.metadata.index > this.commitIndex) this.commitIndex = snap.metadata.index;
    this.log.info({ 'local-member-id': idHex(this.id), 'snapshot-index': snap.metadata.index }, 'applied incoming snapshot');
  }

  // ---- timers ---------------------------------------------------------------------------------

  private onTick(): void {
    if (this.stopped) return;
    this.raft.tick();
    this.schedule();
    const now = Date.now();
    // Request timeouts: waiters are in insertion order with equal timeouts, so stop at the first live one.
    for (const [id, w] of this.waiters) {
      if (w.deadline > now) break;
      this.waiters.delete(id);
      this.cfg.onProposalFailed?.();
      w.reject(this.proposalTimeoutError(w.deadline - this.requestTimeoutMs));
    }
    if (this.readWaiters.length > 0 && this.readWaiters[0]!.deadline <= now) {
      this.readWaiters = this.expireReads(this.readWaiters, now);
    }
    if (this.readRound) {
      this.readRound.waiters = this.expireReads(this.readRound.waiters, now);
      if (now - this.readRound.sentAt >= READ_RETRY_MS) {
        // No answer (no leader, or the leader dropped it): retry with a fresh context, as etcd does.
        this.readWaiters = this.readRound.waiters.concat(this.readWaiters);
        this.readRound = undefined;
        this.startReadRound();
      }
    } else if (this.readWaiters.length > 0) {
      this.startReadRound();
    }
    if (this.leaderWaiters.length > 0) {
      this.leaderWaiters = this.leaderWaiters.filter((w) => {
        if (w.deadline > now) return true;
        w.reject(Errors.Timeout);
        return false;
      });
    }
    if (this.confWaiter && this.confWaiter.deadline <= now) {
      this.confWaiter.reject(Errors.Timeout);
      this.confWaiter = undefined;
    }
    if (this.queued.length > 0 && this.lead !== None) this.flushQueued();
  }

  /**
   * etcd's parseProposeCtxErr: which "request timed out" a proposal that started at `start` gets —
   * "possibly due to previous leader failure" when a new leader was elected shortly after it
   * started, "possibly due to connection lost" when the leader is not connected, else the plain one.
   */
  private proposalTimeoutError(start: number): EtcdError {
    const elected = this.leadElectedAt;
    if (elected > 0 && start > elected - 2 * this.cfg.electionMs && start < elected) return Errors.TimeoutDueToLeaderFail;
    const t = this.cfg.transport;
    if (this.lead !== None && this.lead !== this.id && t && !t.isActive(this.lead)) return Errors.TimeoutDueToConnectionLost;
    return Errors.Timeout;
  }

  private expireReads(ws: ReadWaiter[], now: number): ReadWaiter[] {
    const live: ReadWaiter[] = [];
    for (const w of ws) {
      if (w.deadline <= now) w.reject(Errors.Timeout);
      else live.push(w);
    }
    return live;
  }

  private onLeaseCheck(): void {
    if (this.stopped || this.raftState !== StateType.Leader) return;
    for (const id of this.sm.expiredLeases(Date.now())) {
      if (this.revoking.has(id)) continue;
      this.revoking.add(id);
      this.propose({ kind: 'leaseRevoke', id }).then(
        () => this.revoking.delete(id),
        () => this.revoking.delete(id),
      );
    }
  }

  // ---- publishing this member's attributes ----------------------------------------------------

  private async publishLoop(): Promise<void> {
    if (this.publishing) return;
    this.publishing = true;
    const attrs: MemberAttributes = { id: idHex(this.id), name: this.cfg.name, clientURLs: this.cfg.clientURLs };
    while (!this.stopped && !this.isPublished) {
      try {
        await this.proposeEnvelope(EnvelopeKind.MemberAttributes, Buffer.from(JSON.stringify(attrs)), undefined, undefined);
        this.isPublished = true;
        this.log.info(
          {
            'local-member-id': idHex(this.id),
            'local-member-attributes': `{Name:${this.cfg.name} ClientURLs:[${this.cfg.clientURLs.join(' ')}]}`,
            'request-path': `/0/members/${idHex(this.id)}/attributes`,
            'cluster-id': idHex(this.clusterId),
            'publish-timeout': `${this.requestTimeoutMs / 1000}s`,
          },
          'published local member to cluster through raft',
        );
        this.publishedResolve();
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ 'local-member-id': idHex(this.id), error: (err as Error).message }, 'failed to publish local member to cluster through raft');
        await new Promise((r) => setTimeout(r, PUBLISH_RETRY_MS));
      }
    }
    this.publishing = false;
  }

  private failAll(err: EtcdError): void {
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    this.queued = [];
    for (const w of this.readWaiters) w.reject(err);
    this.readWaiters = [];
    if (this.readRound) for (const w of this.readRound.waiters) w.reject(err);
    this.readRound = undefined;
    for (const r of this.readsAwaitingApply) for (const w of r.waiters) w.reject(err);
    this.readsAwaitingApply = [];
    if (this.confWaiter) this.confWaiter.reject(err);
    this.confWaiter = undefined;
    for (const w of this.leaderWaiters) w.reject(err);
    this.leaderWaiters = [];
    if (!this.isPublished) this.publishedReject(err);
  }

  private walOpts(): { segmentBytes?: number } {
    return this.cfg.walSegmentBytes ? { segmentBytes: this.cfg.walSegmentBytes } : {};
  }

  /** Why the member stopped on its own (a WAL write failed, ...), if it did. */
  failure(): Error | undefined {
    return this.fatal;
  }
}
