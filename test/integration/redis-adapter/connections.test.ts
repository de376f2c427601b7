// Every redis:// URL form against genuine redis-server processes: the URL parser's answers, then a
// put/txn/watch round trip through the adapter over TLS with a client certificate, over an ACL
// user's password and a database number, over Sentinel, and over a three-node Redis Cluster (where
// every key of the store must sit in one hash slot for the Lua scripts to run).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, type Event } from '../../../src/adapters/backend.js';
import { BackendUrlError, parseBackendUrl } from '../../../src/adapters/backend-url.js';
import { openBackend, type OpenedBackend } from '../../../src/adapters/open-backend.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { allocatePorts, hasBinary, stopAllProcesses, waitFor } from '../../support/index.js';
import { makePki } from '../tls/tls-support.js';
import { REDIS_PORTS, skipUnlessRedis, startRedis } from './redis-server.js';

const b = (s: string) => Buffer.from(s);

describe('redis:// URLs', () => {
  it('each form parses into the connection it names; the display hides passwords', () => {
    expect(parseBackendUrl('redis://127.0.0.1:6379').options).toEqual({ mode: 'single', nodes: [{ host: '127.0.0.1', port: 6379 }], display: 'redis://127.0.0.1:6379' });
    const full = parseBackendUrl('rediss://app:p%40ss@[::1]:6380/3?cacert=/ca.pem&cert=/c.pem&key=/c.key&namespace=team-a');
    expect(full.options).toEqual({
      mode: 'single',
      nodes: [{ host: '::1', port: 6380 }],
      db: 3,
      username: 'app',
      password: 'p@ss',
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/c.key' },
      namespace: 'team-a',
      display: 'rediss://app:***@[::1]:6380/3?cacert=/ca.pem&cert=/c.pem&key=/c.key&namespace=team-a',
    });
    expect(parseBackendUrl('redis://:secret@h:1').options).toMatchObject({ password: 'secret', display: 'redis://:***@h:1' });
    expect(parseBackendUrl('redis-sentinel://s1:26379,s2:26379/mymaster/2?sentinel-password=x').options).toMatchObject({
      mode: 'sentinel',
      nodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
      masterName: 'mymaster',
      db: 2,
      sentinelPassword: 'x',
      display: 'redis-sentinel://s1:26379,s2:26379/mymaster/2?sentinel-password=***',
    });
    expect(parseBackendUrl('redis-cluster://n1:7000,n2:7001').options).toMatchObject({ mode: 'cluster', nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }] });
    expect(parseBackendUrl('rediss-cluster://n1:7000').options).toMatchObject({ mode: 'cluster', tls: {} });
  });

  it('refuses what it cannot use, saying why', () => {
    const cases: Array<[string, string]> = [
      ['redis://', 'no host:port given'],
      ['redis://host', '"host" is not host:port'],
      ['redis://h:1,h:2', 'one host:port for redis://'],
      ['redis://h:1/x', '"x" is not a database number'],
      ['redis://user@h:1', 'credentials must be [user]:password@'],
      ['redis://h:1?cert=/c.pem', 'cert and key go together'],
      ['redis://h:1?timeout=3', 'unknown option "timeout"'],
      ['redis://h:1?namespace=a{b}', 'namespace must be'],
      ['redis://h:1?sentinel-password=x', 'sentinel-password is for redis-sentinel://'],
      ['redis-sentinel://h:26379', 'name the master'],
      ['redis-cluster://h:7000/0', 'Redis Cluster has no databases'],
      ['redis-unix://h:1', 'unsupported Redis URL'],
      ['redis://h:1?min-replicas=0', 'min-replicas must be a number of replicas'],
      ['redis-cluster://h:1?min-replicas=1', 'min-replicas is for redis:// and redis-sentinel://'],
      ['redis://h:1?replica-timeout-ms=5', 'replica-timeout-ms goes with min-replicas'],
    ];
    for (const [url, text] of cases) {
      expect(() => parseBackendUrl(url), url).toThrow(BackendUrlError);
      expect(() => parseBackendUrl(url), url).toThrow(text);
    }
  });
});

