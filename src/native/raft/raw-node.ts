// RawNode: the host-facing wrapper of the Raft state machine (etcd-io/raft's RawNode). The host
// ticks it, steps peer messages into it, proposes, and drains Ready batches:
//   const rd = node.ready(); persist(rd); send(rd.messages); apply(rd); node.advance(rd);
// Exactly one Ready is outstanding at a time: hasReady() is false and ready() throws until the
// previous one is advanced. Proposals, steps and ticks between ready() and advance() are fine;
// they show up in the next Ready.

import {
  type ConfChange,
  type ConfState,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  type NodeId,
  None,
  type ProgressView,
  type RaftConfig,
  type RaftNode,
  type RaftStatus,
  type Ready,
  type SoftState,
  type SnapshotStatus,
  SnapshotStatus as SnapshotStatusValues,
  StateType,
} from './api.js';
import { encodeConfChange } from './conf-change.js';
import { ErrInvalidUse } from './errors.js';
import { newMessage, Raft } from './raft.js';

const NO_READ_STATES: never[] = [];
const NO_MESSAGES: Message[] = [];

function isLocalMsg(t: MessageType): boolean {
  return (
    t === MessageType.MsgHup ||
    t === MessageType.MsgBeat ||
    t === MessageType.MsgUnreachable ||
    t === MessageType.MsgSnapStatus ||
    t === MessageType.MsgCheckQuorum
  );
}

export class RawNode implements RaftNode {
  /** The state machine; exposed for tests and the simulation's invariant checks. */
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding = false;
  private readonly maxCommittedSize: number;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
    this.maxCommittedSize = Math.max(config.maxSizePerMsg, 1 << 20);
  }

  /**
   * Fresh cluster only (empty storage): writes and commits one AddNode entry per initial member
   * and adds them to the configuration. The first Ready carries those entries (to persist) and
   * the same entries as committed (to apply: applyConfChange on them is a harmless no-op).
   * A single member may call campaign() right after.
   */
  bootstrap(peers: ReadonlyArray<{ id: NodeId; context?: Uint8Array }>): void {
    this.raft.bootstrap(peers);
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.step(newMessage(MessageType.MsgHup, None, this.raft.id));
  }

  propose(data: Uint8Array): void {
    const m = newMessage(MessageType.MsgProp, None, this.raft.id);
    m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data }];
    this.raft.step(m);
  }

  /** Proposes several commands as one message (one append, one broadcast). */
  proposeBatch(datas: readonly Uint8Array[]): void {
    if (datas.length === 0) return;
    const m = newMessage(MessageType.MsgProp, None, this.raft.id);
    m.entries = datas.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data }));
    this.raft.step(m);
  }

  proposeConfChange(cc: ConfChange): void {
    const m = newMessage(MessageType.MsgProp, None, this.raft.id);
    m.entries = [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }];
    this.raft.step(m);
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  step(msg: Message): void {
    // Local messages never come from the network; drop them rather than trust a peer.
    if (isLocalMsg(msg.type)) return;
    this.raft.step(msg);
  }

  readIndex(ctx: Uint8Array): void {
    const m = newMessage(MessageType.MsgReadIndex, None, this.raft.id);
    m.entries = [{ term: 0, index: 0, type: EntryType.Normal, data: ctx }];
    this.raft.step(m);
  }

  transferLeader(transferee: NodeId): void {
    this.raft.step(newMessage(MessageType.MsgTransferLeader, None, transferee));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage(MessageType.MsgUnreachable, None, id));
  }

  reportSnapshot(id: NodeId, status: SnapshotStatus): void {
    const m = newMessage(MessageType.MsgSnapStatus, None, id);
    m.reject = status === SnapshotStatusValues.Failure;
    this.raft.step(m);
  }

  hasReady(): boolean {
    if (this.outstanding) return false;
    const r = this.raft;
    if (r.pendingBroadcast) return true;
    if (r.msgs.length !== 0 || r.readStates.length !== 0) return true;
    const log = r.raftLog;
    if (log.unstable.entries.length !== 0 || log.unstable.snapshot !== undefined) return true;
    if (log.hasNextEnts()) return true;
    if (r.lead !== this.prevSoft.lead || r.state !== this.prevSoft.raftState) return true;
    const ph = this.prevHard;
    return r.term !== ph.term || r.vote !== ph.vote || log.committed !== ph.commit;
  }

  ready(): Ready {
    if (this.outstanding) throw new ErrInvalidUse('ready() called again before advance()');
    this.outstanding = true;
    const r = this.raft;
    r.flushBroadcast();
    const log = r.raftLog;
    const entries = log.unstableEntries();
    const rd: Ready = {
      softState: undefined,
      hardState: undefined,
      readStates: r.readStates.length === 0 ? NO_READ_STATES : r.readStates,
      entries,
      snapshot: log.unstable.snapshot,
      committedEntries: log.nextEnts(this.maxCommittedSize),
      messages: r.msgs,
      mustSync: false,
    };
    r.msgs = [];
    if (r.readStates.length !== 0) r.readStates = [];
    if (r.lead !== this.prevSoft.lead || r.state !== this.prevSoft.raftState) {
      rd.softState = r.softState();
      this.prevSoft = rd.softState;
    }
    const ph = this.prevHard;
    if (r.term !== ph.term || r.vote !== ph.vote || log.committed !== ph.commit) {
      rd.hardState = r.hardState();
      // term and vote must be durable before anything acknowledging them leaves; commit need not.
      rd.mustSync = r.term !== ph.term || r.vote !== ph.vote;
      this.prevHard = rd.hardState;
    }
    if (entries.length !== 0) rd.mustSync = true;
    return rd;
  }

  advance(rd: Ready): void {
    if (!this.outstanding) throw new ErrInvalidUse('advance() without an outstanding ready()');
    this.outstanding = false;
    const r = this.raft;
    const log = r.raftLog;
    if (rd.committedEntries.length !== 0) {
      log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    }
    if (rd.snapshot !== undefined) {
      log.stableSnapTo(rd.snapshot.metadata.index);
      if (rd.snapshot.metadata.index > log.applied) log.applied = rd.snapshot.metadata.index;
    }
    if (rd.entries.length !== 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.onPersisted(last.index, last.term);
    }
  }

  takeEarlyMessages(): Message[] {
    const r = this.raft;
    if (r.state === StateType.Leader && r.term === this.prevHard.term) {
      r.flushBroadcast();
      const all = r.msgs;
      r.msgs = [];
      return all;
    }
    let early: Message[] | undefined;
    let rest: Message[] | undefined;
    for (let i = 0; i < r.msgs.length; i++) {
      const m = r.msgs[i]!;
      const relay = m.type === MessageType.MsgProp || m.type === MessageType.MsgReadIndex;
      if (relay && !early) {
        early = [];
        rest = r.msgs.slice(0, i);
      }
      if (relay) early!.push(m);
      else if (rest) rest.push(m);
    }
    if (!early) return NO_MESSAGES;
    r.msgs = rest!;
    return early;
  }

  status(): RaftStatus {
    const r = this.raft;
    const st: RaftStatus = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      leadTransferee: r.leadTransferee,
    };
    if (r.state === StateType.Leader) {
      const progress = new Map<NodeId, ProgressView>();
      for (const [id, pr] of r.prs) progress.set(id, pr.view());
      st.progress = progress;
    }
    return st;
  }
}

