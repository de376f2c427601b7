import { describe, expect, it } from 'vitest';
import { MessageType } from '../../../src/native/raft/index.js';
import { bytes, Network, text } from './network.js';

describe('ReadIndex', () => {
  it('on the leader: answered with the commit index after a heartbeat round confirms leadership', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.propose(1n, 'a');
    const commit = net.get(1n).node.raft.raftLog.committed;
    net.get(1n).node.readIndex(bytes('req-1'));
    const before = net.log.length;
    net.stabilize();
    const beats = net.log.slice(before).filter((m) => m.type === MessageType.MsgHeartbeat);
    expect(beats.length).toBe(2);
    expect(beats.every((m) => text(m.context) === 'req-1')).toBe(true);
    expect(net.get(1n).readStates).toEqual([{ index: commit, requestCtx: bytes('req-1') }]);
  });

  it('is not answered while the leader cannot reach a quorum', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(1n);
    net.get(1n).node.readIndex(bytes('req-2'));
    net.stabilize();
    net.tick(1n, 3);
    expect(net.get(1n).readStates).toEqual([]);
    net.heal();
    net.tickAll(1);
    expect(net.get(1n).readStates.map((r) => text(r.requestCtx))).toEqual(['req-2']);
  });

  it('on a follower: forwarded to the leader, answered back with the leader commit index', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.propose(1n, 'a');
    net.get(3n).node.readIndex(bytes('req-3'));
    net.stabilize();
    expect(net.log.some((m) => m.type === MessageType.MsgReadIndex && m.from === 3n && m.to === 1n)).toBe(true);
    expect(net.get(3n).readStates).toEqual([{ index: net.get(1n).node.raft.raftLog.committed, requestCtx: bytes('req-3') }]);
    expect(net.get(1n).readStates).toEqual([]);
  });

  it('a new leader answers only once it has committed an entry of its own term', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    // Hold back the new term's no-op from everyone.
    net.filter = (m) => m.type === MessageType.MsgApp;
    net.campaign(2n);
    const r2 = net.get(2n).node.raft;
    expect(r2.lead).toBe(2n);
    net.get(2n).node.readIndex(bytes('req-4'));
    net.stabilize();
    expect(net.get(2n).readStates).toEqual([]);
    net.heal();
    net.tickAll(2);
    expect(net.get(2n).readStates.map((r) => r.index)).toEqual([r2.raftLog.committed]);
  });
});
