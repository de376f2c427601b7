// The system keyspace across a three-member cluster (in-memory network): system writes replicate
// through the raft log like any write, and a follower that fell so far behind that it must catch
// up from a raft snapshot gets the system records too (with their lease attachments), while its
// user view stays the same as the leader's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import { MessageType, type Message } from '../../../src/native/raft/api.js';
import { putReq, rangeReq, until } from './helpers.js';
import { MemoryNetwork } from './memory-transport.js';

const IDS = [0x6b1e5a0c3f2d4e01n, 0x6b1e5a0c3f2d4e02n, 0x6b1e5a0c3f2d4e03n];
const NAMES = ['k1', 'k2', 'k3'];
const peerURL = (i: number) => `http://127.0.0.1:${31101 + i}`;
const clientURL = (i: number) => `http://127.0.0.1:${31111 + i}`;
const root = mkdtempSync(join(tmpdir(), 'dcsgw-keyspace-cluster-'));
const net = new MemoryNetwork();
const members: NativeBackend[] = [];
/** Raft snapshots sent, by destination member. */
const snapshotsTo = new Map<bigint, number>();
const SYS = { keyspace: 'system' } as const;
const ALL = Buffer.from([0]);

async function start(i: number): Promise<NativeBackend> {
  const transport = net.transport(IDS[i]!);
  const send = transport.send.bind(transport);
  transport.send = (msgs: Message[]) => {
    for (const m of msgs) if (m.type === MessageType.MsgSnap) snapshotsTo.set(m.to, (snapshotsTo.get(m.to) ?? 0) + 1);
    send(msgs);
  };
  return createNativeBackend({
    name: NAMES[i]!,
    dataDir: join(root, NAMES[i]!),
    memberId: IDS[i]!,
    clusterId: 0x5e5e5e5en,
    initialCluster: IDS.map((id, j) => ({ id, name: NAMES[j]!, peerURLs: [peerURL(j)] })),
    initialClusterState: 'new',
    advertiseClientURLs: [clientURL(i)],
    advertisePeerURLs: [peerURL(i)],
    // Snapshot often and keep almost no log after it, so a lagging follower needs a snapshot.
    snapshotCount: 10,
    snapshotCatchUpEntries: 2,
    heartbeatMs: 50,
    electionMs: 500,
    quotaBackendBytes: 2 ** 31,
    transport,
    preVote: false,
    requestTimeoutMs: 2000,
    logger: pino({ level: 'silent' }),
  });
}

afterAll(async () => {
  for (const m of members) await m.close();
  rmSync(root, { recursive: true, force: true });
});

const sysCount = async (be: NativeBackend) => (await be.range(rangeReq('\0', { rangeEnd: ALL, serializable: true, countOnly: true, ...SYS }))).count;
const userKeys = async (be: NativeBackend) =>
  (await be.range(rangeReq('\0', { rangeEnd: ALL, serializable: true, keysOnly: true }))).kvs.map((kv) => kv.key.toString());

