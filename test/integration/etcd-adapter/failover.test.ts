// Endpoint failover of the etcd adapter on a 3-member genuine etcd cluster: an unreachable first
// endpoint is skipped; when the member the adapter talks to dies, calls go on through the next
// member, a watch resumes there from the revision after the last one it delivered (nothing lost,
// nothing repeated), and lease keep-alives keep the lease alive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../../src/adapters/backend.js';
import { createEtcdBackend, type EtcdBackend } from '../../../src/adapters/etcd.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { allocatePort } from '../../support/ports.js';
import { skipUnlessBinaries, startCluster, stopAllProcesses, type RunningMember } from '../../support/index.js';

const PORTS = { from: 39500, to: 39999 };
const b = (s: string) => Buffer.from(s);

async function until<T>(fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(skipUnlessBinaries('etcd'))('etcd adapter: endpoint failover on a 3-member genuine cluster', () => {
  let members: RunningMember[];
  let deadPort: number;
  let be: EtcdBackend;

  beforeAll(async () => {
    members = await startCluster('etcd', 3, { portRange: PORTS });
    deadPort = await allocatePort(PORTS); // reserved, nothing listens there
    // the adapter talks to a follower first: killing it tests the adapter's failover, not raft's
    // election (during which genuine etcd itself answers "etcdserver: request timed out" and the
    // adapter passes that on, as a client of genuine etcd would see it)
    const probe = createEtcdBackend({ endpoints: members.map((m) => `127.0.0.1:${m.clientPort}`) });
    const { leader } = await probe.status();
    await probe.close();
    const byId = await Promise.all(
      members.map(async (m) => {
        const one = createEtcdBackend({ endpoints: [`127.0.0.1:${m.clientPort}`] });
        const id = (await one.status()).header.memberId;
        await one.close();
        return { m, isLeader: id === leader };
      }),
    );
    const ordered = [...byId.filter((x) => !x.isLeader), ...byId.filter((x) => x.isLeader)].map((x) => x.m);
    members = ordered;
    be = createEtcdBackend({ endpoints: [`127.0.0.1:${deadPort}`, ...ordered.map((m) => `127.0.0.1:${m.clientPort}`)] });
    await be.ready();
  });
  afterAll(async () => {
    await be?.close();
    await stopAllProcesses();
  });

  it('an unreachable first endpoint is passed over', async () => {
    const put = await be.put(putRequest(b('fo/first'), b('1')));
    expect(put.header.revision).toBeGreaterThan(1);
    expect(be.conn.endpoint).toBe(`127.0.0.1:${members[0]!.clientPort}`);
  });

  it('the member in use (a follower) dies: writes, the watch and keep-alives go on through another member', async () => {
    const events: Event[] = [];
    let canceled: string | undefined;
    const w = be.watch(
      { key: b('fo/'), rangeEnd: b('fo0'), startRevision: 0, prevKv: false, filters: [] },
      { onEvents: (e) => events.push(...e), onCompacted: () => undefined, onCanceled: (r) => (canceled = r) },
    );
    await until(() => w.isSynced());
    const lease = await be.leaseGrant({ ttl: 10, id: 0n });
    const written: number[] = [];
    for (let i = 0; i < 5; i++) written.push((await be.put(putRequest(b(`fo/k${i}`), b(`before-${i}`)))).header.revision);
    await until(() => events.length >= 5);

    const inUse = members.find((m) => be.conn.endpoint === `127.0.0.1:${m.clientPort}`)!;
    expect(inUse).toBe(members[0]);
    inUse.kill('SIGKILL');
    const t0 = Date.now();
    for (let i = 5; i < 10; i++) {
      written.push((await be.put(putRequest(b(`fo/k${i}`), b(`after-${i}`), { lease: lease.id }))).header.revision);
    }
    // no call waited out its 30 s deadline on the dead member (the bound is loose: a loaded machine is slow)
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(be.conn.endpoint).not.toBe(`127.0.0.1:${inUse.clientPort}`);
    const ka = await be.leaseKeepAlive(lease.id);
    expect(ka.ttl).toBe(10);
    await until(() => events.length >= 10);
    await new Promise((r) => setTimeout(r, 300));
    w.cancel();
    expect(canceled).toBeUndefined();
    expect(events.map((e) => e.kv.modRevision)).toEqual(written);
    const got = await be.range(rangeRequest(b('fo/k'), { rangeEnd: b('fo/l'), countOnly: true }));
    expect(got.count).toBe(10);
  });
});
