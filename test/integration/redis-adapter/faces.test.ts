// `dcsgw --backend redis://...` as a user runs it: the dcsgw binary in front of a genuine
// redis-server, serving the etcd face and the Consul HTTP face. Genuine etcdctl runs the same
// commands against dcsgw-over-Redis and against a fresh genuine etcd 3.4; the answers must be the
// same (cluster/member IDs and raft term aside). The Consul KV API and a session lock work over it,
// and a second dcsgw over the same Redis sees the same store (its watch hears the first one's writes);
// `dcsgw conformance` finds no scenario where it answers otherwise than genuine etcd.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePort, etcdctl, hasDcsgwBuild, skipUnlessBinaries, repoRoot, startDcsgw, startEtcd, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';
import { REDIS_PORTS, skipUnlessRedis, startRedis, type RedisServer } from './redis-server.js';
import { expectSameEtcdctlSession, sideBySide } from '../../support/etcdctl-side-by-side.js';
import { join } from 'node:path';

const PORTS = REDIS_PORTS;

const skip = skipUnlessRedis() || skipUnlessBinaries('etcd', 'etcdctl') || !hasDcsgwBuild();

describe.skipIf(skip)('dcsgw --backend redis:// (the binary, genuine etcdctl, genuine redis-server)', () => {
  let redis: RedisServer;
  let direct: RunningMember; // genuine etcd, asked directly
  let gateway: RunningMember; // dcsgw --backend redis://
  let second: RunningMember; // another dcsgw over the same Redis
  let consulUrl: string;

  beforeAll(async () => {
    redis = await startRedis();
    const consulPort = await allocatePort(PORTS);
    consulUrl = `http://127.0.0.1:${consulPort}`;
    const backendArgs = ['--backend', redis.url, '--consul-dns-addr', 'off'];
    [direct, gateway, second] = await Promise.all([
      startEtcd({ portRange: PORTS, name: 'direct' }),
      startDcsgw({ portRange: PORTS, name: 'gw', extraArgs: [...backendArgs, '--consul-http-addr', `127.0.0.1:${consulPort}`] }),
      startDcsgw({ portRange: PORTS, name: 'gw2', extraArgs: [...backendArgs, '--consul-http-addr', 'off'] }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await stopAllProcesses();
  });

  // IDs and terms aside (masked), the same answers from dcsgw-over-Redis and from genuine etcd
  const s = sideBySide(() => gateway, () => direct);

  it('the same answers as genuine etcd for put/get/del/txn/watch/lease/compaction and their errors', async () => {
    await expectSameEtcdctlSession(s);
  });

  it('member list and status describe the one member: the Redis endpoint; what Redis cannot do is refused, saying so', async () => {
    const members = JSON.parse((await etcdctl(gateway.endpoints, ['member', 'list', '-w', 'json'])).stdout) as { members: Array<{ ID: number; name: string; peerURLs: string[] }> };
    expect(members.members).toHaveLength(1);
    expect(members.members[0]!.name).toBe('redis');
    expect(members.members[0]!.peerURLs).toEqual([redis.url]);
    const status = JSON.parse((await etcdctl(gateway.endpoints, ['endpoint', 'status', '-w', 'json'])).stdout) as Array<{ Status: { header: { member_id: number }; version: string; leader: number } }>;
    expect(status[0]!.Status.version).toBe('3.4.23');
    expect(status[0]!.Status.leader).toBe(status[0]!.Status.header.member_id);
    // both gateways over one Redis name the same cluster and member
    const other = JSON.parse((await etcdctl(second.endpoints, ['endpoint', 'status', '-w', 'json'])).stdout) as typeof status;
    expect(other[0]!.Status.header.member_id).toBe(status[0]!.Status.header.member_id);
    const add = await etcdctl(gateway.endpoints, ['member', 'add', 'x', '--peer-urls', 'http://127.0.0.1:10999']);
    expect(add.code).not.toBe(0);
    expect(add.stderr).toContain('is not supported by the Redis backend');
  });

  it('etcdctl snapshot save through dcsgw gives etcd\'s database file: genuine etcd restored from it serves the same keys', async () => {
    await etcdctl(gateway.endpoints, ['put', 'snap/a', 'alpha']);
    await etcdctl(gateway.endpoints, ['put', 'snap/b', 'beta']);
    const file = join(redis.dir, 'snap.db');
    const saved = await etcdctl(gateway.endpoints, ['snapshot', 'save', file]);
    expect(saved.stdout).toContain(`Snapshot saved at ${file}`);
    const viaGw = JSON.parse((await etcdctl(gateway.endpoints, ['get', 'snap/', '--prefix', '-w', 'json'])).stdout) as { header: { revision: number }; kvs: unknown[] };
    const st = JSON.parse((await etcdctl([], ['snapshot', 'status', file, '-w', 'json'])).stdout) as { revision: number; totalKey: number };
    expect(st.revision).toBe(viaGw.header.revision);
    const restoredDir = join(redis.dir, 'restored.etcd');
    const restore = await etcdctl([], ['snapshot', 'restore', file, '--data-dir', restoredDir]);
    expect(restore.code).toBe(0);
    const restored = await startEtcd({ portRange: PORTS, name: 'restored', dataDir: restoredDir });
    const fromRestored = JSON.parse((await etcdctl(restored.endpoints, ['get', 'snap/', '--prefix', '-w', 'json'])).stdout) as typeof viaGw;
    expect(fromRestored.kvs).toEqual(viaGw.kvs);
    expect(fromRestored.header.revision).toBe(viaGw.header.revision);
    await restored.stop();
  });

  it('two gateways over one Redis: one store, and a watch on one hears the other\'s writes', async () => {
    let seenSoFar = '';
    const watch = etcdctl(second.endpoints, ['watch', 'shared/', '--prefix'], {
      onStdout: (out) => {
        seenSoFar = out;
      },
      interruptWhen: (out) => out.includes('from-first'),
      interruptGraceMs: 100,
      timeoutMs: 15_000,
    });
    // etcdctl prints nothing when its watch is set up: write through the first gateway until the watch hears it
    let n = 0;
    await waitFor(async () => {
      await etcdctl(gateway.endpoints, ['put', 'shared/k', `from-first-${++n}`]);
      return seenSoFar.includes('from-first');
    }, { what: 'the second gateway\'s watch hearing the first one\'s put' });
    const seen = await watch;
    expect(seen.stdout).toMatch(/^PUT\nshared\/k\nfrom-first-\d+\n/);
    const [a, b] = await Promise.all([etcdctl(gateway.endpoints, ['get', 'shared/k', '-w', 'json']), etcdctl(second.endpoints, ['get', 'shared/k', '-w', 'json'])]);
    expect(a.stdout).toBe(b.stdout);
  });

  it('the Consul KV API and a session lock over Redis; etcd clients see the user keys only', async () => {
    const put = await fetch(`${consulUrl}/v1/kv/app/config?flags=42`, { method: 'PUT', body: 'hello' });
    expect(await put.text()).toBe('true');
    const get = (await (await fetch(`${consulUrl}/v1/kv/app/config`)).json()) as Array<{ Key: string; Flags: number; Value: string; ModifyIndex: number }>;
    expect(get[0]!.Flags).toBe(42);
    expect(Buffer.from(get[0]!.Value, 'base64').toString()).toBe('hello');
    const viaEtcd = JSON.parse((await etcdctl(gateway.endpoints, ['get', 'app/config', '-w', 'json'])).stdout) as { kvs: Array<{ value: string; mod_revision: number }> };
    expect(Buffer.from(viaEtcd.kvs[0]!.value, 'base64').toString()).toBe('hello');
    expect(viaEtcd.kvs[0]!.mod_revision).toBe(get[0]!.ModifyIndex);
    const raw = await fetch(`${consulUrl}/v1/kv/app/config?raw`);
    expect(await raw.text()).toBe('hello');

    const leasesBefore = (await etcdctl(gateway.endpoints, ['lease', 'list'])).stdout;
    const created = await fetch(`${consulUrl}/v1/session/create`, { method: 'PUT', body: JSON.stringify({ Name: 'locker', TTL: '30s', LockDelay: '0s' }) });
    const { ID } = (await created.json()) as { ID: string };
    expect(ID).toMatch(/^[0-9a-f-]{36}$/);
    expect(await (await fetch(`${consulUrl}/v1/kv/locks/leader?acquire=${ID}`, { method: 'PUT', body: 'me' })).text()).toBe('true');
    const held = (await (await fetch(`${consulUrl}/v1/kv/locks/leader`)).json()) as Array<{ Session?: string; LockIndex: number }>;
    expect(held[0]!.Session).toBe(ID);
    expect(held[0]!.LockIndex).toBe(1);
    // a second session cannot take the held lock
    const other = (await (await fetch(`${consulUrl}/v1/session/create`, { method: 'PUT', body: '{"LockDelay":"0s"}' })).json()) as { ID: string };
    expect(await (await fetch(`${consulUrl}/v1/kv/locks/leader?acquire=${other.ID}`, { method: 'PUT', body: 'them' })).text()).toBe('false');
    // the session's lease is not an etcd client's to see or revoke
    expect((await etcdctl(gateway.endpoints, ['lease', 'list'])).stdout).toBe(leasesBefore);
    // ending the session releases the lock, as Consul does; then the other session takes it
    expect(await (await fetch(`${consulUrl}/v1/session/destroy/${ID}`, { method: 'PUT' })).text()).toBe('true');
    const released = (await (await fetch(`${consulUrl}/v1/kv/locks/leader`)).json()) as Array<{ Session?: string; Value: string }>;
    expect(released[0]!.Session).toBeUndefined();
    expect(await (await fetch(`${consulUrl}/v1/kv/locks/leader?acquire=${other.ID}`, { method: 'PUT', body: 'them' })).text()).toBe('true');
    // an etcd write through dcsgw is a Consul key with Flags 0; Consul's metadata never shows to etcd clients
    await etcdctl(gateway.endpoints, ['put', 'app/from-etcd', 'v']);
    const fromEtcd = (await (await fetch(`${consulUrl}/v1/kv/app/from-etcd`)).json()) as Array<{ Flags: number }>;
    expect(fromEtcd[0]!.Flags).toBe(0);
    const keys = (await etcdctl(gateway.endpoints, ['get', 'app/', '--prefix', '--keys-only'])).stdout.split('\n').filter((l) => l !== '');
    expect(keys).toEqual(['app/config', 'app/from-etcd']);
  });

  it('the changes are in Redis as a stream a Redis client can read, under one hash tag', async () => {
    const client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
    try {
      await client.connect();
      const keys = await client.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith('{dcsgw}:'))).toBe(true);
      const rev = Number(await client.get('{dcsgw}:rev'));
      const last = await client.xrevrange('{dcsgw}:events', '+', '-', 'COUNT', 1);
      expect(last[0]![0]).toMatch(new RegExp(`^${rev}-\\d+$`));
    } finally {
      client.disconnect();
    }
  });

  it('dcsgw conformance grades dcsgw-over-Redis against genuine etcd 3.4.23\'s recorded answers and Consul\'s documented ones: no scenario differs', () => {
    const bin = join(repoRoot(), 'bin', 'dcsgw');
    const r = spawnSync(process.execPath, [bin, 'conformance', '--target', `etcd://127.0.0.1:${gateway.clientPort}`], { encoding: 'utf8', timeout: 170_000 });
    const summary = /etcd: (\d+) conform, (\d+) differ, (\d+) failed to run/.exec(r.stdout);
    expect(summary, r.stdout + r.stderr).not.toBeNull();
    expect(r.stdout.split('\n').filter((l) => l.startsWith('DIFFERS'))).toEqual([]);
    expect(Number(summary![1])).toBeGreaterThan(300);
    expect([summary![2], summary![3]]).toEqual(['0', '0']);
    expect(r.status).toBe(0);
    // and the Consul face over Redis against genuine Consul's documented answers
    const c = spawnSync(process.execPath, [bin, 'conformance', '--target', consulUrl.replace('http://', 'consul://')], { encoding: 'utf8', timeout: 60_000 });
    const consul = /consul: (\d+) conform, (\d+) differ, (\d+) failed to run/.exec(c.stdout);
    expect(consul, c.stdout + c.stderr).not.toBeNull();
    expect(Number(consul![1])).toBeGreaterThan(20);
    expect([consul![2], consul![3]]).toEqual(['0', '0']);
    expect(c.status).toBe(0);
  }, 240_000);

  it('bad Redis URLs stop start-up with a clear error', () => {
    const bin = join(repoRoot(), 'bin', 'dcsgw');
    for (const [url, text] of [
      ['redis://nohostport', '"nohostport" is not host:port'],
      ['redis-sentinel://127.0.0.1:26379', 'name the master'],
      ['redis-cluster://127.0.0.1:7000/3', 'Redis Cluster has no databases'],
      ['redis://127.0.0.1:6379?bogus=1', 'unknown option "bogus"'],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, '--backend', url, '--consul-http-addr', 'off', '--consul-dns-addr', 'off'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, url).toBe(1);
      expect(r.stderr, url).toContain(text);
    }
  });
});
