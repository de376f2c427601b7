// A learner's client port beside genuine etcd 3.4.23: etcd's interceptors refuse every stream RPC on
// a learner (watch, lease keep-alive, snapshot) when the stream opens, and every unary RPC except
// Status and serializable Range; etcdctl prints the same errors for both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const PORTS = { from: 22500, to: 22549 };
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-learner-streams-'));

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('learners refuse client RPCs as genuine etcd does', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('watch, keep-alive and snapshot streams, and unary calls, on a learner', async () => {
    const [c1, p1, c2, p2] = await allocatePorts(4, PORTS);
    const transcripts: Record<string, string[]> = {};
    for (const kind of ['etcd', 'dcsgw'] as const) {
      const bin = kind === 'etcd' ? 'etcd' : join(repoRoot(), 'bin', 'dcsgw');
      const member = (name: string, client: number, peer: number, cluster: string, state: string) => [
        '--name', name, '--data-dir', join(dir, `${kind}-${name}`),
        '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
        '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
        '--initial-cluster', cluster, '--initial-cluster-state', state,
      ];
      const ep1 = `127.0.0.1:${c1}`;
      const ep2 = `127.0.0.1:${c2}`;
      const healthy = (p: ManagedProcess, ep: string, args: string[] = ['endpoint', 'health']) =>
        waitFor(async () => (await etcdctl(ep, args)).code === 0, { timeoutMs: 90_000, what: () => `${kind} ${ep}\n${p.output().slice(-3000)}` });
      const first = spawnManaged(bin, member('m1', c1!, p1!, `m1=http://127.0.0.1:${p1}`, 'new'));
      await healthy(first, ep1);
      expect((await etcdctl(ep1, ['put', 'k', 'v'])).code).toBe(0);
      const add = await etcdctl(ep1, ['member', 'add', 'm2', '--learner', `--peer-urls=http://127.0.0.1:${p2}`]);
      expect(add.code, add.stderr).toBe(0);
      const learner = spawnManaged(bin, member('m2', c2!, p2!, `m1=http://127.0.0.1:${p1},m2=http://127.0.0.1:${p2}`, 'existing'));
      // a learner answers serializable reads once it has caught up
      await healthy(learner, ep2, ['get', 'k', '--consistency', 's']);
      const out: string[] = [];
      const run = async (args: string[], opts: Parameters<typeof etcdctl>[2] = {}) => {
        const r = await etcdctl(ep2, args, { timeoutMs: 8_000, ...opts });
        out.push(`$ ${args.join(' ')}\n${r.stdout}${r.stderr.replace(/^\{"level":"warn".*\n/gm, '')}exit ${r.code}`);
      };
      // etcdctl keeps retrying a refused watch: it must print no event for a write made meanwhile
      setTimeout(() => void etcdctl(ep1, ['put', 'k', 'during-watch']), 2_000);
      await run(['watch', 'k'], { timeoutMs: 5_000 });
      const lease = (await etcdctl(ep1, ['lease', 'grant', '60'])).stdout.split(' ')[1]!;
      await run(['lease', 'keep-alive', lease]);
      await run(['snapshot', 'save', join(dir, 'learner.db')]);
      await run(['get', 'k', '--consistency', 's']);
      await run(['get', 'k']);
      await run(['put', 'k', 'w']);
      await run(['member', 'list']);
      await run(['lease', 'timetolive', lease]);
      transcripts[kind] = out.map((t) => t.replace(/127\.0\.0\.1:\d+/g, '<addr>').replace(/\b[0-9a-f]{12,16}\b/g, '<id>').replace(/"ts":[^,]*,/g, ''));
      await Promise.all([learner.stop(), first.stop()]);
    }
    expect(transcripts.dcsgw).toEqual(transcripts.etcd);
    expect(transcripts.dcsgw!.join('\n')).toContain('rpc not supported for learner');
  }, 300_000);
});
