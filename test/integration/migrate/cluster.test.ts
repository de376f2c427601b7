// `dcsgw migrate` into a three-member genuine etcd cluster: the member the copy talks to is killed
// (kill -9) mid-copy, the adapter fails over to the next endpoint of the URL, and the copy
// completes with a clean verification; the killed member, restarted, catches up with every key.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateSummary } from '../../../src/compat/migrate/migrate.js';
import { skipUnlessBinaries, startCluster, startEtcd, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';
import { PORTS, diffContent, etcdContent, loadIntoEtcd, randomDataset, removeTempDirs, spawnDcsgw, tempDir } from './migrate-support.js';

const KEYS = 10_000;

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('dcsgw migrate into a three-member etcd cluster losing a member', () => {
  let src: RunningMember;
  let cluster: RunningMember[];
  const cwd = tempDir('cluster');
  let expected: Map<string, Buffer>;

  beforeAll(async () => {
    [src, cluster] = await Promise.all([startEtcd({ portRange: PORTS, name: 'one' }), startCluster('etcd', 3, { portRange: PORTS })]);
    await loadIntoEtcd(src.clientUrl, randomDataset(31, KEYS, 'cl/', 1024));
    expected = await etcdContent(src.clientUrl, 'cl/');
  }, 120_000);
  afterAll(async () => {
    await stopAllProcesses();
    removeTempDirs();
  });

  it('fails over to the next endpoint when the member it writes to is killed, and verifies clean', async () => {
    const dest = `etcd://${cluster.map((m) => m.clientUrl.slice(7)).join(',')}`;
    const cp = join(cwd, 'cluster.checkpoint.json');
    const p = spawnDcsgw(['migrate', `etcd://${src.clientUrl.slice(7)}`, dest, '--prefix', 'cl/', '--batch', '8', '--checkpoint', cp, '--quiet', '--json'], cwd);
    await waitFor(() => {
      try {
        return (JSON.parse(readFileSync(cp, 'utf8')) as { keys: number }).keys >= 2000 || !p.alive();
      } catch {
        return !p.alive();
      }
    }, { timeoutMs: 60_000, intervalMs: 2, what: () => p.output() });
    expect(p.alive(), p.output()).toBe(true);
    // the first endpoint of the URL is the one the adapter talks to
    cluster[0]!.kill('SIGKILL');
    expect(await p.exited, p.output()).toBe(0);
    const summary = JSON.parse(p.stdoutText()) as MigrateSummary;
    expect(summary.verify).toMatchObject({ ok: true, checked: KEYS, destinationKeys: KEYS });
    expect(diffContent(expected, await etcdContent(cluster[1]!.clientUrl, 'cl/'))).toEqual({ missing: [], differing: [], extra: [] });
    await cluster[0]!.process.exited;
    cluster[0] = await cluster[0]!.restart();
    await waitFor(async () => (await etcdContent(cluster[0]!.clientUrl, 'cl/')).size === KEYS, { timeoutMs: 30_000, what: 'the restarted member to catch up' });
    console.log(`migrate into a 3-member cluster: ${KEYS} keys, ${summary.bytes} bytes, ${summary.batches} batches, fault: kill -9 of the member in use at >= 2000 keys; verification clean`);
  }, 180_000);
});
