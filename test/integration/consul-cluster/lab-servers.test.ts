// The server part of the user's Consul lab (../shared/seeds/000_*.txt, "Отключение лидера"): one
// server started with -bootstrap, two more with -bootstrap-expect=0 -retry-join=<the first>; they
// join as non-voters and autopilot promotes them (raft's AddNonvoter / AddVoter lines); the first
// server is stopped (a new leader takes over, autopilot cleans the dead server up) and started
// again with its original command line, which has no join address: it comes back by itself.
// Runs against the build (dist/), on 127.0.1.41-43 with Consul's default ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP consul-cluster lab servers: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const bin = join(repoRoot(), 'bin', 'dcsgw');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-lab-servers-'));
const FIRST = '127.0.1.41';

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

function server(name: string, addr: string, extra: string[]): ManagedProcess {
  const args = ['agent', '-server', '-ui', `-node=${name}`, `-bind=${addr}`, `-client=${addr}`, `-data-dir=${join(work, name)}`, '-dns-port=-1', '-etcd-port=-1', ...extra];
  return spawnManaged(process.execPath, [bin, ...args], { cwd: work });
}

async function getJson<T>(addr: string, path: string): Promise<T> {
  const r = await fetch(`http://${addr}:8500${path}`, { signal: AbortSignal.timeout(3000) });
  if (r.status !== 200) throw new Error(`${path} on ${addr}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
type Raft = { Servers: Array<{ Node: string; Voter: boolean; Leader: boolean; Address: string }> };
const voters = async (addr: string): Promise<string[]> => (await getJson<Raft>(addr, '/v1/operator/raft/configuration')).Servers.filter((s) => s.Voter).map((s) => s.Node).sort();

describe.skipIf(noBuild)("the lab's servers: one -bootstrap server, two joining it", () => {
  test('they join as non-voters and are promoted; the first server stopped and started again comes back by itself', async () => {
    let s1 = server('server-1', FIRST, ['-bootstrap']);
    await waitFor(async () => (await getJson<string>(FIRST, '/v1/status/leader')) === `${FIRST}:8300`, { timeoutMs: 30_000, intervalMs: 100, what: () => s1.output() });
    // shortened autopilot stabilization (Consul's default is 10 s), as an operator may set it
    const put = await fetch(`http://${FIRST}:8500/v1/operator/autopilot/configuration`, {
      method: 'PUT',
      body: JSON.stringify({ CleanupDeadServers: true, LastContactThreshold: '200ms', MaxTrailingLogs: 250, ServerStabilizationTime: '1s' }),
    });
    expect(await put.text()).toBe('true');
    const s2 = server('server-2', '127.0.1.42', ['-bootstrap-expect=0', `-retry-join=${FIRST}`]);
    const s3 = server('server-3', '127.0.1.43', ['-bootstrap-expect=0', `-retry-join=${FIRST}`]);
    const all = () => [s1, s2, s3].map((p) => p.output().slice(-3000)).join('\n----\n');
    await waitFor(async () => (await voters(FIRST)).join() === 'server-1,server-2,server-3', { timeoutMs: 60_000, intervalMs: 200, what: () => `three voters\n${all()}` });
    expect(s1.output()).toMatch(/agent\.server\.raft: updating configuration: command=AddNonvoter server-id=\S+ server-addr=127\.0\.1\.4[23]:8300 servers="\[\{Suffrage:Voter ID:/);
    expect(s1.output()).toMatch(/agent\.server\.autopilot: Promoting server: id=[0-9a-f-]{36} address=127\.0\.1\.4[23]:8300 name=server-[23]/);
    expect(s1.output()).toMatch(/command=AddVoter server-id=[0-9a-f-]{36} server-addr=127\.0\.1\.4[23]:8300/);
    const members = await getJson<Array<{ Name: string; Status: number; Tags: Record<string, string> }>>('127.0.1.42', '/v1/agent/members');
    expect(members.map((m) => [m.Name, m.Status, m.Tags.role]).sort()).toEqual([
      ['server-1', 1, 'consul'],
      ['server-2', 1, 'consul'],
      ['server-3', 1, 'consul'],
    ]);

    // the first server stopped (a server skips the leave by default): a new leader, then autopilot's cleanup
    expect(await s1.stop('SIGTERM', 20_000)).toBe(1);
    await waitFor(
      async () => {
        const leader = await getJson<string>('127.0.1.42', '/v1/status/leader');
        return leader !== '' && leader !== `${FIRST}:8300`;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: () => `a new leader\n${all()}` },
    );
    await waitFor(async () => (await voters('127.0.1.42')).join() === 'server-2,server-3', { timeoutMs: 30_000, intervalMs: 200, what: () => `server-1 cleaned up\n${all()}` });

    // started again with its original command line (no join address): it finds the servers it knew
    s1 = server('server-1', FIRST, ['-bootstrap']);
    await waitFor(async () => (await voters('127.0.1.43')).join() === 'server-1,server-2,server-3', { timeoutMs: 60_000, intervalMs: 200, what: () => `server-1 back\n${all()}` });
    expect(s1.output()).toContain('this server was removed from the raft configuration while it was away');
    await waitFor(async () => (await getJson<Array<{ Name: string; Status: number }>>(FIRST, '/v1/agent/members')).every((m) => m.Status === 1));
    const r = await fetch(`http://${FIRST}:8500/v1/kv/lab/back`, { method: 'PUT', body: 'yes' });
    expect(await r.text()).toBe('true');
    expect(await (await fetch('http://127.0.1.43:8500/v1/kv/lab/back?raw')).text()).toBe('yes');
  }, 180_000);
});
