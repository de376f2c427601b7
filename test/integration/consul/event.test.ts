// /v1/event against the in-process Consul face: the fire answer, the list an agent keeps (its
// node/service/tag filters applied), Consul's event index (XOR of the newest UUID's halves) and
// its blocking rule, the 256-event buffer, refusals (reference §2.10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
beforeAll(async () => {
  face = await startConsulFace();
});
afterAll(async () => {
  await face?.close();
});

const url = (p: string) => `${face.url}${p}`;
const fire = (p: string, body?: string) => fetch(url(`/v1/event/fire/${p}`), { method: 'PUT', body });
const list = (q = '') => fetch(url(`/v1/event/list${q}`));

interface UserEvent {
  ID: string;
  Name: string;
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

/** Consul's uuidToUint64, written out independently of the implementation. */
function expectedIndex(id: string): string {
  const hex = id.replace(/-/g, '');
  const a = BigInt('0x' + hex.slice(0, 16));
  const b = BigInt('0x' + hex.slice(16, 32));
  return (a ^ b).toString();
}

describe('fire', () => {
  it('answers the event with a fresh UUID, base64 payload, Version 1 and LTime 0, fields in Consul\'s order', async () => {
    const r = await fire('deploy', 'v1.2.3');
    expect(r.status).toBe(200);
    const text = await r.text();
    const e = JSON.parse(text) as UserEvent;
    expect(Object.keys(e)).toEqual(['ID', 'Name', 'Payload', 'NodeFilter', 'ServiceFilter', 'TagFilter', 'Version', 'LTime']);
    expect(e.ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(e).toMatchObject({ Name: 'deploy', Payload: Buffer.from('v1.2.3').toString('base64'), NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 0 });
  });

  it('an empty payload is null; the filters are echoed', async () => {
    const e = (await (await fire('noop?node=.*&service=consul&tag=.*')).json()) as UserEvent;
    expect(e).toMatchObject({ Payload: null, NodeFilter: '.*', ServiceFilter: 'consul', TagFilter: '.*' });
  });

  it('refuses what Consul refuses, with its texts', async () => {
    const noName = await fire('');
    expect(noName.status).toBe(400);
    expect(await noName.text()).toBe('Missing name');
    const tagOnly = await fire('x?tag=a');
    expect(tagOnly.status).toBe(500);
    expect(await tagOnly.text()).toBe('cannot provide tag filter without service filter');
    const badRe = await fire('x?node=(');
    expect(badRe.status).toBe(500);
    expect(await badRe.text()).toBe('Invalid node filter: error parsing regexp: missing closing ): `(`');
    const big = await fire('big', 'x'.repeat(600));
    expect(big.status).toBe(500);
    expect(await big.text()).toBe('user event exceeds configured limit of 512 bytes before encoding');
    const wrongMethod = await fetch(url('/v1/event/fire/x'));
    expect(wrongMethod.status).toBe(405);
  });
});

describe('list', () => {
  it('lists events oldest first with increasing LTime; X-Consul-Index is derived from the newest UUID', async () => {
    const a = (await (await fire('order-test', 'a')).json()) as UserEvent;
    const b = (await (await fire('order-test', 'b')).json()) as UserEvent;
    const r = await list('?name=order-test');
    expect(r.status).toBe(200);
    const events = (await r.json()) as UserEvent[];
    expect(events.map((e) => e.ID)).toEqual([a.ID, b.ID]);
    expect(events[1]!.LTime).toBeGreaterThan(events[0]!.LTime);
    expect(events[0]!.LTime).toBeGreaterThan(0);
    expect(r.headers.get('x-consul-index')).toBe(expectedIndex(b.ID));
  });

  it('an empty list has index 1', async () => {
    const r = await list('?name=never-fired');
    expect(await r.text()).toBe('[]');
    expect(r.headers.get('x-consul-index')).toBe('1');
  });

  it('keeps only events this agent\'s node and services match', async () => {
    await fire('filtered?node=^dcsgw-test$');
    await fire('filtered?node=^other-node$');
    await fire('filtered?service=^consul$');
    await fire('filtered?service=^no-such-service$');
    const events = (await (await list('?name=filtered')).json()) as UserEvent[];
    expect(events.map((e) => [e.NodeFilter, e.ServiceFilter])).toEqual([
      ['^dcsgw-test$', ''],
      ['', '^consul$'],
    ]);
  });

  it('a blocking list returns at once when the index differs, waits while it is the same, and is released by a fire', async () => {
    const first = await list('?name=block-test');
    const idx = first.headers.get('x-consul-index')!;
    const started = Date.now();
    const pending = list(`?name=block-test&index=${idx}&wait=30s`);
    await new Promise((r) => setTimeout(r, 200));
    const fired = (await (await fire('block-test', 'go')).json()) as UserEvent;
    const r = await pending;
    // released by the fire, well before the wait runs out (a loose bound: a loaded machine is slow)
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.headers.get('x-consul-index')).toBe(expectedIndex(fired.ID));
    const stale = await list(`?name=block-test&index=12345&wait=10s`);
    expect(stale.headers.get('x-consul-index')).toBe(expectedIndex(fired.ID));
    const t0 = Date.now();
    const timedOut = await list(`?name=block-test&index=${expectedIndex(fired.ID)}&wait=300ms`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(timedOut.headers.get('x-consul-index')).toBe(expectedIndex(fired.ID));
  });

  it('keeps the newest 256 events, as Consul\'s buffer does', async () => {
    for (let i = 0; i < 260; i++) await fire('flood', String(i));
    const events = (await (await list()).json()) as UserEvent[];
    expect(events.length).toBe(256);
    const flood = events.filter((e) => e.Name === 'flood');
    expect(Buffer.from(flood[flood.length - 1]!.Payload!, 'base64').toString()).toBe('259');
    expect(events.some((e) => e.Name === 'deploy')).toBe(false);
  }, 60_000);
});

describe('remote exec events', () => {
  it("are handled by the agent, not listed (consul exec's _rexec event, remote exec disabled)", async () => {
    const fired = await fetch(`${face.url}/v1/event/fire/_rexec`, { method: 'PUT', body: '{"Prefix":"_rexec","Session":"x"}' });
    expect(fired.status).toBe(200);
    await fetch(`${face.url}/v1/event/fire/after-rexec`, { method: 'PUT', body: 'x' });
    const listed = (await (await fetch(`${face.url}/v1/event/list`)).json()) as Array<{ Name: string }>;
    expect(listed.some((e) => e.Name === 'after-rexec')).toBe(true);
    expect(listed.some((e) => e.Name === '_rexec')).toBe(false);
    expect(await (await fetch(`${face.url}/v1/event/list?name=_rexec`)).json()).toEqual([]);
  });
});
