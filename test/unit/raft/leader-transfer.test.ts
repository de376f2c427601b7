import { describe, expect, it } from 'vitest';
import { ErrProposalDropped, MessageType, StateType } from '../../../src/native/raft/index.js';
import { bytes, Network } from './network.js';

describe('leader transfer', () => {
  it('hands leadership to an up-to-date follower with MsgTimeoutNow', () => {
    const net = new Network([1n, 2n, 3n], { preVote: true, checkQuorum: true });
    net.campaign(1n);
    net.propose(1n, 'a');
    net.get(1n).node.transferLeader(2n);
    net.stabilize();
    expect(net.log.some((m) => m.type === MessageType.MsgTimeoutNow && m.to === 2n)).toBe(true);
    expect(net.get(2n).node.raft.state).toBe(StateType.Leader);
    expect(net.get(1n).node.raft.state).toBe(StateType.Follower);
    expect(net.get(1n).node.raft.lead).toBe(2n);
  });

  it('catches a lagging transferee up first, and drops proposals meanwhile', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(3n);
    net.propose(1n, 'a');
    net.propose(1n, 'b');
    net.get(1n).node.transferLeader(3n);
    expect(net.get(1n).node.status().leadTransferee).toBe(3n);
    expect(() => net.get(1n).node.propose(bytes('during'))).toThrow(ErrProposalDropped);
    net.heal();
    net.tickAll(2);
    expect(net.get(3n).node.raft.state).toBe(StateType.Leader);
    expect(net.appliedData(3n)).toEqual(['a', 'b']);
  });

  it('is abandoned after an election timeout if the transferee never catches up', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(3n);
    net.get(1n).node.transferLeader(3n);
    expect(net.get(1n).node.status().leadTransferee).toBe(3n);
    net.tick(1n, 10);
    expect(net.get(1n).node.status().leadTransferee).toBe(0n);
    expect(net.get(1n).node.raft.state).toBe(StateType.Leader);
    net.propose(1n, 'accepted-again');
    expect(net.appliedData(2n)).toEqual(['accepted-again']);
  });

  it('MsgUnreachable moves a replicating follower back to probing', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.propose(1n, 'a');
    expect(net.get(1n).node.status().progress!.get(2n)!.state).toBe('replicate');
    net.get(1n).node.reportUnreachable(2n);
    expect(net.get(1n).node.status().progress!.get(2n)!.state).toBe('probe');
    net.propose(1n, 'b');
    expect(net.appliedData(2n)).toEqual(['a', 'b']);
  });
});
