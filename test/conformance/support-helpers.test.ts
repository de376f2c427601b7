// The shared process helpers (test/support) against genuine etcd: start, serve, crash, restart on
// the same data dir, cluster of three, and that stop() leaves nothing behind.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, skipUnlessBinaries, startCluster, startEtcd, stopAllProcesses, waitFor } from '../support/index.js';

const RANGE = { from: 23800, to: 23849 };

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('test/support helpers with genuine etcd', () => {
  afterAll(stopAllProcesses);

  it('starts a member, keeps data across a SIGKILL restart, and cleans its data dir on stop', async () => {
    const m = await startEtcd({ name: 'h1', portRange: RANGE });
    const put = await etcdctl(m.endpoints, ['put', 'helper/k', 'v1']);
    expect(put).toMatchObject({ stdout: 'OK\n', code: 0 });
    m.kill('SIGKILL');
    expect(await m.process.exited).toBe('SIGKILL');
    const again = await m.restart();
    const get = await etcdctl(again.endpoints, ['get', 'helper/k', '--print-value-only']);
    expect(get.stdout).toBe('v1\n');
    await again.stop();
    expect(again.process.alive()).toBe(false);
    expect(existsSync(m.dataDir)).toBe(true); // the first handle never removes a dir a restart reuses...
    await m.stop();
    expect(existsSync(m.dataDir)).toBe(false); // ...until it is stopped itself
  });

  it('etcdctl reports errors and exit codes as they are', async () => {
    const m = await startEtcd({ name: 'h2', portRange: RANGE });
    const r = await etcdctl(m.endpoints, ['put', '', 'v']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: etcdserver: key is not provided');
    const w = await etcdctl(m.endpoints, ['watch', 'helper/never'], { timeoutMs: 300, interruptAtTimeout: true });
    expect(w.timedOut).toBe(true);
    await m.stop();
  });

  it('starts a 3-member cluster that elects one leader', async () => {
    const members = await startCluster('etcd', 3, { portRange: RANGE });
    const status = await waitFor(async () => {
      const r = await etcdctl(members.flatMap((m) => m.endpoints), ['endpoint', 'status', '-w', 'json']);
      const leaders = new Set((JSON.parse(r.stdout) as { Status: { leader: number } }[]).map((s) => s.Status.leader));
      return leaders.size === 1 && !leaders.has(0) ? r : undefined;
    });
    expect(status.code).toBe(0);
    await Promise.all(members.map((m) => m.stop()));
  });
});
