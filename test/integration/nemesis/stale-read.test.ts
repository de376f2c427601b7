// The harness must see a real anomaly when one happens. Genuine etcd serves *serializable* reads
// from a member's local state, so a member cut off by a partition answers with old data: the
// recorded history of that run must be refuted by the checker (while the same run with
// linearizable reads everywhere is accepted). dcsgw must behave the same: stale serializable
// reads, never a stale linearizable one.
import { afterAll, describe, expect, test } from 'vitest';
import { hasBinary, hasDcsgwBuild, sleep, stopAllProcesses, waitFor, type MemberKind } from '../../support/index.js';
import { checkLinearizable, etcdKvModel, HistoryRecorder, type KvInput, type KvOutput } from '../../support/linearizability/index.js';
import { startNemesisCluster, type NemesisCluster } from './cluster.js';
import { EtcdKvClient } from './etcd-kv-client.js';

const KINDS: MemberKind[] = process.env.NEMESIS_TARGET ? [process.env.NEMESIS_TARGET as MemberKind] : ['etcd', 'dcsgw'];
function missing(kind: MemberKind): string | undefined {
  if (kind === 'etcd' && !hasBinary('etcd')) return 'SKIP stale-read detection vs genuine etcd: /usr/bin/etcd not installed';
  if (kind === 'dcsgw' && !hasDcsgwBuild()) return 'SKIP stale-read detection vs dcsgw: no build (dist/src/cli/main.js)';
  return undefined;
}

let cluster: NemesisCluster | undefined;
const clients: EtcdKvClient[] = [];
afterAll(async () => {
  clients.forEach((c) => c.close());
  await cluster?.stop();
  await stopAllProcesses();
});

for (const kind of KINDS) {
  const why = missing(kind);
  if (why) console.warn(why);
  describe.skipIf(why !== undefined)(`stale reads from a partitioned ${kind} member`, () => {
    test('serializable reads on the cut-off member are refuted; linearizable ones are accepted', async () => {
      await cluster?.stop();
      cluster = await startNemesisCluster(kind, { from: 27800, to: 27949 });
      const leader = (await cluster.leaderIndex()) ?? 0;
      const isolated = (leader + 1) % 3;
      const majority = (leader + 2) % 3;
      const writer = new EtcdKvClient(cluster.clientUrl(leader), 3_000);
      const cutOff = new EtcdKvClient(cluster.clientUrl(isolated), 1_000);
      clients.push(writer, cutOff);
      const key = `/stale/${process.pid}`;
      const initialRevision = (await writer.get(key)).revision;

      const run = async (serializable: boolean): Promise<HistoryRecorder<KvInput, KvOutput>> => {
        const recorder = new HistoryRecorder<KvInput, KvOutput>();
        await recorder.record('w', { kind: 'put', key, value: `first-${serializable}` }, () => writer.put(key, `first-${serializable}`));
        // let the soon-isolated member apply the first write (an unrecorded local read says when)
        await waitFor(async () => ((await cutOff.get(key, { serializable: true })) as { value?: string }).value === `first-${serializable}`, {
          timeoutMs: 10_000,
          what: 'the member to apply the first write',
        });
        await cluster!.partitioner.partition([cluster!.names[isolated]!], [cluster!.names[leader]!, cluster!.names[majority]!]);
        await recorder.record('w', { kind: 'put', key, value: `second-${serializable}` }, () => writer.put(key, `second-${serializable}`));
        await recorder.record('r', { kind: 'get', key }, () => cutOff.get(key, { serializable }), { failureHasNoEffect: true });
        await cluster!.partitioner.heal();
        return recorder;
      };

      const stale = await run(true);
      const staleCheck = checkLinearizable(etcdKvModel({ initialRevision }), stale.history(), { timeoutMs: 10_000 });
      // the cut-off member answered (serializable reads need no leader) with the first value
      const read = stale.history().find((op) => op.clientId === 'r');
      expect(read?.output).toMatchObject({ kind: 'get', value: 'first-true' });
      expect(staleCheck).toMatchObject({ ok: false, timedOut: false });
      expect(staleCheck.counterexample?.blockedOperation).toMatch(/put .*second-true|get .*first-true/);

      // wait until the member is back in the cluster before the linearizable run
      await sleep(1_500);
      const previous = stale.history().filter((op) => op.output !== undefined);
      const lastRevision = Math.max(...previous.map((op) => (op.output as { revision: number }).revision));
      const fresh = await run(false);
      const freshCheck = checkLinearizable(
        etcdKvModel({ initialRevision: lastRevision, initialRecords: new Map([[key, { value: 'second-true', modRevision: lastRevision, createRevision: initialRevision + 1 }]]) }),
        fresh.history(),
        { timeoutMs: 10_000 },
      );
      // a linearizable read on the cut-off member either fails (no leader: dropped) or is current
      expect(freshCheck).toMatchObject({ ok: true, timedOut: false });
    }, 60_000);
  });
}
