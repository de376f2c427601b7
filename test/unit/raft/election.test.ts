import { describe, expect, it } from 'vitest';
import { MessageType, StateType } from '../../../src/native/raft/index.js';
import { Network } from './network.js';

describe('leader election', () => {
  it('elects the campaigning member with a majority and everybody follows it', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    expect(net.get(1n).node.raft.state).toBe(StateType.Leader);
    for (const id of [2n, 3n]) {
      expect(net.get(id).node.raft.state).toBe(StateType.Follower);
      expect(net.get(id).node.raft.lead).toBe(1n);
      expect(net.get(id).node.raft.term).toBe(1);
    }
  });

  it('elects a leader on its own through ticks (randomized timeouts)', () => {
    const net = new Network([1n, 2n, 3n, 4n, 5n], { preVote: true, checkQuorum: true });
    net.tickAll(30);
    const leaders = [...net.members.values()].filter((m) => m.node.raft.state === StateType.Leader);
    expect(leaders).toHaveLength(1);
  });

  it('cannot win without a majority', () => {
    const net = new Network([1n, 2n, 3n]);
    net.isolate(1n);
    net.campaign(1n);
    expect(net.get(1n).node.raft.state).toBe(StateType.Candidate);
    net.heal();
  });

  it('a voter grants one vote per term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.get(1n).node.campaign(); // term 1, request queued
    net.get(3n).node.campaign(); // term 1 too
    // 2 hears 1 first and grants; 3's request for the same term must be refused.
    const fromOne = net.get(1n).node.ready();
    const fromThree = net.get(3n).node.ready();
    const to2 = (m: { to: bigint }) => m.to === 2n;
    net.get(2n).node.step(fromOne.messages.find(to2)!);
    net.get(2n).node.step(fromThree.messages.find(to2)!);
    const answers = net.get(2n).node.ready().messages;
    expect(answers.map((m) => [m.to, m.type, m.reject])).toEqual([
      [1n, MessageType.MsgVoteResp, false],
      [3n, MessageType.MsgVoteResp, true],
    ]);
  });

  it('does not elect a member whose log is behind (up-to-date check)', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(3n);
    net.propose(1n, 'x');
    net.heal();
    // 3 missed 'x' (until the next heartbeat); its vote request is refused by 1 and 2.
    net.filter = (m) => m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp;
    net.get(3n).node.campaign();
    net.stabilize();
    expect(net.get(3n).node.raft.state).not.toBe(StateType.Leader);
    net.heal();
  });

  it('pre-vote: a partitioned member does not raise its term, and does not disrupt the leader when it returns', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true, checkQuorum: true });
    net.campaign(1n);
    const term = net.get(1n).node.raft.term;
    net.isolate(3n);
    net.tick(3n, 50);
    expect(net.get(3n).node.raft.term).toBe(term);
    expect(net.get(3n).node.raft.state).toBe(StateType.PreCandidate);
    net.heal();
    net.tickAll(5);
    expect(net.get(1n).node.raft.state).toBe(StateType.Leader);
    expect(net.get(1n).node.raft.term).toBe(term);
    expect(net.get(3n).node.raft.lead).toBe(1n);
  });

  it('check-quorum: followers that heard from the leader recently ignore a higher-term vote (lease)', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true });
    net.campaign(1n);
    net.isolate(3n);
    // Without pre-vote, 3 raises its term while isolated...
    net.tick(3n, 30);
    expect(net.get(3n).node.raft.term).toBeGreaterThan(1);
    net.heal();
    // ...but on return its vote requests are ignored by members inside their leader's lease.
    net.get(3n).node.campaign();
    net.stabilize();
    expect(net.get(2n).node.raft.lead).toBe(1n);
    expect(net.get(3n).node.raft.state).not.toBe(StateType.Leader);
  });

  it('check-quorum: a leader that loses contact with a quorum steps down after an election timeout', () => {
    const net = new Network([1n, 2n, 3n], { checkQuorum: true });
    net.campaign(1n);
    net.isolate(1n);
    net.tick(1n, 10);
    net.tick(1n, 10);
    expect(net.get(1n).node.raft.state).toBe(StateType.Follower);
    net.heal();
  });
});
