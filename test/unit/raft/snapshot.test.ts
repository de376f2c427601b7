import { describe, expect, it } from 'vitest';
import { MessageType, SnapshotStatus } from '../../../src/native/raft/index.js';
import { Network } from './network.js';

describe('snapshots', () => {
  it('a follower that missed compacted entries catches up from a snapshot, then from the log', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(3n);
    for (let i = 0; i < 10; i++) net.propose(1n, `v${i}`);
    const snapIndex = net.snapshotAndCompact(1n);
    expect(net.get(1n).storage.firstIndex()).toBe(snapIndex + 1);
    net.heal();
    net.tickAll(2);
    const snaps = net.log.filter((m) => m.type === MessageType.MsgSnap);
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.to).toBe(3n);
    expect(snaps[0]!.snapshot!.metadata.index).toBe(snapIndex);
    net.propose(1n, 'after');
    const expected = [...Array.from({ length: 10 }, (_, i) => `v${i}`), 'after'];
    for (const id of [1n, 2n, 3n]) expect(net.appliedData(id)).toEqual(expected);
    // The snapshot done, the leader replicates normally to 3 again.
    expect(net.get(1n).node.status().progress!.get(3n)!.state).toBe('replicate');
  });

  it('a failed snapshot report makes the leader retry', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    net.isolate(3n);
    for (let i = 0; i < 5; i++) net.propose(1n, `v${i}`);
    net.snapshotAndCompact(1n);
    net.heal();
    net.filter = (m) => m.type === MessageType.MsgSnap; // lost in transit
    net.tickAll(1);
    expect(net.get(1n).node.status().progress!.get(3n)!.state).toBe('snapshot');
    net.get(1n).node.reportSnapshot(3n, SnapshotStatus.Failure);
    net.heal();
    net.tickAll(3);
    expect(net.appliedData(3n)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('a restarted member recovers from its own snapshot plus the log after it', () => {
    const net = new Network([1n, 2n, 3n]);
    net.campaign(1n);
    for (let i = 0; i < 4; i++) net.propose(1n, `v${i}`);
    net.snapshotAndCompact(2n);
    net.propose(1n, 'v4');
    net.restart(2n);
    net.tickAll(12);
    net.propose(net.leader()!.id, 'v5');
    expect(net.appliedData(2n)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  });
});