describe('system keyspace in a three-member cluster', () => {
  it('replicates system writes and carries them to a follower that catches up by raft snapshot', async () => {
    for (let i = 0; i < 3; i++) members.push(await start(i));
    await Promise.all(members.map((m) => m.ready()));
    const li = await until('a leader', () => {
      const i = members.findIndex((m) => m.isLeader());
      return i >= 0 ? i : undefined;
    });
    const leader = members[li]!;
    const fi = [0, 1, 2].find((i) => i !== li)!;
    const follower = members[fi]!;

    // Through the log: a mixed txn written on the leader reaches the follower.
    await leader.txn({ compare: [], success: [{ requestPut: putReq('cfg', 'v') }, { requestPut: putReq('kv/cfg', 'meta', SYS) }], failure: [] });
    await until('the follower to apply the txn', async () => (await sysCount(follower)) === 1);
    expect(await userKeys(follower)).toEqual(['cfg']);

    // Cut the follower off; the others write well past several snapshots.
    for (const other of IDS) if (other !== IDS[fi]) net.cut.add(`${IDS[fi]}-${other}`);
    const lease = await leader.leaseGrant({ ttl: 600, id: 0n, keyspace: 'system' });
    await leader.put(putReq('session/s1', '{"ID":"s1"}', { ...SYS, lease: lease.id }));
    for (let i = 0; i < 40; i++) {
      await leader.put(putReq(`node/n${i}`, `{"Node":"n${i}"}`, SYS));
      if (i % 4 === 0) await leader.put(putReq(`app/${i}`, 'x'));
    }
    const expectedSys = await sysCount(leader);
    expect(expectedSys).toBe(42);

    // Heal: the follower can only catch up from a snapshot now.
    net.cut.clear();
    await until('the follower to catch up', async () => (await sysCount(follower)) === expectedSys, 15_000);
    expect(snapshotsTo.get(IDS[fi]!) ?? 0).toBeGreaterThan(0);
    expect(await userKeys(follower)).toEqual(await userKeys(leader));
    const node = await follower.range(rangeReq('node/n39', { serializable: true, ...SYS }));
    expect(node.kvs[0]!.value.toString()).toBe('{"Node":"n39"}');
    expect((await follower.range(rangeReq('node/n39', { serializable: true }))).count).toBe(0);
    expect((await follower.hashKV(0)).hash).toBe((await leader.hashKV(0)).hash);

    // Lease requests a follower forwards to the leader keep their keyspace.
    expect((await follower.leaseKeepAlive(lease.id)).ttl).toBe(0);
    expect((await follower.leaseTimeToLive({ id: lease.id, keys: false })).ttl).toBe(-1);
    expect((await follower.leaseKeepAlive(lease.id, 'system')).ttl).toBe(600);
    expect((await follower.leaseTimeToLive({ id: lease.id, keys: false, keyspace: 'system' })).grantedTtl).toBe(600);
    await expect(follower.leaseRevoke(lease.id)).rejects.toThrow('etcdserver: requested lease not found');

    // The restored follower knows the system key is attached to the lease: revoking it deletes it there too.
    await follower.leaseRevoke(lease.id, 'system');
    await until('the follower to drop the session', async () => (await follower.range(rangeReq('session/s1', { serializable: true, ...SYS }))).count === 0);
    expect(await sysCount(follower)).toBe(expectedSys - 1);
  });

  it('a Consul snapshot restore sent to a follower reaches every member through the log', async () => {
    const leader = members.find((m) => m.isLeader())!;
    const follower = members.find((m) => !m.isLeader())!;
    const saved = await follower.consulSnapshot({ stale: false });
    const savedUser = await userKeys(leader);
    const savedSys = await sysCount(leader);
    await leader.put(putReq('app/after-save', 'x'));
    await leader.deleteRange({ ...SYS, key: Buffer.from('node/'), rangeEnd: Buffer.from('node0'), prevKv: false });
    expect(await sysCount(leader)).toBeLessThan(savedSys);
    const revBefore = leader.header().revision;

    await follower.restoreConsulSnapshot(saved.data);
    for (const m of members) {
      await until('every member to apply the restore', async () => (await sysCount(m)) === savedSys);
      expect(await userKeys(m)).toEqual(savedUser);
      expect(m.header().revision).toBeGreaterThanOrEqual(revBefore);
    }
    // the log goes on after it, on every member
    const next = await follower.put(putReq('node/after-restore', '{}', SYS));
    for (const m of members) {
      await until('the next write everywhere', async () => (await m.range(rangeReq('node/after-restore', { serializable: true, ...SYS }))).count === 1);
    }
    expect(next.header.revision).toBeGreaterThan(revBefore);
    await expect(follower.restoreConsulSnapshot(Buffer.from('garbage'))).rejects.toThrow(/^dcsgw: snapshot restore refused: not a dcsgw mvcc snapshot$/);
  });
});
