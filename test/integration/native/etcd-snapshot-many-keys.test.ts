// `etcdctl snapshot save` from dcsgw holding many keys (several thousand revisions over many bbolt
// pages and branch levels, values spanning pages, overwrites, deletions, a lease, a compaction),
// restored by genuine `etcdctl snapshot restore`: genuine etcd started on the restored dir, and
// dcsgw started on another copy of it, serve the same keys, revisions and HashKV as the source.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putRequest } from '../../../src/adapters/requests.js';
import { fastPutRequest } from '../../../src/gateway/etcd/codec/fast-kv.js';
import { H2GrpcConnection } from '../../../bench/h2-grpc-client.js';
import { skipUnlessBinaries } from '../../support/binaries.js';
import { etcdctl } from '../../support/etcdctl.js';
import { type RunningMember, startDcsgw, startMemberOfKind } from '../../support/members.js';
import { allocatePorts } from '../../support/ports.js';
import { stopAllProcesses } from '../../support/processes.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dirs.js';

const PORTS = { from: 24500, to: 24999 };
const skip = skipUnlessBinaries('etcd', 'etcdctl');
const KEYS = 20_000;

const dirs: string[] = [];
afterAll(async () => {
  await stopAllProcesses();
  for (const d of dirs) removeTempDir(d);
});

/** Puts with 64 in flight over one HTTP/2 connection (etcdctl per key would take minutes). */
async function putAll(endpoint: string, items: Array<[string, Buffer]>): Promise<void> {
  const conn = new H2GrpcConnection(endpoint);
  try {
    let next = 0;
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const issue = (): void => {
        if (next >= items.length) return;
        const [key, value] = items[next++]!;
        conn.unary('/etcdserverpb.KV/Put', fastPutRequest.encodeFramed!(putRequest(Buffer.from(key), value)) as Buffer, (err, status, message) => {
          if (err || status !== 0) return reject(err ?? new Error(`put ${key}: grpc-status ${status}: ${message}`));
          if (++done === items.length) resolve();
          else issue();
        });
      };
      for (let i = 0; i < Math.min(64, items.length); i++) issue();
    });
  } finally {
    conn.session.destroy();
  }
}

async function ctl(m: RunningMember, args: string[]): Promise<string> {
  const r = await etcdctl(m.endpoints, args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** What a client reads: every key with its revisions, version, value and lease (the header differs per cluster). */
async function everything(m: RunningMember): Promise<unknown> {
  const out = JSON.parse(await ctl(m, ['get', '', '--from-key', '-w', 'json'])) as { header: { revision: number }; kvs: unknown[]; count: number };
  return { revision: out.header.revision, count: out.count, kvs: out.kvs };
}

async function hashKv(m: RunningMember): Promise<{ hash: number; compact_revision: number }> {
  const out = JSON.parse(await ctl(m, ['endpoint', 'hashkv', '-w', 'json'])) as Array<{ HashKV: { hash: number; compact_revision: number } }>;
  return { hash: out[0]!.HashKV.hash, compact_revision: out[0]!.HashKV.compact_revision };
}

describe.skipIf(skip)('etcd snapshot of many keys', () => {
  it('restored by genuine etcdctl, serves the same data and HashKV on genuine etcd and on dcsgw', { timeout: 240_000 }, async () => {
    const work = makeTempDir('dcsgw-snapshot-many-');
    dirs.push(work);
    const source = await startDcsgw({ name: 'src', portRange: PORTS });
    const small = Buffer.alloc(200, 's');
    await putAll(source.clientUrl, Array.from({ length: KEYS }, (_, i): [string, Buffer] => [`k/${String(i).padStart(6, '0')}`, small]));
    // values of several pages, overwrites (more revisions than keys), deletions (tombstones)
    await putAll(source.clientUrl, Array.from({ length: 40 }, (_, i): [string, Buffer] => [`big/${i}`, Buffer.alloc(30_000 + i, 'b')]));
    await putAll(source.clientUrl, Array.from({ length: 3000 }, (_, i): [string, Buffer] => [`k/${String(i * 5).padStart(6, '0')}`, Buffer.from(`second-${i}`)]));
    await ctl(source, ['del', 'k/019', '--prefix']);
    const compactAt = JSON.parse(await ctl(source, ['get', 'k/000000', '-w', 'json'])).header.revision as number;
    await ctl(source, ['compaction', '--physical', String(compactAt - 1000)]);
    const lease = (await ctl(source, ['lease', 'grant', '900'])).split(' ')[1]!;
    await ctl(source, ['put', 'leased', 'yes', '--lease', lease]);
    await ctl(source, ['del', 'k/000005']);
    const expected = await everything(source);
    const expectedHash = await hashKv(source);

    const file = join(work, 'snap.db');
    await ctl(source, ['snapshot', 'save', file]);
    const status = JSON.parse((await etcdctl([], ['snapshot', 'status', file, '-w', 'json'])).stdout) as { revision: number; totalKey: number };
    expect(status.revision).toBe((expected as { revision: number }).revision);
    await source.stop();

    const [etcdClient, etcdPeer, dcsgwClient, dcsgwPeer] = await allocatePorts(4, PORTS);
    const restore = async (name: string, peer: number, dir: string) => {
      const r = await etcdctl([], ['snapshot', 'restore', file, '--data-dir', dir, '--name', name, '--initial-cluster', `${name}=http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`]);
      expect(r.code, r.stderr).toBe(0);
    };
    const etcdDir = join(work, 'etcd');
    await restore('r1', etcdPeer!, etcdDir);
    const genuine = await startMemberOfKind('etcd', { name: 'r1', dataDir: etcdDir, clientPort: etcdClient, peerPort: etcdPeer });
    expect(await everything(genuine)).toEqual(expected);
    expect(await hashKv(genuine)).toEqual(expectedHash);
    expect(await ctl(genuine, ['lease', 'timetolive', lease])).toMatch(/granted with TTL\(900s\)/);
    await genuine.stop();

    // the same file restored again, started by dcsgw, which converts the genuine data dir on start
    const dcsgwDir = join(work, 'dcsgw');
    await restore('r2', dcsgwPeer!, dcsgwDir);
    const restored = await startDcsgw({ name: 'r2', dataDir: dcsgwDir, clientPort: dcsgwClient, peerPort: dcsgwPeer, readyTimeoutMs: 60_000 });
    expect(await everything(restored)).toEqual(expected);
    expect(await hashKv(restored)).toEqual(expectedHash);
    await restored.stop();
  });
});
