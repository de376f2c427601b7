import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import { putReq, rangeReq, until } from './helpers.js';
import { MemoryNetwork } from './memory-transport.js';

// Three members in one process over an in-memory network: the node's cluster behaviour without sockets.
const IDS = [0xbf912ccae49ece96n, 0x24c3baea9b58b0dcn, 0x2030088b71641d44n];
const NAMES = ['m1', 'm2', 'm3'];
const peerURL = (i: number) => `http://127.0.0.1:${24391 + i}`;
const clientURL = (i: number) => `http://127.0.0.1:${24381 + i}`;
const root = mkdtempSync(join(tmpdir(), 'dcsgw-cluster-'));
const net = new MemoryNetwork();
const up: (NativeBackend | undefined)[] = [undefined, undefined, undefined];

async function start(i: number): Promise<NativeBackend> {
  const be = await createNativeBackend({
    name: NAMES[i]!,
    dataDir: join(root, NAMES[i]!),
    memberId: IDS[i]!,
    clusterId: 0x88bc2d3e8a4f4a8en,
    initialCluster: IDS.map((id, j) => ({ id, name: NAMES[j]!, peerURLs: [peerURL(j)] })),
    initialClusterState: 'new',
    advertiseClientURLs: [clientURL(i)],
    advertisePeerURLs: [peerURL(i)],
    snapshotCount: 100000,
    heartbeatMs: 50,
    electionMs: 500,
    quotaBackendBytes: 2 ** 31,
    transport: net.transport(IDS[i]!),
    preVote: false,
    requestTimeoutMs: 1000, // etcd waits 5 s + 2 x election timeout; shortened to keep the suite fast
    logger: pino({ level: 'silent' }),
  });
  up[i] = be;
  return be;
}
async function stop(i: number): Promise<void> {
  const be = up[i];
  up[i] = undefined;
  await be?.close();
}
const leaderIndex = () => up.findIndex((b) => b?.isLeader());

afterAll(async () => {
  for (let i = 0; i < 3; i++) await stop(i);
  rmSync(root, { recursive: true, force: true });
});

describe('native backend, three members (in-memory network)', () => {
  it('elects one leader, publishes every member and agrees on the member list', async () => {
    await Promise.all([0, 1, 2].map(start));
    await Promise.all(up.map((b) => b!.ready()));
    const li = await until('a leader', () => (leaderIndex() >= 0 ? leaderIndex() : undefined));
    for (const b of up) expect(b!.node.leader()).toBe(IDS[li]);
    const ml = await up[0]!.memberList(true);
    expect(ml.members.map((m) => [m.id, m.name, m.clientURLs[0]])).toEqual(
      [0, 1, 2].map((i) => [IDS[i], NAMES[i], clientURL(i)]).sort((a, b) => ((a[0] as bigint) < (b[0] as bigint) ? -1 : 1)),
    );
  });

  it('accepts a write on a follower and replicates it to every member', async () => {
    const fi = [0, 1, 2].find((i) => !up[i]!.isLeader())!;
    const p = await up[fi]!.put(putReq('seed/k1', 'v1'));
    for (const b of up) {
      const r = await b!.range(rangeReq('seed/k1'));
      expect(r.kvs[0]?.value.toString()).toBe('v1');
      expect(r.header.revision).toBe(p.header.revision);
      expect(r.header.memberId).toBe(b!.memberId);
    }
  });

  it('forwards lease keep-alive and time-to-live from a follower to the leader', async () => {
    const fi = [0, 1, 2].find((i) => !up[i]!.isLeader())!;
    const g = await up[fi]!.leaseGrant({ ttl: 30, id: 0n });
    const ka = await up[fi]!.leaseKeepAlive(g.id);
    expect(ka.ttl).toBe(30);
    const ttl = await up[fi]!.leaseTimeToLive({ id: g.id, keys: false });
    expect(ttl.grantedTtl).toBe(30);
    expect(ttl.ttl).toBeGreaterThan(25);
  });

  it('moves leadership to a chosen follower (MoveLeader), and refuses it on a follower', async () => {
    const li = leaderIndex();
    const target = [0, 1, 2].find((i) => i !== li)!;
    const third = [0, 1, 2].find((i) => i !== li && i !== target)!;
    await expect(up[third]!.moveLeader(IDS[target]!)).rejects.toThrow('etcdserver: not leader');
    await up[li]!.moveLeader(IDS[target]!);
    expect(up[target]!.isLeader()).toBe(true);
    await until('everyone to follow the new leader', () => up.every((b) => b!.node.leader() === IDS[target]));
    await up[li]!.put(putReq('moved/after', 'x'));
  });

  it('re-elects after the leader stops, and keeps serving writes', async () => {
    const old = leaderIndex();
    await stop(old);
    const li = await until('a new leader', () => {
      const i = leaderIndex();
      return i >= 0 && i !== old ? i : undefined;
    });
    const other = [0, 1, 2].find((i) => i !== old && i !== li)!;
    await until('the follower to follow', () => up[other]!.node.leader() === IDS[li]);
    await up[other]!.put(putReq('seed/k2', 'v2'));
    expect((await up[li]!.range(rangeReq('seed/k2'))).count).toBe(1);
    await start(old); // back, on the same data dir
    await up[old]!.ready();
    await until('the restarted member to catch up', async () => (await up[old]!.range(rangeReq('seed/k2', { serializable: true }))).count === 1);
  });

  it('reports "no leader" without quorum, still serves serializable reads, and recovers', async () => {
    const li = leaderIndex();
    const others = [0, 1, 2].filter((i) => i !== li);
    await stop(others[0]!);
    await stop(others[1]!);
    const st = await until('the lone member to lose its leader', async () => {
      const s = await up[li]!.status();
      return s.errors.length > 0 ? s : undefined;
    });
    expect(st.errors).toEqual(['etcdserver: no leader']);
    expect(st.leader).toBe(0n);
    expect(up[li]!.hasLeader()).toBe(false);
    const r = await up[li]!.range(rangeReq('seed/', { rangeEnd: Buffer.from('seed0'), serializable: true }));
    expect(r.kvs.map((kv) => kv.key.toString())).toEqual(['seed/k1', 'seed/k2']);
    expect((await up[li]!.memberList(false)).members).toHaveLength(3);
    await expect(up[li]!.put(putReq('seed/lost', 'x'))).rejects.toThrow('etcdserver: request timed out');
    await expect(up[li]!.range(rangeReq('seed/k1'))).rejects.toThrow('etcdserver: request timed out');

    await Promise.all(others.map(start));
    // Every member must know the new leader before a write is sent through one of the restarted
    // ones: a member that has not heard from the leader yet holds the proposal until it does, and
    // this suite's request timeout is short (a loaded machine can take longer than it to get there).
    await until('every member to follow the same leader', () => {
      const li2 = leaderIndex();
      return li2 >= 0 && up.every((b) => b!.node.leader() === IDS[li2]) ? true : undefined;
    });
    await up[others[0]!]!.put(putReq('seed/k3', 'v3'));
    for (const b of up) {
      const all = await b!.range(rangeReq('seed/', { rangeEnd: Buffer.from('seed0') }));
      expect(all.kvs.map((kv) => kv.value.toString())).toEqual(['v1', 'v2', 'v3']);
    }
  });
});
