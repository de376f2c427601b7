// The `mirror` adapter (src/adapters/mirror.ts): a Backend over genuine etcd that tees its writes to
// a second genuine etcd (and to Redis when redis-server is installed). After puts with binary
// values, txns taking either branch (nested too), puts keeping the old value, prefix deletes,
// leases granted and revoked and many concurrent writers on the same keys, the secondary holds
// exactly what the primary holds, as genuine etcdctl reads them; a secondary that goes away never
// fails the client's writes and is reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, type Backend } from '../../../src/adapters/backend.js';
import { createEtcdBackend } from '../../../src/adapters/etcd.js';
import { createMirrorBackend } from '../../../src/adapters/mirror.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { skipUnlessBinaries, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';
import { PORTS, diffContent, etcdContent, hasRedis, startRedis } from './migrate-support.js';

const B = (s: string) => Buffer.from(s);
const EMPTY = Buffer.alloc(0);

async function exercise(m: Backend): Promise<void> {
  await m.put(putRequest(B('t/bin'), Buffer.from([0, 1, 2, 255, 254])));
  await m.put(putRequest(B('t/a'), B('1')));
  const a = (await m.range(rangeRequest(B('t/a')))).kvs[0]!;
  // a txn whose compare holds on the primary: its success branch (with a nested txn taking its failure branch)
  const t1 = await m.txn({
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.MOD, key: B('t/a'), rangeEnd: EMPTY, modRevision: a.modRevision }],
    success: [
      { requestPut: putRequest(B('t/a'), B('2')) },
      { requestTxn: { compare: [{ result: CompareResult.EQUAL, target: CompareTarget.VALUE, key: B('t/bin'), rangeEnd: EMPTY, value: B('no') }], success: [{ requestPut: putRequest(B('t/never'), B('x')) }], failure: [{ requestPut: putRequest(B('t/nested'), B('failure branch')) }] } },
    ],
    failure: [{ requestPut: putRequest(B('t/never'), B('y')) }],
  });
  expect(t1.succeeded).toBe(true);
  // a txn whose compare fails: only its failure branch is copied
  const t2 = await m.txn({ compare: [{ result: CompareResult.EQUAL, target: CompareTarget.VERSION, key: B('t/a'), rangeEnd: EMPTY, version: 99 }], success: [{ requestPut: putRequest(B('t/never'), B('z')) }], failure: [{ requestPut: putRequest(B('t/fail'), B('f')) }, { requestDeleteRange: { key: B('t/bin'), rangeEnd: EMPTY, prevKv: false } }] });
  expect(t2.succeeded).toBe(false);
  // ignore_value keeps the primary's value: the secondary gets that value, not the empty request one
  const iv = await m.put(putRequest(B('t/a'), EMPTY, { ignoreValue: true }));
  expect(iv.prevKv).toBeUndefined();
  for (let i = 0; i < 20; i++) await m.put(putRequest(B(`t/del/${i}`), B(String(i))));
  await m.deleteRange({ key: B('t/del/1'), rangeEnd: B('t/del/2'), prevKv: false });
  // a lease's keys go on both sides when it is revoked
  const lease = await m.leaseGrant({ ttl: 60, id: 0n });
  await m.put(putRequest(B('t/leased'), B('l'), { lease: lease.id }));
  await m.put(putRequest(B('t/leased-stays'), B('l'), { lease: lease.id }));
  await m.put(putRequest(B('t/leased-stays'), B('detached')));
  await m.leaseRevoke(lease.id);
  // many writers on the same few keys: the secondary ends with the primary's last values
  await Promise.all(Array.from({ length: 200 }, (_, i) => m.put(putRequest(B(`t/race/${i % 5}`), B(`v${i}`)))));
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('the mirror adapter', () => {
  let a: RunningMember;
  let b: RunningMember;
  beforeAll(async () => {
    [a, b] = await Promise.all([startEtcd({ portRange: PORTS, name: 'pri' }), startEtcd({ portRange: PORTS, name: 'sec' })]);
  }, 60_000);
  afterAll(() => stopAllProcesses());

  it('genuine etcd teed to genuine etcd: the secondary holds exactly what the primary holds', async () => {
    const errors: string[] = [];
    const m = createMirrorBackend(createEtcdBackend({ endpoints: [a.clientUrl.slice(7)] }), createEtcdBackend({ endpoints: [b.clientUrl.slice(7)] }), { onSecondaryError: (e) => errors.push(e.message) });
    await m.ready();
    await exercise(m);
    await m.flush();
    expect(errors).toEqual([]);
    const primary = await etcdContent(a.clientUrl, 't/');
    expect(primary.get('t/a')?.toString()).toBe('2');
    expect(primary.has('t/never')).toBe(false);
    expect(primary.has('t/leased')).toBe(false);
    expect(primary.get('t/nested')?.toString()).toBe('failure branch');
    expect(diffContent(primary, await etcdContent(b.clientUrl, 't/'))).toEqual({ missing: [], differing: [], extra: [] });
    expect(m.secondaryStatus()).toMatchObject({ pending: 0, failed: 0 });

    // the secondary goes away: clients' writes still succeed, the failures are counted and named
    await b.stop({ keepDataDir: true });
    await m.put(putRequest(B('t/while-down'), B('x')));
    await m.flush();
    expect((await m.range(rangeRequest(B('t/while-down')))).kvs.length).toBe(1);
    expect(m.secondaryStatus().failed).toBeGreaterThan(0);
    expect(m.secondaryStatus().lastError).toMatch(/^put: /);
    await m.close();
  }, 120_000);

  it.skipIf(!hasRedis())('genuine etcd teed to Redis', async () => {
    const redis = await startRedis();
    const { createRedisBackend } = await import('../../../src/adapters/redis.js');
    const { parseBackendUrl } = await import('../../../src/adapters/backend-url.js');
    const sec = createRedisBackend(parseBackendUrl(redis.url).options as never);
    const m = createMirrorBackend(createEtcdBackend({ endpoints: [a.clientUrl.slice(7)] }), sec);
    await m.ready();
    await m.deleteRange({ key: B('t/'), rangeEnd: B('t0'), prevKv: false });
    await exercise(m);
    await m.flush();
    expect(m.secondaryStatus()).toMatchObject({ pending: 0, failed: 0 });
    const got = await sec.range(rangeRequest(B('t/'), { rangeEnd: B('t0') }));
    const secondary = new Map(got.kvs.map((kv) => [kv.key.toString('utf8'), kv.value]));
    expect(diffContent(await etcdContent(a.clientUrl, 't/'), secondary)).toEqual({ missing: [], differing: [], extra: [] });
    await m.close();
    await redis.stop();
  }, 120_000);
});
