// The contract of the pure Raft core (modelled on etcd-io/raft's RawNode): no I/O, no clocks,
// no timers, no randomness of its own. The host drives it with tick(), step(msg) and proposals,
// then takes a Ready batch (state to persist, messages to send, entries to apply), does that
// work, and calls advance(). Nothing in src/native/raft imports anything else of the project.

export type NodeId = bigint; // 0n means "none"
export const None: NodeId = 0n;

export const EntryType = { Normal: 0, ConfChange: 1 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Normal: the application's command (empty for the no-op a new leader appends). ConfChange: encodeConfChange(). */
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

export const ConfChangeType = { AddNode: 0, RemoveNode: 1, UpdateNode: 2, AddLearnerNode: 3 } as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];
/** One member at a time (no joint consensus). Promotion of a learner is AddNode of an existing learner. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to raft: the host puts the member's attributes (name, peer URLs) here. */
  context: Uint8Array;
}

export const MessageType = {
  MsgHup: 0,
  MsgBeat: 1,
  MsgProp: 2,
  MsgApp: 3,
  MsgAppResp: 4,
  MsgVote: 5,
  MsgVoteResp: 6,
  MsgSnap: 7,
  MsgHeartbeat: 8,
  MsgHeartbeatResp: 9,
  MsgUnreachable: 10,
  MsgSnapStatus: 11,
  MsgCheckQuorum: 12,
  MsgTransferLeader: 13,
  MsgTimeoutNow: 14,
  MsgReadIndex: 15,
  MsgReadIndexResp: 16,
  MsgPreVote: 17,
  MsgPreVoteResp: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  /** ReadIndex request context, campaign type for transfers, ... */
  context: Uint8Array;
}

export const StateType = { Follower: 0, Candidate: 1, Leader: 2, PreCandidate: 3 } as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

/** A linearizable read may be served once the host has applied up to `index`. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * One batch of work. The host must, in this order:
 * 1. persist `hardState`, `entries` and `snapshot` (fsync when mustSync) — before sending `messages`
 *    (the leader may send its own appends in parallel with persisting them, as etcd does, but a
 *    follower's MsgAppResp / vote must not leave before the state it acknowledges is durable);
 * 2. send `messages`;
 * 3. apply `snapshot` then `committedEntries` to the state machine; serve `readStates` once applied;
 * 4. call advance(rd).
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

/** Read-only view of the log the core needs; MemoryStorage implements it (and the host fills it from the WAL at start). */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries [lo, hi), at most maxSize bytes of data (always at least one entry). Throws ErrCompacted / ErrUnavailable. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export interface RaftConfig {
  id: NodeId;
  electionTick: number; // e.g. 10
  heartbeatTick: number; // e.g. 1
  storage: RaftStorage;
  /**
   * Last index applied by the host (restart). Configuration changes between the storage's
   * snapshot and `applied` are replayed from the log at construction; entries after `applied`
   * come back as committedEntries.
   */
  applied: number;
  maxSizePerMsg: number; // bytes of entry data per MsgApp
  maxInflightMsgs: number; // pipelined MsgApp per follower
  checkQuorum: boolean;
  preVote: boolean;
  /** Deterministic randomness for the randomized election timeout: returns an integer in [0, n). */
  randomInt: (n: number) => number;
  /** Planted bugs for proving the simulator can fail (off in production). */
  mutations?: ReadonlySet<string>;
  /** Optional debug logger (no I/O of its own). */
  logger?: { debug(msg: string): void; info(msg: string): void; warn(msg: string): void };
}

export const SnapshotStatus = { Finish: 0, Failure: 1 } as const;
export type SnapshotStatus = (typeof SnapshotStatus)[keyof typeof SnapshotStatus];

export interface ProgressView {
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
  isLearner: boolean;
  recentActive: boolean;
}

export interface RaftStatus {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: NodeId;
  /** Only on the leader. */
  progress?: Map<NodeId, ProgressView>;
}

/** The API the host drives. Implemented by RawNode in src/native/raft/raw-node.ts. */
export interface RaftNode {
  /**
   * Fresh cluster, empty storage only: writes and commits one AddNode entry per initial member
   * (context = the member's attributes) and adds them to the configuration at once. The first
   * Ready carries them as entries (persist) and committedEntries (apply). A single member may
   * campaign() right after and is leader at once.
   */
  bootstrap(peers: ReadonlyArray<{ id: NodeId; context?: Uint8Array }>): void;
  tick(): void;
  campaign(): void;
  /** Throws ErrProposalDropped when there is no leader or a transfer is in progress. */
  propose(data: Uint8Array): void;
  /** Several commands in one step (one append); same errors as propose. */
  proposeBatch(datas: readonly Uint8Array[]): void;
  proposeConfChange(cc: ConfChange): void;
  /** Call when a ConfChange entry is applied; returns the new configuration. */
  applyConfChange(cc: ConfChange): ConfState;
  step(msg: Message): void;
  /** Request a linearizable read; the answer comes back as a ReadState with the same ctx. */
  readIndex(ctx: Uint8Array): void;
  transferLeader(transferee: NodeId): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, status: SnapshotStatus): void;
  /** False while a Ready is outstanding (handed out by ready(), not yet advance()d). */
  hasReady(): boolean;
  /** Throws ErrInvalidUse if the previous Ready was not advanced. */
  ready(): Ready;
  advance(rd: Ready): void;
  /**
   * Messages that may leave while the outstanding Ready is still being persisted, taken out of
   * the next Ready: a leader's (appends for entries proposed meanwhile, commit updates, heartbeats:
   * a leader may replicate entries it has not persisted, its own copy counts toward the commit
   * only once persisted), once its term has been handed out in a Ready; anyone else's relayed
   * proposals and read requests only, which state nothing about its log or vote.
   */
  takeEarlyMessages(): Message[];
  status(): RaftStatus;
}
