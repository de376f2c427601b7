// The system keyspace through the Backend interface (DESIGN.md, "One keyspace, two views"): what
// the Consul face writes there shares revisions, txns and leases with etcd's keys, and no etcd
// request — range, watch, compare, delete, lease TimeToLive, HashKV, Hash, a snapshot restored into
// genuine etcd, nor a JSON-gateway body that names the field — can see or touch it. The Backend
// scenarios run on the native store and on the in-memory test double, which must agree.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompareResult,
  CompareTarget,
  type Backend,
  type Event,
  type WatchListener,
  type WatchOptions,
} from '../../../src/adapters/backend.js';
import { createNativeBackend, type NativeBackend } from '../../../src/adapters/native.js';
import { binaryCodec, jsonCodecOf } from '../../../src/gateway/etcd/codec/index.js';
import { createJsonGateway } from '../../../src/gateway/etcd/gateway.js';
import { createHttpHandler } from '../../../src/gateway/etcd/http.js';
import { allEtcdMethods } from '../../../src/gateway/etcd/services/index.js';
import { MemoryBackend } from '../../support/memory-backend.js';
import { allocatePorts } from '../../support/ports.js';
import { testServerOptions } from '../etcd-frontend/harness.js';
import { b, putReq, rangeReq, singleMemberConfig, until } from './helpers.js';

