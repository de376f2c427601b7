// A tiny synchronous cluster for scripted Raft scenarios: each member is a RawNode over a
// MemoryStorage, the "host" persists each Ready into the storage, applies committed entries to a
// list, and the network delivers messages between members unless a link is cut.

import {
  ConfChangeType,
  decodeConfChange,
  type Entry,
  EntryType,
  type Message,
  MemoryStorage,
  type NodeId,
  RawNode,
  type ReadState,
  StateType,
  type RaftConfig,
} from '../../../src/native/raft/index.js';

export interface Member {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
  /** Application data restored from a snapshot (applied entries come after it). */
  snapshotData: string[];
  readStates: ReadState[];
}

export interface NetworkOptions {
  electionTick?: number;
  heartbeatTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  /** Ids that start as learners. */
  learners?: NodeId[];
  /** Planted bugs (see MUTATIONS in src/native/raft/raft.ts). */
  mutations?: ReadonlySet<string>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

export class Network {
  readonly members = new Map<NodeId, Member>();
  private readonly cut = new Set<string>();
  /** Every message delivered, for assertions on what was sent. */
  readonly log: Message[] = [];
  /** Drop messages matching this predicate (in addition to cut links). */
  filter: ((m: Message) => boolean) | undefined;

  constructor(
    ids: NodeId[],
    readonly opts: NetworkOptions = {},
  ) {
    const learners = opts.learners ?? [];
    for (const id of ids) this.addMember(id, { voters: ids.filter((x) => !learners.includes(x)), learners });
  }

  config(id: NodeId, storage: MemoryStorage): RaftConfig {
    let seed = Number(id) * 7919;
    return {
      id,
      electionTick: this.opts.electionTick ?? 10,
      heartbeatTick: this.opts.heartbeatTick ?? 1,
      storage,
      applied: 0,
      maxSizePerMsg: this.opts.maxSizePerMsg ?? 1 << 20,
      maxInflightMsgs: this.opts.maxInflightMsgs ?? 256,
      checkQuorum: this.opts.checkQuorum ?? false,
      preVote: this.opts.preVote ?? false,
      mutations: this.opts.mutations,
      // Deterministic per member, different between members.
      randomInt: (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      },
    };
  }

  /** Adds a member whose storage starts with the given configuration (a "snapshot" at index 0). */
  addMember(id: NodeId, confState: { voters: NodeId[]; learners: NodeId[] }): Member {
    const storage = new MemoryStorage();
    storage.applySnapshot({ metadata: { index: 0, term: 0, confState }, data: new Uint8Array(0) });
    const m: Member = { id, node: new RawNode(this.config(id, storage)), storage, applied: [], snapshotData: [], readStates: [] };
    this.members.set(id, m);
    return m;
  }

  /** Crash and restart: a new RawNode over the same (persisted) storage; nothing else survives. */
  restart(id: NodeId): void {
    const m = this.get(id);
    const applied = m.applied.length === 0 ? m.storage.firstIndex() - 1 : m.applied[m.applied.length - 1]!.index;
    m.node = new RawNode({ ...this.config(id, m.storage), applied });
  }

  get(id: NodeId): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  leader(): Member | undefined {
    for (const m of this.members.values()) if (m.node.raft.state === StateType.Leader) return m;
    return undefined;
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}-${other}`);
      this.cut.add(`${other}-${id}`);
    }
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}-${b}`);
    this.cut.add(`${b}-${a}`);
  }

  heal(): void {
    this.cut.clear();
    this.filter = undefined;
  }

  /** Runs one member's Ready: persist, apply, advance; returns its outgoing messages. */
  processReady(m: Member): Message[] {
    if (!m.node.hasReady()) return [];
    const rd = m.node.ready();
    if (rd.snapshot) {
      m.storage.applySnapshot(rd.snapshot);
      m.snapshotData = JSON.parse(text(rd.snapshot.data)) as string[];
      m.applied = [];
    }
    if (rd.hardState) m.storage.setHardState(rd.hardState);
    m.storage.append(rd.entries);
    for (const e of rd.committedEntries) {
      m.applied.push(e);
      if (e.type === EntryType.ConfChange) m.node.applyConfChange(decodeConfChange(e.data));
    }
    for (const rs of rd.readStates) m.readStates.push(rs);
    m.node.advance(rd);
    return rd.messages;
  }

  /** Delivers messages (and everything they cause) until the cluster is quiet. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const msgs: Message[] = [];
      for (const m of this.members.values()) for (const msg of this.processReady(m)) msgs.push(msg);
      if (msgs.length === 0) return;
      for (const msg of msgs) this.deliver(msg);
    }
    throw new Error('cluster did not stabilize');
  }

  deliver(msg: Message): void {
    if (this.cut.has(`${msg.from}-${msg.to}`)) return;
    if (this.filter?.(msg)) return;
    const to = this.members.get(msg.to);
    if (!to) return;
    this.log.push(msg);
    to.node.step(msg);
  }

  campaign(id: NodeId): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  propose(id: NodeId, data: string): void {
    this.get(id).node.propose(bytes(data));
    this.stabilize();
  }

  /** Ticks every member n times, stabilizing after each tick. */
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const m of this.members.values()) m.node.tick();
      this.stabilize();
    }
  }

  tick(id: NodeId, n: number): void {
    for (let i = 0; i < n; i++) {
      this.get(id).node.tick();
      this.stabilize();
    }
  }

  /** The application data each member applied (no-ops and conf changes left out). */
  appliedData(id: NodeId): string[] {
    const m = this.get(id);
    return [
      ...m.snapshotData,
      ...m.applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0).map((e) => text(e.data)),
    ];
  }

  /** Takes a snapshot of what `id` applied and compacts its log up to there. */
  snapshotAndCompact(id: NodeId): number {
    const m = this.get(id);
    const index = m.applied[m.applied.length - 1]!.index;
    const cs = m.node.raft.confState();
    m.storage.createSnapshot(index, cs, bytes(JSON.stringify(this.appliedData(id))));
    m.storage.compact(index);
    return index;
  }

  /** Proposes a membership change on `id` and runs it to completion. */
  changeMembership(id: NodeId, type: (typeof ConfChangeType)[keyof typeof ConfChangeType], nodeId: NodeId): void {
    this.get(id).node.proposeConfChange({ type, nodeId, context: new Uint8Array(0) });
    this.stabilize();
  }
}

export { ConfChangeType, StateType };
