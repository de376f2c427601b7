// The JSON gateway and /health /version /metrics over HTTP/1.1 (undici fetch), on the in-memory
// backend. Shapes are those genuine etcd 3.4.23 answers (recorded with curl).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../support/memory-backend.js';
import { startFrontend, type Frontend } from './harness.js';

let fe: Frontend;
const backend = new MemoryBackend();
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  fe = await startFrontend(backend);
});
afterAll(async () => {
  await fe?.close();
});

const post = (path: string, body: unknown) =>
  fetch(fe.httpUrl + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('JSON gateway', () => {
  it('puts and ranges with etcd\'s JSON (base64 bytes, 64-bit as strings, defaults omitted)', async () => {
    const put = await post('/v3/kv/put', { key: b64('gw'), value: b64('v1') });
    expect(put.status).toBe(200);
    expect(put.headers.get('content-type')).toBe('application/json');
    const r = await (await post('/v3/kv/range', { key: b64('gw') })).json();
    expect(r).toMatchObject({ kvs: [{ key: b64('gw'), value: b64('v1'), version: '1' }], count: '1' });
    expect(r.header).toMatchObject({ cluster_id: String(0x1000n), member_id: String(0xabcdn) });
    expect(r).not.toHaveProperty('more');
    // /v3beta is still served by 3.4; /v3alpha is not.
    expect((await post('/v3beta/kv/range', { key: b64('gw') })).status).toBe(200);
    expect((await post('/v3alpha/kv/range', { key: b64('gw') })).status).toBe(404);
  });

  it('answers errors with the gRPC code mapped to HTTP and etcd\'s body', async () => {
    const empty = await post('/v3/kv/range', { key: '' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: 'etcdserver: key is not provided', message: 'etcdserver: key is not provided', code: 3 });
    const revoke = await post('/v3/kv/lease/revoke', { ID: 123 });
    expect(revoke.status).toBe(404);
    expect((await revoke.json()).code).toBe(5);
    const bad = await post('/v3/kv/range', '{bad');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid character 'b' looking for beginning of object key string", code: 3 });
    const get = await fetch(fe.httpUrl + '/v3/kv/range');
    expect(get.status).toBe(405);
    expect(await get.text()).toBe('Method Not Allowed\n');
    const unknown = await post('/v3/kv/nope', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('Not Found\n');
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('grants leases and lists them on the 3.4 alias routes', async () => {
    const g = await (await post('/v3/lease/grant', { TTL: 30 })).json();
    expect(g.TTL).toBe('30');
    const l = await (await post('/v3/kv/lease/leases', {})).json();
    expect(l.leases).toContainEqual({ ID: g.ID });
    const t = await (await post('/v3/kv/lease/timetolive', { ID: g.ID })).json();
    expect(t).toMatchObject({ ID: g.ID, grantedTTL: '30' });
  });

  it('answers a keepalive and ends the response when the body ends (what Patroni relies on)', async () => {
    const g = await (await post('/v3/lease/grant', { TTL: 30 })).json();
    const r = await post('/v3/lease/keepalive', { ID: g.ID });
    expect(r.status).toBe(200);
    const text = await r.text(); // resolves only because the server ends the response
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([
      { result: { header: expect.any(Object), ID: g.ID, TTL: '30' } },
    ]);
  });

  it('answers a malformed watch body as genuine etcd does (500, code 2, Go\'s text)', async () => {
    const r = await post('/v3/watch', '{oops');
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({
      error: "invalid character 'o' looking for beginning of object key string",
      message: "invalid character 'o' looking for beginning of object key string",
      code: 2,
    });
  });

  it('streams watch responses as {"result":...} lines', async () => {
    const ac = new AbortController();
    const res = await fetch(fe.httpUrl + '/v3/watch', {
      method: 'POST',
      body: JSON.stringify({ create_request: { key: b64('wgw') } }),
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const lines: string[] = [];
    let buf = '';
    const nextLine = async () => {
      while (!buf.includes('\n')) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += Buffer.from(value).toString();
      }
      const i = buf.indexOf('\n');
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      return JSON.parse(line);
    };
    expect((await nextLine()).result).toMatchObject({ created: true });
    await post('/v3/kv/put', { key: b64('wgw'), value: b64('x') });
    const ev = (await nextLine()).result;
    expect(ev.events).toEqual([expect.objectContaining({ kv: expect.objectContaining({ key: b64('wgw'), value: b64('x') }) })]);
    expect(ev.events[0]).not.toHaveProperty('type'); // PUT is the default: omitted
    ac.abort();
  });
});

describe('/health /version /metrics', () => {
  it('/version answers the emulated versions', async () => {
    const r = await fetch(fe.httpUrl + '/version');
    expect(await r.text()).toBe('{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
    expect((await fetch(fe.httpUrl + '/version', { method: 'POST' })).status).toBe(405);
  });

  it('/health is true with a leader and no alarm; false with 503 otherwise', async () => {
    const ok = await fetch(fe.httpUrl + '/health');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('{"health":"true"}');
    backend.leaderless = true;
    try {
      const down = await fetch(fe.httpUrl + '/health');
      expect(down.status).toBe(503);
      expect(await down.text()).toBe('{"health":"false"}');
    } finally {
      backend.leaderless = false;
    }
    await backend.alarm({ action: 1, memberID: 0xabcdn, alarm: 1 });
    try {
      expect((await fetch(fe.httpUrl + '/health')).status).toBe(503);
    } finally {
      await backend.alarm({ action: 2, memberID: 0xabcdn, alarm: 1 });
    }
  });

  it('/metrics serves etcd metric names', async () => {
    fe.deps.metrics.hasLeader.set(1);
    const text = await (await fetch(fe.httpUrl + '/metrics')).text();
    expect(text).toMatch(/^etcd_server_has_leader 1$/m);
    expect(text).toMatch(/^etcd_server_health_success [1-9]/m);
    expect(text).toMatch(/^etcd_server_health_failures [1-9]/m);
  });

  it('unknown paths answer Go\'s 404', async () => {
    const r = await fetch(fe.httpUrl + '/nope');
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('404 page not found\n');
  });
});
