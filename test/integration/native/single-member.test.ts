import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../../../src/adapters/backend.js';
import { type NativeBackend, type NativeBackendConfig, createNativeBackend } from '../../../src/adapters/native.js';
import { b, putReq, rangeReq, singleMemberConfig } from './helpers.js';

const dirs: string[] = [];
const backends: NativeBackend[] = [];
afterEach(async () => {
  for (const x of backends.splice(0)) await x.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ID = 0x8e9e05c52164694dn;
const CLUSTER = 0xcdf818194e3a8c32n;
function cfg(dataDir: string): NativeBackendConfig {
  return singleMemberConfig({
    dataDir,
    memberId: ID,
    clusterId: CLUSTER,
    clientURL: 'http://127.0.0.1:24379',
    peerURL: 'http://127.0.0.1:24380',
  });
}
async function open(dataDir: string): Promise<NativeBackend> {
  const be = await createNativeBackend(cfg(dataDir));
  backends.push(be);
  await be.ready();
  return be;
}
async function closeOne(be: NativeBackend): Promise<void> {
  backends.splice(backends.indexOf(be), 1);
  await be.close();
}
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcsgw-native-'));
  dirs.push(d);
  return d;
}

describe('native backend, one member', () => {
  it('is ready as leader with etcd-like status and member list', async () => {
    const be = await open(tmp());
    const st = await be.status();
    expect(st.version).toBe('3.4.23');
    expect(st.leader).toBe(ID);
    expect(st.errors).toEqual([]);
    expect(st.raftTerm).toBe(2); // bootstrap term 1, then the election, as genuine etcd shows
    expect(st.raftIndex).toBe(4); // genuine etcd 3.4.23 reports 4 on a fresh single member too
    expect(st.header).toEqual({ clusterId: CLUSTER, memberId: ID, revision: 1, raftTerm: 2 });
    const ml = await be.memberList(true);
    expect(ml.members).toEqual([
      { id: ID, name: 'default', peerURLs: ['http://127.0.0.1:24380'], clientURLs: ['http://127.0.0.1:24379'], isLearner: false },
    ]);
  });

  it('puts, gets, deletes and runs txns with etcd headers', async () => {
    const be = await open(tmp());
    const p = await be.put(putReq('a', '1'));
    expect(p.header.revision).toBe(2);
    const g = await be.range(rangeReq('a'));
    expect(g.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.createRevision, kv.version])).toEqual([['a', '1', 2, 1]]);
    expect(g.header).toEqual({ clusterId: CLUSTER, memberId: ID, revision: 2, raftTerm: 2 });
    const s = await be.range(rangeReq('a', { serializable: true }));
    expect(s.count).toBe(1);

    const t = await be.txn({
      compare: [{ result: 0, target: 3, key: b('a'), rangeEnd: Buffer.alloc(0), value: b('1') }],
      success: [{ requestPut: putReq('b', '2') }, { requestRange: rangeReq('a') }],
      failure: [],
    });
    expect(t.succeeded).toBe(true);
    expect(t.header.revision).toBe(3);
    // Genuine etcd: nested responses carry a header with the revision only.
    expect(t.responses[0]!.responsePut!.header).toEqual({ clusterId: 0n, memberId: 0n, revision: 3, raftTerm: 0 });
    const d = await be.deleteRange({ key: b('a'), rangeEnd: Buffer.alloc(0), prevKv: true });
    expect(d.deleted).toBe(1);
    expect(d.prevKvs[0]!.value.toString()).toBe('1');
    expect((await be.range(rangeReq('a'))).count).toBe(0);
  });

  it('delivers watch events for writes', async () => {
    const be = await open(tmp());
    const got: Event[] = [];
    const h = be.watch(
      { key: b('w'), rangeEnd: Buffer.alloc(0), startRevision: 0, prevKv: false, filters: [] },
      { onEvents: (evs) => void got.push(...evs), onCompacted: () => undefined, onCanceled: () => undefined },
    );
    await be.put(putReq('w', 'x'));
    await be.put(putReq('other', 'y'));
    await be.deleteRange({ key: b('w'), rangeEnd: Buffer.alloc(0), prevKv: false });
    // polled until both events are in (a generous bound: a loaded machine is slow)
    for (const end = Date.now() + 10_000; got.length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    h.cancel();
    expect(got.map((e) => [e.type, e.kv.key.toString(), e.kv.modRevision])).toEqual([
      [0, 'w', 2],
      [1, 'w', 4],
    ]);
  });

  it('grants leases, keeps them alive, and revokes expired ones with their keys', async () => {
    const be = await open(tmp());
    const g = await be.leaseGrant({ ttl: 1, id: 0n });
    expect(g.id).toBeGreaterThan(0n);
    expect(g.ttl).toBeGreaterThanOrEqual(1);
    await be.put(putReq('leased', 'v', { lease: g.id }));
    const ka = await be.leaseKeepAlive(g.id);
    expect(ka.ttl).toBe(g.ttl);
    expect((await be.leaseKeepAlive(12345n)).ttl).toBe(0);
    expect((await be.leaseTimeToLive({ id: 12345n, keys: false })).ttl).toBe(-1);
    const ttl = await be.leaseTimeToLive({ id: g.id, keys: true });
    expect(ttl.keys.map(String)).toEqual(['leased']);
    expect((await be.leaseLeases()).leases).toEqual([{ id: g.id }]);
    // Expiry: the leader revokes the lease within TTL + its 500 ms check interval.
    const deadline = Date.now() + 30_000;
    while ((await be.range(rangeReq('leased'))).count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await be.range(rangeReq('leased'))).count).toBe(0);
    expect((await be.leaseLeases()).leases).toEqual([]);
  });

  it('keeps every acknowledged write across a restart', async () => {
    const dir = tmp();
    const be = await open(dir);
    await Promise.all(Array.from({ length: 100 }, (_, i) => be.put(putReq(`k/${String(i).padStart(3, '0')}`, `v${i}`))));
    const rev = (await be.range(rangeReq('k/', { rangeEnd: b('k0') }))).header.revision;
    await closeOne(be);
    const again = await open(dir);
    const r = await again.range(rangeReq('k/', { rangeEnd: b('k0') }));
    expect(r.count).toBe(100);
    expect(r.header.revision).toBe(rev);
    expect((await again.status()).leader).toBe(ID);
    const p = await again.put(putReq('after', 'restart'));
    expect(p.header.revision).toBe(rev + 1);
  });

  it('reports WAL fsync durations and pending proposals to the metrics sink', async () => {
    const fsyncs: number[] = [];
    const pending: number[] = [];
    const be = await createNativeBackend({
      ...cfg(tmp()),
      metrics: {
        walFsyncDuration: { observe: (s) => void fsyncs.push(s) },
        proposalsPending: { set: (n) => void pending.push(n) },
        proposalsFailed: { inc: () => undefined },
      },
    });
    backends.push(be);
    await be.ready();
    const before = fsyncs.length;
    await be.put(putReq('m', '1'));
    expect(fsyncs.length).toBeGreaterThan(before);
    expect(fsyncs.every((s) => s >= 0 && s < 60)).toBe(true);
  });

  it('replicates auth store changes and reads them back (extension for the Auth service)', async () => {
    const be = await open(tmp());
    const { hashPassword } = await import('../../../src/native/mvcc/auth-store.js');
    const h = await be.authChange({ op: 'userAdd', name: 'alice', hashedPassword: hashPassword('pw'), noPassword: false });
    expect(h.memberId).toBe(ID);
    await be.authChange({ op: 'roleAdd', name: 'reader' });
    await be.authChange({ op: 'userGrantRole', user: 'alice', role: 'reader' });
    await expect(be.authChange({ op: 'userAdd', name: 'alice', hashedPassword: hashPassword('x'), noPassword: false })).rejects.toThrow(
      'etcdserver: user name already exists',
    );
    expect(await be.authRead((a) => a.userList())).toEqual(['alice']);
    expect(await be.authRead((a) => a.userGet('alice'))).toEqual(['reader']);
    await expect(be.authRead((a) => a.userGet('bob'))).rejects.toThrow('etcdserver: user name not found');
  });

  it('answers cluster and maintenance calls with etcd errors', async () => {
    const be = await open(tmp());
    await expect(be.memberRemove(0x1234n)).rejects.toThrow('etcdserver: member not found');
    await expect(be.memberPromote(ID)).rejects.toThrow('etcdserver: can only promote a learner member');
    await expect(be.memberAdd({ peerURLs: ['http://127.0.0.1:24380'], isLearner: false })).rejects.toThrow(
      'etcdserver: Peer URLs already exists',
    );
    await expect(be.moveLeader(0x1234n)).rejects.toThrow('etcdserver: bad leader transferee');
    await expect(be.moveLeader(ID)).resolves.toMatchObject({ header: { memberId: ID } });
    expect((await be.alarm({ action: 0, memberID: 0n, alarm: 0 })).alarms).toEqual([]);
    await be.put(putReq('s', 'x'));
    let total = 0;
    let last = -1;
    for await (const c of be.snapshot()) {
      total += c.blob.length;
      last = c.remainingBytes;
    }
    expect(total).toBeGreaterThan(0);
    expect(last).toBe(0);
  });
});
