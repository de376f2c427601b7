// `etcdctl endpoint hashkv` beside genuine etcd 3.4.23: the same history gives the same hash, at
// the current revision and at older ones, across overwrites, deletes, a key deleted and created
// again, several writes in one txn, and compactions (logical and --physical). etcd hashes
// its key bucket as stored (revision key, mvccpb.KeyValue); dcsgw must hash the same bytes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor } from '../../support/index.js';

const PORTS = { from: 22400, to: 22449 };
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-hashkv-'));

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('HashKV as genuine etcd computes it', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same hash for the same history, before and after compactions', async () => {
    const [client, peer] = await allocatePorts(2, PORTS);
    const ep = `127.0.0.1:${client}`;
    const transcripts: Record<string, string[]> = {};
    for (const kind of ['etcd', 'dcsgw'] as const) {
      const bin = kind === 'etcd' ? 'etcd' : join(repoRoot(), 'bin', 'dcsgw');
      const p = spawnManaged(bin, [
        '--data-dir', join(dir, kind),
        '--listen-client-urls', `http://${ep}`, '--advertise-client-urls', `http://${ep}`,
        '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
        '--initial-cluster', `default=http://127.0.0.1:${peer}`,
      ]);
      await waitFor(async () => (await etcdctl(ep, ['endpoint', 'health'])).code === 0, { timeoutMs: 30_000, what: () => `${kind} healthy\n${p.output()}` });
      const out: string[] = [];
      const hashkv = async (rev?: number) => {
        const r = await etcdctl(ep, ['endpoint', 'hashkv', '-w', 'json', ...(rev ? [`--rev=${rev}`] : [])]);
        const m = /"hash":(\d+),"compact_revision":(-?\d+)/.exec(r.stdout);
        const error = r.stderr.replace(/^\{"level":"warn".*\n/gm, '').trim(); // the client's retry log line
        out.push(m ? `hashkv${rev ? ` @${rev}` : ''}: ${m[1]} compact ${m[2]}` : `hashkv${rev ? ` @${rev}` : ''}: ${error}`);
      };
      const step = async (...args: string[]) => {
        const r = await etcdctl(ep, args);
        expect(r.code, `${kind} ${args.join(' ')}: ${r.stderr}`).toBe(0);
      };
      await hashkv();
      await step('put', 'a', '1'); // 2
      await step('put', 'b', '2'); // 3
      await step('put', 'a', '3'); // 4
      await step('del', 'b'); // 5
      await step('put', 'six', 'x'); // 6 (no lease: lease IDs are each server's own, and a key's lease is in the hash)
      const txn = await etcdctl(ep, ['txn'], { input: '\nput t1 x\nput t2 y\ndel a\n\n\n' }); // 7 (three sub-revisions)
      expect(txn.code).toBe(0);
      await step('put', 'b', 'again'); // 8: b's second generation
      await step('put', 'a', 'back'); // 9
      await hashkv();
      await hashkv(4);
      await hashkv(7);
      await step('compaction', '5');
      await hashkv();
      await hashkv(6);
      await hashkv(5);
      await step('put', 'c', '1'); // 10
      await step('compaction', '8', '--physical');
      await hashkv();
      await hashkv(9);
      await step('del', '', '--prefix'); // 11
      await step('compaction', '11', '--physical');
      await hashkv();
      transcripts[kind] = out;
      await p.stop();
    }
    expect(transcripts.dcsgw).toEqual(transcripts.etcd);
    expect(transcripts.dcsgw!.join('\n')).toContain('compacted');
  }, 120_000);
});
