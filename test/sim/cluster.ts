// The deterministic simulation: N RawNodes with their hosts, a simulated network and clock, a
// tiny KV state machine, and clients; every choice comes from one seeded PRNG.
//
// Host model (what a real host does, in two steps, so a crash can fall between them):
//   ready()  -> a leader sends its messages at once (etcd sends appends while persisting);
//   fsync    -> a later step: write hardState/entries/snapshot to the node's MemoryStorage (which
//               IS the durable disk of the simulation), send the other messages, apply committed
//               entries, serve reads, advance().
// A crash throws away the process (RawNode, unstable log, pending Ready, KV state) and keeps only
// the MemoryStorage; the restart rebuilds the KV from the storage's snapshot and re-applies.

import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  ErrProposalDropped,
  MemoryStorage,
  type Message,
  MessageType,
  type NodeId,
  RawNode,
  type Ready,
  SnapshotStatus,
  StateType,
} from '../../src/native/raft/index.js';
import { InvariantViolation, SafetyChecker } from './checker.js';
import { Prng } from './prng.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface SimOptions {
  seed: number;
  /** Initial voters (3 or 5). */
  voters: number;
  /** Steps of chaos before the healing phase. */
  steps: number;
  mutations?: ReadonlySet<string>;
  /** Keep the last N trace lines for the failure report. */
  traceSize?: number;
}

interface PendingRead {
  ctx: string;
  /** How many acknowledged writes existed when the read was issued: all must be visible. */
  ackedBefore: number;
  index: number; // -1 until the ReadState arrives
}

class SimNode {
  node: RawNode;
  /** The node's disk. */
  readonly storage: MemoryStorage;
  kv = new Set<string>();
  appliedIndex = 0;
  inflightReady: Ready | undefined;
  /** Proposals this process accepted and waits to see applied (lost on crash). */
  waiting = new Set<string>();
  reads: PendingRead[] = [];
  wasLeader = false;
  /** Term and commit index observed at the previous step (leader commit rule). */
  lastTerm = 0;
  lastCommit = 0;
  sinceSnapshot = 0;

  constructor(
    readonly id: NodeId,
    storage: MemoryStorage,
    node: RawNode,
  ) {
    this.storage = storage;
    this.node = node;
  }
}

interface InFlight {
  msg: Message;
  deliverAt: number;
}

export class SimCluster {
  readonly rng: Prng;
  readonly nodes = new Map<NodeId, SimNode>(); // live processes
  readonly disks = new Map<NodeId, MemoryStorage>(); // every member ever started
  readonly removed = new Set<NodeId>();
  readonly checker = new SafetyChecker();
  private inflight: InFlight[] = [];
  /** Pairs `a-b` that cannot talk. */
  private cut = new Set<string>();
  now = 0;
  private nextId: bigint;
  private readonly initialMembers: NodeId[];
  private proposalSeq = 0;
  private readSeq = 0;
  readonly acked: string[] = [];
  /** What the run exercised (reported in stats, checked by the coverage test). */
  readonly counts = { crashes: 0, elections: 0, snapshotsRestored: 0, confChanges: 0, transfers: 0, readsServed: 0 };
  private readonly trace: string[] = [];
  private readonly traceSize: number;
  // The seed's fault profile (drawn once per seed, so seeds differ in kind, not only in luck).
  private readonly dropRate: number;
  private readonly dupRate: number;
  private readonly maxDelay: number;
  private readonly faultRate: number;
  private readonly maxSizePerMsg: number;
  private readonly maxInflight: number;
  /** Send snapshots built from the current applied state (etcd) or the stored one (simpler hosts). */
  private readonly mergeSnapshots: boolean;
  private faults = true;

  constructor(readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.traceSize = opts.traceSize ?? 40;
    this.dropRate = this.rng.pick([0, 0.02, 0.05, 0.15]);
    this.dupRate = this.rng.pick([0, 0.02, 0.05]);
    this.maxDelay = this.rng.pick([1, 3, 6]);
    this.faultRate = this.rng.pick([0.02, 0.04, 0.08]);
    // Small messages split a lagging follower's catch-up over several MsgApps (figure-8 territory).
    this.maxSizePerMsg = this.rng.pick([40, 100, 256, 1 << 20]);
    this.maxInflight = this.rng.pick([1, 2, 8, 64]);
    this.mergeSnapshots = this.rng.chance(0.5);
    const ids: NodeId[] = [];
    for (let i = 1; i <= opts.voters; i++) ids.push(BigInt(i));
    this.nextId = BigInt(opts.voters + 1);
    this.initialMembers = ids;
    for (const id of ids) this.bootstrap(this.start(id, new MemoryStorage()));
  }

