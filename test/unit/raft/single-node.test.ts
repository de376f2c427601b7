import { describe, expect, it } from 'vitest';
import {
  EntryType,
  ErrProposalDropped,
  MemoryStorage,
  RawNode,
  StateType,
  decodeConfChange,
  type Ready,
} from '../../../src/native/raft/index.js';
import { bytes, text } from './network.js';

function freshNode(storage = new MemoryStorage()): RawNode {
  return new RawNode(configOf(storage));
}

/** The host's duties for one Ready: persist, then apply, then advance. */
function handle(node: RawNode, storage: MemoryStorage, rd: Ready, applied: string[]): void {
  if (rd.hardState) storage.setHardState(rd.hardState);
  storage.append(rd.entries);
  for (const e of rd.committedEntries) {
    if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
    else if (e.data.length > 0) applied.push(text(e.data));
  }
  node.advance(rd);
}

describe('single member', () => {
  it('bootstraps, elects itself on the first campaign and commits once the entry is persisted', () => {
    const storage = new MemoryStorage();
    const node = freshNode(storage);
    node.bootstrap([{ id: 1n, context: bytes('member-1') }]);
    node.campaign();
    expect(node.status().softState.raftState).toBe(StateType.Leader);

    const applied: string[] = [];
    const first = node.ready();
    // Bootstrap entry + the leader's no-op: persisted in this batch.
    expect(first.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(first.committedEntries.map((e) => e.index)).toEqual([1]);
    expect(decodeConfChange(first.committedEntries[0]!.data).nodeId).toBe(1n);
    expect(first.hardState).toMatchObject({ term: 2, vote: 1n });
    expect(first.mustSync).toBe(true);
    handle(node, storage, first, applied);

    node.propose(bytes('put a=1'));
    // The no-op committed on advance (own ack after persisting); the proposal is not committed yet.
    const second = node.ready();
    expect(second.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(second.entries.map((e) => text(e.data))).toEqual(['put a=1']);
    handle(node, storage, second, applied);
    expect(applied).toEqual([]);

    const third = node.ready();
    expect(third.committedEntries.map((e) => text(e.data))).toEqual(['put a=1']);
    handle(node, storage, third, applied);
    expect(applied).toEqual(['put a=1']);
    expect(node.hasReady()).toBe(false);
  });

  it('answers a ReadIndex at once with its commit index', () => {
    const storage = new MemoryStorage();
    const node = freshNode(storage);
    node.bootstrap([{ id: 1n }]);
    node.campaign();
    const applied: string[] = [];
    while (node.hasReady()) handle(node, storage, node.ready(), applied);
    node.readIndex(bytes('r1'));
    const rd = node.ready();
    expect(rd.readStates).toEqual([{ index: 2, requestCtx: bytes('r1') }]);
    node.advance(rd);
  });

  it('drops proposals while it has no leader', () => {
    const node = freshNode();
    node.bootstrap([{ id: 1n }, { id: 2n }, { id: 3n }]);
    expect(() => node.propose(bytes('x'))).toThrow(ErrProposalDropped);
  });

  it('refuses a second ready() before advance()', () => {
    const node = freshNode();
    node.bootstrap([{ id: 1n }]);
    node.ready();
    expect(node.hasReady()).toBe(false);
    expect(() => node.ready()).toThrow(/before advance/);
  });

  it('restarts from its storage and keeps term, vote and log', () => {
    const storage = new MemoryStorage();
    const node = freshNode(storage);
    node.bootstrap([{ id: 1n }]);
    node.campaign();
    const applied: string[] = [];
    node.propose(bytes('a'));
    for (let i = 0; i < 5 && node.hasReady(); i++) handle(node, storage, node.ready(), applied);
    expect(applied).toEqual(['a']);

    const restarted = new RawNode({ ...configOf(storage), applied: storage.lastIndex() });
    const st = restarted.status();
    expect(st.hardState).toMatchObject({ term: 2, vote: 1n, commit: 3 });
    expect(st.softState.raftState).toBe(StateType.Follower);
    restarted.campaign();
    expect(restarted.status().softState.raftState).toBe(StateType.Leader);
    expect(restarted.status().hardState.term).toBe(3);
  });
});

function configOf(storage: MemoryStorage) {
  return {
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    applied: 0,
    maxSizePerMsg: 1 << 20,
    maxInflightMsgs: 256,
    checkQuorum: true,
    preVote: true,
    randomInt: () => 0,
  };
}
