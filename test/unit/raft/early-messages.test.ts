// takeEarlyMessages: what a member may send while its outstanding Ready is still being persisted.
import { describe, expect, it } from 'vitest';
import { MessageType } from '../../../src/native/raft/index.js';
import { bytes, Network, text } from './network.js';

describe('takeEarlyMessages', () => {
  it('a leader replicates proposals made while its Ready is outstanding: the followers alone make the quorum', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    const leader = net.get(1n);
    leader.node.propose(bytes('a'));
    const rd = leader.node.ready(); // persisting 'a'...
    for (const m of rd.messages) net.deliver(m);
    leader.node.propose(bytes('b')); // ...while 'b' arrives
    const early = leader.node.takeEarlyMessages();
    const apps = early.filter((m) => m.type === MessageType.MsgApp);
    expect(apps.map((m) => m.to).sort()).toEqual([2n, 3n]);
    expect(apps.every((m) => m.entries.some((e) => text(e.data) === 'b'))).toBe(true);
    for (const m of early) net.deliver(m);
    // The followers persist and ack 'a' and 'b' while the leader has not persisted either.
    for (const id of [2n, 3n]) for (const m of net.processReady(net.get(id))) net.deliver(m);
    const bIndex = rd.entries[rd.entries.length - 1]!.index + 1;
    expect(leader.node.raft.raftLog.committed).toBe(bIndex);
    leader.storage.append(rd.entries);
    leader.node.advance(rd);
    net.stabilize();
    for (const id of [1n, 2n, 3n]) expect(net.appliedData(id)).toEqual(['a', 'b']);
  });

  it('a follower lets only its relayed proposals go early, never its acks', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    const follower = net.get(2n);
    net.get(1n).node.propose(bytes('x'));
    for (const m of net.processReady(net.get(1n))) net.deliver(m);
    const rd = follower.node.ready(); // persisting 'x' (its ack waits for that)
    expect(rd.messages.some((m) => m.type === MessageType.MsgAppResp)).toBe(true);
    follower.node.propose(bytes('y'));
    follower.node.step({ ...net.log[net.log.length - 1]!, entries: [] }); // a heartbeat-like append: an ack queued behind
    const early = follower.node.takeEarlyMessages();
    expect(early.map((m) => m.type)).toEqual([MessageType.MsgProp]);
    expect(early[0]!.to).toBe(1n);
    for (const m of early) net.deliver(m);
    follower.storage.append(rd.entries);
    if (rd.hardState) follower.storage.setHardState(rd.hardState);
    follower.node.advance(rd);
    for (const m of rd.messages) net.deliver(m);
    net.stabilize();
    for (const id of [1n, 2n, 3n]) expect(net.appliedData(id)).toEqual(['x', 'y']);
  });

  it('a candidate sends nothing early (its votes wait for its term and vote on disk)', () => {
    const net = new Network([1n, 2n, 3n]);
    const c = net.get(1n);
    c.node.campaign();
    expect(c.node.takeEarlyMessages()).toEqual([]);
    expect(c.node.ready().messages.filter((m) => m.type === MessageType.MsgVote)).toHaveLength(2);
  });
});