const PORTS = { from: 31000, to: 31999 };
const SYS = { keyspace: 'system' } as const;
const ALL = Buffer.from([0]);
const root = mkdtempSync(join(tmpdir(), 'dcsgw-keyspace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
async function nativeMember(dataDir = join(root, `m${++seq}`)): Promise<NativeBackend> {
  const be = await createNativeBackend(
    singleMemberConfig({ dataDir, memberId: 0x5150n, clusterId: 0x77n, clientURL: 'http://127.0.0.1:31001', peerURL: 'http://127.0.0.1:31002' }),
  );
  await be.ready();
  return be;
}

class Events implements WatchListener {
  readonly events: Event[] = [];
  onEvents(events: Event[]): void {
    this.events.push(...events);
  }
  onCompacted(): void {}
  onCanceled(): void {}
  get lines(): string[] {
    return this.events.map((e) => `${e.keyspace ?? 'user'} ${e.type === 0 ? 'PUT' : 'DELETE'} ${e.kv.key}@${e.kv.modRevision}`);
  }
}
const watchAll = (extra: Partial<WatchOptions> = {}): WatchOptions => ({ key: ALL, rangeEnd: ALL, startRevision: 0, prevKv: false, filters: [], ...extra });
const everything = (extra = {}) => rangeReq('\0', { rangeEnd: ALL, ...extra });
const names = (r: { kvs: { key: Buffer }[] }) => r.kvs.map((kv) => kv.key.toString());

const doubles: [string, () => Promise<Backend>][] = [
  ['native store (one member)', () => nativeMember()],
  ['memory backend (test double)', () => Promise.resolve(new MemoryBackend())],
];

describe.each(doubles)('keyspaces on the %s', (_name, make) => {
  let be: Backend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(async () => {
    await be.close();
  });

  it('a system write bumps the shared revision and is invisible to every user read', async () => {
    const u = await be.put(putReq('app/a', '1'));
    const s = await be.put(putReq('session/1', 'sys', SYS));
    expect(s.header.revision).toBe(u.header.revision + 1);
    const all = await be.range(everything());
    expect(names(all)).toEqual(['app/a']);
    expect(all.header.revision).toBe(s.header.revision);
    expect((await be.range(everything({ countOnly: true }))).count).toBe(1);
    expect((await be.range(rangeReq('session/1'))).count).toBe(0);
    const sys = await be.range(rangeReq('session/1', SYS));
    expect(sys.kvs[0]).toMatchObject({ value: b('sys'), createRevision: s.header.revision, version: 1 });
  });

  it('a txn writes a user value and its system metadata atomically, with compares in each keyspace', async () => {
    const before = (await be.range(rangeReq('app/a'))).kvs[0]!;
    const t = await be.txn({
      compare: [
        { key: b('app/a'), rangeEnd: Buffer.alloc(0), target: CompareTarget.MOD, result: CompareResult.EQUAL, modRevision: before.modRevision },
        { ...SYS, key: b('kv/app/a'), rangeEnd: Buffer.alloc(0), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 },
      ],
      success: [{ requestPut: putReq('app/a', '2') }, { requestPut: putReq('kv/app/a', '{"Flags":7}', SYS) }],
      failure: [],
    });
    expect(t.succeeded).toBe(true);
    const user = (await be.range(rangeReq('app/a'))).kvs[0]!;
    const meta = (await be.range(rangeReq('kv/app/a', SYS))).kvs[0]!;
    expect(user.modRevision).toBe(t.header.revision);
    expect(meta.modRevision).toBe(t.header.revision);
    // the same compare now fails: the system key exists
    const again = await be.txn({
      compare: [{ ...SYS, key: b('kv/app/a'), rangeEnd: Buffer.alloc(0), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 }],
      success: [{ requestPut: putReq('app/a', '3') }],
      failure: [],
    });
    expect(again.succeeded).toBe(false);
    // and a user compare on the same bytes sees no key
    const userCmp = await be.txn({
      compare: [{ key: b('kv/app/a'), rangeEnd: Buffer.alloc(0), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 }],
      success: [],
      failure: [],
    });
    expect(userCmp.succeeded).toBe(true);
  });

  it('watches stay in their keyspace; system events say so', async () => {
    const user = new Events();
    const sys = new Events();
    const wu = be.watch(watchAll(), user);
    const ws = be.watch(watchAll(SYS), sys);
    try {
      const r1 = await be.put(putReq('node/n1', '{}', SYS));
      const r2 = await be.put(putReq('app/b', 'x'));
      const r3 = await be.deleteRange({ ...SYS, key: b('node/n1'), rangeEnd: Buffer.alloc(0), prevKv: false });
      await until('both watchers to hear', () => sys.events.length === 2 && user.events.length === 1);
      expect(sys.lines).toEqual([`system PUT node/n1@${r1.header.revision}`, `system DELETE node/n1@${r3.header.revision}`]);
      expect(user.lines).toEqual([`user PUT app/b@${r2.header.revision}`]);
    } finally {
      wu.cancel();
      ws.cancel();
    }
  });

  it('a lease revoke deletes its keys in both keyspaces; TimeToLive lists the user keys only', async () => {
    const g = await be.leaseGrant({ ttl: 60, id: 0n });
    await be.put(putReq('lock/x', 'me', { lease: g.id }));
    await be.put(putReq('session/abc', '{"ID":"abc"}', { ...SYS, lease: g.id }));
    const ttl = await be.leaseTimeToLive({ id: g.id, keys: true });
    expect(ttl.keys.map(String)).toEqual(['lock/x']);
    const user = new Events();
    const sys = new Events();
    const wu = be.watch(watchAll(), user);
    const ws = be.watch(watchAll(SYS), sys);
    try {
      const r = await be.leaseRevoke(g.id);
      await until('both deletes to be heard', () => user.events.length === 1 && sys.events.length === 1);
      expect(user.lines).toEqual([`user DELETE lock/x@${r.header.revision}`]);
      expect(sys.lines).toEqual([`system DELETE session/abc@${r.header.revision}`]);
      expect((await be.range(rangeReq('session/abc', SYS))).count).toBe(0);
    } finally {
      wu.cancel();
      ws.cancel();
    }
  });

  it('a system lease (a session) is unknown to every user-keyspace lease request', async () => {
    const g = await be.leaseGrant({ ttl: 60, id: 0n, keyspace: 'system' });
    const userLease = await be.leaseGrant({ ttl: 60, id: 0n });
    await be.put(putReq('session/s2', '{}', { ...SYS, lease: g.id }));
    expect((await be.leaseLeases()).leases.map((l) => l.id)).not.toContain(g.id);
    expect((await be.leaseLeases()).leases.map((l) => l.id)).toContain(userLease.id);
    expect((await be.leaseLeases('system')).leases.map((l) => l.id)).toEqual([g.id]);
    expect((await be.leaseTimeToLive({ id: g.id, keys: true })).ttl).toBe(-1);
    expect((await be.leaseKeepAlive(g.id)).ttl).toBe(0);
    await expect(be.leaseRevoke(g.id)).rejects.toThrow('etcdserver: requested lease not found');
    expect((await be.range(rangeReq('session/s2', SYS))).count).toBe(1);
    // through its own keyspace it lives and ends as any lease
    expect((await be.leaseTimeToLive({ id: g.id, keys: false, keyspace: 'system' })).grantedTtl).toBe(60);
    expect((await be.leaseKeepAlive(g.id, 'system')).ttl).toBe(60);
    await expect(be.leaseRevoke(userLease.id, 'system')).rejects.toThrow('etcdserver: requested lease not found');
    await be.leaseRevoke(g.id, 'system');
    await be.leaseRevoke(userLease.id);
    expect((await be.range(rangeReq('session/s2', SYS))).count).toBe(0);
  });

  it('del "" --from-key empties the user keyspace and leaves the system one', async () => {
    await be.put(putReq('catalog/keep', 'me', SYS));
    const d = await be.deleteRange({ key: Buffer.from(''), rangeEnd: ALL, prevKv: true });
    expect(d.deleted).toBeGreaterThan(0);
    expect(d.prevKvs.map((kv) => kv.key.toString())).not.toContain('catalog/keep');
    expect((await be.range(everything())).count).toBe(0);
    expect(names(await be.range(everything(SYS)))).toContain('catalog/keep');
  });
});

describe('native store: what etcd clients can never reach', () => {
  let be: NativeBackend;
  const dataDir = join(root, 'etcd-view');
  beforeAll(async () => {
    be = await nativeMember(dataDir);
  });
  afterAll(async () => {
    await be.close();
  });

  it('HashKV and Hash do not move with system writes', async () => {
    await be.put(putReq('h/a', '1'));
    const kv = await be.hashKV(0);
    const all = await be.hash();
    await be.put(putReq('session/h', 's', SYS));
    await be.put(putReq('kv/h/a', 'm', SYS));
    expect((await be.hashKV(0)).hash).toBe(kv.hash);
    expect((await be.hash()).hash).toBe(all.hash);
    await be.put(putReq('h/b', '2'));
    expect((await be.hashKV(0)).hash).not.toBe(kv.hash);
  });

  it('a JSON-gateway body naming "keyspace" still addresses user keys', async () => {
    const deps = { ...testServerOptions(be), watchProgressIntervalMs: 0 };
    const http: Server = createServer(createHttpHandler(deps, createJsonGateway(allEtcdMethods(deps), (n) => jsonCodecOf(n))));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    try {
      await be.put(putReq('secret/x', 'system-value', SYS));
      for (const field of ['keyspace', 'Keyspace', 'key_space']) {
        const r = await post('/v3/kv/range', { key: b64('secret/x'), [field]: 'system' });
        expect(r.status).toBe(200);
        expect(r.json.kvs).toBeUndefined();
      }
      const all = await post('/v3/kv/range', { key: 'AA==', range_end: 'AA==', keyspace: 'system', count_only: true });
      expect(all.json.count).toBe(String((await be.range(everything({ countOnly: true }))).count));
      // a put "to the system keyspace" lands in the user keyspace; the system record is untouched
      await post('/v3/kv/put', { key: b64('secret/x'), value: b64('from-json'), keyspace: 'system' });
      expect((await be.range(rangeReq('secret/x'))).kvs[0]!.value.toString()).toBe('from-json');
      expect((await be.range(rangeReq('secret/x', SYS))).kvs[0]!.value.toString()).toBe('system-value');
      // a txn whose compare and ops name the field: still the user key
      const t = await post('/v3/kv/txn', {
        compare: [{ key: b64('secret/x'), target: 'VALUE', result: 'EQUAL', value: b64('system-value'), keyspace: 'system' }],
        success: [{ request_delete_range: { key: b64('secret/x'), keyspace: 'system' } }],
        failure: [{ request_delete_range: { key: 'AA==', range_end: 'AA==', keyspace: 'system' } }],
      });
      expect(t.json.succeeded).toBeUndefined(); // false: the user value is "from-json"
      expect((await be.range(everything({ countOnly: true }))).count).toBe(0);
      expect((await be.range(rangeReq('secret/x', SYS))).count).toBe(1);
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it('the gRPC decoders build requests without a keyspace, whatever the bytes carry', () => {
    const putCodec = binaryCodec<Record<string, unknown>>('PutRequest');
    const rangeCodec = binaryCodec<Record<string, unknown>>('RangeRequest');
    const txnCodec = binaryCodec<Record<string, unknown>>('TxnRequest');
    // field 1 key "k", then an unknown field 15 (string "system"), which proto3 skips
    const unknown = Buffer.from([0x7a, 6, ...Buffer.from('system')]);
    const put = putCodec.decode(Buffer.concat([Buffer.from([0x0a, 1, 0x6b]), unknown]));
    const range = rangeCodec.decode(Buffer.concat([Buffer.from([0x0a, 1, 0x6b]), unknown]));
    expect(put.key).toEqual(b('k'));
    expect('keyspace' in put).toBe(false);
    expect('keyspace' in range).toBe(false);
    const txn = txnCodec.decode(
      Buffer.concat([
        // compare { key: "k" } and success { request_put { key: "k" } }, each followed by the unknown field
        Buffer.from([0x0a, 3 + unknown.length, 0x1a, 1, 0x6b, ...unknown]),
        Buffer.from([0x12, 5 + unknown.length, 0x12, 3 + unknown.length, 0x0a, 1, 0x6b, ...unknown]),
      ]),
    ) as { compare: object[]; success: { requestPut?: object }[] };
    expect(txn.compare.length).toBe(1);
    expect('keyspace' in txn.compare[0]!).toBe(false);
    expect(txn.success[0]!.requestPut).toBeDefined();
    expect('keyspace' in txn.success[0]!.requestPut!).toBe(false);
  });

  it('a restart keeps the system records (WAL and store)', async () => {
    await be.put(putReq('node/restart', 'kept', SYS));
    const rev = (await be.range(everything())).header.revision;
    await be.close();
    be = await nativeMember(dataDir);
    expect((await be.range(rangeReq('node/restart', SYS))).kvs[0]!.value.toString()).toBe('kept');
    expect((await be.range(rangeReq('node/restart'))).count).toBe(0);
    expect((await be.range(everything())).header.revision).toBe(rev);
  });

  const ETCD = '/usr/bin/etcd';
  const ETCDCTL = '/usr/bin/etcdctl';
  it.skipIf(!existsSync(ETCD) || !existsSync(ETCDCTL))('Maintenance.Snapshot restored into genuine etcd holds the user keys only', async () => {
    await be.put(putReq('visible/1', 'one'));
    await be.put(putReq('visible/2', 'two', SYS)); // same prefix, system keyspace
    await be.put(putReq('service/web', '{}', SYS));
    const sessionLease = await be.leaseGrant({ ttl: 600, id: 0x5e55n, keyspace: 'system' });
    const userLease = await be.leaseGrant({ ttl: 600, id: 0x0e7cdn });
    const chunks: Buffer[] = [];
    for await (const c of be.snapshot()) chunks.push(c.blob);
    const db = Buffer.concat(chunks);
    const file = join(root, 'keyspace-snap.db');
    writeFileSync(file, Buffer.concat([db, createHash('sha256').update(db).digest()]));
    const [client, peer] = await allocatePorts(2, PORTS);
    const peerURL = `http://127.0.0.1:${peer}`;
    const restored = join(root, 'restored');
    execFileSync(ETCDCTL, ['snapshot', 'restore', file, '--data-dir', restored, '--name', 'r1', '--initial-cluster', `r1=${peerURL}`, '--initial-advertise-peer-urls', peerURL], {
      stdio: 'ignore',
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    const etcd = spawn(ETCD, [
      '--name', 'r1', '--data-dir', restored,
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', peerURL, '--initial-advertise-peer-urls', peerURL, '--initial-cluster', `r1=${peerURL}`,
    ], { stdio: 'ignore' });
    try {
      const ctl = (...args: string[]) =>
        execFileSync(ETCDCTL, [`--endpoints=127.0.0.1:${client}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      // a loaded machine may take a while to start etcd
      const keys = await until('the restored etcd to answer', () => {
        try {
          return ctl('get', '', '--from-key', '--keys-only').split('\n').filter((l) => l !== '');
        } catch {
          return undefined;
        }
      }, 60_000);
      const userKeys = names(await be.range(everything()));
      expect(keys).toEqual(userKeys);
      expect(keys).toContain('visible/1');
      expect(keys).not.toContain('visible/2');
      expect(keys).not.toContain('service/web');
      const leases = ctl('lease', 'list');
      expect(leases).toContain(userLease.id.toString(16));
      expect(leases).not.toContain(sessionLease.id.toString(16));
    } finally {
      etcd.kill();
      await new Promise((r) => etcd.once('exit', r));
    }
  }, 180_000);
});
