// The system keyspace of the MVCC store (DESIGN.md, "One keyspace, two views"): Consul-only
// records share the revision counter, the txns and the leases with etcd's keys, yet no user-keyspace
// request (range, count, compare, delete, watch, HashKV, Hash) sees or touches them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import type { ApplyValue } from '../../../src/native/mvcc/api.js';
import { decodeCommand, encodeCommand, openMvccStore } from '../../../src/native/mvcc/index.js';
import { Harness, Recorder, b, cmp, delReq, keys, op, putReq, rangeReq, settle, watchOpts } from './harness.js';

const SYS = { keyspace: 'system' } as const;
const ALL = Buffer.from([0]);

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

const sysPut = (key: string, value: string, extra = {}) => h.put(key, value, { ...SYS, ...extra });
const sysGet = (key: string, extra = {}) => h.get(key, { ...SYS, ...extra });
const sysVal = (key: string) => sysGet(key).kvs[0]?.value.toString();
const everything = (extra = {}) => h.get('\0', { rangeEnd: ALL, ...extra });
const txnValue = (v: ApplyValue) => {
  if (v.kind !== 'txn') throw new Error(`expected a txn result, got ${v.kind}`);
  return v;
};

describe('reads and writes', () => {
  it('a system put shares the revision counter but no user range sees it', () => {
    h.put('a', 'user'); // 2
    sysPut('session/1', 'sys'); // 3
    h.put('b', 'user'); // 4
    expect(h.store.currentRevision()).toBe(4);
    expect(keys(everything().kvs)).toEqual(['a', 'b']);
    expect(everything({ countOnly: true }).count).toBe(2);
    expect(h.val('session/1')).toBeUndefined();
    const sys = sysGet('\0', { rangeEnd: ALL });
    expect(keys(sys.kvs)).toEqual(['session/1']);
    expect(sys.kvs[0]!).toMatchObject({ createRevision: 3, modRevision: 3, version: 1 });
    // the revision reported by a read is the shared one
    expect(everything().revision).toBe(4);
  });

  it('the same key bytes in each keyspace are two independent keys', () => {
    h.put('k', 'u1'); // 2
    sysPut('k', 's1'); // 3
    h.put('k', 'u2'); // 4
    expect(h.get('k').kvs[0]).toMatchObject({ value: b('u2'), createRevision: 2, modRevision: 4, version: 2 });
    expect(sysGet('k').kvs[0]).toMatchObject({ value: b('s1'), createRevision: 3, modRevision: 3, version: 1 });
    h.del('k');
    expect(h.val('k')).toBeUndefined();
    expect(sysVal('k')).toBe('s1');
    // history reads stay in their keyspace too
    expect(sysGet('k', { revision: 2 }).kvs).toEqual([]);
    expect(h.get('k', { revision: 3 }).kvs[0]!.value.toString()).toBe('u1');
  });

  it('del "" --from-key removes every user key and no system key', () => {
    h.put('x', '1');
    sysPut('node/n1', 'n');
    sysPut('kv/x', 'meta');
    const r = h.ok({ kind: 'deleteRange', req: { key: b(''), rangeEnd: ALL, prevKv: true } });
    expect(r).toMatchObject({ kind: 'deleteRange', deleted: 1 });
    expect(keys(sysGet('\0', { rangeEnd: ALL }).kvs)).toEqual(['kv/x', 'node/n1']);
    // and a system delete leaves user keys alone
    h.put('x', '2');
    h.ok({ kind: 'deleteRange', req: { ...delReq('\0', '\0'), ...SYS } });
    expect(sysGet('\0', { rangeEnd: ALL }).count).toBe(0);
    expect(h.val('x')).toBe('2');
  });

  it('ignore_value on a system put needs the system key, not a user key of the same name', () => {
    h.put('k', 'user');
    expect(() => sysPut('k', '', { ignoreValue: true })).toThrow(Errors.KeyNotFound);
    sysPut('k', 'sys');
    sysPut('k', '', { ignoreValue: true, prevKv: true });
    expect(sysVal('k')).toBe('sys');
    expect(sysGet('k').kvs[0]!.version).toBe(2);
  });
});

