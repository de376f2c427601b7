// --force-new-cluster beside genuine etcd 3.4.23: a three-member cluster loses two members for
// good; the survivor restarts with the flag and becomes a one-member cluster with the same IDs and
// every committed key; writes work; a later restart without the flag stays that way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const PORTS = { from: 22450, to: 22499 };
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-force-new-'));

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('--force-new-cluster as genuine etcd does it', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers a one-member cluster from a survivor, with its data and IDs', async () => {
    const ports = await allocatePorts(6, PORTS);
    const ms = [0, 1, 2].map((i) => ({ name: `m${i + 1}`, client: ports[2 * i]!, peer: ports[2 * i + 1]! }));
    const cluster = ms.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
    const transcripts: Record<string, string[]> = {};
    for (const kind of ['etcd', 'dcsgw'] as const) {
      const bin = kind === 'etcd' ? 'etcd' : join(repoRoot(), 'bin', 'dcsgw');
      const args = (m: (typeof ms)[number], extra: string[] = []) => [
        '--name', m.name, '--data-dir', join(dir, `${kind}-${m.name}`),
        '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
        '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-cluster', cluster, ...extra,
      ];
      const ep = `127.0.0.1:${ms[0]!.client}`;
      const healthy = (p: ManagedProcess, endpoint = ep) =>
        waitFor(async () => (await etcdctl(endpoint, ['endpoint', 'health'])).code === 0, { timeoutMs: 30_000, what: () => `${kind} healthy\n${p.output().slice(-3000)}` });
      const procs = ms.map((m) => spawnManaged(bin, args(m)));
      await healthy(procs[0]!, ms.map((m) => `127.0.0.1:${m.client}`).join(','));
      for (const [k, v] of [['a', '1'], ['b', '2'], ['a', '3']]) expect((await etcdctl(ep, ['put', k!, v!])).code).toBe(0);
      // the other two are lost for good; the survivor cannot serve without them
      await Promise.all(procs.map((p) => p.stop()));

      const out: string[] = [];
      const run = async (...a: string[]) => {
        const r = await etcdctl(ep, a);
        out.push(`$ ${a.join(' ')}\n${r.stdout}${r.stderr.replace(/^\{"level":"warn".*\n/gm, '')}`.replace(/127\.0\.0\.1:\d+/g, '<addr>').replace(/"raft_term":\d+/g, '"raft_term":<term>'));
      };
      const forced = spawnManaged(bin, args(ms[0]!, ['--force-new-cluster']));
      await healthy(forced);
      await run('member', 'list');
      await run('get', '', '--prefix');
      await run('put', 'after', 'recovery');
      await run('get', 'a', '-w', 'json');
      await forced.stop();
      const again = spawnManaged(bin, args(ms[0]!));
      await healthy(again);
      await run('member', 'list');
      await run('get', 'after', '--print-value-only');
      await again.stop();
      transcripts[kind] = out;
    }
    expect(transcripts.dcsgw).toEqual(transcripts.etcd);
    expect(transcripts.dcsgw![0]!.trim().split('\n')).toHaveLength(2); // the command and one member
  }, 180_000);
});
