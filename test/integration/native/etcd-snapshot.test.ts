import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNativeBackend } from '../../../src/adapters/native.js';
import { putReq, rangeReq, singleMemberConfig } from './helpers.js';
import { allocatePorts, spawnManaged, stopAllProcesses, waitFor } from '../../support/index.js';

// Maintenance.Snapshot of the native backend is a bbolt file with etcd's buckets: genuine
// `etcdctl snapshot status` reads it, `etcdctl snapshot restore` turns it into a data dir, and a
// genuine etcd started there serves the same keys, values, revisions and leases.
const ETCDCTL = '/usr/bin/etcdctl';
const ETCD = '/usr/bin/etcd';
const have = existsSync(ETCDCTL) && existsSync(ETCD);
if (!have) console.warn('SKIP: genuine etcd/etcdctl not installed at /usr/bin; bbolt snapshot interop test skipped');

const root = mkdtempSync(join(tmpdir(), 'dcsgw-bbolt-'));
afterAll(async () => {
  await stopAllProcesses();
  rmSync(root, { recursive: true, force: true });
});
const ID = 0x1234n;

describe.skipIf(!have)('native snapshot as a bbolt file', () => {
  it('is read by etcdctl snapshot status, restores, and genuine etcd serves its data', async () => {
    const be = await createNativeBackend(
      singleMemberConfig({
        name: 'snap',
        dataDir: join(root, 'dcsgw'),
        memberId: ID,
        clusterId: 0x99n,
        clientURL: 'http://127.0.0.1:24679',
        peerURL: 'http://127.0.0.1:24680',
      }),
    );
    let revision = 0;
    try {
      await be.ready();
      // Enough keys for multi-level B+trees, one value spanning several pages, a delete, a lease.
      await Promise.all(Array.from({ length: 2000 }, (_, i) => be.put(putReq(`key/${String(i).padStart(5, '0')}`, `value-${i}-`.padEnd(120, 'x')))));
      await be.put(putReq('big', 'B'.repeat(20_000)));
      await be.deleteRange({ key: Buffer.from('key/00000'), rangeEnd: Buffer.alloc(0), prevKv: false });
      const lease = await be.leaseGrant({ ttl: 600, id: 0x77n });
      revision = (await be.put(putReq('leased', 'yes', { lease: lease.id }))).header.revision;
      const chunks: Buffer[] = [];
      for await (const c of be.snapshot()) chunks.push(c.blob);
      const db = Buffer.concat(chunks);
      // etcdctl checks the sha256 trailer the gateway appends to the stream.
      writeFileSync(join(root, 'snap.db'), Buffer.concat([db, createHash('sha256').update(db).digest()]));
    } finally {
      await be.close();
    }

    const status = JSON.parse(execFileSync(ETCDCTL, ['snapshot', 'status', join(root, 'snap.db'), '-w', 'json']).toString()) as {
      revision: number;
      totalKey: number;
    };
    expect(status.revision).toBe(revision);
    expect(status.totalKey).toBeGreaterThan(2003);

    // ports of their own (machine-wide reservations), not fixed ones another suite may hold
    const [clientPort, peerPort] = (await allocatePorts(2, { from: 12000, to: 12499 })) as [number, number];
    const peer = `http://127.0.0.1:${peerPort}`;
    const client = `http://127.0.0.1:${clientPort}`;
    execFileSync(ETCDCTL, [
      'snapshot', 'restore', join(root, 'snap.db'), '--data-dir', join(root, 'restored'), '--name', 'r1',
      '--initial-cluster', `r1=${peer}`, '--initial-advertise-peer-urls', peer,
    ], { stdio: 'ignore' });
    const etcd = spawnManaged(ETCD, [
      '--name', 'r1', '--data-dir', join(root, 'restored'),
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `r1=${peer}`,
    ]);
    try {
      const ctl = (...args: string[]) =>
        execFileSync(ETCDCTL, [`--endpoints=127.0.0.1:${clientPort}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      // serving once the read answers (a loaded machine may take a while to start etcd)
      const out = await waitFor(
        () => {
          if (!etcd.alive()) throw new Error(`etcd exited: ${etcd.output().slice(-2000)}`);
          try {
            return ctl('get', 'key/', '--prefix', '--keys-only', '-w', 'json');
          } catch {
            return undefined;
          }
        },
        { timeoutMs: 60_000, intervalMs: 100, what: () => `the restored etcd serving\n${etcd.output().slice(-2000)}` },
      );
      expect(JSON.parse(out)).toMatchObject({ count: 1999 });
      expect(ctl('get', 'big', '--print-value-only').trim()).toBe('B'.repeat(20_000));
      expect(ctl('get', 'key/01999', '--print-value-only').trim()).toBe('value-1999-'.padEnd(120, 'x'));
      const leased = JSON.parse(ctl('get', 'leased', '-w', 'json')) as { header: { revision: number }; kvs: { lease: number }[] };
      expect(leased.header.revision).toBe(revision);
      expect(leased.kvs[0]!.lease).toBe(0x77);
      expect(ctl('lease', 'timetolive', '77')).toMatch(/granted with TTL\(600s\)/);
    } finally {
      await etcd.stop();
    }
  }, 180_000);
});