describe('txn', () => {
  it('writes a user value and its system metadata in one revision; compares address their own keyspace', () => {
    h.put('cfg', 'v0'); // 2
    const v = txnValue(
      h.txn({
        compare: [cmp('cfg', CompareTarget.MOD, CompareResult.EQUAL, { modRevision: 2 }), { ...cmp('kv/cfg', CompareTarget.VERSION, CompareResult.EQUAL, { version: 0 }), ...SYS }],
        success: [op.put('cfg', 'v1'), { requestPut: putReq('kv/cfg', '{"Flags":42}', SYS) }, { requestRange: rangeReq('kv/cfg', SYS) }, op.get('kv/cfg')],
      }),
    );
    expect(v.succeeded).toBe(true);
    expect(h.store.currentRevision()).toBe(3);
    expect(h.get('cfg').kvs[0]!.modRevision).toBe(3);
    expect(sysGet('kv/cfg').kvs[0]!.modRevision).toBe(3);
    // the range inside the txn saw the system record it had just written; the user range did not
    expect(v.responses[2]!.responseRange!.kvs.map((kv) => kv.value.toString())).toEqual(['{"Flags":42}']);
    expect(v.responses[3]!.responseRange!.count).toBe(0);
  });

  it('a user compare does not see a system key of the same bytes, and vice versa', () => {
    sysPut('lock', 'held');
    const userSide = txnValue(h.txn({ compare: [cmp('lock', CompareTarget.VERSION, CompareResult.GREATER, { version: 0 })], success: [op.put('won', '1')] }));
    expect(userSide.succeeded).toBe(false);
    const sysSide = txnValue(
      h.txn({ compare: [{ ...cmp('lock', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('held') }), ...SYS }], success: [op.put('won', '1')] }),
    );
    expect(sysSide.succeeded).toBe(true);
    // a range compare over everything in the user keyspace ignores system keys as well
    h.put('u', '1');
    const range = txnValue(
      h.txn({ compare: [{ ...cmp('\0', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('1') }), rangeEnd: ALL }], success: [] }),
    );
    expect(range.succeeded).toBe(true);
  });

  it('a nested txn may delete system keys while the outer one writes user keys', () => {
    sysPut('session/a', 's');
    h.txn({ success: [op.put('a', '1'), op.txn({ success: [{ requestDeleteRange: { ...delReq('session/', 'session0'), ...SYS } }] })] });
    expect(h.val('a')).toBe('1');
    expect(sysGet('session/', { rangeEnd: b('session0') }).count).toBe(0);
  });
});

describe('watches', () => {
  it('a user watch over everything never sees system events; a system watch sees only system events, marked', () => {
    const user = new Recorder();
    const sys = new Recorder();
    h.store.watch(watchOpts('\0', { rangeEnd: ALL }), user);
    h.store.watch(watchOpts('\0', { rangeEnd: ALL, ...SYS }), sys);
    h.put('a', '1'); // 2
    sysPut('node/n', 'x'); // 3
    h.txn({ success: [op.put('b', '1'), { requestPut: putReq('kv/b', 'm', SYS) }] }); // 4
    h.ok({ kind: 'deleteRange', req: { ...delReq('node/n'), ...SYS } }); // 5
    expect(user.lines).toEqual(['PUT a=1@2', 'PUT b=1@4']);
    expect(sys.lines).toEqual(['PUT node/n=x@3', 'PUT kv/b=m@4', 'DELETE node/n@5']);
    expect(user.events.every((e) => e.keyspace === undefined)).toBe(true);
    expect(sys.events.every((e) => e.keyspace === 'system')).toBe(true);
  });

  it('catch-up from a past revision replays only its own keyspace, with prev_kv', async () => {
    h.put('k', 'u1'); // 2
    sysPut('k', 's1'); // 3
    sysPut('k', 's2'); // 4
    h.put('k', 'u2'); // 5
    const user = new Recorder();
    const sys = new Recorder();
    h.store.watch(watchOpts('k', { startRevision: 2, prevKv: true }), user);
    h.store.watch(watchOpts('k', { startRevision: 2, prevKv: true, ...SYS }), sys);
    await settle();
    expect(user.lines).toEqual(['PUT k=u1@2', 'PUT k=u2@5']);
    expect(user.events[1]!.prevKv!.value.toString()).toBe('u1');
    expect(sys.lines).toEqual(['PUT k=s1@3', 'PUT k=s2@4']);
    expect(sys.events[1]!.prevKv!.value.toString()).toBe('s1');
    expect(sys.events.every((e) => e.keyspace === 'system')).toBe(true);
    // both are synced afterwards and keep to their keyspace
    sysPut('k', 's3');
    expect(sys.lines.at(-1)).toBe('PUT k=s3@6');
    expect(user.lines.length).toBe(2);
  });
});

