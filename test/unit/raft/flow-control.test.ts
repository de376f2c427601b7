import { describe, expect, it } from 'vitest';
import { MessageType, StateType } from '../../../src/native/raft/index.js';
import { Network } from './network.js';

describe('flow control and log repair', () => {
  it('keeps at most maxInflightMsgs appends outstanding to a silent follower', () => {
    const net = new Network([1n, 2n, 3n], { maxInflightMsgs: 3, maxSizePerMsg: 1 });
    net.campaign(1n);
    net.propose(1n, 'warm-up'); // 2 and 3 in replicate state now
    // 3 stops answering (its responses are lost): the leader must stop after 3 in-flight appends.
    net.filter = (m) => m.from === 3n && m.type === MessageType.MsgAppResp;
    const before = net.log.length;
    for (let i = 0; i < 10; i++) net.get(1n).node.propose(new TextEncoder().encode(`p${i}`));
    net.stabilize();
    const appsTo3 = net.log.slice(before).filter((m) => m.type === MessageType.MsgApp && m.to === 3n);
    expect(appsTo3).toHaveLength(3);
    // 2 answered, so it got everything.
    expect(net.appliedData(2n)).toHaveLength(11);
    // Once 3 answers again, the rest flows.
    net.heal();
    net.tickAll(3);
    expect(net.appliedData(3n)).toHaveLength(11);
  });

  it('fast backtracking: a long divergent tail is repaired in a few round trips, not one per entry', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.propose(1n, 'common');
    // Leader 1 (term 1) writes 50 entries nobody else gets.
    net.isolate(1n);
    for (let i = 0; i < 50; i++) net.get(1n).node.propose(new TextEncoder().encode(`doomed${i}`));
    net.stabilize();
    net.heal();
    // 2 becomes leader of term 2 without 1 and writes its own entries.
    net.isolate(1n);
    net.campaign(2n);
    for (let i = 0; i < 5; i++) net.propose(2n, `kept${i}`);
    net.heal();
    const before = net.log.length;
    net.tickAll(3);
    const rejects = net.log.slice(before).filter((m) => m.type === MessageType.MsgAppResp && m.from === 1n && m.reject);
    expect(rejects.length).toBeLessThanOrEqual(3);
    expect(net.get(1n).node.raft.state).toBe(StateType.Follower);
    expect(net.appliedData(1n)).toEqual(['common', 'kept0', 'kept1', 'kept2', 'kept3', 'kept4']);
  });
});
