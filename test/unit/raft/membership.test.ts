import { describe, expect, it } from 'vitest';
import { ConfChangeType, EntryType, MessageType, StateType } from '../../../src/native/raft/index.js';
import { bytes, Network } from './network.js';

describe('membership changes', () => {
  it('adds a learner that receives the log but never votes, then promotes it', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.propose(1n, 'before');
    net.addMember(4n, { voters: [], learners: [] }); // a fresh process that knows nothing yet
    net.changeMembership(1n, ConfChangeType.AddLearnerNode, 4n);
    net.tickAll(2);
    net.propose(1n, 'after');
    expect(net.appliedData(4n)).toEqual(['before', 'after']);
    expect(net.get(1n).node.raft.confState()).toEqual({ voters: [1n, 2n, 3n], learners: [4n] });
    // A learner does not campaign, and nobody asks it for a vote.
    net.tick(4n, 50);
    expect(net.get(4n).node.raft.state).toBe(StateType.Follower);
    expect(net.log.some((m) => m.type === MessageType.MsgVote && m.to === 4n)).toBe(false);
    // Not in the quorum: with 2 and 3 down the leader cannot commit, even with the learner up.
    net.isolate(2n);
    net.isolate(3n);
    net.propose(1n, 'no-quorum');
    expect(net.appliedData(1n)).not.toContain('no-quorum');
    net.heal();
    net.tickAll(2);
    // Promotion.
    net.changeMembership(1n, ConfChangeType.AddNode, 4n);
    expect(net.get(1n).node.raft.confState()).toEqual({ voters: [1n, 2n, 3n, 4n], learners: [] });
    expect(net.get(4n).node.raft.isLearner).toBe(false);
    net.isolate(1n);
    net.campaign(4n);
    expect(net.get(4n).node.raft.state).toBe(StateType.Leader);
  });

  it('refuses a second conf change while the first is not applied (one at a time)', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.addMember(4n, { voters: [], learners: [] });
    net.addMember(5n, { voters: [], learners: [] });
    const leader = net.get(1n).node;
    leader.proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4n, context: new Uint8Array(0) });
    leader.proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 5n, context: new Uint8Array(0) });
    net.stabilize();
    const confEntries = net.get(1n).applied.filter((e) => e.type === EntryType.ConfChange);
    expect(confEntries).toHaveLength(1);
    expect(net.get(1n).node.raft.confState().learners).toEqual([4n]);
    // Once applied, the next one goes through.
    net.changeMembership(1n, ConfChangeType.AddLearnerNode, 5n);
    expect(net.get(1n).node.raft.confState().learners).toEqual([4n, 5n]);
  });

  it('removes a follower: the quorum shrinks and writes continue with 2 of 3 left', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.changeMembership(1n, ConfChangeType.RemoveNode, 3n);
    expect(net.get(1n).node.raft.confState().voters).toEqual([1n, 2n]);
    net.isolate(3n);
    net.propose(1n, 'x');
    expect(net.appliedData(2n)).toEqual(['x']);
    expect(net.get(3n).node.raft.promotable()).toBe(false);
  });

  it('removes the leader itself: it steps down and the others elect a new leader', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true, checkQuorum: true });
    net.campaign(1n);
    net.changeMembership(1n, ConfChangeType.RemoveNode, 1n);
    expect(net.get(1n).node.raft.state).toBe(StateType.Follower);
    net.tickAll(30);
    const leader = net.leader();
    expect(leader).toBeDefined();
    expect([2n, 3n]).toContain(leader!.id);
    expect(leader!.node.raft.confState().voters).toEqual([2n, 3n]);
    net.get(leader!.id).node.propose(bytes('after-removal'));
    net.stabilize();
    expect(net.appliedData(2n)).toContain('after-removal');
    expect(net.appliedData(3n)).toContain('after-removal');
  });

  it('a new member catches up from a snapshot taken before its addition (the host sends its stored snapshot)', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    for (let i = 0; i < 5; i++) net.propose(1n, `v${i}`);
    net.snapshotAndCompact(1n); // ConfState {1,2,3}: no 4 in it
    net.addMember(4n, { voters: [], learners: [] });
    net.changeMembership(1n, ConfChangeType.AddLearnerNode, 4n);
    net.tickAll(3);
    expect(net.log.some((m) => m.type === MessageType.MsgSnap && m.to === 4n)).toBe(true);
    net.propose(1n, 'after');
    expect(net.appliedData(4n)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'after']);
    expect(net.get(4n).node.raft.confState().learners).toEqual([4n]);
  });
});
