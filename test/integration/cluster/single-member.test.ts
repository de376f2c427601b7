// One dcsgw member as a process: etcd's log lines in both formats at the moments scripts wait
// for them, a graceful stop on SIGTERM / SIGINT (exit code 0), and the same member and cluster IDs
// after a restart from the data dir.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { deriveClusterId, deriveMemberId, idToHex } from '../../../src/cli/ids.js';
import { identityFile } from '../../../src/cli/identity.js';
import { allocatePorts, etcdctl, hasDcsgwBuild, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP dcsgw single-member process tests: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const skip = noBuild || skipUnlessBinaries('etcdctl');

const dirs: string[] = [];
afterAll(async () => {
  await stopAllProcesses();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startMember(extra: string[]): Promise<{ proc: ManagedProcess; client: string; peer: string; metrics: string; dataDir: string; args: string[] }> {
  const [c, p, mp] = await allocatePorts(3, { from: 28500, to: 28599 });
  const metrics = `http://127.0.0.1:${mp}`;
  const client = `http://127.0.0.1:${c}`;
  const peer = `http://127.0.0.1:${p}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-single-'));
  dirs.push(dataDir);
  const args = [
    join(repoRoot(), 'bin', 'dcsgw'),
    '--name', 'solo',
    '--data-dir', dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `solo=${peer}`,
    ...extra.map((a) => (a === '<metrics>' ? metrics : a)),
  ];
  return { proc: spawnManaged(process.execPath, args, { cwd: dataDir }), client, peer, metrics, dataDir, args };
}

const waitLine = (proc: ManagedProcess, re: RegExp): Promise<string> =>
  waitFor(() => proc.output().split('\n').find((l) => re.test(l)), { timeoutMs: 20_000, what: `a log line matching ${re}` });

describe.skipIf(skip)('a single dcsgw member', () => {
  test('--logger=zap: JSON lines in zap\'s shape, etcd\'s lifecycle messages, SIGTERM stops with 0', async () => {
    const m = await startMember(['--logger=zap', '--listen-metrics-urls', '<metrics>']);
    const address = new URL(m.client).host;
    await waitLine(m.proc, /"msg":"serving client traffic insecurely; this is strongly discouraged!"/);
    expect((await etcdctl(m.client, ['put', 'a', '1'])).stdout).toBe('OK\n');
    // --listen-metrics-urls: /metrics and /health on their own listener
    const metricsText = await (await fetch(`${m.metrics}/metrics`)).text();
    expect(metricsText).toMatch(/^etcd_server_has_leader 1$/m);
    expect(metricsText).toMatch(/^# TYPE etcd_network_peer_sent_bytes_total counter$/m);
    expect(await (await fetch(`${m.metrics}/health`)).json()).toEqual({ health: 'true' });
    expect(await m.proc.stop('SIGTERM', 10_000)).toBe(0);

    const records = m.proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byMsg = (msg: string): Record<string, unknown> | undefined => records.find((r) => r.msg === msg);
    const memberHex = idToHex(deriveMemberId([m.peer], 'etcd-cluster'));
    expect(byMsg('starting an etcd server')).toMatchObject({ level: 'info', caller: 'embed/etcd.go:305', name: 'solo', 'etcd-version': '3.4.23', 'data-dir': m.dataDir });
    expect(byMsg('starting local member')).toMatchObject({ 'local-member-id': memberHex, 'cluster-id': idToHex(deriveClusterId([BigInt('0x' + memberHex)])) });
    expect(byMsg('published local member to cluster through raft')).toBeDefined();
    expect(byMsg('enabled capabilities for version')).toMatchObject({ 'cluster-version': '3.4' });
    expect(byMsg('ready to serve client requests')).toMatchObject({ level: 'info', caller: 'embed/serve.go:103' });
    expect(byMsg('serving client traffic insecurely; this is strongly discouraged!')).toMatchObject({ address });
    expect(byMsg('received signal; shutting down')).toMatchObject({ signal: 'terminated' });
    expect(byMsg('skipped leadership transfer for single voting member cluster')).toBeDefined();
    expect(byMsg('closed etcd server')).toBeDefined();
    for (const r of records) {
      expect(typeof r.level).toBe('string');
      expect(r.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof r.msg).toBe('string');
    }
    // the lines etcd prints with a caller carry the keys in zap's order
    const starting = m.proc.output().split('\n').find((l) => l.includes('"msg":"starting an etcd server"'))!;
    expect(Object.keys(JSON.parse(starting) as object).slice(0, 4)).toEqual(['level', 'ts', 'caller', 'msg']);
  });

  test('default capnslog: etcd 3.4\'s text lines, SIGINT stops with 0, a restart keeps the IDs', async () => {
    const m = await startMember([]);
    const address = new URL(m.client).host;
    await waitLine(m.proc, /N \| embed: serving insecure client requests on /);
    const out = m.proc.output();
    expect(out).toContain("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n");
    const line = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} [DINWEC] \| [a-z/]+: /;
    const textLines = out.split('\n').filter((l) => line.test(l));
    const texts = textLines.map((l) => l.replace(line, (p) => p.slice(27)));
    expect(texts).toEqual(
      expect.arrayContaining([
        'I | etcdmain: etcd Version: 3.4.23',
        'I | embed: name = solo',
        `I | embed: data dir = ${m.dataDir}`,
        'I | embed: ready to serve client requests',
        `N | embed: serving insecure client requests on ${address}, this is strongly discouraged!`,
        'I | etcdserver/api: enabled capabilities for version 3.4',
      ]),
    );
    expect(existsSync(identityFile(m.dataDir))).toBe(true);
    const before = await etcdctl(m.client, ['member', 'list', '--write-out=json']);
    expect(await m.proc.stop('SIGINT', 10_000)).toBe(0);
    expect(m.proc.output()).toMatch(/N \| pkg\/osutil: received interrupt signal, shutting down\.\.\./);

    const again = spawnManaged(process.execPath, m.args, { cwd: m.dataDir });
    await waitLine(again, /serving insecure client requests on /);
    const after = await etcdctl(m.client, ['member', 'list', '--write-out=json']);
    const ids = (json: string): unknown => {
      const r = JSON.parse(json) as { header: { cluster_id: unknown; member_id: unknown }; members: { ID: unknown }[] };
      return { cluster: r.header.cluster_id, member: r.header.member_id, members: r.members.map((x) => x.ID) };
    };
    expect(ids(after.stdout)).toEqual(ids(before.stdout));
    expect(await again.stop('SIGTERM', 10_000)).toBe(0);
  });
});