describe('watch catch-up across the other keyspace', () => {
  it('a system watcher from long ago reaches its events through many user records, in bounded steps', async () => {
    sysPut('node/first', '1'); // 2
    for (let i = 0; i < 20; i++) h.applyAll(Array.from({ length: 1000 }, (_, j) => ({ kind: 'put' as const, req: putReq(`u/${i}/${j}`, 'x') })));
    sysPut('node/last', '2'); // 20003
    const sys = new Recorder();
    const w = h.store.watch(watchOpts('node/', { rangeEnd: b('node0'), startRevision: 1, ...SYS }), sys);
    await settle(20);
    expect(sys.lines).toEqual(['PUT node/first=1@2', 'PUT node/last=2@20003']);
    // the 20000 user records between them were skipped over several steps, not one
    expect(sys.calls.length).toBeGreaterThan(1);
    expect(w.isSynced()).toBe(true);
  });
});

describe('leases', () => {
  it('revoking a lease deletes its keys in both keyspaces in one revision; TimeToLive lists user keys only', () => {
    h.ok({ kind: 'leaseGrant', req: { id: 9n, ttl: 30 } });
    h.put('lock/a', 'held', { lease: 9n }); // 2
    sysPut('session/9', '{"ID":"9"}', { lease: 9n }); // 3
    expect(h.store.leaseInfo(9n, true)!.keys.map(String)).toEqual(['lock/a']);
    const user = new Recorder();
    const sys = new Recorder();
    h.store.watch(watchOpts('\0', { rangeEnd: ALL, prevKv: true }), user);
    h.store.watch(watchOpts('\0', { rangeEnd: ALL, prevKv: true, ...SYS }), sys);
    h.ok({ kind: 'leaseRevoke', id: 9n });
    expect(h.store.currentRevision()).toBe(4);
    expect(user.lines).toEqual(['DELETE lock/a@4']);
    expect(sys.lines).toEqual(['DELETE session/9@4']);
    expect(sys.events[0]!.prevKv!.value.toString()).toBe('{"ID":"9"}');
    expect(sysGet('session/9').count).toBe(0);
  });

  it('a system put with an unknown lease fails as etcd would', () => {
    expect(() => sysPut('session/x', 'v', { lease: 404n })).toThrow(Errors.LeaseNotFound);
  });

  it('moving a system key off its lease detaches it', () => {
    h.ok({ kind: 'leaseGrant', req: { id: 1n, ttl: 30 } });
    sysPut('session/1', 'v', { lease: 1n });
    sysPut('session/1', 'v2'); // no lease now
    h.ok({ kind: 'leaseRevoke', id: 1n });
    expect(sysVal('session/1')).toBe('v2');
  });
});

