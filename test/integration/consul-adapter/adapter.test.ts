// The Consul adapter's own mechanics, beyond the shared contract, against a Consul server process
// (dcsgw's Consul face, `bin/dcsgw agent -dev`): deletes of ranges that are not one prefix, ranges
// inside a txn seeing the txn's own writes, optimistic txns of two adapters racing on one key (no
// lost update), a key changed behind the adapter's back by a Consul client, Consul's size cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, EventType, type Backend, type Event } from '../../../src/adapters/backend.js';
import { createConsulBackend, type ConsulBackend } from '../../../src/adapters/consul.js';
import { EtcdError } from '../../../src/adapters/errors.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { hasDcsgwBuild, stopAllProcesses, waitFor } from '../../support/index.js';
import { startConsulAgent, type ConsulAgentProcess } from './consul-agent.js';

const b = (s: string) => Buffer.from(s);
const EMPTY = Buffer.alloc(0);

describe.skipIf(!hasDcsgwBuild())('the Consul adapter over a Consul server process', () => {
  let agent: ConsulAgentProcess;
  let one: ConsulBackend;
  let two: ConsulBackend;

  beforeAll(async () => {
    agent = await startConsulAgent('adapter');
    one = createConsulBackend({ agents: [agent.address] });
    two = createConsulBackend({ agents: [agent.address] });
    await Promise.all([one.ready(), two.ready()]);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await stopAllProcesses();
  });

  const keysUnder = async (be: Backend, prefix: string) =>
    (await be.range(rangeRequest(b(prefix), { rangeEnd: b(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) }))).kvs.map((kv) => kv.key.toString());

  it('a delete of a range that is not one prefix deletes exactly the keys in it and leaves system keys', async () => {
    for (const k of ['d/a', 'd/b', 'd/b/x', 'd/c', 'd/d']) await one.put(putRequest(b(k), b(k)));
    await one.put(putRequest(b('d/b'), b('sys'), { keyspace: 'system' }));
    const del = await one.deleteRange({ key: b('d/b'), rangeEnd: b('d/d'), prevKv: true });
    expect(del.deleted).toBe(3);
    expect(del.prevKvs.map((kv) => kv.key.toString())).toEqual(['d/b', 'd/b/x', 'd/c']);
    expect(await keysUnder(one, 'd/')).toEqual(['d/a', 'd/d']);
    expect((await one.range(rangeRequest(b('d/b'), { keyspace: 'system' }))).kvs[0]!.value.toString()).toBe('sys');
    // a from-key delete from "^" covers "_dcsgw/..." in key order: dcsgw's records are spared
    await one.put(putRequest(b('e'), b('1')));
    const all = await one.deleteRange({ key: b('^'), rangeEnd: Buffer.from([0]), prevKv: false });
    expect(all.deleted).toBeGreaterThanOrEqual(1);
    expect((await one.range(rangeRequest(b('d/b'), { keyspace: 'system' }))).count).toBe(1);
    expect((await fetch(`${agent.url}/v1/kv/_dcsgw/revision`)).status).toBe(200);
  });

  it('a range inside a txn sees the writes before it in the same txn', async () => {
    const res = await one.txn({
      compare: [],
      success: [
        { requestPut: putRequest(b('in/a'), b('1')) },
        { requestRange: rangeRequest(b('in/'), { rangeEnd: b('in0') }) },
        { requestRange: rangeRequest(b('in/a')) },
      ],
      failure: [],
    });
    expect(res.responses[1]!.responseRange!.kvs.map((kv) => [kv.key.toString(), kv.modRevision, kv.version])).toEqual([['in/a', res.header.revision, 1]]);
    expect(res.responses[2]!.responseRange!.kvs[0]!.value.toString()).toBe('1');
  });

  it('two adapters incrementing one counter with compare-and-swap txns lose no update', async () => {
    await one.put(putRequest(b('counter'), b('0')));
    const increment = async (be: Backend) => {
      for (;;) {
        const cur = (await be.range(rangeRequest(b('counter')))).kvs[0]!;
        const next = String(Number(cur.value.toString()) + 1);
        const res = await be.txn({
          compare: [{ result: CompareResult.EQUAL, target: CompareTarget.MOD, key: b('counter'), rangeEnd: EMPTY, modRevision: cur.modRevision }],
          success: [{ requestPut: putRequest(b('counter'), b(next)) }],
          failure: [],
        });
        if (res.succeeded) return;
      }
    };
    await Promise.all([
      (async () => {
        for (let i = 0; i < 15; i++) await increment(one);
      })(),
      (async () => {
        for (let i = 0; i < 15; i++) await increment(two);
      })(),
    ]);
    const final = (await one.range(rangeRequest(b('counter')))).kvs[0]!;
    expect(final.value.toString()).toBe('30');
    expect(final.version).toBe(31);
  });

  it("a watch sees every one of this process's writes of a key, each with the value before it, even when they land faster than Consul's blocking answers", async () => {
    const events: Event[] = [];
    const h = one.watch({ key: b('rapid/'), rangeEnd: b('rapid0'), startRevision: 0, prevKv: true, filters: [] }, {
      onEvents: (e) => events.push(...e),
      onCompacted: () => undefined,
      onCanceled: () => undefined,
    });
    await waitFor(() => h.isSynced(), { what: 'the watch to sync' });
    // 8 writers of one key at once: commits land faster than Consul's blocking answers come back
    const written = new Map<number, string>();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 4; i++) {
          const v = `${w}.${i}`;
          written.set((await one.put(putRequest(b('rapid/k'), b(v)))).header.revision, v);
        }
      }),
    );
    const last = (await one.deleteRange({ key: b('rapid/k'), rangeEnd: EMPTY, prevKv: false })).header.revision;
    await waitFor(() => events.length >= 33, { what: '33 events', timeoutMs: 20_000 });
    h.cancel();
    const revisions = [...written.keys()].sort((x, y) => x - y);
    expect(events.map((e) => e.kv.modRevision)).toEqual([...revisions, last]);
    expect(events.map((e) => (e.type === EventType.PUT ? e.kv.value.toString() : 'deleted'))).toEqual([...revisions.map((r) => written.get(r)), 'deleted']);
    expect(events.slice(1).map((e) => e.prevKv?.value.toString())).toEqual(revisions.map((r) => written.get(r)));
  });

  it('a key a Consul client changed behind the adapter is read again, not overwritten blindly', async () => {
    await one.put(putRequest(b('behind'), b('mine')));
    await fetch(`${agent.url}/v1/kv/behind`, { method: 'PUT', body: 'theirs' });
    const put = await one.put(putRequest(b('behind'), b('mine-again'), { prevKv: true }));
    expect(put.prevKv!.value.toString()).toBe('theirs');
    const got = (await two.range(rangeRequest(b('behind')))).kvs[0]!;
    expect([got.value.toString(), got.modRevision]).toEqual(['mine-again', put.header.revision]);
  });

  it("64 compare-and-puts fit Consul's 64 operations (each put checks its own compare); 65 puts answer etcd's error", async () => {
    const keys = Array.from({ length: 64 }, (_, i) => b(`cap/${String(i).padStart(2, '0')}`));
    const res = await one.txn({
      compare: keys.map((key) => ({ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key, rangeEnd: EMPTY, createRevision: 0 })),
      success: keys.map((key) => ({ requestPut: putRequest(key, b('x')) })),
      failure: [],
    });
    expect(res.succeeded).toBe(true);
    expect((await one.range(rangeRequest(b('cap/'), { rangeEnd: b('cap0'), countOnly: true }))).count).toBe(64);
    const tooMany = await one
      .txn({ compare: [], success: [...keys, b('cap/64')].map((key) => ({ requestPut: putRequest(key, b('y')) })), failure: [] })
      .catch((e: unknown) => e);
    expect((tooMany as EtcdError).message).toBe('etcdserver: too many operations in txn request');
  });

  it("a value beyond Consul's 512 KiB transaction is refused with a clear error; one within it passes", async () => {
    await one.put(putRequest(b('big/ok'), Buffer.alloc(300 * 1024, 1)));
    expect((await one.range(rangeRequest(b('big/ok')))).kvs[0]!.value.length).toBe(300 * 1024);
    const err = await one.put(putRequest(b('big/no'), Buffer.alloc(400 * 1024, 1))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect((err as EtcdError).message).toMatch(/over Consul's limit of 524288 bytes per transaction/);
  });
});