/** Put, a txn and a watch through a backend opened from `url`: the adapter works over that connection. */
async function roundTrip(url: string): Promise<void> {
  const be = openBackend(parseBackendUrl(url));
  try {
    await be.ready(15_000);
    const events: Event[] = [];
    const w = be.watch({ key: b('rt/'), rangeEnd: b('rt0'), startRevision: 0, prevKv: false, filters: [] }, {
      onEvents: (evs) => events.push(...evs),
      onCompacted: () => undefined,
      onCanceled: () => undefined,
    });
    await waitFor(() => w.isSynced(), { what: 'watch synced' });
    const put = await be.put(putRequest(b('rt/a'), b('1')));
    const txn = await be.txn({
      compare: [{ result: CompareResult.EQUAL, target: CompareTarget.MOD, key: b('rt/a'), rangeEnd: Buffer.alloc(0), modRevision: put.header.revision }],
      success: [{ requestPut: putRequest(b('rt/b'), b('2')) }],
      failure: [],
    });
    expect(txn.succeeded).toBe(true);
    const got = await be.range(rangeRequest(b('rt/'), { rangeEnd: b('rt0') }));
    expect(got.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.modRevision])).toEqual([
      ['rt/a', '1', put.header.revision],
      ['rt/b', '2', txn.header.revision],
    ]);
    await waitFor(() => events.length >= 2, { what: 'two watch events' });
    expect(events.map((e) => e.kv.key.toString())).toEqual(['rt/a', 'rt/b']);
    w.cancel();
  } finally {
    await be.close();
  }
}

async function refuses(url: string): Promise<string> {
  const be: OpenedBackend = openBackend(parseBackendUrl(url));
  try {
    await be.ready(1500);
  } catch (err) {
    return (err as Error).message;
  } finally {
    await be.close();
  }
  throw new Error(`${url} was accepted`);
}

