// The etcd front end on the real store: startEtcdServer over a single-member native backend
// (src/adapters/native.ts), exercised with etcdctl, raw gRPC stubs and the JSON gateway.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNativeBackend, type NativeBackend } from '../../../src/adapters/native.js';
import { startEtcdServer, type EtcdServer } from '../../../src/gateway/etcd/server.js';
import { hasBinary } from '../../support/binaries.js';
import { etcdctl } from '../../support/etcdctl.js';
import { allocatePorts } from '../../support/ports.js';
import { singleMemberConfig } from '../native/helpers.js';
import { PORTS, testServerOptions } from './harness.js';
import { call, duplex, rawClients, type Msg, type RawClients } from './raw-client.js';

const b = (s: string) => Buffer.from(s);
const ID = 0x8e9e05c52164694dn;
let backend: NativeBackend;
let server: EtcdServer;
let ep: string;
let c: RawClients;
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-fe-native-'));

beforeAll(async () => {
  const [port, peer] = await allocatePorts(2, PORTS);
  backend = await createNativeBackend(
    singleMemberConfig({
      dataDir: dir,
      memberId: ID,
      clusterId: 0xcdf818194e3a8c32n,
      clientURL: `http://127.0.0.1:${port}`,
      peerURL: `http://127.0.0.1:${peer}`,
    }),
  );
  await backend.ready();
  server = await startEtcdServer({
    ...testServerOptions(backend),
    listenClientUrls: [`http://127.0.0.1:${port}`],
    memberName: 'default',
  });
  ep = `127.0.0.1:${port}`;
  c = rawClients(ep);
});
afterAll(async () => {
  c?.close();
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const rev = (m: Msg) => Number((m['header'] as { revision: string }).revision);

describe('etcd front end on the native backend', () => {
  it('KV with validation errors', async () => {
    expect(await call(c.KV, 'Put', { key: b('n1'), value: b('v') })).toHaveProperty('header');
    expect(((await call(c.KV, 'Range', { key: b('n1') }))['kvs'] as Msg[])[0]).toMatchObject({ value: b('v'), version: '1' });
    expect(await call(c.KV, 'Put', { key: b('') })).toEqual({ code: 3, details: 'etcdserver: key is not provided' });
    expect(await call(c.KV, 'Txn', { success: [{ request_put: { key: b('a') } }, { request_put: { key: b('a') } }] })).toEqual({
      code: 3,
      details: 'etcdserver: duplicate key given in txn request',
    });
  });

  it('watch: created, events, compacted start revision', async () => {
    const w = duplex(c.Watch, 'Watch');
    try {
      w.send({ create_request: { key: b('nw') } });
      const created = await w.next();
      expect(created).toMatchObject({ created: true, watch_id: '0' });
      const put = await call(c.KV, 'Put', { key: b('nw'), value: b('1') });
      const ev = await w.next();
      expect(rev(ev)).toBe(rev(put));
      expect((ev['events'] as Msg[]).length).toBe(1);
      await call(c.KV, 'Compact', { revision: rev(put) });
      w.send({ create_request: { key: b('nw'), start_revision: 1 } });
      expect(await w.next()).toMatchObject({ created: true, watch_id: '1' });
      expect(await w.next()).toMatchObject({ canceled: true, compact_revision: String(rev(put)), watch_id: '1' });
    } finally {
      w.cancel();
    }
  });

  it('lease keepalive, lock and election', async () => {
    const id = (await call(c.Lease, 'LeaseGrant', { TTL: 30 }))['ID'] as string;
    const ka = duplex(c.Lease, 'LeaseKeepAlive');
    ka.send({ ID: id });
    expect(await ka.next()).toMatchObject({ ID: id, TTL: '30' });
    ka.cancel();
    const lock = await call(c.Lock, 'Lock', { name: b('nl'), lease: id });
    expect((lock['key'] as Buffer).toString()).toBe(`nl/${BigInt(id).toString(16)}`);
    expect(await call(c.Lock, 'Unlock', { key: lock['key'] })).toHaveProperty('header');
    const won = await call(c.Election, 'Campaign', { name: b('ne'), lease: id, value: b('me') });
    expect(((await call(c.Election, 'Leader', { name: b('ne') }))['kv'] as Msg)['value']).toEqual(b('me'));
    expect(await call(c.Election, 'Resign', { leader: won['leader'] })).toHaveProperty('header');
  });

  it('/health, /version and the gateway', async () => {
    const h = await fetch(`http://${ep}/health`);
    expect([h.status, await h.text()]).toEqual([200, '{"health":"true"}']);
    const r = await fetch(`http://${ep}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b('n1').toString('base64') }) });
    expect((await r.json()).kvs[0].value).toBe(b('v').toString('base64'));
  });

  it.skipIf(!hasBinary('etcdctl'))('etcdctl endpoint status, member list, snapshot save', async () => {
    const st = await etcdctl(ep, ['endpoint', 'status', '-w', 'json']);
    expect(JSON.parse(st.stdout)[0].Status.version).toBe('3.4.23');
    const ml = await etcdctl(ep, ['member', 'list']);
    expect(ml.stdout).toContain('default');
    const snap = await etcdctl(ep, ['snapshot', 'save', join(dir, 'snap.db')]);
    expect(snap.stdout + snap.stderr).toContain('Snapshot saved at');
  });
});
