import { describe, expect, it } from 'vitest';
import { ErrProposalDropped, MessageType, StateType } from '../../../src/native/raft/index.js';
import { bytes, Network } from './network.js';

describe('log replication', () => {
  it('replicates and applies proposals on every member, in the same order', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    for (let i = 0; i < 10; i++) net.propose(1n, `v${i}`);
    const expected = Array.from({ length: 10 }, (_, i) => `v${i}`);
    for (const id of [1n, 2n, 3n]) expect(net.appliedData(id)).toEqual(expected);
  });

  it('batches many proposals into one MsgApp per follower', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    const leader = net.get(1n).node;
    for (let i = 0; i < 50; i++) leader.propose(bytes(`b${i}`));
    const before = net.log.length;
    net.stabilize();
    const apps = net.log.slice(before).filter((m) => m.type === MessageType.MsgApp && m.entries.length > 0);
    expect(apps).toHaveLength(2);
    expect(apps.every((m) => m.entries.length === 50)).toBe(true);
    expect(net.appliedData(3n)).toHaveLength(50);
  });

  it('respects maxSizePerMsg and still delivers everything', () => {
    const net = new Network([1n, 2n, 3n], { maxSizePerMsg: 100 });
    net.campaign(1n);
    const leader = net.get(1n).node;
    for (let i = 0; i < 20; i++) leader.propose(new Uint8Array(40).fill(i));
    const before = net.log.length;
    net.stabilize();
    const apps = net.log.slice(before).filter((m) => m.type === MessageType.MsgApp && m.entries.length > 0);
    expect(apps.length).toBeGreaterThan(2);
    expect(Math.max(...apps.map((m) => m.entries.length))).toBeLessThanOrEqual(2);
    expect(net.get(2n).applied.filter((e) => e.data.length === 40)).toHaveLength(20);
  });

  it('a follower forwards proposals to the leader (that is how followers accept writes)', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.propose(3n, 'from-follower');
    for (const id of [1n, 2n, 3n]) expect(net.appliedData(id)).toEqual(['from-follower']);
  });

  it('a follower without a leader drops proposals with ErrProposalDropped', () => {
    const net = new Network([1n, 2n, 3n]);
    expect(() => net.get(2n).node.propose(bytes('x'))).toThrow(ErrProposalDropped);
  });

  it('does not commit without a quorum, and commits once the quorum is back', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(2n);
    net.cutLink(1n, 3n);
    net.propose(1n, 'pending');
    expect(net.appliedData(1n)).toEqual([]);
    net.heal();
    net.tickAll(2);
    for (const id of [1n, 2n, 3n]) expect(net.appliedData(id)).toEqual(['pending']);
  });

  it('repairs a follower log that diverged under an old leader (conflicting suffix truncated)', () => {
    const net = new Network([1n, 2n, 3n, 4n, 5n]);
    net.campaign(1n);
    net.propose(1n, 'common');
    // Old leader 1 appends entries only it and 2 receive (never committed).
    net.isolate(3n);
    net.isolate(4n);
    net.isolate(5n);
    for (let i = 0; i < 5; i++) net.propose(1n, `lost${i}`);
    expect(net.appliedData(2n)).toEqual(['common']);
    net.heal();
    net.isolate(1n);
    net.isolate(2n);
    net.campaign(3n);
    expect(net.get(3n).node.raft.state).toBe(StateType.Leader);
    net.propose(3n, 'new');
    net.heal();
    net.tickAll(3);
    for (const id of [1n, 2n, 3n, 4n, 5n]) expect(net.appliedData(id)).toEqual(['common', 'new']);
    const terms = net.get(1n).node.raft.raftLog.allEntries().map((e) => e.term);
    expect(terms).toEqual(net.get(3n).node.raft.raftLog.allEntries().map((e) => e.term));
  });
});