describe.skipIf(skipUnlessRedis())('the adapter over each kind of Redis connection (genuine redis-server)', () => {
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('rediss:// with ?cacert=&cert=&key= reaches a TLS-only Redis that checks client certificates', async () => {
    const pki = makePki();
    const [tlsPort] = await allocatePorts(1, REDIS_PORTS);
    const redis = await startRedis(['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.ca, '--tls-auth-clients', 'yes']);
    try {
      await roundTrip(`rediss://127.0.0.1:${tlsPort}?cacert=${pki.ca}&cert=${pki.clientCert}&key=${pki.clientKey}`);
      // without a client certificate the handshake is refused
      expect(await refuses(`rediss://127.0.0.1:${tlsPort}?cacert=${pki.ca}`)).toMatch(/Redis backend|closed|ECONNRESET|certificate/i);
    } finally {
      await redis.stop();
    }
  });

  it('redis://user:password@host:port/db: an ACL user, in the database named', async () => {
    const redis = await startRedis(['--user', 'default', 'off', '--user', 'app', 'on', '>s3cret', '~*', '&*', '+@all']);
    try {
      await roundTrip(`redis://app:s3cret@127.0.0.1:${redis.port}/2`);
      const direct = new Redis({ port: redis.port, username: 'app', password: 's3cret', db: 2 });
      expect(await direct.exists('{dcsgw}:rev')).toBe(1);
      await direct.select(0);
      expect(await direct.exists('{dcsgw}:rev')).toBe(0);
      direct.disconnect();
      expect(await refuses(`redis://app:wrong@127.0.0.1:${redis.port}`)).toContain('WRONGPASS');
    } finally {
      await redis.stop();
    }
  });

  it('redis-sentinel://host:port/mastername finds the master through Sentinel', async () => {
    const master = await startRedis();
    const sentinel = await startRedis(['--sentinel'], {
      writeConfig: (dir) => {
        const conf = join(dir, 'sentinel.conf');
        writeFileSync(conf, `sentinel monitor dcsgwmaster 127.0.0.1 ${master.port} 1\n`);
        return conf;
      },
      readyText: '+monitor master dcsgwmaster',
    });
    const sentinelPort = sentinel.port;
    try {
      await waitFor(async () => {
        const s = new Redis({ port: sentinelPort, lazyConnect: true });
        try {
          await s.connect();
          return ((await s.call('SENTINEL', 'get-master-addr-by-name', 'dcsgwmaster')) as string[] | null)?.[1] === String(master.port);
        } finally {
          s.disconnect();
        }
      }, { what: 'sentinel knows the master' });
      await roundTrip(`redis-sentinel://127.0.0.1:${sentinelPort}/dcsgwmaster`);
    } finally {
      await sentinel.stop();
      await master.stop();
    }
  });

  it('a Redis that comes back without its data ends the watches, saying so (never a silent stall)', async () => {
    const redis = await startRedis();
    const be = openBackend(parseBackendUrl(redis.url));
    const admin = new Redis({ port: redis.port });
    try {
      await be.ready(10_000);
      let canceled: string | undefined;
      const w = be.watch({ key: b('reset/k'), rangeEnd: Buffer.alloc(0), startRevision: 0, prevKv: false, filters: [] }, {
        onEvents: () => undefined,
        onCompacted: () => undefined,
        onCanceled: (reason) => {
          canceled = reason;
        },
      });
      await waitFor(() => w.isSynced(), { what: 'watch synced' });
      for (let i = 0; i < 3; i++) await be.put(putRequest(b('reset/k'), b(String(i))));
      await admin.flushall();
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await waitFor(() => canceled, { what: 'the watch canceled' });
      expect(canceled).toMatch(/^dcsgw: the Redis store went back from revision 4 to 1 /);
    } finally {
      admin.disconnect();
      await be.close();
      await redis.stop();
    }
  });

  it("etcd's periodic auto-compaction (as the command line's --auto-compaction-* give it) trims the history", async () => {
    const redis = await startRedis();
    const target = parseBackendUrl(redis.url);
    if (target.kind !== 'redis') throw new Error('not a redis target');
    target.options.autoCompaction = { mode: 'periodic', retention: '1s' };
    const be = openBackend(target);
    try {
      await be.ready(10_000);
      const first = await be.put(putRequest(b('ac/k'), b('1')));
      await be.put(putRequest(b('ac/k'), b('2')));
      const err = await waitFor(
        () =>
          be.range(rangeRequest(b('ac/k'), { revision: first.header.revision })).then(
            () => undefined,
            (e: unknown) => e as Error,
          ),
        { what: 'the first revision compacted', timeoutMs: 10_000 },
      );
      expect(err.message).toBe('etcdserver: mvcc: required revision has been compacted');
      const admin = new Redis({ port: redis.port });
      expect(Number(await admin.get('{dcsgw}:compact'))).toBeGreaterThanOrEqual(first.header.revision + 1);
      admin.disconnect();
    } finally {
      await be.close();
      await redis.stop();
    }
  });

  it('?min-replicas=1: a write is acknowledged once a replica has it; without the replica it answers etcd\'s "request timed out"', async () => {
    // no 5 s wait before the first full sync
    const master = await startRedis(['--repl-diskless-sync-delay', '0']);
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    const be = openBackend(parseBackendUrl(`${master.url}?min-replicas=1&replica-timeout-ms=2000`));
    try {
      await waitFor(async () => {
        const r = new Redis({ port: replica.port, lazyConnect: true });
        try {
          await r.connect();
          return String(await r.info('replication')).includes('master_link_status:up');
        } finally {
          r.disconnect();
        }
      }, { what: 'replica in sync' });
      await be.ready(10_000);
      const put = await be.put(putRequest(b('durable/k'), b('v')));
      // the replica has it by the time the put is acknowledged
      const r = new Redis({ port: replica.port });
      expect(await r.get('{dcsgw}:rev')).toBe(String(put.header.revision));
      r.disconnect();
      await replica.stop();
      const err = await be.put(putRequest(b('durable/k'), b('lost?'))).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toBe('etcdserver: request timed out');
    } finally {
      await be.close();
      await master.stop();
    }
  });

  it.skipIf(!hasBinary('redis-cli'))('redis-cluster:// over a three-node Redis Cluster: every key in one slot, scripts atomic', async () => {
    const nodes = await Promise.all([0, 1, 2].map(() => startRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'])));
    try {
      execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore', timeout: 30_000 });
      await waitFor(async () => {
        const c = new Redis({ port: nodes[0]!.port, lazyConnect: true });
        try {
          await c.connect();
          return String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
        } finally {
          c.disconnect();
        }
      }, { what: 'cluster_state:ok' });
      await roundTrip(`redis-cluster://127.0.0.1:${nodes[0]!.port},127.0.0.1:${nodes[1]!.port}`);
      // the store's keys all live on the one node that owns the hash tag's slot
      const counts = await Promise.all(
        nodes.map(async (n) => {
          const c = new Redis({ port: n.port });
          const keys = await c.keys('{dcsgw}:*');
          c.disconnect();
          return keys.length;
        }),
      );
      expect(counts.filter((c) => c > 0)).toHaveLength(1);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  }, 60_000);
});
