import { describe, expect, it } from 'vitest';
import { MessageType, StateType } from '../../../src/native/raft/index.js';
import { bytes, Network } from './network.js';

describe('commit rules', () => {
  it('figure 8: an old-term entry on a majority is not committed, and may then be overwritten', () => {
    // maxSizePerMsg 1: one entry per MsgApp, so we can drop the new leader's own entries only.
    const net = new Network([1n, 2n, 3n, 4n, 5n], { maxSizePerMsg: 1 });
    net.campaign(1n); // term 1, no-op at index 1 everywhere
    // (a) leader 1 gets index 2 onto itself and 2 only.
    for (const id of [3n, 4n, 5n]) net.isolate(id);
    net.propose(1n, 'term1-entry');
    net.heal();
    // (b) 5 is elected in term 2 by 3 and 4, appends index 2 locally only.
    net.isolate(1n);
    net.isolate(2n);
    net.filter = (m) => m.type === MessageType.MsgApp && m.from === 5n; // its no-op stays local too
    net.campaign(5n);
    expect(net.get(5n).node.raft.state).toBe(StateType.Leader);
    net.heal();
    net.isolate(5n);
    net.get(5n).node.propose(bytes('term2-entry'));
    net.stabilize();
    net.restart(1n); // 1 crashed meanwhile, comes back as a follower
    // (c) 1 is elected in term 3 and copies its term-1 entry to 3 and 4; its own term-3 no-op is lost.
    net.filter = (m) => {
      // Strip the new leader's entries from every MsgApp (the old entry still flows).
      if (m.type === MessageType.MsgApp) m.entries = m.entries.filter((e) => e.term <= 2);
      return false;
    };
    const r1 = () => net.get(1n).node.raft;
    for (let i = 0; i < 3 && r1().state !== StateType.Leader; i++) net.campaign(1n);
    expect(r1().state).toBe(StateType.Leader);
    expect(net.get(3n).node.raft.raftLog.term(2)).toBe(1); // the old entry is on 1, 2, 3, 4 now...
    expect(r1().raftLog.committed).toBe(1); // ...and still not committed
    expect(net.appliedData(1n)).toEqual([]);
    // (d) 1 fails; 5 (last log term 2) is elected and overwrites index 2 everywhere.
    net.heal();
    net.isolate(1n);
    net.restart(5n);
    for (let i = 0; i < 3 && net.get(5n).node.raft.state !== StateType.Leader; i++) net.campaign(5n);
    expect(net.get(5n).node.raft.state).toBe(StateType.Leader);
    net.heal();
    net.tickAll(3);
    for (const id of [1n, 2n, 3n, 4n, 5n]) expect(net.appliedData(id)).toEqual(['term2-entry']);
  });

  it('commits an old-term entry only together with an entry of the current term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(2n);
    net.isolate(3n);
    net.get(1n).node.propose(bytes('old'));
    net.stabilize();
    net.heal();
    // 1 is leader of term 2 now, but we drop its no-op so only the old entry is replicated.
    const r1 = net.get(1n).node.raft;
    r1.becomeFollower(r1.term, 0n);
    net.filter = (m) => m.type === MessageType.MsgApp && m.entries.some((e) => e.term === 2);
    net.campaign(1n);
    expect(r1.state).toBe(StateType.Leader);
    const oldIndex = r1.raftLog.allEntries().find((e) => e.data.length === 3)!.index;
    expect(r1.raftLog.committed).toBeLessThan(oldIndex);
    net.heal();
    net.tickAll(2);
    expect(r1.raftLog.committed).toBeGreaterThan(oldIndex);
    expect(net.appliedData(3n)).toEqual(['old']);
  });
});