describe('persistence, snapshots, compaction, hashes, quota', () => {
  it('a restart routes every record back to its keyspace and re-attaches system keys to their lease', () => {
    h.ok({ kind: 'leaseGrant', req: { id: 5n, ttl: 30 } });
    h.put('a', '1');
    sysPut('session/5', 's', { lease: 5n });
    sysPut('kv/a', 'm');
    h.ok({ kind: 'deleteRange', req: { ...delReq('kv/a'), ...SYS } });
    h.reopen();
    expect(keys(everything().kvs)).toEqual(['a']);
    expect(keys(sysGet('\0', { rangeEnd: ALL }).kvs)).toEqual(['session/5']);
    expect(sysGet('kv/a', { revision: 4 }).kvs[0]!.value.toString()).toBe('m');
    expect(h.store.currentRevision()).toBe(5);
    h.ok({ kind: 'leaseRevoke', id: 5n });
    expect(sysGet('session/5').count).toBe(0);
  });

  it('a raft snapshot carries the system records to another store', async () => {
    h.put('a', '1');
    sysPut('node/n1', 'x');
    const data = await h.store.snapshotData();
    const dir = mkdtempSync(join(tmpdir(), 'mvcc-keyspace-'));
    const other = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
    try {
      other.restore(data);
      expect(other.range({ ...rangeReq('node/n1'), ...SYS }).kvs[0]!.value.toString()).toBe('x');
      expect(other.range(rangeReq('node/n1')).count).toBe(0);
      expect(other.range({ ...rangeReq('\0'), rangeEnd: ALL }).count).toBe(1);
      expect(other.currentRevision()).toBe(3);
    } finally {
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compaction covers both keyspaces', () => {
    sysPut('s', '1'); // 2
    sysPut('s', '2'); // 3
    h.put('u', '1'); // 4
    sysPut('gone', 'x'); // 5
    h.ok({ kind: 'deleteRange', req: { ...delReq('gone'), ...SYS } }); // 6
    h.ok({ kind: 'compaction', req: { revision: 6, physical: true } });
    expect(() => sysGet('s', { revision: 2 })).toThrow(Errors.Compacted);
    expect(sysVal('s')).toBe('2');
    expect(h.val('u')).toBe('1');
    // what compaction dropped is gone from storage too: a restart finds only the survivors
    h.reopen();
    expect(keys(sysGet('\0', { rangeEnd: ALL }).kvs)).toEqual(['s']);
    expect(sysGet('s').kvs[0]).toMatchObject({ version: 2, createRevision: 2, modRevision: 3 });
  });

  it('HashKV and Hash ignore system writes', () => {
    h.put('a', '1');
    h.put('b', '2');
    const kvBefore = h.store.hashKV(0).hash;
    const hashBefore = h.store.hash();
    sysPut('session/1', 's');
    h.ok({ kind: 'leaseGrant', req: { id: 3n, ttl: 30 } });
    h.ok({ kind: 'leaseRevoke', id: 3n });
    sysPut('kv/a', 'm');
    expect(h.store.currentRevision()).toBe(5);
    expect(h.store.hashKV(0).hash).toBe(kvBefore);
    expect(h.store.hash()).toBe(hashBefore);
    // a user write still changes it
    h.put('c', '3');
    expect(h.store.hashKV(0).hash).not.toBe(kvBefore);
  });

  it('HashKV of a compacted store depends on the user history alone', () => {
    const history = (store: Harness, sysKey: string, sysValue: string) => {
      store.put('a', '1'); // 2
      store.put(sysKey, sysValue, SYS); // 3
      store.put('a', '2'); // 4
      store.put(sysKey, `${sysValue}!`, SYS); // 5
      store.ok({ kind: 'compaction', req: { revision: 2, physical: true } });
    };
    history(h, 'session/1', 'one');
    const ref = new Harness();
    try {
      history(ref, 'node/other', 'a much longer value');
      expect(h.store.hashKV(4).hash).toBe(ref.store.hashKV(4).hash);
      expect(h.store.hashKV(0).hash).toBe(ref.store.hashKV(0).hash);
      expect(h.store.hash()).toBe(ref.store.hash());
    } finally {
      ref.destroy();
    }
  });

  it('the quota counts system records', () => {
    const small = new Harness({ quotaBackendBytes: 4096 });
    try {
      const big = 'x'.repeat(1500);
      small.put('s1', big, SYS);
      small.put('s2', big, SYS);
      expect(() => small.put('s3', big, SYS)).toThrow(Errors.NoSpace);
      expect(small.store.alarms().length).toBe(1);
    } finally {
      small.destroy();
    }
  });
});

describe('command codec', () => {
  it('carries the keyspace of every op, compare and nested txn through encode and decode', () => {
    const txn = {
      kind: 'txn' as const,
      req: {
        compare: [cmp('a', CompareTarget.MOD, CompareResult.EQUAL, { modRevision: 3 }), { ...cmp('kv/a', CompareTarget.VERSION, CompareResult.EQUAL, { version: 0 }), ...SYS }],
        success: [
          op.put('a', 'v'),
          { requestPut: putReq('kv/a', 'm', { ...SYS, lease: 7n }) },
          { requestRange: rangeReq('kv/', { ...SYS, limit: 3 }) },
          { requestDeleteRange: { ...delReq('session/', 'session0', true), ...SYS } },
          op.txn({ success: [{ requestPut: putReq('node/x', 'n', SYS) }, op.del('b')] }),
        ],
        failure: [op.get('a')],
      },
    };
    expect(decodeCommand(encodeCommand(txn))).toEqual(txn);
    const put = { kind: 'put' as const, req: putReq('k', 'v', SYS) };
    expect(decodeCommand(encodeCommand(put))).toEqual(put);
    const del = { kind: 'deleteRange' as const, req: { ...delReq('k'), ...SYS } };
    expect(decodeCommand(encodeCommand(del))).toEqual(del);
    // a user put decodes without the field at all (its shape is unchanged)
    const userPut = decodeCommand(encodeCommand({ kind: 'put', req: putReq('k', 'v', { prevKv: true }) }));
    expect(userPut.kind === 'put' && 'keyspace' in userPut.req).toBe(false);
  });

  it('a put applied from its decoded entry lands in the keyspace it was proposed to', () => {
    const cmd = decodeCommand(encodeCommand({ kind: 'put', req: putReq('session/1', 'v', SYS) }));
    h.ok(cmd);
    expect(sysVal('session/1')).toBe('v');
    expect(h.val('session/1')).toBeUndefined();
  });
});

describe('replicated restore (Consul snapshot restore)', () => {
  async function sourceDump(): Promise<{ data: Buffer; revision: number }> {
    const src = new Harness();
    try {
      src.ok({ kind: 'leaseGrant', req: { id: 77n, ttl: 60 } });
      src.put('app/a', 'from-snapshot');
      src.put('session/77', 's', { ...SYS, lease: 77n });
      src.put('kv/app/a', 'meta', SYS);
      return { data: await src.store.snapshotData(), revision: src.store.currentRevision() };
    } finally {
      src.destroy();
    }
  }

  it('replaces both keyspaces and the leases, never moves the revision back, and survives a restart', async () => {
    const { data, revision } = await sourceDump();
    for (let i = 0; i < 10; i++) h.put(`old/${i}`, 'x');
    sysPut('node/old', 'x');
    const before = h.store.currentRevision();
    expect(before).toBeGreaterThan(revision);
    const r = h.ok(decodeCommand(encodeCommand({ kind: 'restore', data })));
    expect(r).toEqual({ kind: 'restore', revision: before });
    expect(keys(everything().kvs)).toEqual(['app/a']);
    expect(keys(sysGet('\0', { rangeEnd: ALL }).kvs)).toEqual(['kv/app/a', 'session/77']);
    expect(h.store.leaseIds()).toEqual([77n]);
    // the lease knows its system key: revoking it deletes the session record
    h.reopen();
    expect(h.val('app/a')).toBe('from-snapshot');
    h.ok({ kind: 'leaseRevoke', id: 77n });
    expect(sysGet('session/77').count).toBe(0);
    expect(h.store.currentRevision()).toBe(before + 1);
  });

  it('a damaged dump changes nothing and fails with a clear error', async () => {
    const { data } = await sourceDump();
    h.put('keep', 'me');
    for (const bad of [data.subarray(0, data.length - 3), Buffer.from('not a snapshot at all'), Buffer.concat([data, Buffer.from([1])])]) {
      const r = h.apply({ kind: 'restore', data: bad });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/^dcsgw: snapshot restore refused: /);
    }
    expect(h.val('keep')).toBe('me');
    expect(h.store.currentRevision()).toBe(2);
  });
});

