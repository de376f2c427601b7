// v3lock and v3election over gRPC on the in-memory backend: keys, waiting, and the error texts and
// codes genuine etcd 3.4.23 answers (UNKNOWN, since they pass through etcd's embedded client).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../support/memory-backend.js';
import { startFrontend, type Frontend } from './harness.js';
import { call, eventually, rawClients, type Msg, type RawClients } from './raw-client.js';

const b = (s: string) => Buffer.from(s);
let fe: Frontend;
let c: RawClients;

beforeAll(async () => {
  fe = await startFrontend(new MemoryBackend());
  c = rawClients(fe.grpcAddress);
});
afterAll(async () => {
  c?.close();
  await fe?.close();
});

const grant = async () => (await call(c.Lease, 'LeaseGrant', { TTL: 60 }))['ID'] as string;
const hex = (id: string) => BigInt(id).toString(16);

describe('Lock service', () => {
  it('locks name/<lease hex>, makes the second locker wait for the unlock', async () => {
    const [l1, l2] = [await grant(), await grant()];
    const first = await call(c.Lock, 'Lock', { name: b('mtx'), lease: l1 });
    expect((first['key'] as Buffer).toString()).toBe(`mtx/${hex(l1)}`);
    let secondDone = false;
    const second = call(c.Lock, 'Lock', { name: b('mtx'), lease: l2 }).then((r) => {
      secondDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(secondDone).toBe(false);
    const unlocked = await call(c.Lock, 'Unlock', { key: first['key'] });
    expect(unlocked).toHaveProperty('header');
    const got = await second;
    expect((got['key'] as Buffer).toString()).toBe(`mtx/${hex(l2)}`);
    await call(c.Lock, 'Unlock', { key: got['key'] });
  });

  it('answers a missing lease as etcd does (code UNKNOWN)', async () => {
    expect(await call(c.Lock, 'Lock', { name: b('mtx'), lease: '1234' })).toEqual({ code: 2, details: 'etcdserver: requested lease not found' });
  });

  it('gives up and removes its key when the caller\'s deadline passes', async () => {
    const [l1, l2] = [await grant(), await grant()];
    const first = await call(c.Lock, 'Lock', { name: b('dl'), lease: l1 });
    const timedOut = await call(c.Lock, 'Lock', { name: b('dl'), lease: l2 }, { deadlineMs: 200 });
    expect(timedOut['code']).toBe(4);
    await eventually(async () => {
      const keys = await call(c.KV, 'Range', { key: b('dl/'), range_end: b('dl0') });
      expect((keys['kvs'] as Msg[]).map((kv) => (kv['key'] as Buffer).toString())).toEqual([(first['key'] as Buffer).toString()]);
    });
  });
});

describe('Election service', () => {
  it('campaigns, reports the leader, proclaims, observes and resigns', async () => {
    const [l1, l2] = [await grant(), await grant()];
    expect(await call(c.Election, 'Leader', { name: b('el') })).toEqual({ code: 2, details: 'election: no leader' });
    const won = await call(c.Election, 'Campaign', { name: b('el'), lease: l1, value: b('one') });
    const leader = won['leader'] as Msg;
    expect((leader['key'] as Buffer).toString()).toBe(`el/${hex(l1)}`);
    expect(leader['lease']).toBe(l1);

    const observed: string[] = [];
    const obs = (c.Election as unknown as Record<string, (r: Msg) => NodeJS.ReadableStream & { cancel(): void }>)['Observe']!({ name: b('el') });
    obs.on('data', (m: Msg) => observed.push(((m['kv'] as Msg)['value'] as Buffer).toString()));
    obs.on('error', () => undefined);
    await eventually(() => expect(observed).toEqual(['one']));

    let secondWon = false;
    const second = call(c.Election, 'Campaign', { name: b('el'), lease: l2, value: b('two') }).then((r) => {
      secondWon = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(secondWon).toBe(false);
    expect(await call(c.Election, 'Proclaim', { leader, value: b('uno') })).toHaveProperty('header');
    expect(((await call(c.Election, 'Leader', { name: b('el') }))['kv'] as Msg)['value']).toEqual(b('uno'));
    expect(await call(c.Election, 'Proclaim', { leader: { ...leader, rev: '1' }, value: b('x') })).toEqual({
      code: 2,
      details: 'election: not leader',
    });
    expect(await call(c.Election, 'Resign', {})).toEqual({ code: 2, details: '"leader" field must be provided' });
    expect(await call(c.Election, 'Resign', { leader })).toHaveProperty('header');
    const w2 = await second;
    expect(((w2['leader'] as Msg)['key'] as Buffer).toString()).toBe(`el/${hex(l2)}`);
    await eventually(() => expect(observed).toEqual(['one', 'uno', 'two']));
    obs.cancel();
  });
});