  private bootstrap(n: SimNode): void {
    n.node.bootstrap(this.initialMembers.map((p) => ({ id: p, context: enc.encode(`member-${p}`) })));
  }

  // ---- processes ----------------------------------------------------------------------------

  private start(id: NodeId, storage: MemoryStorage): SimNode {
    const r = this.rng.fork();
    const snap = storage.snapshot();
    const node = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      applied: snap.metadata.index,
      maxSizePerMsg: this.maxSizePerMsg,
      maxInflightMsgs: this.maxInflight,
      checkQuorum: true,
      preVote: true,
      randomInt: (n) => r.int(n),
      mutations: this.opts.mutations,
    });
    const sn = new SimNode(id, storage, node);
    if (snap.data.length > 0) for (const k of JSON.parse(dec.decode(snap.data)) as string[]) sn.kv.add(k);
    sn.appliedIndex = snap.metadata.index;
    this.nodes.set(id, sn);
    this.disks.set(id, storage);
    return sn;
  }

  crash(id: NodeId): void {
    if (!this.nodes.delete(id)) return;
    this.counts.crashes++;
    this.log(`crash ${id}`);
  }

  restart(id: NodeId): void {
    const disk = this.disks.get(id);
    if (!disk || this.nodes.has(id) || this.removed.has(id)) return;
    const n = this.start(id, disk);
    // Like etcd with no WAL yet: an initial member that crashed before its first Ready was durable
    // bootstraps again (the same term-1 entries). Without this it could learn its configuration
    // one AddNode at a time from the leader and, holding only its own, elect itself alone.
    const fresh = disk.lastIndex() === 0 && disk.snapshot().metadata.index === 0;
    if (fresh && this.initialMembers.includes(id)) this.bootstrap(n);
    this.log(`restart ${id}${fresh ? ' (no durable state: bootstrap again)' : ''}`);
  }

  log(line: string): void {
    this.trace.push(`t=${this.now} ${line}`);
    if (this.trace.length > this.traceSize) this.trace.shift();
  }

  traceTail(): string[] {
    return [...this.trace];
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.node.raft.state === StateType.Leader && (!best || n.node.raft.term > best.node.raft.term)) best = n;
    }
    return best;
  }

  // ---- the host loop ------------------------------------------------------------------------

  private beginReady(n: SimNode): void {
    const rd = n.node.ready();
    n.inflightReady = rd;
    if (n.node.raft.state === StateType.Leader) {
      for (const m of rd.messages) this.send(m);
      rd.messages = [];
    }
  }

  /** The fsync completed: make the Ready durable, then send, apply, advance. */
  private finishReady(n: SimNode): void {
    const rd = n.inflightReady!;
    n.inflightReady = undefined;
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    n.storage.append(rd.entries);
    for (const m of rd.messages) this.send(m);
    if (rd.snapshot) {
      n.kv = new Set(JSON.parse(dec.decode(rd.snapshot.data)) as string[]);
      n.appliedIndex = rd.snapshot.metadata.index;
      this.counts.snapshotsRestored++;
      this.log(`${n.id} restored snapshot @${rd.snapshot.metadata.index}`);
    }
    for (const e of rd.committedEntries) this.apply(n, e);
    for (const rs of rd.readStates) {
      const r = n.reads.find((x) => x.ctx === dec.decode(rs.requestCtx));
      if (r) r.index = rs.index;
    }
    n.node.advance(rd);
    this.serveReads(n);
    this.maybeSnapshot(n);
  }

  private apply(n: SimNode, e: import('../../src/native/raft/index.js').Entry): void {
    if (e.index !== n.appliedIndex + 1) {
      throw new InvariantViolation('apply order', `node ${n.id} applies index ${e.index} after ${n.appliedIndex}`);
    }
    this.checker.observeApply(n.id, e);
    n.appliedIndex = e.index;
    n.sinceSnapshot++;
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      n.node.applyConfChange(cc);
      if (n.node.raft.state === StateType.Leader) this.counts.confChanges++;
      if (cc.type === ConfChangeType.RemoveNode && !this.removed.has(cc.nodeId)) {
        // Committed: the member is gone for good (an operator would stop and wipe it).
        this.removed.add(cc.nodeId);
        this.log(`${n.id} applied removal of ${cc.nodeId}`);
      }
      return;
    }
    if (e.data.length === 0) return;
    const key = dec.decode(e.data);
    n.kv.add(key);
    if (n.waiting.delete(key)) {
      this.acked.push(key);
      this.log(`ack ${key} by ${n.id} @${e.index}`);
    }
  }

  private serveReads(n: SimNode): void {
    if (n.reads.length === 0) return;
    const keep: PendingRead[] = [];
    for (const r of n.reads) {
      if (r.index < 0 || n.appliedIndex < r.index) {
        keep.push(r);
        continue;
      }
      for (let i = 0; i < r.ackedBefore; i++) {
        const k = this.acked[i]!;
        if (!n.kv.has(k)) {
          throw new InvariantViolation(
            'linearizable read',
            `read ${r.ctx} on node ${n.id} at index ${r.index} misses ${k}, acknowledged before the read began`,
          );
        }
      }
      this.counts.readsServed++;
      this.log(`read ${r.ctx} served by ${n.id} @${r.index}`);
    }
    n.reads = keep;
  }

  /** Every 16 applied entries, snapshot the KV and compact the log (keeping a few entries). */
  private maybeSnapshot(n: SimNode): void {
    if (n.sinceSnapshot < 16) return;
    n.sinceSnapshot = 0;
    const index = n.appliedIndex;
    if (index <= n.storage.snapshot().metadata.index || index > n.storage.lastIndex()) return;
    n.storage.createSnapshot(index, n.node.raft.confState(), enc.encode(JSON.stringify([...n.kv])));
    const compactTo = index - 4;
    if (compactTo > n.storage.firstIndex()) n.storage.compact(compactTo);
  }

  private send(m: Message): void {
    if (m.type === MessageType.MsgSnap && this.mergeSnapshots) m = this.mergedSnapshot(m);
    if (this.faults && this.rng.chance(this.dropRate)) {
      this.undeliverable(m);
      return;
    }
    const delay = this.rng.int(this.maxDelay + 1);
    this.inflight.push({ msg: m, deliverAt: this.now + delay });
    if (this.faults && this.rng.chance(this.dupRate)) {
      this.inflight.push({ msg: m, deliverAt: this.now + this.rng.int(this.maxDelay + 2) });
    }
  }

  private deliverDue(): void {
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const f of this.inflight) (f.deliverAt <= this.now ? due : later).push(f);
    this.inflight = later;
    // Random order among the due messages: reordering.
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = due[i]!;
      due[i] = due[j]!;
      due[j] = t;
    }
    for (const { msg } of due) {
      const to = this.nodes.get(msg.to);
      if (!to || this.cut.has(`${msg.from}-${msg.to}`)) {
        this.undeliverable(msg);
        continue;
      }
      try {
        to.node.step(msg);
      } catch (err) {
        if (!(err instanceof ErrProposalDropped)) throw err; // a forwarded proposal met no leader
      }
      // The transport tells the sender how a snapshot went, as etcd's does.
      if (msg.type === MessageType.MsgSnap) this.nodes.get(msg.from)?.node.reportSnapshot(msg.to, SnapshotStatus.Finish);
    }
  }

  /**
   * Like etcd's createMergedSnapshotMessage: the snapshot sent to a follower is built from the
   * sender's CURRENT applied state and configuration, not the (older) one in its storage: a member
   * added after the last stored snapshot must find itself in the snapshot's ConfState.
   */
  private mergedSnapshot(m: Message): Message {
    const n = this.nodes.get(m.from);
    if (!n) return m;
    const index = n.appliedIndex;
    const term = n.node.raft.raftLog.term(index);
    if (index < m.snapshot!.metadata.index || term <= 0) return m;
    return {
      ...m,
      snapshot: {
        metadata: { index, term, confState: n.node.raft.confState() },
        data: enc.encode(JSON.stringify([...n.kv])),
      },
    };
  }

  /** The transport could not deliver: report it to the sender (snapshots always, others sometimes). */
  private undeliverable(msg: Message): void {
    const from = this.nodes.get(msg.from);
    if (!from) return;
    if (msg.type === MessageType.MsgSnap) from.node.reportSnapshot(msg.to, SnapshotStatus.Failure);
    else if (this.rng.chance(0.1)) from.node.reportUnreachable(msg.to);
  }

  // ---- clients and operators ----------------------------------------------------------------

  private propose(): void {
    const live = [...this.nodes.values()];
    if (live.length === 0) return;
    const n = this.rng.pick(live);
    const key = `w${++this.proposalSeq}`;
    try {
      n.node.propose(enc.encode(key));
      n.waiting.add(key);
    } catch (err) {
      if (!(err instanceof ErrProposalDropped)) throw err;
    }
  }

  private read(): void {
    const live = [...this.nodes.values()];
    if (live.length === 0) return;
    const n = this.rng.pick(live);
    const ctx = `r${++this.readSeq}`;
    n.reads.push({ ctx, ackedBefore: this.acked.length, index: -1 });
    n.node.readIndex(enc.encode(ctx));
  }

  private members(): NodeId[] {
    const l = this.leader();
    if (!l) return [];
    const cs = l.node.raft.confState();
    return [...cs.voters, ...cs.learners];
  }

  private membershipChange(): void {
    const l = this.leader();
    if (!l) return;
    const cs = l.node.raft.confState();
    const choice = this.rng.int(3);
    let type: ConfChangeType;
    let target: NodeId;
    if (choice === 0 && cs.voters.length + cs.learners.length < 7) {
      // Add a brand-new learner (a re-added member gets a new id, as in etcd).
      target = this.nextId++;
      type = ConfChangeType.AddLearnerNode;
      this.start(target, new MemoryStorage());
    } else if (choice === 1 && cs.learners.length > 0) {
      target = this.rng.pick(cs.learners);
      type = ConfChangeType.AddNode;
    } else if (choice === 2 && cs.voters.length > 3) {
      target = this.rng.pick(cs.voters);
      type = ConfChangeType.RemoveNode;
    } else {
      return;
    }
    try {
      l.node.proposeConfChange({ type, nodeId: target, context: new Uint8Array(0) });
      this.log(`propose conf change ${type} ${target} on ${l.id}`);
    } catch (err) {
      if (!(err instanceof ErrProposalDropped)) throw err;
    }
  }

  private fault(): void {
    const ids = [...this.disks.keys()].filter((id) => !this.removed.has(id));
    const k = this.rng.int(11);
    if (k === 0) {
      // Partition: a random minority (or majority) on one side.
      const side = ids.filter(() => this.rng.chance(0.4));
      this.cut.clear();
      for (const a of side) for (const b of ids) if (!side.includes(b)) {
        this.cut.add(`${a}-${b}`);
        this.cut.add(`${b}-${a}`);
      }
      this.log(`partition [${side.join(',')}] | rest`);
    } else if (k === 1) {
      this.cut.clear();
      this.log('heal');
    } else if (k === 2) {
      const live = [...this.nodes.keys()];
      // Keep a majority of processes alive most of the time; crashes still happen.
      if (live.length > Math.ceil(ids.length / 2)) this.crash(this.rng.pick(live));
    } else if (k === 3) {
      const down = ids.filter((id) => !this.nodes.has(id));
      if (down.length > 0) this.restart(this.rng.pick(down));
    } else if (k === 4 || k === 9 || k === 10) {
      this.membershipChange();
    } else if (k === 5) {
      const l = this.leader();
      if (l) {
        const to = this.rng.pick(l.node.raft.voters);
        l.node.transferLeader(to);
        this.counts.transfers++;
        this.log(`transfer leader ${l.id} -> ${to}`);
      }
    } else if (k === 7) {
      // The leader crashes (often at the worst moment: with appends half-replicated).
      const l = this.leader();
      if (l) this.crash(l.id);
    } else if (k === 8) {
      // The leader is cut off from everyone.
      const l = this.leader();
      if (l) {
        for (const b of ids) if (b !== l.id) {
          this.cut.add(`${l.id}-${b}`);
          this.cut.add(`${b}-${l.id}`);
        }
        this.log(`isolate leader ${l.id}`);
      }
    } else {
      // A one-way cut between two nodes.
      if (ids.length >= 2) {
        const a = this.rng.pick(ids);
        const b = this.rng.pick(ids);
        if (a !== b) this.cut.add(`${a}-${b}`);
      }
    }
  }

  // ---- the clock ----------------------------------------------------------------------------

  step(): void {
    this.now++;
    if (this.faults && this.rng.chance(this.faultRate)) this.fault();
    // Clients write and read during the chaos; the healing phase only lets things land.
    if (this.faults && this.rng.chance(0.5)) this.propose();
    if (this.faults && this.rng.chance(0.15)) this.read();
    for (const n of this.nodes.values()) n.node.tick();
    this.deliverDue();
    for (const n of [...this.nodes.values()]) {
      if (!this.nodes.has(n.id)) continue;
      if (n.inflightReady) {
        // The fsync takes a random number of steps: a crash can fall in between.
        if (!this.faults || this.rng.chance(0.6)) this.finishReady(n);
      }
      if (!n.inflightReady && n.node.hasReady()) {
        this.beginReady(n);
        if (!this.faults) this.finishReady(n);
      }
    }
    this.observe();
  }

  private observe(): void {
    for (const n of this.nodes.values()) {
      const r = n.node.raft;
      const isLeader = r.state === StateType.Leader;
      if (isLeader) {
        this.checker.observeLeader(n.id, r.term, r.raftLog, !n.wasLeader);
        if (!n.wasLeader) {
          this.counts.elections++;
          this.log(`${n.id} leader of term ${r.term}`);
        }
        if (n.wasLeader && n.lastTerm === r.term) this.checker.observeLeaderCommit(n.id, r.term, n.lastCommit, r.raftLog);
      }
      n.wasLeader = isLeader;
      n.lastTerm = r.term;
      n.lastCommit = r.raftLog.committed;
    }
    if (this.now % 20 === 0) for (const n of this.nodes.values()) this.checker.checkLog(n.id, n.node.raft.raftLog);
  }

  /** Stop the chaos: heal, restart every member, deliver everything, and run until all agree. */
  healAndSettle(maxSteps: number): void {
    this.faults = false;
    this.cut.clear();
    for (const id of this.disks.keys()) this.restart(id);
    this.log('settle');
    for (let i = 0; i < maxSteps; i++) {
      this.step();
      if (i > 30 && this.settled()) return;
    }
    throw new InvariantViolation('liveness', `the healed cluster did not converge within ${maxSteps} steps`);
  }

  private settled(): boolean {
    const l = this.leader();
    if (!l) return false;
    const commit = l.node.raft.raftLog.committed;
    if (commit !== l.node.raft.raftLog.lastIndex()) return false;
    const members = this.members();
    for (const id of members) {
      const n = this.nodes.get(id);
      if (!n || n.appliedIndex !== commit || n.inflightReady || n.node.hasReady()) return false;
    }
    return true;
  }

  /** The end-of-run checks: all members equal, every acknowledged write present. */
  checkFinal(): void {
    for (const n of this.nodes.values()) this.checker.checkLog(n.id, n.node.raft.raftLog);
    const members = this.members();
    const first = this.nodes.get(members[0]!)!;
    for (const id of members) {
      const n = this.nodes.get(id)!;
      if (n.kv.size !== first.kv.size || [...n.kv].some((k) => !first.kv.has(k))) {
        throw new InvariantViolation('convergence', `node ${id} and node ${first.id} ended with different state`);
      }
      for (const k of this.acked) {
        if (!n.kv.has(k)) throw new InvariantViolation('acknowledged write lost', `${k} is missing on node ${id}`);
      }
    }
  }

  stats(): string {
    const c = this.counts;
    return `t=${this.now} acked=${this.acked.length} members=${this.members().join(',')} crashes=${c.crashes} elections=${c.elections} snapshots=${c.snapshotsRestored} confChanges=${c.confChanges} transfers=${c.transfers} reads=${c.readsServed}`;
  }

  /** One line per live node: role, term, leader, log and apply cursors (for failure reports). */
  describeNodes(): string[] {
    const roles = ['follower', 'candidate', 'leader', 'pre-candidate'];
    return [...this.nodes.values()].map((n) => {
      const r = n.node.raft;
      const l = r.raftLog;
      const cs = r.confState();
      let line = `node ${n.id}: ${roles[r.state]} term=${r.term} vote=${r.vote} lead=${r.lead} log=[${l.firstIndex()}..${l.lastIndex()}] commit=${l.committed} applied=${n.appliedIndex} voters=${cs.voters.join(',')} learners=${cs.learners.join(',')}`;
      if (r.state === StateType.Leader) {
        line += ' progress=' + [...r.prs].map(([id, p]) => `${id}:${p.state}/m${p.match}/n${p.next}${p.isPaused() ? '/paused' : ''}`).join(' ');
      }
      return line;
    });
  }

  /** For trace lines: what kind of message. */
  static typeName(t: MessageType): string {
    return Object.entries(MessageType).find(([, v]) => v === t)?.[0] ?? String(t);
  }
}
