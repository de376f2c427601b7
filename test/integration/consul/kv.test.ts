// /v1/kv against the in-process Consul face: what Consul's Go client, python-consul and the consul
// CLI see (reference §1 kv put/get/delete, §2.1 KV index values, §2.3 KV).
import { describe, expect, it } from 'vitest';
import { consulFaceForSuite } from '../../support/consul-face.js';

const face = consulFaceForSuite();

const url = (p: string) => `${face.url}${p}`;
const put = (p: string, body?: string | Buffer) => fetch(url(p), { method: 'PUT', body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
const del = (p: string) => fetch(url(p), { method: 'DELETE' });
const index = (r: Response) => Number(r.headers.get('x-consul-index'));

interface Entry {
  LockIndex: number;
  Key: string;
  Flags: number;
  Value: string | null;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

describe('KV GET/PUT/DELETE', () => {
  it('PUT answers true; GET returns the entry with base64 value and X-Consul-Index = ModifyIndex', async () => {
    const w = await put('/v1/kv/app/cfg', 'hello');
    expect(w.status).toBe(200);
    expect(await w.text()).toBe('true');
    const r = await fetch(url('/v1/kv/app/cfg'));
    expect(r.status).toBe(200);
    const [e] = (await r.json()) as Entry[];
    expect(e).toMatchObject({ Key: 'app/cfg', Flags: 0, LockIndex: 0, Value: Buffer.from('hello').toString('base64') });
    expect(e!.Session).toBeUndefined();
    expect(e!.CreateIndex).toBe(e!.ModifyIndex);
    expect(index(r)).toBe(e!.ModifyIndex);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    expect(r.headers.get('x-consul-lastcontact')).toBe('0');
    expect(r.headers.get('x-consul-effective-consistency')).toBe('leader');
  });

  it('field order is Consul\'s and an empty value is null', async () => {
    await put('/v1/kv/app/empty');
    const r = await fetch(url('/v1/kv/app/empty'));
    const text = await r.text();
    expect(text).toMatch(/^\[\{"LockIndex":0,"Key":"app\/empty","Flags":0,"Value":null,"CreateIndex":\d+,"ModifyIndex":\d+\}\]$/);
  });

  it('?raw returns the bytes with Consul\'s safety headers', async () => {
    await put('/v1/kv/raw/k', Buffer.from([0, 1, 2, 255]));
    const r = await fetch(url('/v1/kv/raw/k?raw'));
    expect(r.status).toBe(200);
    expect(Buffer.from(await r.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(r.headers.get('content-type')).toBe('text/plain');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toBe('sandbox');
  });

  it('a missing key is 404 and still carries X-Consul-Index (the kvs table index)', async () => {
    const w = await put('/v1/kv/idx/a', 'x');
    expect(w.status).toBe(200);
    const last = ((await (await fetch(url('/v1/kv/idx/a'))).json()) as Entry[])[0]!.ModifyIndex;
    const r = await fetch(url('/v1/kv/idx/missing'));
    expect(r.status).toBe(404);
    expect(index(r)).toBeGreaterThanOrEqual(last);
  });

  it('flags keep all 64 bits (consul lock\'s 3304740253564472344)', async () => {
    await put('/v1/kv/lockish/.lock?flags=3304740253564472344', '');
    const text = await (await fetch(url('/v1/kv/lockish/.lock'))).text();
    expect(text).toContain('"Flags":3304740253564472344');
    // A plain PUT resets the flags to 0, as Consul's set does.
    await put('/v1/kv/lockish/.lock', 'v');
    expect(await (await fetch(url('/v1/kv/lockish/.lock'))).text()).toContain('"Flags":0');
  });

  it('?cas=0 creates only; ?cas=N writes only at ModifyIndex N', async () => {
    expect(await (await put('/v1/kv/cas/k?cas=0', 'a')).text()).toBe('true');
    expect(await (await put('/v1/kv/cas/k?cas=0', 'b')).text()).toBe('false');
    const [e] = (await (await fetch(url('/v1/kv/cas/k'))).json()) as Entry[];
    expect(await (await put(`/v1/kv/cas/k?cas=${e!.ModifyIndex + 1000}`, 'c')).text()).toBe('false');
    expect(await (await put(`/v1/kv/cas/k?cas=${e!.ModifyIndex}`, 'd')).text()).toBe('true');
    const [e2] = (await (await fetch(url('/v1/kv/cas/k'))).json()) as Entry[];
    expect(Buffer.from(e2!.Value!, 'base64').toString()).toBe('d');
    expect(e2!.CreateIndex).toBe(e!.CreateIndex);
    expect(e2!.ModifyIndex).toBeGreaterThan(e!.ModifyIndex);
  });

  it('an identical write does not move ModifyIndex', async () => {
    await put('/v1/kv/same/k?flags=7', 'v');
    const [a] = (await (await fetch(url('/v1/kv/same/k'))).json()) as Entry[];
    expect(await (await put('/v1/kv/same/k?flags=7', 'v')).text()).toBe('true');
    const [b] = (await (await fetch(url('/v1/kv/same/k'))).json()) as Entry[];
    expect(b!.ModifyIndex).toBe(a!.ModifyIndex);
  });

  it('?recurse lists under a prefix in key order; index = highest ModifyIndex, raised by a delete under the prefix', async () => {
    await put('/v1/kv/tree/b', '2');
    await put('/v1/kv/tree/a', '1');
    await put('/v1/kv/tree/sub/c', '3');
    await put('/v1/kv/treeX', 'other');
    const r = await fetch(url('/v1/kv/tree/?recurse'));
    const list = (await r.json()) as Entry[];
    expect(list.map((e) => e.Key)).toEqual(['tree/a', 'tree/b', 'tree/sub/c']);
    expect(index(r)).toBe(Math.max(...list.map((e) => e.ModifyIndex)));
    await put('/v1/kv/unrelated', 'u');
    await del('/v1/kv/tree/a');
    const r2 = await fetch(url('/v1/kv/tree/?recurse'));
    expect(((await r2.json()) as Entry[]).map((e) => e.Key)).toEqual(['tree/b', 'tree/sub/c']);
    expect(index(r2)).toBeGreaterThan(index(r));
    const none = await fetch(url('/v1/kv/nothing-here/?recurse='));
    expect(none.status).toBe(404);
    expect(index(none)).toBeGreaterThan(0);
  });

  it('?keys with a separator cuts and de-duplicates; empty prefix answers [] when nothing matches only at the root', async () => {
    await put('/v1/kv/web/foo', '1');
    await put('/v1/kv/web/bar', '1');
    await put('/v1/kv/web/subdir/x', '1');
    await put('/v1/kv/web/subdir/y', '1');
    const r = await fetch(url('/v1/kv/web/?keys&separator=/'));
    expect(await r.json()).toEqual(['web/bar', 'web/foo', 'web/subdir/']);
    expect(await (await fetch(url('/v1/kv/web/?keys'))).json()).toEqual(['web/bar', 'web/foo', 'web/subdir/x', 'web/subdir/y']);
    expect(await (await fetch(url('/v1/kv/web/?keys&seperator=/'))).json()).toEqual(['web/bar', 'web/foo', 'web/subdir/']);
    expect((await fetch(url('/v1/kv/zzz-none/?keys'))).status).toBe(404);
  });

  it('DELETE answers true (even for a missing key); ?recurse deletes the prefix; ?cas deletes only at that index (or when absent)', async () => {
    await put('/v1/kv/d/1', 'x');
    await put('/v1/kv/d/2', 'x');
    await put('/v1/kv/dd', 'keep');
    expect(await (await del('/v1/kv/d/none')).text()).toBe('true');
    const [e] = (await (await fetch(url('/v1/kv/d/1'))).json()) as Entry[];
    expect(await (await del(`/v1/kv/d/1?cas=${e!.ModifyIndex + 5}`)).text()).toBe('false');
    expect(await (await del(`/v1/kv/d/1?cas=${e!.ModifyIndex}`)).text()).toBe('true');
    expect(await (await del('/v1/kv/d/1?cas=12345')).text()).toBe('true');
    expect(await (await del('/v1/kv/d/?recurse')).text()).toBe('true');
    expect((await fetch(url('/v1/kv/d/2'))).status).toBe(404);
    expect((await fetch(url('/v1/kv/dd'))).status).toBe(200);
  });

  it('bad input gets Consul\'s status and text', async () => {
    const cases: Array<[Promise<Response>, number, string]> = [
      [fetch(url('/v1/kv/')), 400, 'Missing key name'],
      [put('/v1/kv/', 'x'), 400, 'Missing key name'],
      [del('/v1/kv/'), 400, 'Missing key name'],
      [put('/v1/kv/k?cas=1&acquire=abc', 'x'), 400, 'Conflicting flags: acquire=abc&cas=1\n'],
      [del('/v1/kv/k?recurse&cas=1'), 400, 'Conflicting flags: cas=1&recurse=\n'],
      [put('/v1/kv/k?flags=abc', 'x'), 500, 'strconv.ParseUint: parsing "abc": invalid syntax'],
      [put('/v1/kv/k?cas=-1', 'x'), 500, 'strconv.ParseUint: parsing "-1": invalid syntax'],
      [fetch(url('/v1/kv/k?dc=dc2')), 500, 'No path to datacenter'],
      [fetch(url('/v1/kv/k?index=abc')), 400, 'Invalid index'],
      [fetch(url('/v1/kv/k?stale&consistent')), 400, 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
      [put('/v1/kv/k?acquire=', 'x'), 500, 'missing session'],
      [put('/v1/kv/k?acquire=6f1d0b7c-0000-4000-8000-000000000000', 'x'), 500, 'invalid session "6f1d0b7c-0000-4000-8000-000000000000"'],
      [put('/v1/kv/k?release=', 'x'), 500, 'missing session'],
      [fetch(url('/v1/kv/k'), { method: 'POST', body: 'x' }), 405, 'method POST not allowed'],
    ];
    for (const [p, status, text] of cases) {
      const r = await p;
      expect({ status: r.status, text: await r.text() }).toEqual({ status, text });
    }
  });

  it('a value over 512 KiB is refused with 413 and Consul\'s text; exactly 512 KiB is stored', async () => {
    const big = Buffer.alloc(512 * 1024 + 1, 'a');
    const r = await put('/v1/kv/big', big);
    expect(r.status).toBe(413);
    expect(await r.text()).toBe(
      'Request body(524289 bytes) too large, max size: 524288 bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.',
    );
    expect((await fetch(url('/v1/kv/big'))).status).toBe(404);
    expect(await (await put('/v1/kv/big', big.subarray(1))).text()).toBe('true');
    const raw = await fetch(url('/v1/kv/big?raw'));
    expect((await raw.arrayBuffer()).byteLength).toBe(512 * 1024);
  });

  it('a PUT above the server\'s whole body limit still gets Consul\'s KV text (judged by Content-Length)', async () => {
    const r = await put('/v1/kv/huge', Buffer.alloc(65 * 1024 * 1024, 1));
    expect(r.status).toBe(413);
    expect(await r.text()).toBe(
      'Request body(68157440 bytes) too large, max size: 524288 bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.',
    );
  });

  it('?release by a session that does not hold the key answers false', async () => {
    await put('/v1/kv/rel/k', 'x');
    expect(await (await put('/v1/kv/rel/k?release=6f1d0b7c-0000-4000-8000-000000000000', 'x')).text()).toBe('false');
    expect(await (await put('/v1/kv/rel/missing?release=6f1d0b7c-0000-4000-8000-000000000000', 'x')).text()).toBe('false');
  });

  it('?consistent and ?stale reads say which mode answered', async () => {
    await put('/v1/kv/mode/k', 'x');
    const c = await fetch(url('/v1/kv/mode/k?consistent'));
    expect(c.status).toBe(200);
    expect(c.headers.get('x-consul-effective-consistency')).toBe('consistent');
    const s = await fetch(url('/v1/kv/mode/k?stale=1'));
    expect(s.headers.get('x-consul-effective-consistency')).toBe('stale');
  });
});

describe('KV blocking queries', () => {
  it('a blocking GET is released by a PUT to the key and returns the new ModifyIndex', async () => {
    await put('/v1/kv/block/k', 'v1');
    const first = await fetch(url('/v1/kv/block/k'));
    const idx = index(first);
    const started = Date.now();
    const waiting = fetch(url(`/v1/kv/block/k?index=${idx}&wait=20s`));
    await new Promise((r) => setTimeout(r, 300));
    await put('/v1/kv/other-key', 'noise'); // another key: must not release it
    await new Promise((r) => setTimeout(r, 300));
    await put('/v1/kv/block/k', 'v2');
    const r = await waiting;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    const [e] = (await r.json()) as Entry[];
    expect(Buffer.from(e!.Value!, 'base64').toString()).toBe('v2');
    expect(index(r)).toBe(e!.ModifyIndex);
    expect(index(r)).toBeGreaterThan(idx);
  });

  it('returns at the wait timeout with the same index when nothing changed', async () => {
    await put('/v1/kv/block/quiet', 'v');
    const idx = index(await fetch(url('/v1/kv/block/quiet')));
    const started = Date.now();
    const r = await fetch(url(`/v1/kv/block/quiet?index=${idx}&wait=1s`));
    const took = Date.now() - started;
    expect(r.status).toBe(200);
    expect(index(r)).toBe(idx);
    expect(took).toBeGreaterThanOrEqual(950);
    // returned at the 1 s wait, not held longer (a loose bound: a loaded machine is slow)
    expect(took).toBeLessThan(15_000);
  });

  it('a blocking ?recurse is released by a delete under the prefix', async () => {
    await put('/v1/kv/bt/a', '1');
    await put('/v1/kv/bt/b', '2');
    const idx = index(await fetch(url('/v1/kv/bt/?recurse')));
    const waiting = fetch(url(`/v1/kv/bt/?recurse&index=${idx}&wait=20s`));
    await new Promise((r) => setTimeout(r, 200));
    await del('/v1/kv/bt/a');
    const r = await waiting;
    expect(((await r.json()) as Entry[]).map((e) => e.Key)).toEqual(['bt/b']);
    expect(index(r)).toBeGreaterThan(idx);
  });
});
