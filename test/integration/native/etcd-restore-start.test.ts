// dcsgw started on `etcdctl snapshot restore` output, beside genuine etcd started on the same
// restore: the same keys at the same revisions, the same leases, users and roles (auth enabled),
// the same member and cluster IDs, HashKV equal; a three-member restore forms a dcsgw cluster;
// a data dir a running genuine etcd wrote is refused with the way to move it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const PORTS = { from: 22200, to: 22399 };
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-etcd-restore-'));
const bin = (kind: 'etcd' | 'dcsgw') => (kind === 'etcd' ? 'etcd' : join(repoRoot(), 'bin', 'dcsgw'));

interface Member {
  name: string;
  client: number;
  peer: number;
}

function memberArgs(m: Member, dataDir: string, cluster: string): string[] {
  return [
    '--name', m.name, '--data-dir', dataDir,
    '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
    '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
    '--initial-cluster', cluster,
  ];
}

async function members(n: number, prefix: string): Promise<Member[]> {
  const ports = await allocatePorts(2 * n, PORTS);
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i + 1}`, client: ports[2 * i]!, peer: ports[2 * i + 1]! }));
}
const clusterOf = (ms: Member[]) => ms.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');

async function restore(snap: string, dataDir: string, m: Member, cluster: string): Promise<void> {
  const r = await etcdctl([], ['snapshot', 'restore', snap, '--data-dir', dataDir, '--name', m.name, '--initial-cluster', cluster, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`]);
  expect(r.code, r.stderr).toBe(0);
}

