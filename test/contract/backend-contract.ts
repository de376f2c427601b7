// The Backend contract: what every backend (the native store, the in-memory test double, the
// adapter to genuine etcd, and later Consul / Redis) must answer through the Backend interface,
// as the etcd model and DESIGN.md's "One keyspace, two views" define it. One `describe` per
// backend, made from a factory; a backend that cannot honour a case lists it in ./exceptions.ts
// (and in the one table of ./README.md), and the case then asserts the documented behaviour
// instead of being silently skipped.
//
// The backend is shared by the cases of one describe (a genuine cluster is slow to start), so
// every case works under its own key prefix and asserts only about its own keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, EventType, SortOrder, SortTarget, WatchFilter, type Backend, type Event, type WatchListener, type WatchOptions } from '../../src/adapters/backend.js';
import { EtcdError, Errors } from '../../src/adapters/errors.js';
import { putRequest, rangeRequest } from '../../src/adapters/requests.js';
import { exceptionsOf } from './exceptions.js';

export interface ContractBackend {
  backend: Backend;
  close(): Promise<void>;
}

const b = (s: string) => Buffer.from(s);
const s = (x: Buffer) => x.toString();
const ALL = Buffer.from([0]);
const EMPTY = Buffer.alloc(0);
/** etcd's prefix range end. */
function prefixEnd(prefix: string): Buffer {
  const e = Buffer.from(prefix);
  e[e.length - 1]! += 1;
  return e;
}
const SYS = { keyspace: 'system' } as const;

class Recorder implements WatchListener {
  events: Event[] = [];
  batches: number[] = [];
  compacted: { compactRevision: number; revision: number } | undefined;
  canceled: string | undefined;
  onEvents(events: Event[], revision: number): void {
    this.events.push(...events);
    this.batches.push(revision);
  }
  onCompacted(compactRevision: number, revision: number): void {
    this.compacted = { compactRevision, revision };
  }
  onCanceled(reason: string): void {
    this.canceled = reason;
  }
}

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function watchOpts(key: Buffer, over: Partial<WatchOptions> = {}): WatchOptions {
  return { key, rangeEnd: EMPTY, startRevision: 0, prevKv: false, filters: [], ...over };
}

async function rejection(p: Promise<unknown>): Promise<EtcdError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EtcdError);
    return err as EtcdError;
  }
  throw new Error('expected the call to fail');
}

