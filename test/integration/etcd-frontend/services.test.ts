// Lease, Cluster, Maintenance and Auth over gRPC on the in-memory backend: what a client sees.
import { createHash } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../support/memory-backend.js';
import { startFrontend, type Frontend } from './harness.js';
import { call, duplex, rawClients, type Msg, type RawClients } from './raw-client.js';

let fe: Frontend;
let c: RawClients;
let etcd: Etcd3;
const backend = new MemoryBackend();

beforeAll(async () => {
  fe = await startFrontend(backend);
  c = rawClients(fe.grpcAddress);
  etcd = new Etcd3({ hosts: fe.grpcAddress });
});
afterAll(async () => {
  etcd?.close();
  c?.close();
  await fe?.close();
});

describe('Lease service', () => {
  it('grants, keeps alive in order, reports TTL, lists and revokes', async () => {
    const g = await call(c.Lease, 'LeaseGrant', { TTL: 30 });
    const id = g['ID'] as string;
    expect(g['TTL']).toBe('30');
    const ka = duplex(c.Lease, 'LeaseKeepAlive');
    try {
      ka.send({ ID: id });
      ka.send({ ID: '12345' });
      expect(await ka.next()).toMatchObject({ ID: id, TTL: '30' });
      expect(await ka.next()).toMatchObject({ ID: '12345', TTL: '0' }); // gone: TTL 0, no error
    } finally {
      ka.cancel();
    }
    expect(await call(c.Lease, 'LeaseTimeToLive', { ID: id })).toMatchObject({ ID: id, grantedTTL: '30' });
    expect(((await call(c.Lease, 'LeaseLeases', {}))['leases'] as Msg[]).map((l) => l['ID'])).toContain(id);
    expect(await call(c.Lease, 'LeaseRevoke', { ID: id })).toHaveProperty('header');
    expect(await call(c.Lease, 'LeaseRevoke', { ID: id })).toEqual({ code: 5, details: 'etcdserver: requested lease not found' });
  });

  it('attaches keys through the etcd3 client lease API', async () => {
    const lease = etcd.lease(30, { autoKeepAlive: false });
    await lease.put('leased').value('v');
    expect(await etcd.get('leased').string()).toBe('v');
    await lease.revoke();
    expect(await etcd.get('leased').string()).toBeNull();
  });
});

describe('Cluster service', () => {
  it('lists members and refuses bad peer URLs as etcd does', async () => {
    const list = await call(c.Cluster, 'MemberList', {});
    expect(list['header']).toMatchObject({ revision: '0', raft_term: '2' }); // etcd's ClusterServer header has no revision
    expect((list['members'] as Msg[])[0]).toMatchObject({ name: 'mem', peerURLs: ['http://127.0.0.1:25380'] });
    for (const peerURLs of [[], ['foo'], ['ftp://a:1'], ['http://a'], ['http://a:1/path']]) {
      expect(await call(c.Cluster, 'MemberAdd', { peerURLs })).toEqual({ code: 3, details: 'etcdserver: given member URLs are invalid' });
    }
    expect(await call(c.Cluster, 'MemberRemove', { ID: '5' })).toEqual({ code: 5, details: 'etcdserver: member not found' });
  });
});

describe('Maintenance service', () => {
  it('reports the emulated etcd version in Status', async () => {
    expect(await call(c.Maintenance, 'Status', {})).toMatchObject({ version: '3.4.23', leader: String(0xabcdn) });
  });

  it('ends a snapshot with the sha256 of the (512-byte padded) data, as etcdctl snapshot save expects', async () => {
    for (let i = 0; i < 5; i++) await etcd.put(`snap/${i}`).value('x');
    const s = (c.Maintenance as unknown as Record<string, (r: Msg) => NodeJS.ReadableStream>)['Snapshot']!({});
    const chunks: Msg[] = [];
    await new Promise<void>((resolve, reject) => {
      s.on('data', (d: Msg) => chunks.push(d));
      s.on('end', () => resolve());
      s.on('error', reject);
    });
    const blobs = chunks.map((m) => m['blob'] as Buffer);
    const data = Buffer.concat(blobs.slice(0, -1));
    const sha = blobs[blobs.length - 1]!;
    expect(chunks.length).toBeGreaterThan(2);
    expect((data.length + sha.length) % 512).toBe(32); // etcdctl's hasChecksum
    expect(sha.equals(createHash('sha256').update(data).digest())).toBe(true);
    expect(chunks[chunks.length - 2]!['remaining_bytes']).toBe('0');
    expect(Number(chunks[0]!['remaining_bytes'])).toBe(data.length - blobs[0]!.length);
  });

  it('answers Alarm and Defragment without a header, as etcd 3.4 does', async () => {
    expect(await call(c.Maintenance, 'Alarm', {})).toEqual({ alarms: [], header: null });
    expect(await call(c.Maintenance, 'Defragment', {})).toEqual({ header: null });
  });

  it('answers MoveLeader with the backend error', async () => {
    expect(await call(c.Maintenance, 'MoveLeader', { targetID: '1' })).toEqual({ code: 9, details: 'etcdserver: bad leader transferee' });
  });
});

describe('Auth service with authentication disabled', () => {
  it('answers as genuine etcd 3.4 does, and says user/role management is not supported', async () => {
    expect(await call(c.Auth, 'Authenticate', { name: 'a', password: 'b' })).toEqual({
      code: 9,
      details: 'etcdserver: authentication is not enabled',
    });
    expect(await call(c.Auth, 'AuthEnable', {})).toEqual({ code: 9, details: 'etcdserver: root user does not exist' });
    expect(await call(c.Auth, 'AuthDisable', {})).toHaveProperty('header');
    const r = await call(c.Auth, 'UserAdd', { name: 'u', password: 'p' });
    expect(r['code']).toBe(12);
    expect(r['details']).toMatch(/^dcsgw: .*not supported yet/);
  });
});

describe('require leader (clientv3.WithRequireLeader: metadata hasleader=true)', () => {
  it('refuses calls without a leader and ends leader-bound watch streams when the leader goes', async () => {
    const md = { hasleader: 'true' };
    const w = duplex(c.Watch, 'Watch', md);
    try {
      w.send({ create_request: { key: Buffer.from('rl') } });
      expect(await w.next()).toMatchObject({ created: true });
      backend.setLeaderless(true);
      await expect(w.next()).rejects.toThrow('stream error 14: etcdserver: no leader');
      expect(await call(c.KV, 'Range', { key: Buffer.from('rl') }, { metadata: md })).toEqual({ code: 14, details: 'etcdserver: no leader' });
      // without the option the member still answers (serves what it has, as etcd does)
      expect(await call(c.KV, 'Range', { key: Buffer.from('rl') })).toHaveProperty('header');
    } finally {
      backend.setLeaderless(false);
      w.cancel();
    }
    expect(await call(c.KV, 'Range', { key: Buffer.from('rl') }, { metadata: md })).toHaveProperty('header');
  });
});
