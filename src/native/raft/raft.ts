// The Raft state machine (modelled on etcd-io/raft's raft.go; our own code). Pure: it reacts to
// step(message) and tick() by changing its state and queueing outgoing messages in `msgs`;
// RawNode turns that into Ready batches. Single-member-at-a-time membership changes, pre-vote,
// check-quorum, ReadIndex (safe mode), leader transfer, learners, snapshots.
//
// One deliberate difference from etcd 3.4: the leader counts its OWN log entries towards commit
// only once the host reports them persisted (onPersisted, from RawNode.advance), as etcd-io/raft
// does with asynchronous storage writes. A single member therefore commits an entry exactly when
// its fsync completes, and a leader can never count an entry it may lose in a crash.

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
  type ReadState,
  type Snapshot,
  type SoftState,
  StateType,
} from './api.js';
import { ErrInvalidUse, ErrProposalDropped, ErrSnapshotTemporarilyUnavailable, ErrCompacted } from './errors.js';
import { RaftLog, TERM_COMPACTED } from './log.js';
import { Progress } from './progress.js';
import { committedIndex, quorum, voteResult } from './quorum.js';
import { ReadOnly } from './read-only.js';
import { decodeConfChange, encodeConfChange } from './conf-change.js';

const EMPTY = new Uint8Array(0);
/** Context of a vote request caused by a leader transfer: it may disturb a current leader's lease. */
export const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');

export type CampaignType = 'pre-election' | 'election' | 'transfer';

