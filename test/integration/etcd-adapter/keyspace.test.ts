// The system keyspace on a genuine etcd cluster (src/adapters/etcd-keyspace.ts): system records
// are stored under "\0dcsgw/" in the genuine cluster (seen here with an independent client, the
// etcd3 package, talking to genuine etcd directly), and no user-keyspace request through the
// adapter — range, delete, txn compare, watch, lease TimeToLive — can see or touch the NUL-led zone;
// a user write into it is refused with the reserved-key error.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, type Event } from '../../../src/adapters/backend.js';
import { createEtcdBackend, type EtcdBackend } from '../../../src/adapters/etcd.js';
import { EtcdError, GrpcCode } from '../../../src/adapters/errors.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { skipUnlessBinaries, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const EMPTY = Buffer.alloc(0);
const ALL = Buffer.from([0]);
const SYS = { keyspace: 'system' } as const;
const RESERVED_TEXT = "dcsgw: keys beginning with a NUL byte are reserved for dcsgw's system keyspace on this etcd backend";

async function rejection(p: Promise<unknown>): Promise<EtcdError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EtcdError);
    return err as EtcdError;
  }
  throw new Error('expected a failure');
}

async function until<T>(fn: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skipUnlessBinaries('etcd'))('etcd adapter: the system keyspace as a reserved zone of genuine etcd', () => {
  let etcd: RunningMember;
  let be: EtcdBackend;
  let raw: Etcd3;

  beforeAll(async () => {
    etcd = await startEtcd({ portRange: { from: 39500, to: 39999 } });
    be = createEtcdBackend({ endpoints: [`127.0.0.1:${etcd.clientPort}`] });
    await be.ready();
    raw = new Etcd3({ hosts: etcd.clientUrl });
  });
  afterAll(async () => {
    raw?.close();
    await be?.close();
    await stopAllProcesses();
  });

  it('a system record lives under "\\0dcsgw/" in the genuine cluster, at the revision the adapter answered', async () => {
    const put = await be.put(putRequest(b('kv/app/x'), b('{"f":"42"}'), SYS));
    const stored = await raw.get('\x00dcsgw/kv/app/x').exec();
    expect(stored.kvs.map((kv) => [kv.key.toString('latin1'), kv.value.toString(), Number(kv.mod_revision)])).toEqual([
      ['\x00dcsgw/kv/app/x', '{"f":"42"}', put.header.revision],
    ]);
    // the header is the genuine cluster's
    expect(put.header.clusterId).toBe(BigInt(stored.header.cluster_id));
    expect(put.header.memberId).toBe(BigInt(stored.header.member_id));
  });

  it('user writes into the zone are refused, alone or in a txn (which then applies nothing)', async () => {
    const put = await rejection(be.put(putRequest(b('\x00dcsgw/kv/app/x'), b('evil'))));
    expect([put.code, put.message]).toEqual([GrpcCode.INVALID_ARGUMENT, RESERVED_TEXT]);
    const before = (await be.progressHeader()).revision;
    const txn = await rejection(
      be.txn({ compare: [], success: [{ requestPut: putRequest(b('txn-user'), b('1')) }, { requestPut: putRequest(b('\x00x'), b('2')) }], failure: [] }),
    );
    expect(txn.message).toBe(RESERVED_TEXT);
    expect((await be.progressHeader()).revision).toBe(before);
    expect((await be.range(rangeRequest(b('txn-user')))).count).toBe(0);
    expect((await raw.get('\x00dcsgw/kv/app/x').string())).toBe('{"f":"42"}');
  });

  it('user reads of the zone find nothing: the raw name, a range inside it, a range starting in it', async () => {
    await be.put(putRequest(b('user-a'), b('A')));
    expect((await be.range(rangeRequest(b('\x00dcsgw/kv/app/x')))).count).toBe(0);
    expect((await be.range(rangeRequest(ALL, { rangeEnd: b('\x01') }))).count).toBe(0);
    const from = await be.range(rangeRequest(ALL, { rangeEnd: b('user-b') }));
    expect(from.kvs.map((kv) => kv.key.toString())).toEqual(['user-a']);
    const all = await be.range(rangeRequest(ALL, { rangeEnd: ALL, countOnly: true }));
    const rawUser = (await raw.getAll().keys()).filter((k) => k.charCodeAt(0) !== 0);
    expect(all.count).toBe(rawUser.length);
  });

  it('a user compare on the raw name of a system key sees an absent key', async () => {
    const res = await be.txn({
      compare: [{ result: CompareResult.EQUAL, target: CompareTarget.VERSION, key: b('\x00dcsgw/kv/app/x'), rangeEnd: EMPTY, version: 0 }],
      success: [],
      failure: [],
    });
    expect(res.succeeded).toBe(true);
    // a range compare over the zone alone: no key there for a user, so "some version > 0" is false
    const zone = await be.txn({
      compare: [{ result: CompareResult.GREATER, target: CompareTarget.VERSION, key: ALL, rangeEnd: b('\x01'), version: 0 }],
      success: [],
      failure: [],
    });
    expect(zone.succeeded).toBe(false);
    // the same compare from the bottom of the keyspace up covers user keys only: every one has
    // version 1 here, while the system record (stored below them) is at version 2 or more
    await be.put(putRequest(b('kv/app/x'), b('{"f":"42"}'), SYS));
    expect((await raw.get('\x00dcsgw/kv/app/x').exec()).kvs[0]!.version).not.toBe('1');
    const everything = await be.txn({
      compare: [{ result: CompareResult.LESS, target: CompareTarget.VERSION, key: ALL, rangeEnd: ALL, version: 2 }],
      success: [],
      failure: [],
    });
    expect(everything.succeeded).toBe(true);
  });

  it('`del "" --from-key` as a user deletes every user key and no system key', async () => {
    await be.put(putRequest(b('doomed'), b('1')));
    const del = await be.deleteRange({ key: ALL, rangeEnd: ALL, prevKv: true });
    expect(del.prevKvs.some((kv) => kv.key[0] === 0)).toBe(false);
    expect(del.deleted).toBeGreaterThanOrEqual(2);
    const left = await raw.getAll().keys();
    expect(left).toEqual(['\x00dcsgw/kv/app/x']);
  });

  it('a user watch on the zone (raw name or from the bottom) sees no system change; a system watch does, stripped', async () => {
    const userEvents: Event[] = [];
    const sysEvents: Event[] = [];
    const listener = (into: Event[]) => ({ onEvents: (e: Event[]) => into.push(...e), onCompacted: () => undefined, onCanceled: () => undefined });
    const w1 = be.watch({ key: b('\x00dcsgw/kv/app/x'), rangeEnd: EMPTY, startRevision: 0, prevKv: false, filters: [] }, listener(userEvents));
    const w2 = be.watch({ key: ALL, rangeEnd: b('zzz'), startRevision: 0, prevKv: false, filters: [] }, listener(userEvents));
    const w3 = be.watch({ ...SYS, key: b('kv/'), rangeEnd: b('kv0'), startRevision: 0, prevKv: true, filters: [] }, listener(sysEvents));
    await until(() => w1.isSynced() && w2.isSynced() && w3.isSynced());
    const put = await be.put(putRequest(b('kv/app/x'), b('{"f":"7"}'), SYS));
    const marker = await be.put(putRequest(b('after'), b('1')));
    await until(() => userEvents.some((e) => e.kv.modRevision === marker.header.revision) && sysEvents.length >= 1);
    for (const w of [w1, w2, w3]) w.cancel();
    expect(userEvents.map((e) => e.kv.key.toString())).toEqual(['after']);
    expect(sysEvents.map((e) => [e.keyspace, e.kv.key.toString(), e.kv.modRevision, e.prevKv?.key.toString()])).toEqual([
      ['system', 'kv/app/x', put.header.revision, 'kv/app/x'],
    ]);
  });

  it('a system lease: a marker key in the zone tells it apart; TimeToLive lists only user keys', async () => {
    const grant = await be.leaseGrant({ ttl: 60, id: 0n, keyspace: 'system' });
    await be.put(putRequest(b('session/abc'), b('{}'), { ...SYS, lease: grant.id }));
    await be.put(putRequest(b('locked-user-key'), b('v'), { lease: grant.id }));
    const marker = `\x00dcsgw-lease/${grant.id.toString(16).padStart(16, '0')}`;
    expect(await raw.get(marker).string()).toBe('');
    const ttl = await be.leaseTimeToLive({ id: grant.id, keys: true, keyspace: 'system' });
    expect(ttl.keys.map((k) => k.toString())).toEqual(['locked-user-key']);
    await be.leaseRevoke(grant.id, 'system');
    expect(await raw.get(marker).string()).toBeNull();
    expect((await be.range(rangeRequest(b('session/abc'), SYS))).count).toBe(0);
    expect((await be.range(rangeRequest(b('locked-user-key')))).count).toBe(0);
  });
});
