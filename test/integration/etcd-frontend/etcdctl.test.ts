// End to end through startEtcdServer (the project's gRPC layer and client-port sniffer) with the
// genuine etcdctl 3.4 and HTTP/1.1 on the same port, on the in-memory backend.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdServer, type EtcdServer } from '../../../src/gateway/etcd/server.js';
import { hasBinary } from '../../support/binaries.js';
import { etcdctl } from '../../support/etcdctl.js';
import { allocatePorts } from '../../support/ports.js';
import { MemoryBackend } from '../../support/memory-backend.js';
import { PORTS, testServerOptions } from './harness.js';

const haveEtcdctl = hasBinary('etcdctl');
if (!haveEtcdctl) console.log('skipping etcdctl end-to-end tests: etcdctl is not installed');

describe.skipIf(!haveEtcdctl)('etcdctl against startEtcdServer', () => {
  let server: EtcdServer;
  let ep: string;
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-etcdctl-'));

  beforeAll(async () => {
    const [port] = await allocatePorts(1, PORTS);
    server = await startEtcdServer({ ...testServerOptions(new MemoryBackend()), listenClientUrls: [`http://127.0.0.1:${port}`] });
    ep = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('put / get / del print what etcd prints', async () => {
    expect((await etcdctl(ep, ['put', 'k1', 'v1'])).stdout).toBe('OK\n');
    expect((await etcdctl(ep, ['get', 'k1'])).stdout).toBe('k1\nv1\n');
    expect((await etcdctl(ep, ['del', 'k1'])).stdout).toBe('1\n');
    const empty = await etcdctl(ep, ['put', '', 'v']);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('etcdserver: key is not provided');
  });

  it('txn, lease, lock and endpoint health work', async () => {
    const txn = await etcdctl(ep, ['txn'], { input: 'value("k2") = "x"\n\n\nput k2 created\n\n' });
    expect(txn.stdout).toBe('FAILURE\n\nOK\n');
    const grant = await etcdctl(ep, ['lease', 'grant', '60']);
    expect(grant.stdout).toMatch(/^lease [0-9a-f]+ granted with TTL\(60s\)\n$/);
    const health = await etcdctl(ep, ['endpoint', 'health']);
    expect(health.code).toBe(0);
    expect(health.stdout + health.stderr).toContain('is healthy');
    const lock = await etcdctl(ep, ['lock', 'mylock', 'echo', 'held'], { timeoutMs: 10_000 });
    expect(lock.stdout).toBe('held\n');
  });

  it('watch prints events (from a start revision, so the timing of etcdctl\'s start does not matter)', async () => {
    await etcdctl(ep, ['put', 'wk', 'wv']);
    const rev = JSON.parse((await etcdctl(ep, ['get', 'wk', '-w', 'json'])).stdout).kvs[0].mod_revision as number;
    // interrupted once the event is out (a grace for anything after it), not at a fixed 2 s that a
    // loaded machine can spend starting etcdctl
    const out = await etcdctl(ep, ['watch', 'wk', `--rev=${rev}`], { interruptWhen: (o) => o.includes('wv\n'), interruptGraceMs: 300, timeoutMs: 20_000, interruptAtTimeout: true });
    expect(out.stdout).toBe('PUT\nwk\nwv\n');
  });

  it('snapshot save completes (sha256 trailer accepted)', async () => {
    const file = join(dir, 'snap.db');
    const r = await etcdctl(ep, ['snapshot', 'save', file]);
    expect(r.stdout + r.stderr).toContain('Snapshot saved at');
    // as genuine etcdctl leaves it: the database, then the 32-byte sha256
    expect(statSync(file).size % 512).toBe(32);
  });

  it('gateway: refuses what the internal gRPC hop would (texts and statuses of genuine etcd)', async () => {
    const put = (n: number) =>
      fetch(`http://${ep}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('big').toString('base64'), value: Buffer.alloc(n, 120).toString('base64') }),
      });
    const tooLarge = await put(1600 * 1024);
    expect([tooLarge.status, (await tooLarge.json()).error]).toEqual([400, 'etcdserver: request is too large']);
    const overMax = await put(2 * 1024 * 1024 + 100);
    expect([overMax.status, (await overMax.json()).error]).toEqual([429, 'grpc: received message larger than max (2097262 vs. 2097152)']);
  });

  it('serves /version and the JSON gateway on the same port', async () => {
    expect(await (await fetch(`http://${ep}/version`)).json()).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
    const r = await fetch(`http://${ep}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('k2').toString('base64') }) });
    expect((await r.json()).kvs[0].value).toBe(Buffer.from('created').toString('base64'));
  });
});