/** The planted bugs the simulation must catch (see test/sim/mutations.test.ts). */
export const MUTATIONS = [
  'commit-old-term-by-count',
  'vote-twice-in-term',
  'no-log-up-to-date-check',
  'follower-no-truncate-conflict',
  'readindex-without-heartbeat',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Builds a message with every field present (one object shape: fast property access). */
export function newMessage(type: MessageType, to: NodeId, from: NodeId = None): Message {
  return {
    type,
    from,
    to,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    snapshot: undefined,
    reject: false,
    rejectHint: 0,
    context: EMPTY,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compareIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function voteRespType(t: MessageType): MessageType {
  return t === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
}

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  state: StateType = StateType.Follower;
  isLearner = false;
  lead: NodeId = None;
  /** The node we are handing leadership to, or None. */
  leadTransferee: NodeId = None;
  /** Index of the last conf change proposed; a new one waits until it is applied. */
  pendingConfIndex = 0;
  msgs: Message[] = [];
  /**
   * New entries (or a new commit index) to broadcast. Deferred to the next Ready: every proposal
   * that arrives before the host asks for the next batch rides in the same MsgApp.
   */
  pendingBroadcast = false;
  /** Sorted voter ids (learners excluded): the quorum. */
  voters: NodeId[] = [];
  readonly prs = new Map<NodeId, Progress>();

  private readonly votes = new Map<NodeId, boolean>();
  private readonly readOnly = new ReadOnly();
  private pendingReadIndexMessages: Message[] = [];
  private readonly maxMsgSize: number;
  private readonly maxInflight: number;
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  private readonly heartbeatTimeout: number;
  private readonly electionTimeout: number;
  private randomizedElectionTimeout = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private readonly randomInt: (n: number) => number;
  private readonly logger: RaftConfig['logger'];
  private readonly scratch: number[] = [];
  /** Conf change entries written by bootstrap(): applied to the configuration already. */
  private bootstrapIndex = 0;

  // Planted bugs, resolved once (hot path).
  private readonly mutCommitOldTerm: boolean;
  private readonly mutVoteTwice: boolean;
  private readonly mutNoUpToDate: boolean;
  private readonly mutNoTruncate: boolean;
  private readonly mutReadNoHeartbeat: boolean;

  constructor(c: RaftConfig) {
    if (c.id === None) throw new ErrInvalidUse('cannot use none as id');
    if (c.heartbeatTick <= 0) throw new ErrInvalidUse('heartbeat tick must be greater than 0');
    if (c.electionTick <= c.heartbeatTick) throw new ErrInvalidUse('election tick must be greater than heartbeat tick');
    if (c.maxInflightMsgs <= 0) throw new ErrInvalidUse('max inflight messages must be greater than 0');
    this.id = c.id;
    this.raftLog = new RaftLog(c.storage);
    this.maxMsgSize = c.maxSizePerMsg;
    this.maxInflight = c.maxInflightMsgs;
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;
    this.randomInt = c.randomInt;
    this.logger = c.logger;
    const m = c.mutations;
    this.mutCommitOldTerm = m?.has('commit-old-term-by-count') ?? false;
    this.mutVoteTwice = m?.has('vote-twice-in-term') ?? false;
    this.mutNoUpToDate = m?.has('no-log-up-to-date-check') ?? false;
    this.mutNoTruncate = m?.has('follower-no-truncate-conflict') ?? false;
    this.mutReadNoHeartbeat = m?.has('readindex-without-heartbeat') ?? false;

    const { hardState, confState } = c.storage.initialState();
    this.applyConfState(confState);
    if (hardState.term !== 0 || hardState.vote !== None || hardState.commit !== 0) this.loadState(hardState);
    if (c.applied > 0) {
      this.raftLog.appliedTo(c.applied);
      this.replayAppliedConfChanges(c.applied);
    }
    this.becomeFollower(this.term, None);
  }

  /**
   * Restart: the storage's ConfState is the snapshot's; conf changes applied after the snapshot
   * (up to `applied`) live only in the log. Replay them so the configuration is current and the
   * host, which will not see those entries again, need not.
   */
  private replayAppliedConfChanges(applied: number): void {
    const from = this.raftLog.firstIndex();
    if (applied < from) return;
    for (const e of this.raftLog.slice(from, applied + 1, Number.MAX_SAFE_INTEGER)) {
      if (e.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(e.data));
    }
  }

  // ---- state accessors ----------------------------------------------------------------------

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(`${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  confState(): ConfState {
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (const [id, pr] of this.prs) (pr.isLearner ? learners : voters).push(id);
    voters.sort(compareIds);
    learners.sort(compareIds);
    return { voters, learners };
  }

  /** Replaces the configuration (construction, snapshot restore). */
  private applyConfState(cs: ConfState): void {
    this.prs.clear();
    const next = this.raftLog.lastIndex() + 1;
    for (const id of cs.voters) this.prs.set(id, new Progress(next, this.maxInflight, false));
    for (const id of cs.learners) this.prs.set(id, new Progress(next, this.maxInflight, true));
    this.rebuildVoters();
  }

  private rebuildVoters(): void {
    const voters: NodeId[] = [];
    for (const [id, pr] of this.prs) if (!pr.isLearner) voters.push(id);
    voters.sort(compareIds);
    this.voters = voters;
    const self = this.prs.get(this.id);
    this.isLearner = self !== undefined && self.isLearner;
  }

  /** Can this node campaign? A voter of the current configuration without a snapshot to persist. */
  promotable(): boolean {
    const pr = this.prs.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  // ---- bootstrap ----------------------------------------------------------------------------

  /**
   * A fresh cluster (empty log): writes one AddNode entry per initial member at term 1, commits
   * them, and applies them to the configuration at once (the host still receives them as committed
   * entries and may call applyConfChange for each: adding an existing member is a no-op).
   */
  bootstrap(peers: ReadonlyArray<{ id: NodeId; context?: Uint8Array }>): void {
    if (peers.length === 0) throw new ErrInvalidUse('must provide at least one peer to bootstrap');
    if (this.raftLog.lastIndex() !== 0) throw new ErrInvalidUse('can only bootstrap an empty log');
    this.becomeFollower(1, None);
    const ents: Entry[] = peers.map((p, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: p.id, context: p.context ?? EMPTY }),
    }));
    this.raftLog.append(ents);
    this.raftLog.committed = ents.length;
    for (const p of peers) this.addNodeOrLearner(p.id, false);
    this.bootstrapIndex = ents.length;
  }

  // ---- sending ------------------------------------------------------------------------------

  private send(m: Message): void {
    if (m.type !== MessageType.MsgTransferLeader) m.from = this.id;
    if (
      m.type === MessageType.MsgVote ||
      m.type === MessageType.MsgVoteResp ||
      m.type === MessageType.MsgPreVote ||
      m.type === MessageType.MsgPreVoteResp
    ) {
      if (m.term === 0) throw new Error(`term should be set when sending ${m.type}`);
    } else if (m.type !== MessageType.MsgProp && m.type !== MessageType.MsgReadIndex) {
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Sends the entries `to` lacks (or a snapshot). Returns whether a message was sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const log = this.raftLog;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== TERM_COMPACTED) {
      try {
        ents = log.entries(pr.next, this.maxMsgSize);
      } catch (err) {
        if (!(err instanceof ErrCompacted)) throw err;
      }
    }
    if (ents === undefined) return this.sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    const m = newMessage(MessageType.MsgApp, to);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = log.committed;
    if (ents.length !== 0) {
      const last = ents[ents.length - 1]!.index;
      if (pr.state === 'replicate') {
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === 'probe') {
        pr.probeSent = true;
      }
    }
    this.send(m);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // Do not send a (large) snapshot to a member we have not heard from: it may be down.
    if (!pr.recentActive) return false;
    let snap: Snapshot;
    try {
      snap = this.raftLog.snapshot();
    } catch (err) {
      if (err instanceof ErrSnapshotTemporarilyUnavailable) return false;
      throw err;
    }
    if (snap.metadata.index === 0) throw new Error('need non-empty snapshot');
    const m = newMessage(MessageType.MsgSnap, to);
    m.snapshot = snap;
    pr.becomeSnapshot(snap.metadata.index);
    this.logger?.debug(`${this.id} sends snapshot [index ${snap.metadata.index}] to ${to}`);
    this.send(m);
    return true;
  }

  private sendHeartbeat(to: NodeId, ctx: Uint8Array): void {
    const pr = this.prs.get(to)!;
    const m = newMessage(MessageType.MsgHeartbeat, to);
    // Never tell a follower to commit beyond what it is known to have.
    m.commit = Math.min(pr.match, this.raftLog.committed);
    m.context = ctx;
    this.send(m);
  }

  /** Sends what was deferred (RawNode calls this when building a Ready). */
  flushBroadcast(): void {
    if (!this.pendingBroadcast) return;
    this.pendingBroadcast = false;
    if (this.state === StateType.Leader) this.bcastAppend();
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx() ?? EMPTY);
  }

  private bcastHeartbeatWithCtx(ctx: Uint8Array): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  // ---- commit -------------------------------------------------------------------------------

  /** Advances the commit index to what a quorum of voters has. Only entries of the current term count (§5.4.2). */
  maybeCommit(): boolean {
    const prs = this.prs;
    const mci = committedIndex(this.voters, (id) => prs.get(id)!.match, this.scratch);
    if (this.mutCommitOldTerm) {
      const idx = Math.min(mci, this.raftLog.lastIndex());
      if (idx > this.raftLog.committed) {
        this.raftLog.commitTo(idx);
        return true;
      }
      return false;
    }
    return this.raftLog.maybeCommit(mci, this.term);
  }

  /** The host persisted the log up to (index, term): the leader may now count its own copy. */
  onPersisted(index: number, term: number): void {
    this.raftLog.stableTo(index, term);
    if (this.state !== StateType.Leader) return;
    const pr = this.prs.get(this.id);
    if (pr === undefined || this.raftLog.term(index) !== term) return;
    if (pr.maybeUpdate(index) && this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.pendingBroadcast = true;
    }
  }

  // ---- state transitions --------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = None;
    this.votes.clear();
    const last = this.raftLog.lastIndex();
    const stable = this.stableLastIndex();
    for (const [id, old] of this.prs) {
      const pr = new Progress(last + 1, this.maxInflight, old.isLearner);
      if (id === this.id) pr.match = stable;
      this.prs.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.pendingBroadcast = false;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
  }

  /** The last index the host has reported persisted. */
  private stableLastIndex(): number {
    const log = this.raftLog;
    if (log.unstable.snapshot !== undefined) return Math.min(log.storage.lastIndex(), log.lastIndex());
    return log.unstable.offset - 1;
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + this.randomInt(this.electionTimeout);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
    this.logger?.debug(`${this.id} became follower at term ${this.term}`);
  }

  private becomeCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.logger?.debug(`${this.id} became candidate at term ${this.term}`);
  }

  private becomePreCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('invalid transition [leader -> pre-candidate]');
    // Pre-vote changes neither term nor vote: a node that cannot win disturbs nobody.
    this.votes.clear();
    this.lead = None;
    this.state = StateType.PreCandidate;
    this.logger?.debug(`${this.id} became pre-candidate at term ${this.term}`);
  }

  private becomeLeader(): void {
    if (this.state === StateType.Follower) throw new Error('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    const self = this.prs.get(this.id)!;
    self.becomeReplicate();
    self.recentActive = true;
    // Conservatively treat every unapplied entry as a possible conf change (etcd does the same).
    this.pendingConfIndex = this.raftLog.lastIndex();
    // The no-op of the new term: committing it commits everything before it (§5.4.2).
    this.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }]);
    this.logger?.info(`${this.id} became leader at term ${this.term}`);
  }

  private appendEntry(es: readonly Entry[]): void {
    let li = this.raftLog.lastIndex();
    const term = this.term;
    // Fresh objects: a proposal message may be delivered twice; its entries must stay untouched.
    const ents: Entry[] = new Array<Entry>(es.length);
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      ents[i] = { term, index: ++li, type: e.type, data: e.data };
    }
    this.raftLog.append(ents);
  }

  // ---- ticks --------------------------------------------------------------------------------

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(newMessage(MessageType.MsgHup, None, this.id));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(newMessage(MessageType.MsgCheckQuorum, None, this.id));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== None) this.abortLeaderTransfer();
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(newMessage(MessageType.MsgBeat, None, this.id));
    }
  }

  // ---- elections ----------------------------------------------------------------------------

  hup(t: CampaignType): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) {
      this.logger?.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    // A member with a committed but unapplied conf change must not campaign: its view of the
    // configuration may be stale.
    const log = this.raftLog;
    if (log.committed > log.applied && log.committed > this.bootstrapIndex) {
      const from = Math.max(log.applied + 1, this.bootstrapIndex + 1);
      if (from <= log.committed) {
        const ents = log.slice(from, log.committed + 1, Number.MAX_SAFE_INTEGER);
        for (const e of ents) {
          if (e.type === EntryType.ConfChange) {
            this.logger?.warn(`${this.id} cannot campaign at term ${this.term}: pending conf changes to apply`);
            return;
          }
        }
      }
    }
    this.campaign(t);
  }

  private campaign(t: CampaignType): void {
    let term: number;
    let voteMsg: MessageType;
    if (t === 'pre-election') {
      this.becomePreCandidate();
      voteMsg = MessageType.MsgPreVote;
      term = this.term + 1; // the term we would campaign at
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.MsgVote;
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // Single voter: won at once.
      if (t === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.voters) {
      if (id === this.id) continue;
      const m = newMessage(voteMsg, id);
      m.term = term;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (t === 'transfer') m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.voters, this.votes);
  }

  // ---- step ---------------------------------------------------------------------------------

  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = sameBytes(m.context, CAMPAIGN_TRANSFER);
        const inLease = this.checkQuorum && this.lead !== None && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          // Lease protection: we heard from a leader recently; a (possibly partitioned) node
          // with a higher term must not depose it.
          return;
        }
      }
      if (m.type === MessageType.MsgPreVote) {
        // Never change our term in response to a pre-vote.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // A granted pre-vote carries the future term; the term moves when the election starts.
      } else if (
        m.type === MessageType.MsgApp ||
        m.type === MessageType.MsgHeartbeat ||
        m.type === MessageType.MsgSnap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)) {
        // A stale leader (e.g. after a partition healed) learns our term and steps down; without
        // this it could keep a pre-voting cluster from ever electing it out.
        this.send(newMessage(MessageType.MsgAppResp, m.from));
      } else if (m.type === MessageType.MsgPreVote) {
        const r = newMessage(MessageType.MsgPreVoteResp, m.from);
        r.term = this.term;
        r.reject = true;
        this.send(r);
      }
      return;
    }

    switch (m.type) {
      case MessageType.MsgHup:
        if (this.preVote) this.hup('pre-election');
        else this.hup('election');
        return;
      case MessageType.MsgVote:
      case MessageType.MsgPreVote: {
        const canVote =
          this.vote === m.from ||
          (this.vote === None && this.lead === None) ||
          (m.type === MessageType.MsgPreVote && m.term > this.term) ||
          (this.mutVoteTwice && m.type === MessageType.MsgVote);
        if (canVote && (this.mutNoUpToDate || this.raftLog.isUpToDate(m.index, m.logTerm))) {
          const r = newMessage(voteRespType(m.type), m.from);
          // The response carries the message's term (for pre-votes: the future term).
          r.term = m.term;
          this.send(r);
          if (m.type === MessageType.MsgVote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          const r = newMessage(voteRespType(m.type), m.from);
          r.term = this.term;
          r.reject = true;
          this.send(r);
        }
        return;
      }
      default:
        switch (this.state) {
          case StateType.Leader:
            this.stepLeader(m);
            return;
          case StateType.Follower:
            this.stepFollower(m);
            return;
          default:
            this.stepCandidate(m);
            return;
        }
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.MsgBeat:
        this.bcastHeartbeat();
        return;
      case MessageType.MsgCheckQuorum:
        if (!this.quorumActive()) {
          this.logger?.warn(`${this.id} stepped down to follower since quorum is not active`);
          this.becomeFollower(this.term, None);
        }
        for (const [id, pr] of this.prs) pr.recentActive = id === this.id;
        return;
      case MessageType.MsgProp: {
        if (m.entries.length === 0) throw new Error(`${this.id} stepped empty MsgProp`);
        if (!this.prs.has(this.id)) throw new ErrProposalDropped('raft proposal dropped: this member was removed');
        if (this.leadTransferee !== None) {
          throw new ErrProposalDropped('raft proposal dropped: leadership transfer in progress');
        }
        let ents = m.entries;
        for (let i = 0; i < ents.length; i++) {
          const e = ents[i]!;
          if (e.type !== EntryType.ConfChange) continue;
          if (this.pendingConfIndex > this.raftLog.applied) {
            // One membership change at a time: this one becomes a no-op.
            this.logger?.info(`${this.id} ignoring conf change: a previous one is not applied yet`);
            if (ents === m.entries) ents = ents.slice();
            ents[i] = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY };
          } else {
            this.pendingConfIndex = this.raftLog.lastIndex() + i + 1;
          }
        }
        this.appendEntry(ents);
        this.pendingBroadcast = true;
        return;
      }
      case MessageType.MsgReadIndex:
        if (this.voters.length === 1 && this.voters[0] === this.id) {
          // The only voter: its commit index is the cluster's.
          this.responseToReadIndexReq(m, this.raftLog.committed);
          return;
        }
        if (this.mutReadNoHeartbeat) {
          this.responseToReadIndexReq(m, this.raftLog.committed);
          return;
        }
        // Until an entry of this term is committed, our commit index may lag the cluster's.
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndexMessages.push(m);
          return;
        }
        this.sendMsgReadIndexResponse(m);
        return;
    }

    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case MessageType.MsgAppResp:
        this.handleAppResp(m, pr);
        return;
      case MessageType.MsgHeartbeatResp: {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.raftLog.lastIndex()) this.sendAppend(m.from);
        if (m.context.length === 0) return;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (acks === undefined) return;
        let n = 0;
        for (const id of this.voters) if (id === this.id || acks.has(id)) n++;
        if (n < quorum(this.voters.length)) return;
        for (const rs of this.readOnly.advance(m.context)) this.responseToReadIndexReq(rs.req, rs.index);
        return;
      }
      case MessageType.MsgSnapStatus:
        if (pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's MsgAppResp (or the next heartbeat) before probing again.
        pr.probeSent = true;
        return;
      case MessageType.MsgUnreachable:
        // Optimistic replication may have lost messages: fall back to probing.
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      case MessageType.MsgTransferLeader: {
        if (pr.isLearner) return;
        const transferee = m.from;
        if (this.leadTransferee !== None) {
          if (this.leadTransferee === transferee) return;
          this.abortLeaderTransfer();
        }
        if (transferee === this.id) return;
        // The transfer must finish within one election timeout.
        this.electionElapsed = 0;
        this.leadTransferee = transferee;
        if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
        else this.sendAppend(transferee);
        return;
      }
    }
  }

  private handleAppResp(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let nextProbeIdx = m.rejectHint;
      if (m.logTerm > 0) nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else if (oldPaused) {
      this.sendAppend(m.from);
    }
    // Fill the pipeline while the window allows.
    while (this.maybeSendAppend(m.from, false)) {
      /* keep sending */
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private stepCandidate(m: Message): void {
    const myVoteResp = this.state === StateType.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    switch (m.type) {
      case MessageType.MsgProp:
        throw new ErrProposalDropped('raft proposal dropped: no leader');
      case MessageType.MsgApp:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        const res = this.poll(m.from, !m.reject);
        if (res === 'won') {
          if (this.state === StateType.PreCandidate) {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === 'lost') {
          // pre-vote lost or vote lost: back to follower in the current term.
          this.becomeFollower(this.term, None);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.MsgProp: {
        if (this.lead === None) throw new ErrProposalDropped('raft proposal dropped: no leader');
        const fwd = { ...m, to: this.lead };
        this.send(fwd);
        return;
      }
      case MessageType.MsgApp:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.MsgTransferLeader:
        if (this.lead === None) return;
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.MsgTimeoutNow:
        // The leader chose us: campaign at once, even inside others' leases.
        this.hup('transfer');
        return;
      case MessageType.MsgReadIndex:
        if (this.lead === None) {
          this.logger?.info(`${this.id} no leader at term ${this.term}; dropping index reading msg`);
          return;
        }
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.MsgReadIndexResp:
        if (m.entries.length !== 1) return;
        this.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
        return;
      default:
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    const log = this.raftLog;
    if (m.index < log.committed) {
      const r = newMessage(MessageType.MsgAppResp, m.from);
      r.index = log.committed;
      this.send(r);
      return;
    }
    const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries, this.mutNoTruncate);
    if (lastNew !== -1) {
      const r = newMessage(MessageType.MsgAppResp, m.from);
      r.index = lastNew;
      this.send(r);
      return;
    }
    // Reject with a hint: the largest index ≤ m.index whose term is ≤ m.logTerm, so the leader
    // can skip a whole term of divergent entries in one round trip.
    let hintIndex = Math.min(m.index, log.lastIndex());
    hintIndex = log.findConflictByTerm(hintIndex, m.logTerm);
    const hintTerm = log.term(hintIndex);
    const r = newMessage(MessageType.MsgAppResp, m.from);
    r.index = m.index;
    r.reject = true;
    r.rejectHint = hintIndex;
    r.logTerm = hintTerm > 0 ? hintTerm : 0;
    this.send(r);
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    const r = newMessage(MessageType.MsgHeartbeatResp, m.from);
    r.context = m.context;
    this.send(r);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    const r = newMessage(MessageType.MsgAppResp, m.from);
    if (this.restore(s)) {
      this.logger?.info(`${this.id} restored snapshot [index ${s.metadata.index}, term ${s.metadata.term}]`);
      r.index = this.raftLog.lastIndex();
    } else {
      r.index = this.raftLog.committed;
    }
    this.send(r);
  }

  /** Installs a snapshot from the leader. Returns false if it is stale or we already have it. */
  private restore(s: Snapshot): boolean {
    const meta = s.metadata;
    if (meta.index <= this.raftLog.committed) return false;
    const cs = meta.confState;
    if (!cs.voters.includes(this.id) && !cs.learners.includes(this.id) && this.prs.has(this.id)) {
      // We are a member, the snapshot says we are not: we were removed. Nothing to restore.
      // (A member being added — not in its own configuration yet — accepts a snapshot taken
      // before its addition: the entries after it, its own AddNode among them, follow.)
      this.logger?.warn(`${this.id} attempted to restore snapshot but it is not in the ConfState`);
      return false;
    }
    if (this.raftLog.matchTerm(meta.index, meta.term)) {
      // We have the entry already: just fast-forward the commit index.
      this.raftLog.commitTo(meta.index);
      return false;
    }
    this.raftLog.restore(s);
    this.applyConfState(cs);
    const self = this.prs.get(this.id);
    if (self) self.match = this.stableLastIndex();
    return true;
  }

  // ---- ReadIndex ----------------------------------------------------------------------------

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.sendMsgReadIndexResponse(m);
  }

  private sendMsgReadIndexResponse(m: Message): void {
    // Confirm we are still the leader with a heartbeat round carrying the request's context.
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.entries[0]!.data);
    this.bcastHeartbeatWithCtx(m.entries[0]!.data);
  }

  private responseToReadIndexReq(req: Message, readIndex: number): void {
    if (req.from === None || req.from === this.id) {
      this.readStates.push({ index: readIndex, requestCtx: req.entries[0]!.data });
      return;
    }
    const r = newMessage(MessageType.MsgReadIndexResp, req.from);
    r.index = readIndex;
    r.entries = req.entries;
    this.send(r);
  }

  // ---- membership ---------------------------------------------------------------------------

  applyConfChange(cc: ConfChange): ConfState {
    switch (cc.type) {
      case ConfChangeType.AddNode:
        this.addNodeOrLearner(cc.nodeId, false);
        break;
      case ConfChangeType.AddLearnerNode:
        this.addNodeOrLearner(cc.nodeId, true);
        break;
      case ConfChangeType.RemoveNode:
        this.removeNode(cc.nodeId);
        break;
      case ConfChangeType.UpdateNode:
        break;
    }
    return this.confState();
  }

  private addNodeOrLearner(id: NodeId, learner: boolean): void {
    let pr = this.prs.get(id);
    if (pr === undefined) {
      pr = new Progress(this.raftLog.lastIndex() + 1, this.maxInflight, learner);
      this.prs.set(id, pr);
    } else if (learner && !pr.isLearner) {
      this.logger?.warn(`${this.id} ignored demotion of voter ${id} to learner`);
      return;
    } else if (!learner && pr.isLearner) {
      pr.isLearner = false; // promotion
    } else {
      return; // already there: idempotent (bootstrap entries, replays)
    }
    this.rebuildVoters();
    // A new member counts as active, or check-quorum could depose the leader right away.
    pr.recentActive = true;
    if (this.state === StateType.Leader && this.maybeCommit()) this.bcastAppend();
  }

  private removeNode(id: NodeId): void {
    if (!this.prs.delete(id)) return;
    this.rebuildVoters();
    if (this.voters.length === 0) return;
    if (id === this.id && this.state === StateType.Leader) {
      // A removed leader steps down; the remaining members elect a new one.
      this.becomeFollower(this.term, None);
      return;
    }
    if (this.state === StateType.Leader) {
      if (this.leadTransferee === id) this.abortLeaderTransfer();
      // The quorum shrank: entries may be committed now.
      if (this.maybeCommit()) this.bcastAppend();
    }
  }

  // ---- leader transfer ----------------------------------------------------------------------

  private sendTimeoutNow(to: NodeId): void {
    this.send(newMessage(MessageType.MsgTimeoutNow, to));
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === this.id || this.prs.get(id)!.recentActive) active++;
    }
    return active >= quorum(this.voters.length);
  }

  /** For tests and the sim: read a conf change entry's bytes. */
  static decodeConfChange(data: Uint8Array): ConfChange {
    return decodeConfChange(data);
  }
}
