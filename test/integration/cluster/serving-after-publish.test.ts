// A member serves its client port only once it has published its name and client URLs through
// raft, as etcd does (its listeners are open early, but read only after ReadyNotify): a request
// sent to a member that has no quorum yet waits, and answers once the cluster forms, by which time
// the member list shows that member's client URL. Run against genuine etcd and dcsgw alike.
import { connect } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { allocatePorts, etcdctl, hasDcsgwBuild, skipUnlessBinaries, startMemberOfKind, stopAllProcesses, waitFor, waitHealthy, type MemberKind, type RunningMember } from '../../support/index.js';

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP dcsgw serving-after-publish test: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const skip = skipUnlessBinaries('etcd', 'etcdctl');

const running: RunningMember[] = [];
afterAll(async () => {
  await Promise.all(running.map((m) => m.stop()));
  await stopAllProcesses();
});

describe.skipIf(skip).each(['etcd', 'dcsgw'] as MemberKind[])('%s: client requests before the member is published', (kind) => {
  // generous time: a loaded 2-core CI machine has been seen taking over 30 s to start a node process
  test.skipIf(kind === 'dcsgw' && noBuild)('a request to a member without quorum waits, then answers once it has published itself', { timeout: 240_000 }, async () => {
    const range = kind === 'etcd' ? { from: 30500, to: 30599 } : { from: 30600, to: 30699 };
    const ports = await allocatePorts(6, range);
    const names = ['p1', 'p2', 'p3'];
    const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[2 * i + 1]}`).join(',');
    const start = (i: number) =>
      startMemberOfKind(kind, { name: names[i]!, clientPort: ports[2 * i]!, peerPort: ports[2 * i + 1]!, initialCluster, waitReady: false }).then((m) => {
        running.push(m);
        return m;
      });

    const first = await start(0);
    // dcsgw opens its client port a moment after the process starts (etcd at once): wait for it
    const opened = await waitFor(async () => (first.process.alive() ? (await canConnect(first.clientPort)) && 'open' : 'exited'), { timeoutMs: 90_000, intervalMs: 50, what: 'client port open' });
    if (opened === 'exited') throw new Error(`${kind} p1 exited before opening its client port:\n${first.output().slice(-3000)}`);
    const started = Date.now();
    const early = fetch(`${first.clientUrl}/health`, { signal: AbortSignal.timeout(150_000) }).then(async (r) => ({ at: Date.now(), body: await r.text() }));
    const firstAnswer = await Promise.race([early.then(() => 'answered'), new Promise((r) => setTimeout(() => r('still waiting'), 1500))]);
    expect(firstAnswer).toBe('still waiting');

    const rest = [await start(1), await start(2)];
    const answer = await early;
    expect(answer.body).toBe('{"health":"true"}');
    expect(answer.at - started).toBeGreaterThanOrEqual(1500);
    await Promise.all(rest.map((m) => waitHealthy(m.clientUrl, 60_000, m.process)));

    // the member that answered lists itself with its client URL
    const list = await etcdctl([first.clientUrl], ['member', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`, started, p1, http://127\\.0\\.0\\.1:${ports[1]}, ${first.clientUrl.replace(/\./g, '\\.')}, false\\n`));
  });
});
