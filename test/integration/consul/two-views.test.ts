// One keyspace, two views (DESIGN.md): the etcd front end and the Consul HTTP API over ONE store.
// A value written through either face is read identically through the other; CreateIndex and
// ModifyIndex are the etcd create / mod revisions; Flags, Session and LockIndex live beside the
// record, survive an etcd overwrite, are dropped when etcd deletes and re-creates the key, and no
// etcd request sees or destroys them (nor sessions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rangeRequest } from '../../../src/adapters/requests.js';
import { decodeRegisterRequest } from '../../../src/compat/catalog-decode.js';
import { startEtcdServer, type EtcdServer } from '../../../src/gateway/etcd/server.js';
import { testServerOptions } from '../etcd-frontend/harness.js';
import { hasBinary } from '../../support/binaries.js';
import { etcdctl } from '../../support/etcdctl.js';
import { allocatePorts } from '../../support/ports.js';
import { consulFaceForSuite } from '../../support/consul-face.js';

const PORTS = { from: 32000, to: 32999 };
const face = consulFaceForSuite();
let etcd: EtcdServer;
let etcdUrl: string;

beforeAll(async () => {
  const [port] = await allocatePorts(1, PORTS);
  etcd = await startEtcdServer({ ...testServerOptions(face.backend), listenClientUrls: [`http://127.0.0.1:${port}`], memberName: 'default' });
  etcdUrl = `http://127.0.0.1:${port}`;
  await face.ctx.core.catalog.register(
    decodeRegisterRequest({ Node: 'dcsgw-test', Address: '127.0.0.1', Checks: [{ CheckID: 'serfHealth', Name: 'Serf', Status: 'passing' }] }),
  );
});
// Hooks unwind in reverse: the etcd server closes before the face's afterAll closes the store.
afterAll(async () => {
  await etcd?.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const consul = (p: string, init?: RequestInit) => fetch(`${face.url}${p}`, init);

/** The etcd JSON gateway, as Patroni's etcd3 DCS and curl users reach it. */
async function etcdJson(path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${etcdUrl}/v3/${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, unknown>;
}
async function etcdGet(key: string): Promise<{ value: string; create_revision: number; mod_revision: number } | undefined> {
  const res = await etcdJson('kv/range', { key: b64(key) });
  const kv = (res.kvs as Array<Record<string, string>> | undefined)?.[0];
  if (!kv) return undefined;
  return { value: Buffer.from(kv.value ?? '', 'base64').toString(), create_revision: Number(kv.create_revision), mod_revision: Number(kv.mod_revision) };
}
const etcdPut = (key: string, value: string) => etcdJson('kv/put', { key: b64(key), value: b64(value) });
const etcdDel = (key: string) => etcdJson('kv/deleterange', { key: b64(key) });

interface Entry {
  Key: string;
  Flags: number;
  Value: string | null;
  Session?: string;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
}
async function consulEntry(key: string): Promise<Entry | undefined> {
  const r = await consul(`/v1/kv/${key}`);
  if (r.status === 404) return undefined;
  return ((await r.json()) as Entry[])[0];
}

describe('one keyspace, two views', () => {
  it('etcd put -> Consul get: same bytes; CreateIndex/ModifyIndex = create/mod revision', async () => {
    await etcdPut('app/cfg', 'x');
    const e = await etcdGet('app/cfg');
    const raw = await consul('/v1/kv/app/cfg?raw');
    expect(await raw.text()).toBe('x');
    const c = await consulEntry('app/cfg');
    expect(c).toMatchObject({ Key: 'app/cfg', Flags: 0, LockIndex: 0, CreateIndex: e!.create_revision, ModifyIndex: e!.mod_revision });
  });

  it('Consul put -> etcd get: same bytes; mod_revision = ModifyIndex', async () => {
    expect(await (await consul('/v1/kv/app/cfg', { method: 'PUT', body: 'y' })).text()).toBe('true');
    const c = await consulEntry('app/cfg');
    const e = await etcdGet('app/cfg');
    expect(e).toMatchObject({ value: 'y', mod_revision: c!.ModifyIndex, create_revision: c!.CreateIndex });
  });

  it('etcdctl sees what Consul wrote and Consul sees what etcdctl wrote', async () => {
    if (!hasBinary('etcdctl')) return;
    await consul('/v1/kv/ctl/a', { method: 'PUT', body: 'from-consul' });
    const got = await etcdctl(etcdUrl, ['get', 'ctl/a', '--print-value-only']);
    expect(got.stdout).toBe('from-consul\n');
    const put = await etcdctl(etcdUrl, ['put', 'ctl/b', 'from-etcdctl']);
    expect(put.stdout).toBe('OK\n');
    expect(await (await consul('/v1/kv/ctl/b?raw')).text()).toBe('from-etcdctl');
  });

  it('Flags survive an etcd overwrite but not an etcd delete + re-create', async () => {
    await consul('/v1/kv/meta/k?flags=42', { method: 'PUT', body: 'v1' });
    await etcdPut('meta/k', 'v2');
    expect(await consulEntry('meta/k')).toMatchObject({ Flags: 42, Value: b64('v2') });
    await etcdDel('meta/k');
    expect(await consulEntry('meta/k')).toBeUndefined();
    await etcdPut('meta/k', 'v3');
    expect(await consulEntry('meta/k')).toMatchObject({ Flags: 0, Value: b64('v3'), LockIndex: 0 });
  });

  it('metadata left behind by an etcd delete is collected; a live key\'s metadata is kept', async () => {
    const { metaKey } = await import('../../../src/compat/kv-meta.js');
    const metaRecords = async (key: string) =>
      (
        await face.backend.range(rangeRequest(metaKey(Buffer.from(key)), { keyspace: 'system', countOnly: true }))
      ).count;
    await consul('/v1/kv/gc/gone?flags=7', { method: 'PUT', body: 'x' });
    await consul('/v1/kv/gc/kept?flags=8', { method: 'PUT', body: 'x' });
    await etcdDel('gc/gone');
    expect(await metaRecords('gc/gone')).toBe(1);
    expect(await face.ctx.core.kv.collectStaleMetadata()).toBeGreaterThanOrEqual(1);
    expect(await metaRecords('gc/gone')).toBe(0);
    expect(await metaRecords('gc/kept')).toBe(1);
    expect(await consulEntry('gc/kept')).toMatchObject({ Flags: 8 });
  });

  it('a lock taken through Consul survives an etcd overwrite; etcd never sees metadata or sessions; etcd\'s del --from-key "" leaves sessions intact', async () => {
    const sid = ((await (await consul('/v1/session/create', { method: 'PUT', body: '{"LockDelay":0}' })).json()) as { ID: string }).ID;
    expect(await (await consul(`/v1/kv/locked/k?acquire=${sid}`, { method: 'PUT', body: 'mine' })).text()).toBe('true');
    await etcdPut('locked/k', 'overwritten-by-etcd');
    expect(await consulEntry('locked/k')).toMatchObject({ Session: sid, LockIndex: 1, Value: b64('overwritten-by-etcd') });
    // Every etcd key: only user keys, none of the system records (kv/ metadata, session/, node/, check/).
    const all = await etcdJson('kv/range', { key: b64('\0'), range_end: b64('\0'), keys_only: true });
    const keys = ((all.kvs as Array<{ key: string }> | undefined) ?? []).map((k) => Buffer.from(k.key, 'base64').toString());
    expect(keys).toContain('locked/k');
    expect(keys.filter((k) => k.startsWith('kv/') || k.startsWith('session/') || k.startsWith('node/') || k.startsWith('check/'))).toEqual([]);
    // etcd wipes its whole keyspace: the session lives on (it is not an etcd record).
    await etcdJson('kv/deleterange', { key: b64('\0'), range_end: b64('\0') });
    expect((await consul('/v1/kv/locked/k')).status).toBe(404);
    const info = (await (await consul(`/v1/session/info/${sid}`)).json()) as Array<{ ID: string }>;
    expect(info.map((s) => s.ID)).toEqual([sid]);
    // A key re-created by etcd is not held by the old lock holder.
    await etcdPut('locked/k', 'fresh');
    expect((await consulEntry('locked/k'))!.Session).toBeUndefined();
  });

  it('a blocking Consul GET is released by an etcd put, and an etcd watch sees a Consul put', async () => {
    await etcdPut('watch/k', 'a');
    const idx = Number((await consul('/v1/kv/watch/k')).headers.get('x-consul-index'));
    const waiting = consul(`/v1/kv/watch/k?index=${idx}&wait=20s`);
    await new Promise((r) => setTimeout(r, 200));
    await etcdPut('watch/k', 'b');
    const r = await waiting;
    expect(((await r.json()) as Entry[])[0]!.Value).toBe(b64('b'));
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(idx);

    if (!hasBinary('etcdctl')) return;
    const watch = etcdctl(etcdUrl, ['watch', 'watch/k'], { interruptWhen: (out) => out.includes('from-consul'), timeoutMs: 10_000, interruptAtTimeout: true });
    await new Promise((r) => setTimeout(r, 700));
    await consul('/v1/kv/watch/k', { method: 'PUT', body: 'from-consul' });
    const w = await watch;
    expect(w.stdout).toBe('PUT\nwatch/k\nfrom-consul\n');
  });
});