/** Declares the contract cases for one backend. `name` is the backend's column in the exceptions table. */
export function describeBackendContract(name: string, factory: () => Promise<ContractBackend>, opts: { skip?: boolean } = {}): void {
  const exceptions = exceptionsOf(name);
  /** A case; one this backend lists as an exception must still FAIL as documented (it.fails), so the table cannot go stale. */
  const contractCase = (title: string, fn: () => Promise<void>): void => {
    if (exceptions.has(title)) it.fails(`${title} [documented exception: ${exceptions.get(title)}]`, fn);
    else it(title, fn);
  };
  describe.skipIf(opts.skip ?? false)(`Backend contract: ${name}`, () => {
    let made: ContractBackend;
    let be: Backend;
    let seq = 0;
    /** A key prefix of this case's own (unique per run, so a shared genuine cluster needs no cleanup). */
    const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const prefix = () => `contract/${run}/${++seq}/`;

    beforeAll(async () => {
      made = await factory();
      be = made.backend;
      await be.ready();
    });
    afterAll(async () => {
      await made?.close();
    });

    // ---- KV ----

    contractCase('put then range: value, version 1, create = mod = the header revision', async () => {
      const p = prefix();
      const put = await be.put(putRequest(b(p + 'a'), b('v1')));
      const got = await be.range(rangeRequest(b(p + 'a')));
      expect(got.count).toBe(1);
      expect(s(got.kvs[0]!.value)).toBe('v1');
      expect(got.kvs[0]!.version).toBe(1);
      expect(got.kvs[0]!.createRevision).toBe(put.header.revision);
      expect(got.kvs[0]!.modRevision).toBe(put.header.revision);
      expect(got.header.revision).toBeGreaterThanOrEqual(put.header.revision);
    });

    contractCase('a second put returns the previous value with prevKv and bumps version and revision by one', async () => {
      const p = prefix();
      const first = await be.put(putRequest(b(p + 'k'), b('one')));
      const second = await be.put(putRequest(b(p + 'k'), b('two'), { prevKv: true }));
      expect(s(second.prevKv!.value)).toBe('one');
      expect(second.prevKv!.modRevision).toBe(first.header.revision);
      expect(second.header.revision).toBe(first.header.revision + 1);
      const got = await be.range(rangeRequest(b(p + 'k')));
      expect(got.kvs[0]!.version).toBe(2);
      expect(got.kvs[0]!.createRevision).toBe(first.header.revision);
    });

    contractCase('reads do not move the revision; the header names a cluster and a member', async () => {
      const p = prefix();
      const put = await be.put(putRequest(b(p + 'r'), b('x')));
      const r1 = await be.range(rangeRequest(b(p + 'r')));
      const r2 = await be.range(rangeRequest(b(p + 'r'), { serializable: true }));
      expect(r1.header.revision).toBe(put.header.revision);
      expect(r2.header.revision).toBeGreaterThanOrEqual(put.header.revision);
      expect(r1.header.clusterId).not.toBe(0n);
      expect(r1.header.memberId).not.toBe(0n);
    });

    contractCase('prefix range with limit: more and count tell what was left; descending key order', async () => {
      const p = prefix();
      for (const k of ['a', 'b', 'c', 'd']) await be.put(putRequest(b(p + k), b(k)));
      const limited = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p), limit: 2 }));
      expect(limited.kvs.map((kv) => s(kv.key))).toEqual([p + 'a', p + 'b']);
      expect(limited.more).toBe(true);
      expect(limited.count).toBe(4);
      const desc = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p), sortOrder: SortOrder.DESCEND, sortTarget: SortTarget.KEY }));
      expect(desc.kvs.map((kv) => s(kv.key))).toEqual([p + 'd', p + 'c', p + 'b', p + 'a']);
      const counted = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p), countOnly: true }));
      expect(counted.kvs).toEqual([]);
      expect(counted.count).toBe(4);
      const keysOnly = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p), keysOnly: true, limit: 1 }));
      expect(keysOnly.kvs[0]!.value.length).toBe(0);
    });

    contractCase('a range at an older revision sees the value of that revision', async () => {
      const p = prefix();
      const old = await be.put(putRequest(b(p + 'h'), b('old')));
      await be.put(putRequest(b(p + 'h'), b('new')));
      const then = await be.range(rangeRequest(b(p + 'h'), { revision: old.header.revision }));
      expect(s(then.kvs[0]!.value)).toBe('old');
    });

    contractCase('a range at a future revision fails with etcd\'s future-revision error', async () => {
      const p = prefix();
      const put = await be.put(putRequest(b(p + 'f'), b('x')));
      const err = await rejection(be.range(rangeRequest(b(p + 'f'), { revision: put.header.revision + 1000 })));
      expect([err.code, err.message]).toEqual([Errors.FutureRev.code, Errors.FutureRev.message]);
    });

    contractCase('deleteRange of a prefix: deleted count, prevKvs, nothing left; a delete of nothing keeps the revision', async () => {
      const p = prefix();
      for (const k of ['x', 'y', 'z']) await be.put(putRequest(b(p + k), b(k)));
      const del = await be.deleteRange({ key: b(p), rangeEnd: prefixEnd(p), prevKv: true });
      expect(del.deleted).toBe(3);
      expect(del.prevKvs.map((kv) => s(kv.value)).sort()).toEqual(['x', 'y', 'z']);
      const after = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p) }));
      expect(after.count).toBe(0);
      const none = await be.deleteRange({ key: b(p + 'nothing'), rangeEnd: EMPTY, prevKv: false });
      expect(none.deleted).toBe(0);
      expect(none.header.revision).toBe(del.header.revision);
    });

    contractCase('txn: a true compare runs success atomically at one revision; a false one runs failure', async () => {
      const p = prefix();
      const put = await be.put(putRequest(b(p + 'c'), b('1')));
      const ok = await be.txn({
        compare: [{ result: CompareResult.EQUAL, target: CompareTarget.VERSION, key: b(p + 'c'), rangeEnd: EMPTY, version: 1 }],
        success: [{ requestPut: putRequest(b(p + 'd'), b('2')) }, { requestPut: putRequest(b(p + 'e'), b('3')) }],
        failure: [],
      });
      expect(ok.succeeded).toBe(true);
      expect(ok.header.revision).toBe(put.header.revision + 1);
      const both = await be.range(rangeRequest(b(p + 'd'), { rangeEnd: b(p + 'f') }));
      expect(both.kvs.map((kv) => kv.modRevision)).toEqual([ok.header.revision, ok.header.revision]);
      const no = await be.txn({
        compare: [{ result: CompareResult.EQUAL, target: CompareTarget.MOD, key: b(p + 'c'), rangeEnd: EMPTY, modRevision: put.header.revision + 99 }],
        success: [{ requestPut: putRequest(b(p + 'c'), b('never')) }],
        failure: [{ requestRange: rangeRequest(b(p + 'c')) }],
      });
      expect(no.succeeded).toBe(false);
      expect(s(no.responses[0]!.responseRange!.kvs[0]!.value)).toBe('1');
      expect(no.header.revision).toBe(ok.header.revision);
    });

    contractCase('txn: a value compare and a compare on a missing key (create revision 0)', async () => {
      const p = prefix();
      await be.put(putRequest(b(p + 'v'), b('abc')));
      const res = await be.txn({
        compare: [
          { result: CompareResult.EQUAL, target: CompareTarget.VALUE, key: b(p + 'v'), rangeEnd: EMPTY, value: b('abc') },
          { result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: b(p + 'missing'), rangeEnd: EMPTY, createRevision: 0 },
        ],
        success: [{ requestPut: putRequest(b(p + 'missing'), b('now')) }],
        failure: [],
      });
      expect(res.succeeded).toBe(true);
      expect(res.responses[0]!.responsePut).toBeDefined();
    });

    contractCase('nested txn: an inner txn runs in the outer one\'s revision', async () => {
      const p = prefix();
      const res = await be.txn({
        compare: [],
        success: [
          { requestPut: putRequest(b(p + 'outer'), b('1')) },
          {
            requestTxn: {
              compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: b(p + 'inner'), rangeEnd: EMPTY, createRevision: 0 }],
              success: [{ requestPut: putRequest(b(p + 'inner'), b('2')) }],
              failure: [],
            },
          },
        ],
        failure: [],
      });
      expect(res.responses[1]!.responseTxn!.succeeded).toBe(true);
      const both = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p) }));
      expect(both.kvs.map((kv) => [s(kv.key), kv.modRevision])).toEqual([
        [p + 'inner', res.header.revision],
        [p + 'outer', res.header.revision],
      ]);
    });

    contractCase('binary keys and values pass unchanged; revision filters of a range', async () => {
      const p = prefix();
      const key = Buffer.concat([b(p), Buffer.from([0xff, 0x00, 0x80, 0x01])]);
      const value = Buffer.from([0x00, 0xfe, 0xff, 0x10]);
      const first = await be.put(putRequest(key, value));
      await be.put(putRequest(b(p + 'later'), b('x')));
      const got = await be.range(rangeRequest(key));
      expect(got.kvs[0]!.key.equals(key)).toBe(true);
      expect(got.kvs[0]!.value.equals(value)).toBe(true);
      const newer = await be.range(rangeRequest(b(p), { rangeEnd: prefixEnd(p), minModRevision: first.header.revision + 1 }));
      expect(newer.kvs.map((kv) => s(kv.key))).toEqual([p + 'later']);
    });

    contractCase('put with ignoreValue keeps the value; with ignoreLease keeps the lease', async () => {
      const p = prefix();
      const grant = await be.leaseGrant({ ttl: 60, id: 0n });
      await be.put(putRequest(b(p + 'k'), b('kept'), { lease: grant.id }));
      await be.put(putRequest(b(p + 'k'), EMPTY, { ignoreValue: true, ignoreLease: true }));
      const got = await be.range(rangeRequest(b(p + 'k')));
      expect(s(got.kvs[0]!.value)).toBe('kept');
      expect(got.kvs[0]!.lease).toBe(grant.id);
      expect(got.kvs[0]!.version).toBe(2);
      await be.leaseRevoke(grant.id);
    });

    contractCase('a user key beginning with a NUL byte is an ordinary user key', async () => {
      const p = prefix();
      const key = Buffer.concat([Buffer.from([0]), b(p)]);
      await be.put(putRequest(key, b('nul-led')));
      const got = await be.range(rangeRequest(key));
      expect(s(got.kvs[0]!.value)).toBe('nul-led');
      await be.deleteRange({ key, rangeEnd: EMPTY, prevKv: false });
    });

    contractCase('HashKV of the store does not change when only system keys are written', async () => {
      const p = prefix();
      const before = await be.hashKV(0);
      await be.put(putRequest(b(p + 'only-system'), b('x'), SYS));
      const after = await be.hashKV(0);
      expect(after.header.revision).toBeGreaterThan(before.header.revision);
      expect(after.hash).toBe(before.hash);
    });

    contractCase('granting and revoking a lease (either keyspace) does not move the revision', async () => {
      const before = (await be.progressHeader()).revision;
      const user = await be.leaseGrant({ ttl: 60, id: 0n });
      const system = await be.leaseGrant({ ttl: 60, id: 0n, keyspace: 'system' });
      await be.leaseRevoke(user.id);
      await be.leaseRevoke(system.id, 'system');
      expect((await be.progressHeader()).revision).toBe(before);
    });

    contractCase('an expiring lease deletes its keys, and a watch sees the deletes', async () => {
      const p = prefix();
      const grant = await be.leaseGrant({ ttl: 2, id: 0n });
      await be.put(putRequest(b(p + 'e'), b('x'), { lease: grant.id }));
      await be.put(putRequest(b(p + 's'), b('x'), { ...SYS, lease: grant.id }));
      const rec = new Recorder();
      const h = be.watch(watchOpts(b(p + 'e')), rec);
      await until('expired', async () => (await be.range(rangeRequest(b(p + 'e')))).count === 0, 15_000);
      await until('delete event', () => rec.events.length >= 1, 5000);
      h.cancel();
      expect(rec.events.map((e) => e.type)).toEqual([EventType.DELETE]);
      expect((await be.range(rangeRequest(b(p + 's'), SYS))).count).toBe(0);
    });

    // ---- Watch ----

    contractCase('watch: puts and deletes in revision order, with prevKv when asked', async () => {
      const p = prefix();
      const rec = new Recorder();
      const h = be.watch(watchOpts(b(p), { rangeEnd: prefixEnd(p), prevKv: true }), rec);
      await until('synced', () => h.isSynced());
      const r1 = await be.put(putRequest(b(p + '1'), b('a')));
      const r2 = await be.put(putRequest(b(p + '1'), b('b')));
      const r3 = await be.deleteRange({ key: b(p + '1'), rangeEnd: EMPTY, prevKv: false });
      await until('3 events', () => rec.events.length >= 3);
      h.cancel();
      expect(rec.events.map((e) => [e.type, e.kv.modRevision])).toEqual([
        [EventType.PUT, r1.header.revision],
        [EventType.PUT, r2.header.revision],
        [EventType.DELETE, r3.header.revision],
      ]);
      expect(s(rec.events[1]!.prevKv!.value)).toBe('a');
      expect(s(rec.events[2]!.prevKv!.value)).toBe('b');
      expect(rec.events.every((e) => e.keyspace === undefined)).toBe(true);
      for (let i = 1; i < rec.batches.length; i++) expect(rec.batches[i]!).toBeGreaterThanOrEqual(rec.batches[i - 1]!);
    });

    contractCase('watch from a past revision replays the history from there', async () => {
      const p = prefix();
      const first = await be.put(putRequest(b(p + 'h'), b('1')));
      await be.put(putRequest(b(p + 'h'), b('2')));
      await be.put(putRequest(b(p + 'h'), b('3')));
      const rec = new Recorder();
      const h = be.watch(watchOpts(b(p + 'h'), { startRevision: first.header.revision }), rec);
      await until('3 events', () => rec.events.length >= 3);
      h.cancel();
      expect(rec.events.map((e) => s(e.kv.value))).toEqual(['1', '2', '3']);
    });

    contractCase('watch filters: NOPUT delivers deletes only', async () => {
      const p = prefix();
      const rec = new Recorder();
      const h = be.watch(watchOpts(b(p), { rangeEnd: prefixEnd(p), filters: [WatchFilter.NOPUT] }), rec);
      await until('synced', () => h.isSynced());
      await be.put(putRequest(b(p + 'x'), b('1')));
      await be.deleteRange({ key: b(p + 'x'), rangeEnd: EMPTY, prevKv: false });
      await until('1 event', () => rec.events.length >= 1);
      await new Promise((r) => setTimeout(r, 100));
      h.cancel();
      expect(rec.events.map((e) => e.type)).toEqual([EventType.DELETE]);
    });

    contractCase('a canceled watch delivers nothing more', async () => {
      const p = prefix();
      const rec = new Recorder();
      const h = be.watch(watchOpts(b(p + 'c')), rec);
      await until('synced', () => h.isSynced());
      await be.put(putRequest(b(p + 'c'), b('1')));
      await until('1 event', () => rec.events.length >= 1);
      h.cancel();
      await be.put(putRequest(b(p + 'c'), b('2')));
      await new Promise((r) => setTimeout(r, 200));
      expect(rec.events.length).toBe(1);
      expect(rec.canceled).toBeUndefined();
    });

    contractCase('progressHeader carries the current revision', async () => {
      const p = prefix();
      const put = await be.put(putRequest(b(p + 'p'), b('x')));
      const h = await be.progressHeader();
      expect(h.revision).toBeGreaterThanOrEqual(put.header.revision);
    });

    // ---- Leases ----

    contractCase('lease: grant, attach, time-to-live with keys, revoke deletes the attached keys', async () => {
      const p = prefix();
      const grant = await be.leaseGrant({ ttl: 60, id: 0n });
      expect(grant.id).not.toBe(0n);
      expect(grant.ttl).toBe(60);
      await be.put(putRequest(b(p + 'l'), b('x'), { lease: grant.id }));
      const ttl = await be.leaseTimeToLive({ id: grant.id, keys: true });
      expect(ttl.grantedTtl).toBe(60);
      expect(ttl.ttl).toBeGreaterThan(50);
      expect(ttl.keys.map(s)).toEqual([p + 'l']);
      const listed = await be.leaseLeases();
      expect(listed.leases.map((l) => l.id)).toContain(grant.id);
      const ka = await be.leaseKeepAlive(grant.id);
      expect(ka.id).toBe(grant.id);
      expect(ka.ttl).toBe(60);
      await be.leaseRevoke(grant.id);
      const gone = await be.range(rangeRequest(b(p + 'l')));
      expect(gone.count).toBe(0);
      const after = await be.leaseTimeToLive({ id: grant.id, keys: false });
      expect(after.ttl).toBe(-1);
    });

    contractCase('unknown leases: revoke fails with lease-not-found, keep-alive answers TTL 0, a put with it fails', async () => {
      const p = prefix();
      const unknown = 0x7eadbeef12345n;
      const err = await rejection(be.leaseRevoke(unknown));
      expect([err.code, err.message]).toEqual([Errors.LeaseNotFound.code, Errors.LeaseNotFound.message]);
      const ka = await be.leaseKeepAlive(unknown);
      expect(ka.ttl).toBe(0);
      const put = await rejection(be.put(putRequest(b(p + 'x'), b('x'), { lease: unknown })));
      expect([put.code, put.message]).toEqual([Errors.LeaseNotFound.code, Errors.LeaseNotFound.message]);
    });

    contractCase('a lease granted with a chosen ID; granting it again fails with lease-exists', async () => {
      const id = BigInt(0x5e000000 + Math.floor(Math.random() * 0xffffff));
      const g = await be.leaseGrant({ ttl: 30, id });
      expect(g.id).toBe(id);
      const err = await rejection(be.leaseGrant({ ttl: 30, id }));
      expect([err.code, err.message]).toEqual([Errors.LeaseExist.code, Errors.LeaseExist.message]);
      await be.leaseRevoke(id);
    });

    // ---- The system keyspace ----

    contractCase('system keys: readable in the system keyspace, invisible to a user range over everything', async () => {
      const p = prefix();
      const sys = await be.put(putRequest(b(p + 'meta'), b('{"Flags":42}'), SYS));
      const got = await be.range(rangeRequest(b(p + 'meta'), SYS));
      expect(got.kvs.map((kv) => [s(kv.key), s(kv.value), kv.modRevision])).toEqual([[p + 'meta', '{"Flags":42}', sys.header.revision]]);
      expect((await be.range(rangeRequest(b(p + 'meta')))).count).toBe(0);
      const all = await be.range(rangeRequest(ALL, { rangeEnd: ALL, keysOnly: true }));
      expect(all.kvs.some((kv) => s(kv.key) === p + 'meta' || kv.key[0] === 0)).toBe(false);
      const sysAll = await be.range(rangeRequest(b(p), { ...SYS, rangeEnd: prefixEnd(p) }));
      expect(sysAll.kvs.map((kv) => s(kv.key))).toEqual([p + 'meta']);
    });

    contractCase('system keys share the revision space: a txn writes both keyspaces at one revision', async () => {
      const p = prefix();
      const res = await be.txn({
        compare: [{ ...SYS, result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: b(p + 'm'), rangeEnd: EMPTY, createRevision: 0 }],
        success: [{ requestPut: putRequest(b(p + 'u'), b('user')) }, { requestPut: putRequest(b(p + 'm'), b('sys'), SYS) }, { requestRange: rangeRequest(b(p + 'm'), SYS) }],
        failure: [],
      });
      expect(res.succeeded).toBe(true);
      expect(s(res.responses[2]!.responseRange!.kvs[0]!.key)).toBe(p + 'm');
      const u = await be.range(rangeRequest(b(p + 'u')));
      const m = await be.range(rangeRequest(b(p + 'm'), SYS));
      expect(u.kvs[0]!.modRevision).toBe(res.header.revision);
      expect(m.kvs[0]!.modRevision).toBe(res.header.revision);
      // the system key exists now: the same compare fails
      const again = await be.txn({
        compare: [{ ...SYS, result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: b(p + 'm'), rangeEnd: EMPTY, createRevision: 0 }],
        success: [],
        failure: [],
      });
      expect(again.succeeded).toBe(false);
    });

    contractCase('a user delete of everything leaves system keys', async () => {
      const p = prefix();
      await be.put(putRequest(b(p + 's'), b('keep'), SYS));
      await be.put(putRequest(b(p + 'u'), b('go')));
      // a user delete over the whole keyspace would hit other cases' keys on a shared store: the
      // prefix range and a range starting below every key (the NUL-led zone) both must spare it
      await be.deleteRange({ key: b(p), rangeEnd: prefixEnd(p), prevKv: false });
      const low = await be.deleteRange({ key: ALL, rangeEnd: b('\x01'), prevKv: true });
      expect(low.prevKvs.length).toBe(0);
      expect((await be.range(rangeRequest(b(p + 'u')))).count).toBe(0);
      expect(s((await be.range(rangeRequest(b(p + 's'), SYS))).kvs[0]!.value)).toBe('keep');
    });

    contractCase('watches: a user watch over everything sees no system event; a system watch sees them, marked system', async () => {
      const p = prefix();
      const user = new Recorder();
      const system = new Recorder();
      const hu = be.watch(watchOpts(ALL, { rangeEnd: ALL }), user);
      const hs = be.watch(watchOpts(b(p), { ...SYS, rangeEnd: prefixEnd(p) }), system);
      await until('synced', () => hu.isSynced() && hs.isSynced());
      const sys = await be.put(putRequest(b(p + 'sys'), b('1'), SYS));
      const usr = await be.put(putRequest(b(p + 'usr'), b('2')));
      await until('system event', () => system.events.length >= 1);
      await until('user event', () => user.events.some((e) => e.kv.modRevision === usr.header.revision));
      hu.cancel();
      hs.cancel();
      expect(user.events.some((e) => e.kv.modRevision === sys.header.revision || e.keyspace !== undefined || e.kv.key[0] === 0)).toBe(false);
      expect(system.events.map((e) => [e.keyspace, s(e.kv.key), e.kv.modRevision])).toEqual([['system', p + 'sys', sys.header.revision]]);
    });

    contractCase('system leases are invisible to user lease requests', async () => {
      const grant = await be.leaseGrant({ ttl: 60, id: 0n, keyspace: 'system' });
      const userList = await be.leaseLeases();
      expect(userList.leases.map((l) => l.id)).not.toContain(grant.id);
      const sysList = await be.leaseLeases('system');
      expect(sysList.leases.map((l) => l.id)).toContain(grant.id);
      const err = await rejection(be.leaseRevoke(grant.id));
      expect([err.code, err.message]).toEqual([Errors.LeaseNotFound.code, Errors.LeaseNotFound.message]);
      expect((await be.leaseKeepAlive(grant.id)).ttl).toBe(0);
      expect((await be.leaseTimeToLive({ id: grant.id, keys: false })).ttl).toBe(-1);
      expect((await be.leaseKeepAlive(grant.id, 'system')).ttl).toBe(60);
      expect((await be.leaseTimeToLive({ id: grant.id, keys: false, keyspace: 'system' })).grantedTtl).toBe(60);
      await be.leaseRevoke(grant.id, 'system');
      expect((await be.leaseLeases('system')).leases.map((l) => l.id)).not.toContain(grant.id);
    });

    contractCase('revoking a system lease deletes the system keys attached to it', async () => {
      const p = prefix();
      const grant = await be.leaseGrant({ ttl: 60, id: 0n, keyspace: 'system' });
      await be.put(putRequest(b(p + 'session'), b('x'), { ...SYS, lease: grant.id }));
      await be.leaseRevoke(grant.id, 'system');
      expect((await be.range(rangeRequest(b(p + 'session'), SYS))).count).toBe(0);
    });

    // ---- Compaction (late: it drops history other cases no longer need) ----

    contractCase('compaction: older revisions fail with etcd\'s compacted error; a watch from them is told so', async () => {
      const p = prefix();
      const old = await be.put(putRequest(b(p + 'c'), b('1')));
      const now = await be.put(putRequest(b(p + 'c'), b('2')));
      await be.compact({ revision: now.header.revision, physical: true });
      const err = await rejection(be.range(rangeRequest(b(p + 'c'), { revision: old.header.revision })));
      expect([err.code, err.message]).toEqual([Errors.Compacted.code, Errors.Compacted.message]);
      const rec = new Recorder();
      be.watch(watchOpts(b(p + 'c'), { startRevision: old.header.revision }), rec);
      await until('compacted', () => rec.compacted);
      expect(rec.compacted!.compactRevision).toBe(now.header.revision);
      expect(rec.events).toEqual([]);
      const again = await rejection(be.compact({ revision: old.header.revision, physical: false }));
      expect([again.code, again.message]).toEqual([Errors.Compacted.code, Errors.Compacted.message]);
    });

    // ---- Cluster and maintenance ----

    contractCase('memberList and status describe the same cluster', async () => {
      const members = await be.memberList(true);
      expect(members.members.length).toBeGreaterThanOrEqual(1);
      const status = await be.status();
      expect(status.header.clusterId).toBe(members.header.clusterId);
      expect(members.members.map((m) => m.id)).toContain(status.header.memberId);
      expect(status.version).toMatch(/^3\.4\./);
      expect(status.leader).not.toBe(0n);
    });

    contractCase('snapshot: the database in chunks, down to remainingBytes 0', async () => {
      const p = prefix();
      await be.put(putRequest(b(p + 'in-snapshot'), b('x')));
      const chunks: { remainingBytes: number; size: number }[] = [];
      for await (const c of be.snapshot()) chunks.push({ remainingBytes: c.remainingBytes, size: c.blob.length });
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.reduce((n, c) => n + c.size, 0)).toBeGreaterThan(0);
      expect(chunks[chunks.length - 1]!.remainingBytes).toBe(0);
    });

    contractCase('member changes: a learner added, then removed', async () => {
      const port = 40000 + Math.floor(Math.random() * 20000);
      const added = await be.memberAdd({ peerURLs: [`http://127.0.0.1:${port}`], isLearner: true });
      expect(added.member.isLearner).toBe(true);
      expect(added.members.map((m) => m.id)).toContain(added.member.id);
      const removed = await be.memberRemove(added.member.id);
      expect(removed.members.map((m) => m.id)).not.toContain(added.member.id);
      const err = await rejection(be.memberRemove(added.member.id));
      expect([err.code, err.message]).toEqual([Errors.MemberNotFound.code, Errors.MemberNotFound.message]);
    });

    contractCase('hashKV answers a hash at the current revision; alarm GET lists no alarm', async () => {
      const h = await be.hashKV(0);
      expect(typeof h.hash).toBe('number');
      expect(h.header.revision).toBeGreaterThan(0);
      const alarms = await be.alarm({ action: 0, memberID: 0n, alarm: 0 });
      expect(alarms.alarms).toEqual([]);
    });
  });
}
