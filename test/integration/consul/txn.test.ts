// PUT /v1/txn against the in-process Consul face: Consul's result and error shapes, all-or-nothing
// application, the 64-operation and size limits (reference §2.4), and the catalog verbs.
import { describe, expect, it } from 'vitest';
import { decodeRegisterRequest } from '../../../src/compat/catalog-decode.js';
import { consulFaceForSuite } from '../../support/consul-face.js';

const face = consulFaceForSuite({}, async (f) => {
  await f.ctx.core.catalog.register(
    decodeRegisterRequest({ Node: 'dcsgw-test', Address: '127.0.0.1', Checks: [{ CheckID: 'serfHealth', Name: 'Serf', Status: 'passing' }] }),
  );
});

const url = (p: string) => `${face.url}${p}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const txn = (ops: unknown, query = '') => fetch(url(`/v1/txn${query}`), { method: 'PUT', body: typeof ops === 'string' ? ops : JSON.stringify(ops) });

interface KvResult {
  KV: { Key: string; Value: string | null; Flags: number; Session?: string; LockIndex: number; CreateIndex: number; ModifyIndex: number };
}
interface Answer {
  Results: KvResult[] | null;
  Errors: Array<{ OpIndex: number; What: string }> | null;
}

describe('/v1/txn KV verbs', () => {
  it('set then get in one txn: one commit index, Value only on the get', async () => {
    const r = await txn([
      { KV: { Verb: 'set', Key: 't/a', Value: b64('1'), Flags: 5 } },
      { KV: { Verb: 'get', Key: 't/a' } },
    ]);
    expect(r.status).toBe(200);
    const a = (await r.json()) as Answer;
    expect(a.Errors).toBeNull();
    expect(a.Results).toHaveLength(2);
    expect(a.Results![0]!.KV).toMatchObject({ Key: 't/a', Value: null, Flags: 5 });
    expect(a.Results![1]!.KV).toMatchObject({ Key: 't/a', Value: b64('1'), Flags: 5 });
    expect(a.Results![0]!.KV.ModifyIndex).toBe(a.Results![1]!.KV.ModifyIndex);
    // Visible through /v1/kv with the same index.
    const [e] = (await (await fetch(url('/v1/kv/t/a'))).json()) as Array<{ ModifyIndex: number; Flags: number }>;
    expect(e).toMatchObject({ ModifyIndex: a.Results![0]!.KV.ModifyIndex, Flags: 5 });
  });

  it('is all-or-nothing: a failed check rolls back the earlier set (409, Results null, every error with its OpIndex)', async () => {
    await txn([{ KV: { Verb: 'set', Key: 't/exists', Value: b64('x') } }]);
    const r = await txn([
      { KV: { Verb: 'set', Key: 't/never', Value: b64('x') } },
      { KV: { Verb: 'check-not-exists', Key: 't/exists' } },
      { KV: { Verb: 'cas', Key: 't/exists', Value: b64('y'), Index: 1 } },
      { KV: { Verb: 'bogus', Key: 't/exists' } },
    ]);
    expect(r.status).toBe(409);
    expect(await r.json()).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 1, What: 'key "t/exists" exists' },
        { OpIndex: 2, What: 'failed to set key "t/exists", index is stale' },
        { OpIndex: 3, What: 'unknown KV verb "bogus"' },
      ],
    });
    expect((await fetch(url('/v1/kv/t/never'))).status).toBe(404);
  });

  it('check-index / check-session / get on a missing key answer Consul\'s texts', async () => {
    await txn([{ KV: { Verb: 'set', Key: 't/ci', Value: b64('x') } }]);
    const [e] = (await (await fetch(url('/v1/kv/t/ci'))).json()) as Array<{ ModifyIndex: number }>;
    const ok = await txn([{ KV: { Verb: 'check-index', Key: 't/ci', Index: e!.ModifyIndex } }]);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Answer).Results![0]!.KV).toMatchObject({ Key: 't/ci', Value: null, ModifyIndex: e!.ModifyIndex });
    const bad = await txn([
      { KV: { Verb: 'check-index', Key: 't/ci', Index: 1 } },
      { KV: { Verb: 'check-index', Key: 't/none', Index: 1 } },
      { KV: { Verb: 'check-session', Key: 't/ci', Session: 'abc' } },
      { KV: { Verb: 'get', Key: 't/none' } },
      { KV: { Verb: 'delete-cas', Key: 't/ci', Index: 1 } },
    ]);
    expect(bad.status).toBe(409);
    expect(((await bad.json()) as Answer).Errors).toEqual([
      { OpIndex: 0, What: `failed index check for key "t/ci", current modify index ${e!.ModifyIndex} != 1` },
      { OpIndex: 1, What: 'failed to check index, key "t/none" doesn\'t exist' },
      { OpIndex: 2, What: 'failed session check for key "t/ci", current session "" != "abc"' },
      { OpIndex: 3, What: 'key "t/none" doesn\'t exist' },
      { OpIndex: 4, What: 'failed to delete key "t/ci", index is stale' },
    ]);
  });

  it('get-tree returns every entry with values; delete-tree removes the prefix; deletes give no result', async () => {
    await txn([
      { KV: { Verb: 'set', Key: 'tree/x', Value: b64('1') } },
      { KV: { Verb: 'set', Key: 'tree/y', Value: b64('2') } },
    ]);
    const r = await txn([
      { KV: { Verb: 'get-tree', Key: 'tree/' } },
      { KV: { Verb: 'delete-tree', Key: 'tree/' } },
      { KV: { Verb: 'delete', Key: 'tree-none' } },
    ]);
    expect(r.status).toBe(200);
    const a = (await r.json()) as Answer;
    expect(a.Results!.map((x) => [x.KV.Key, x.KV.Value])).toEqual([
      ['tree/x', b64('1')],
      ['tree/y', b64('2')],
    ]);
    expect((await fetch(url('/v1/kv/tree/?recurse'))).status).toBe(404);
  });

  it('delete-tree then set under the same prefix in one txn leaves only the new key', async () => {
    await txn([
      { KV: { Verb: 'set', Key: 'mix/a', Value: b64('1') } },
      { KV: { Verb: 'set', Key: 'mix/b', Value: b64('2') } },
    ]);
    const r = await txn([
      { KV: { Verb: 'delete-tree', Key: 'mix/' } },
      { KV: { Verb: 'set', Key: 'mix/new', Value: b64('3') } },
      { KV: { Verb: 'get-tree', Key: 'mix/' } },
    ]);
    expect(r.status).toBe(200);
    const a = (await r.json()) as Answer;
    expect(a.Results!.map((x) => [x.KV.Key, x.KV.Value])).toEqual([
      ['mix/new', null],
      ['mix/new', b64('3')],
    ]);
    expect(await (await fetch(url('/v1/kv/mix/?keys'))).json()).toEqual(['mix/new']);
  });

  it('lock / unlock with a session; an unknown session is refused with Consul\'s text', async () => {
    const sid = ((await (await fetch(url('/v1/session/create'), { method: 'PUT', body: '{"LockDelay":0}' })).json()) as { ID: string }).ID;
    const r = await txn([{ KV: { Verb: 'lock', Key: 't/lock', Value: b64('me'), Session: sid } }]);
    expect(r.status).toBe(200);
    expect(((await r.json()) as Answer).Results![0]!.KV).toMatchObject({ Session: sid, LockIndex: 1 });
    const bad = await txn([{ KV: { Verb: 'lock', Key: 't/lock2', Session: '00000000-0000-4000-8000-000000000000' } }]);
    expect(((await bad.json()) as Answer).Errors).toEqual([{ OpIndex: 0, What: 'invalid session "00000000-0000-4000-8000-000000000000"' }]);
    const un = await txn([{ KV: { Verb: 'unlock', Key: 't/lock', Session: sid } }]);
    expect(un.status).toBe(200);
    expect(((await un.json()) as Answer).Results![0]!.KV.Session).toBeUndefined();
    const missing = await txn([{ KV: { Verb: 'lock', Key: 't/lock' } }]);
    expect(((await missing.json()) as Answer).Errors).toEqual([{ OpIndex: 0, What: 'missing session' }]);
  });

  it('uint64 Flags survive a round trip; lowercase field names decode', async () => {
    const r = await txn('[{"kv":{"verb":"set","key":"t/flags","value":null,"flags":3304740253564472344}},{"KV":{"Verb":"get","Key":"t/flags"}}]');
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain('"Flags":3304740253564472344');
    expect(text).toMatch(/^\{"Results":\[\{"KV":\{"LockIndex":0,"Key":"t\/flags","Flags":3304740253564472344,"Value":null,"CreateIndex":\d+,"ModifyIndex":\d+\}\}/);
    expect(text.endsWith(',"Errors":null}')).toBe(true);
  });

  it('a read-only txn carries the leader headers and honours ?consistent', async () => {
    const r = await txn([{ KV: { Verb: 'get', Key: 't/a' } }], '?consistent');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    expect(r.headers.get('x-consul-lastcontact')).toBe('0');
  });
});

describe('/v1/txn limits and bad bodies', () => {
  it('answers Consul\'s status and text', async () => {
    const many = Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'get', Key: `k${i}` } }));
    const r1 = await txn(many);
    expect({ s: r1.status, t: await r1.text() }).toEqual({ s: 413, t: 'Transaction contains too many operations (65 > 64)' });
    const ok64 = await txn(Array.from({ length: 64 }, (_, i) => ({ KV: { Verb: 'set', Key: `lim/k${i}`, Value: b64('v') } })));
    expect(ok64.status).toBe(200);
    const bigValue = Buffer.alloc(512 * 1024 + 1, 1).toString('base64');
    const r2 = await txn([{ KV: { Verb: 'set', Key: 'big', Value: bigValue } }]);
    expect(r2.status).toBe(413);
    expect(await r2.text()).toBe('Request body too large, max size: 524288 bytes');
    const r3 = await txn('[{"KV": ');
    expect(r3.status).toBe(400);
    expect(await r3.text()).toMatch(/^Failed to parse body: /);
    const r4 = await txn('{"KV":{}}');
    expect({ s: r4.status, t: await r4.text() }).toEqual({ s: 400, t: 'Failed to parse body: json: cannot unmarshal object into Go value of type api.TxnOps' });
    const r5 = await txn([{ KV: { Verb: 'set', Key: 'x', Value: 'not base64!' } }]);
    expect(r5.status).toBe(400);
    expect(await r5.text()).toMatch(/^Failed to parse body: failed to decode value: illegal base64 data at input byte \d+$/);
    const r6 = await txn([{ KV: { Verb: 'set', Key: '', Value: b64('x') } }]);
    expect(((await r6.json()) as Answer).Errors).toEqual([{ OpIndex: 0, What: 'Must provide key' }]);
    const r7 = await fetch(url('/v1/txn'), { method: 'POST', body: '[]' });
    expect(r7.status).toBe(405);
    const r8 = await txn([{}]);
    expect(r8.status).toBe(409);
    expect(((await r8.json()) as Answer).Errors).toEqual([{ OpIndex: 0, What: 'no operation specified' }]);
  });
});

describe('/v1/txn catalog verbs', () => {
  it('operations see the earlier ones: node set, service set on it, check set on the service, in one txn (the Go client\'s TestAPI_ClientTxnWrite)', async () => {
    const r = await txn([
      { KV: { Verb: 'set', Key: 'k1' } },
      { Node: { Verb: 'set', Node: { Node: 'n1', Address: '1.1.1.1', TaggedAddresses: { wlan: '1.1.1.1' }, Meta: { n1: 'v1' } } } },
      { Service: { Verb: 'set', Node: 'n1', Service: { ID: 's1', Service: 's1', Port: 12345, Address: '1.1.1.1', Tags: ['tag1', 'tag2'], Meta: { s1: 'v1' }, Weights: { Passing: 0, Warning: 0 } } } },
      {
        Check: {
          Verb: 'set',
          Check: {
            Node: 'n1', CheckID: 'c1', ServiceID: 's1', ServiceName: 's1', ServiceTags: ['tag1', 'tag2'], Type: 'tcp', Status: 'passing',
            Definition: { TCP: '1.1.1.1', Interval: '40s', Timeout: '1m20s', DeregisterCriticalServiceAfter: '2m40s' },
          },
        },
      },
      { Node: { Verb: 'get', Node: { Node: 'n1' } } },
    ]);
    const text = await r.text();
    expect(r.status, text).toBe(200);
    const a = JSON.parse(text) as { Results: Array<Record<string, Record<string, unknown>>> };
    expect(a.Results).toHaveLength(5);
    const rev = a.Results[0]!.KV!.ModifyIndex;
    expect(a.Results[1]!.Node).toMatchObject({ Node: 'n1', Address: '1.1.1.1', Meta: { n1: 'v1' }, CreateIndex: rev, ModifyIndex: rev });
    expect(a.Results[2]!.Service).toMatchObject({ ID: 's1', Service: 's1', Port: 12345, Tags: ['tag1', 'tag2'], Weights: { Passing: 1, Warning: 1 }, ModifyIndex: rev });
    expect(a.Results[3]!.Check).toMatchObject({ Node: 'n1', CheckID: 'c1', ServiceID: 's1', Status: 'passing', ModifyIndex: rev });
    expect(a.Results[4]!.Node).toMatchObject({ Node: 'n1', ModifyIndex: rev });
    // Deleting the node and re-registering it in one txn leaves it registered once.
    const again = await txn([
      { Node: { Verb: 'delete', Node: { Node: 'n1' } } },
      { Node: { Verb: 'set', Node: { Node: 'n1', Address: '2.2.2.2' } } },
    ]);
    const againText = await again.text();
    expect(again.status, againText).toBe(200);
    const n = await face.ctx.core.catalog.getNode('n1');
    expect(n?.value.Address).toBe('2.2.2.2');
    expect(await face.ctx.core.catalog.nodeServices('n1')).toEqual([]);
  });


  it('node set / service set / check get / node get, committed with KV in one txn', async () => {
    const r = await txn([
      { Node: { Verb: 'set', Node: { Node: 'txn-node', Address: '10.0.0.9' } } },
      { KV: { Verb: 'set', Key: 't/with-node', Value: b64('x') } },
    ]);
    const text = await r.text();
    expect(r.status, text).toBe(200);
    const a = JSON.parse(text) as { Results: Array<Record<string, Record<string, unknown>>> };
    expect(a.Results[0]!.Node).toMatchObject({ Node: 'txn-node', Address: '10.0.0.9' });
    expect(a.Results[0]!.Node!.ModifyIndex).toBe(a.Results[1]!.KV!.ModifyIndex);
    // The same registration again changes nothing, and still answers with the node.
    const again = await txn([{ Node: { Verb: 'set', Node: { Node: 'txn-node', Address: '10.0.0.9' } } }]);
    expect(again.status).toBe(200);
    const againBody = (await again.json()) as { Results: Array<Record<string, Record<string, unknown>>> };
    expect(againBody.Results[0]!.Node).toMatchObject({ Node: 'txn-node', ModifyIndex: a.Results[0]!.Node!.ModifyIndex });
    const s = await txn([{ Service: { Verb: 'set', Node: 'txn-node', Service: { ID: 'web1', Service: 'web', Port: 80 } } }]);
    const st = await s.text();
    expect(s.status, st).toBe(200);
    expect((JSON.parse(st) as { Results: Array<Record<string, Record<string, unknown>>> }).Results[0]!.Service).toMatchObject({ ID: 'web1', Service: 'web', Port: 80 });
    const g = await txn([{ Node: { Verb: 'get', Node: { Node: 'txn-node' } } }, { Check: { Verb: 'get', Check: { Node: 'dcsgw-test', CheckID: 'serfHealth' } } }]);
    const gt = await g.text();
    expect(g.status, gt).toBe(200);
    const ga = JSON.parse(gt) as { Results: Array<Record<string, Record<string, unknown>>> };
    expect(ga.Results[0]!.Node).toMatchObject({ Node: 'txn-node' });
    expect(ga.Results[1]!.Check).toMatchObject({ CheckID: 'serfHealth', Status: 'passing', ServiceTags: null });
    const missing = await txn([{ Node: { Verb: 'get', Node: { Node: 'nope' } } }]);
    expect(missing.status).toBe(409);
    expect(((await missing.json()) as Answer).Errors).toEqual([{ OpIndex: 0, What: 'node "nope" doesn\'t exist' }]);
    const del = await txn([{ Node: { Verb: 'delete', Node: { Node: 'txn-node' } } }]);
    expect(del.status).toBe(200);
    expect(((await del.json()) as Answer).Results).toEqual([]);
  });
});