describe('system leases', () => {
  const grantSys = (id: bigint) => h.ok({ kind: 'leaseGrant', req: { id, ttl: 30, keyspace: 'system' } });

  it('are listed, described and revoked only for their own keyspace; expiry ends them all the same', () => {
    grantSys(1n);
    h.ok({ kind: 'leaseGrant', req: { id: 2n, ttl: 30 } });
    sysPut('session/1', 's', { lease: 1n });
    expect(h.store.leaseIds('user')).toEqual([2n]);
    expect(h.store.leaseIds('system')).toEqual([1n]);
    expect(h.store.leaseInfo(1n, false)!.keyspace).toBe('system');
    // IDs are one space
    expect(() => h.ok({ kind: 'leaseGrant', req: { id: 1n, ttl: 30 } })).toThrow(Errors.LeaseExist);
    // a client of the user keyspace cannot end it
    expect(() => h.ok({ kind: 'leaseRevoke', id: 1n, keyspace: 'user' })).toThrow(Errors.LeaseNotFound);
    expect(() => h.ok({ kind: 'leaseRevoke', id: 2n, keyspace: 'system' })).toThrow(Errors.LeaseNotFound);
    expect(sysVal('session/1')).toBe('s');
    // the leader's expiry revocation names no keyspace
    h.ok({ kind: 'leaseRevoke', id: 1n });
    expect(sysGet('session/1').count).toBe(0);
    h.ok({ kind: 'leaseRevoke', id: 2n, keyspace: 'user' });
    expect(h.store.leaseIds()).toEqual([]);
  });

  it('keep their keyspace across a restart and a raft snapshot, and stay out of Hash', async () => {
    const hashBefore = h.store.hash();
    grantSys(5n);
    expect(h.store.hash()).toBe(hashBefore);
    h.reopen();
    expect(h.store.leaseIds('system')).toEqual([5n]);
    const data = await h.store.snapshotData();
    const dir = mkdtempSync(join(tmpdir(), 'mvcc-keyspace-'));
    const other = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
    try {
      other.restore(data);
      expect(other.leaseIds('system')).toEqual([5n]);
      expect(other.leaseIds('user')).toEqual([]);
    } finally {
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the codec carries the keyspace of a grant and a revoke, and reads entries logged without it', () => {
    for (const cmd of [
      { kind: 'leaseGrant' as const, req: { id: 9n, ttl: 10, keyspace: 'system' as const } },
      { kind: 'leaseRevoke' as const, id: 9n, keyspace: 'system' as const },
      { kind: 'leaseRevoke' as const, id: 9n, keyspace: 'user' as const },
      { kind: 'leaseRevoke' as const, id: 9n },
    ]) {
      expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
    }
    // a grant as logged before keyspaces: tag, id, ttl
    const grant = decodeCommand(encodeCommand({ kind: 'leaseGrant', req: { id: 9n, ttl: 10 } }));
    expect(grant).toEqual({ kind: 'leaseGrant', req: { id: 9n, ttl: 10 } });
    expect(encodeCommand({ kind: 'leaseRevoke', id: 9n }).length).toBe(9);
  });
});