async function healthy(ep: string, p: ManagedProcess, auth: string[] = []): Promise<void> {
  await waitFor(async () => (await etcdctl(ep, [...auth, 'endpoint', 'health'])).code === 0, { timeoutMs: 30_000, what: () => `${ep} healthy\n${p.output().slice(-3000)}` });
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('dcsgw on `etcdctl snapshot restore` output', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  let snap = '';

  it('serves what genuine etcd serves from the same restore', async () => {
    // a source cluster with history, a compaction, a lease with a key, and auth
    const [src] = await members(1, 'src');
    const source = spawnManaged('etcd', memberArgs(src!, join(dir, 'src'), clusterOf([src!])));
    const sep = `127.0.0.1:${src!.client}`;
    await healthy(sep, source);
    for (const [k, v] of [['a', '1'], ['b', '2'], ['a', '3'], ['c', '4']]) expect((await etcdctl(sep, ['put', k!, v!])).code).toBe(0);
    await etcdctl(sep, ['del', 'b']);
    await etcdctl(sep, ['compaction', '3']);
    const lease = (await etcdctl(sep, ['lease', 'grant', '600'])).stdout.split(' ')[1]!;
    await etcdctl(sep, ['put', 'leased', 'x', '--lease', lease]);
    await etcdctl(sep, ['user', 'add', 'root:rootpw']);
    await etcdctl(sep, ['role', 'add', 'app']);
    await etcdctl(sep, ['role', 'grant-permission', 'app', '--prefix=true', 'readwrite', 'app/']);
    await etcdctl(sep, ['user', 'add', 'alice:alicepw']);
    await etcdctl(sep, ['user', 'grant-role', 'alice', 'app']);
    await etcdctl(sep, ['auth', 'enable']);
    snap = join(dir, 'snap.db');
    expect((await etcdctl(sep, ['--user', 'root:rootpw', 'snapshot', 'save', snap])).code).toBe(0);
    await source.stop();

    const transcripts: Record<string, string[]> = {};
    const [m] = await members(1, 'r'); // the same URLs for both: member and cluster IDs derive from them
    for (const kind of ['etcd', 'dcsgw'] as const) {
      const dataDir = join(dir, `${kind}-one`);
      await restore(snap, dataDir, m!, clusterOf([m!]));
      const p = spawnManaged(bin(kind), memberArgs(m!, dataDir, clusterOf([m!])));
      const ep = `127.0.0.1:${m!.client}`;
      const root = ['--user', 'root:rootpw'];
      await healthy(ep, p, root);
      const run = async (...args: string[]) => {
        const r = await etcdctl(ep, args);
        return `$ ${args.filter((a) => !a.includes('pw')).join(' ')}\n${r.stdout}${r.stderr.replace(/^\{"level":"warn".*\n/gm, '')}`.replace(/127\.0\.0\.1:\d+/g, '<addr>');
      };
      transcripts[kind] = [
        // raft_term and the header's raft fields are the member's own election history
        (await run(...root, 'get', '', '--prefix', '-w', 'json')).replace(/"raft_term":\d+/, ''),
        await run(...root, 'get', 'a', '--rev', '2'),
        await run(...root, 'get', 'a', '--rev', '4'),
        await run(...root, 'get', 'a', '--rev', '3'),
        await run(...root, 'member', 'list'),
        await run(...root, 'lease', 'list'),
        await run(...root, 'user', 'list'),
        await run(...root, 'role', 'get', 'app'),
        await run('--user', 'alice:alicepw', 'put', 'app/x', 'y'),
        await run('--user', 'alice:alicepw', 'get', 'a'),
        await run('--user', 'alice:wrong', 'get', 'app/x'),
        (await run(...root, 'endpoint', 'hashkv', '-w', 'json')).replace(/"raft_term":\d+,?/, ''),
      ];
      await p.stop();
    }
    expect(transcripts.dcsgw).toEqual(transcripts.etcd);
    expect(transcripts.dcsgw!.join('\n')).toContain('"count":3');
  }, 180_000);

  it('a three-member restore starts as a dcsgw cluster; restarting does not import again', async () => {
    const ms = await members(3, 'c');
    const cluster = clusterOf(ms);
    const procs = new Map<string, ManagedProcess>();
    for (const m of ms) {
      await restore(snap, join(dir, `three-${m.name}`), m, cluster);
      procs.set(m.name, spawnManaged(bin('dcsgw'), memberArgs(m, join(dir, `three-${m.name}`), cluster)));
    }
    const eps = ms.map((m) => `127.0.0.1:${m.client}`);
    const root = ['--user', 'root:rootpw'];
    await healthy(eps.join(','), procs.get('c1')!, root);
    expect((await etcdctl(eps[0]!, [...root, 'put', 'after', 'restore'])).code).toBe(0);
    await waitFor(async () => (await etcdctl(eps[2]!, [...root, 'get', 'after', '--print-value-only'])).stdout === 'restore\n', { what: 'replicated write' });
    const list = (await etcdctl(eps[1]!, [...root, 'member', 'list'])).stdout.trim().split('\n');
    expect(list.map((l) => l.split(', ')[2]).sort()).toEqual(['c1', 'c2', 'c3']);
    // a restart reads dcsgw's own files: no second import, data intact
    await procs.get('c2')!.stop();
    const again = spawnManaged(bin('dcsgw'), memberArgs(ms[1]!, join(dir, 'three-c2'), cluster));
    await healthy(eps[1]!, again, root);
    expect(again.output()).not.toContain('started from etcdctl snapshot restore output');
    expect((await etcdctl(eps[1]!, [...root, 'get', 'after', '--print-value-only', '--consistency', 's'])).stdout).toBe('restore\n');
  }, 180_000);

  it("refuses a running genuine etcd's data dir, saying how to move it", async () => {
    const [m] = await members(1, 'live');
    const dataDir = join(dir, 'live');
    const etcd = spawnManaged('etcd', memberArgs(m!, dataDir, clusterOf([m!])));
    await healthy(`127.0.0.1:${m!.client}`, etcd);
    await etcdctl(`127.0.0.1:${m!.client}`, ['put', 'k', 'v']);
    await etcd.stop();
    const p = spawnManaged(bin('dcsgw'), memberArgs(m!, dataDir, clusterOf([m!])));
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('not the output of `etcdctl snapshot restore`');
  }, 60_000);
});
