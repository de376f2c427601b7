import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import { putReq, rangeReq, until } from './helpers.js';
import { MemoryNetwork } from './memory-transport.js';

// A lagging follower caught up by a raft snapshot, then a learner added, started with
// --initial-cluster-state=existing, promoted and removed: over the in-memory network.
const IDS = [0x1001n, 0x1002n, 0x1003n];
const root = mkdtempSync(join(tmpdir(), 'dcsgw-membership-'));
const net = new MemoryNetwork();
const up = new Map<bigint, NativeBackend>();
const peerURL = (id: bigint) => `http://127.0.0.1:${24400 + Number(id & 0xffn)}`;

async function start(id: bigint, state: 'new' | 'existing', initial: bigint[]): Promise<NativeBackend> {
  const be = await createNativeBackend({
    name: `n${id.toString(16)}`,
    dataDir: join(root, id.toString(16)),
    memberId: id,
    clusterId: 0x77n,
    initialCluster: initial.map((x) => ({ id: x, name: `n${x.toString(16)}`, peerURLs: [peerURL(x)] })),
    initialClusterState: state,
    advertiseClientURLs: [`http://127.0.0.1:${24500 + Number(id & 0xffn)}`],
    advertisePeerURLs: [peerURL(id)],
    snapshotCount: 40,
    snapshotCatchUpEntries: 10,
    heartbeatMs: 50,
    electionMs: 500,
    quotaBackendBytes: 2 ** 31,
    requestTimeoutMs: 3000,
    transport: net.transport(id),
    logger: pino({ level: 'silent' }),
  });
  up.set(id, be);
  return be;
}
async function stop(id: bigint): Promise<void> {
  const be = up.get(id);
  up.delete(id);
  await be?.close();
}
const leader = () => [...up.values()].find((b) => b.isLeader());

afterAll(async () => {
  for (const id of [...up.keys()]) await stop(id);
  rmSync(root, { recursive: true, force: true });
});

describe('native backend membership (in-memory network)', () => {
  it('catches a lagging follower up with a raft snapshot', async () => {
    await Promise.all(IDS.map((id) => start(id, 'new', IDS)));
    await Promise.all([...up.values()].map((b) => b.ready()));
    const l = await until('a leader', leader);
    const lagging = IDS.find((id) => id !== l.memberId)!;
    await stop(lagging);
    for (let i = 0; i < 120; i++) await l.put(putReq(`k${i % 20}`, `v${i}`));
    const back = await start(lagging, 'new', IDS);
    await back.ready();
    await until('the lagging member to catch up', async () => {
      const r = await back.range(rangeReq('k19', { serializable: true }));
      return r.kvs[0]?.value.toString() === 'v119';
    });
    // The leader's log was compacted below what the follower had, so it received a snapshot file.
    const snapDir = join(root, lagging.toString(16), 'member', 'snap');
    expect(existsSync(snapDir) && readdirSync(snapDir).some((n) => n.endsWith('.snap'))).toBe(true);
  });

  it('adds a learner that joins an existing cluster, promotes it, then removes it', async () => {
    const l = (await until('a leader', leader))!;
    const NEW = 0x1004n;
    const added = await l.memberAdd({ peerURLs: [peerURL(NEW)], isLearner: true });
    expect(added.member).toMatchObject({ name: '', isLearner: true, clientURLs: [] });
    expect(added.members).toHaveLength(4);
    await expect(l.memberAdd({ peerURLs: ['http://127.0.0.1:24499'], isLearner: true })).rejects.toThrow(
      'etcdserver: too many learner members in cluster',
    );
    const id = added.member.id;
    const joiner = await start(id, 'existing', [...IDS, id]);
    await joiner.ready();
    await until('the learner to catch up', async () => (await joiner.range(rangeReq('k19', { serializable: true }))).count === 1);
    expect((await joiner.status()).isLearner).toBe(true);
    // As genuine etcd's interceptor: a learner serves Status and serializable Range only.
    await expect(joiner.put(putReq('x', 'y'))).rejects.toThrow('etcdserver: rpc not supported for learner');
    await expect(joiner.range(rangeReq('k19'))).rejects.toThrow('etcdserver: rpc not supported for learner');
    await expect(joiner.memberList(true)).rejects.toThrow('etcdserver: rpc not supported for learner');
    await until('the learner promotion', () =>
      l.memberPromote(id).then(
        () => true,
        () => false,
      ),
    );
    const ml = await l.memberList(true);
    expect(ml.members.find((m) => m.id === id)).toMatchObject({ isLearner: false, name: `n${id.toString(16)}` });
    await until('the joiner to see itself as a voter', async () => !(await joiner.status()).isLearner);

    await expect(l.memberUpdate(0x9999n, ['http://127.0.0.1:24498'])).rejects.toThrow('etcdserver: member not found');
    await expect(l.memberUpdate(id, [peerURL(IDS[0]!)])).rejects.toThrow('etcdserver: Peer URLs already exists');
    const updated = await l.memberUpdate(id, ['http://127.0.0.1:24497']);
    expect(updated.members.find((m) => m.id === id)?.peerURLs).toEqual(['http://127.0.0.1:24497']);
    await until('the joiner to see its new peer URL', async () =>
      (await joiner.memberList(false)).members.find((m) => m.id === id)?.peerURLs[0] === 'http://127.0.0.1:24497',
    );

    let removedFired = false;
    joiner.onRemoved(() => (removedFired = true));
    const removed = await l.memberRemove(id);
    expect(removed.members.map((m) => m.id)).not.toContain(id);
    // Like etcd, the removed member stops itself once it applies its own removal.
    await until('the removed member to stop', () => removedFired);
    await expect(joiner.range(rangeReq('k19', { serializable: false }))).rejects.toThrow('etcdserver: server stopped');
    await stop(id);
    await l.put(putReq('after-remove', 'ok'));

    // With a voting member down, etcd refuses to add another: the cluster is not fully connected.
    const down = IDS.find((x) => x !== l.memberId)!;
    await stop(down);
    await expect(l.memberAdd({ peerURLs: ['http://127.0.0.1:24496'], isLearner: false })).rejects.toThrow('etcdserver: unhealthy cluster');
    // Removing the member that is down is allowed (it is not part of the active quorum); put it back first.
    await start(down, 'new', IDS);
    await until('the member to be reachable again', () => l.node.transport()!.isActive(down));
  });
});
