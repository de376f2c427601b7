// Growing a dcsgw cluster the etcd way: `etcdctl member add` on the running cluster, then start the
// new member with the ETCD_* lines etcdctl printed (--initial-cluster-state=existing). The new
// member learns its ID and the cluster ID from the running members' peer ports.
import { afterAll, describe, expect, test } from 'vitest';
import { allocatePorts, etcdctl, hasDcsgwBuild, skipUnlessBinaries, startCluster, startDcsgw, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP dcsgw member add test: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const skip = noBuild || skipUnlessBinaries('etcdctl');

const running: RunningMember[] = [];
afterAll(async () => {
  await Promise.all(running.map((m) => m.stop()));
  await stopAllProcesses();
});

describe.skipIf(skip)('member add + --initial-cluster-state=existing', () => {
  test('the added member starts from etcdctl\'s ETCD_* lines, joins, and serves the same data', async () => {
    const range = { from: 28600, to: 28699 };
    const members = await startCluster('dcsgw', 3, { portRange: range });
    running.push(...members);
    const endpoints = members.map((m) => m.clientUrl);
    expect((await etcdctl(endpoints, ['put', 'before', 'join'])).code).toBe(0);

    const [clientPort, peerPort] = await allocatePorts(2, range);
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const add = await etcdctl(endpoints, ['member', 'add', 'm4', `--peer-urls=${peerUrl}`]);
    expect(add.code).toBe(0);
    const env = Object.fromEntries(
      add.stdout
        .split('\n')
        .map((l) => /^(ETCD_[A-Z_]+)="(.*)"$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!, m[2]!]),
    );
    expect(env.ETCD_NAME).toBe('m4');
    expect(env.ETCD_INITIAL_CLUSTER_STATE).toBe('existing');
    // etcdctl prints "Member %16x added": an ID with leading zero nibbles is padded with spaces
    // (`member list` prints it unpadded, %x, as matched below)
    const addedId = /Member\s+([0-9a-f]+) added to cluster/.exec(add.stdout)?.[1];
    expect(addedId).toBeDefined();

    const m4 = await startDcsgw({
      name: 'm4',
      clientPort,
      peerPort,
      initialCluster: env.ETCD_INITIAL_CLUSTER!,
      initialClusterState: 'existing',
      readyTimeoutMs: 30_000,
    });
    running.push(m4);

    const list = await waitFor(
      async () => {
        const r = await etcdctl(endpoints, ['member', 'list']);
        return r.stdout.includes(`${addedId}, started, m4, ${peerUrl}, ${m4.clientUrl}, false`) && r.stdout;
      },
      { timeoutMs: 20_000, what: 'm4 started in member list' },
    );
    expect(list.trim().split('\n')).toHaveLength(4);
    const status = await etcdctl([`127.0.0.1:${clientPort}`], ['endpoint', 'status', '--write-out=json']);
    expect(status.stdout).toContain(`"member_id":${BigInt('0x' + addedId!).toString()}`);
    expect((await etcdctl([m4.clientUrl], ['get', 'before'])).stdout).toBe('before\njoin\n');
    expect((await etcdctl([m4.clientUrl], ['put', 'after', 'join'])).code).toBe(0);
    expect((await etcdctl([members[0]!.clientUrl], ['get', 'after'])).stdout).toBe('after\njoin\n');
  });

  test('a single member grows to two: member add, then the new member joins and both serve', async () => {
    const range = { from: 28600, to: 28699 };
    const [first] = await startCluster('dcsgw', 1, { portRange: range, names: ['solo'] });
    running.push(first!);
    expect((await etcdctl([first!.clientUrl], ['put', 'k', 'v'])).code).toBe(0);
    const [clientPort, peerPort] = await allocatePorts(2, range);
    const add = await etcdctl([first!.clientUrl], ['member', 'add', 'second', `--peer-urls=http://127.0.0.1:${peerPort}`]);
    expect(add.code).toBe(0);
    const initialCluster = /^ETCD_INITIAL_CLUSTER="(.*)"$/m.exec(add.stdout)?.[1];
    expect(initialCluster).toBeDefined();
    const second = await startDcsgw({ name: 'second', clientPort, peerPort, initialCluster: initialCluster!, initialClusterState: 'existing', readyTimeoutMs: 30_000 });
    running.push(second);
    expect((await etcdctl([second.clientUrl], ['get', 'k'])).stdout).toBe('k\nv\n');
    const health = await etcdctl([first!.clientUrl, second.clientUrl], ['endpoint', 'health']);
    expect(health.code).toBe(0);
  });
});
