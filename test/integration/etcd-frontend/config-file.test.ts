// etcd's --config-file, dcsgw beside genuine etcd 3.4.23 with the same YAML files: a file that
// starts a member (capnslog and zap, TLS from client-transport-security, ETCD_CONFIG_FILE, other
// flags and variables ignored) serves etcdctl the same way; a file etcd refuses is refused with the
// same line and exit code (Go's JSON type errors, durations, URL lists, validation, a missing file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, repoRoot, skipUnlessBinaries, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const PORTS = { from: 22000, to: 22199 };
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-config-file-'));
const KINDS = ['etcd', 'dcsgw'] as const;
type Kind = (typeof KINDS)[number];

function spawnKind(kind: Kind, args: string[], env: Record<string, string> = {}): ManagedProcess {
  const bin = kind === 'etcd' ? 'etcd' : join(repoRoot(), 'bin', 'dcsgw');
  // a clean environment: no ETCD_* of the machine's leaks into either server
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_'))) as Record<string, string>;
  return spawnManaged(bin, args, { cwd: dir, env: { ...base, ...env } });
}

let fileCount = 0;
function yamlFile(body: string): string {
  const path = join(dir, `conf-${++fileCount}.yml`);
  writeFileSync(path, body);
  return path;
}

/** Runs a start that must fail; its exit code and stderr without timestamps. */
async function refused(kind: Kind, file: string): Promise<{ code: number | string; lines: string[] }> {
  const p = spawnKind(kind, ['--config-file', file]);
  const code = await Promise.race([p.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
  if (code === 'still running') await p.stop('SIGKILL');
  const lines = p
    .output()
    .trim()
    .split('\n')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ /, ''));
  return { code, lines };
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl'))('--config-file as genuine etcd reads it', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the files etcd refuses, with the same line and exit code', async () => {
    const bodies: Record<string, string> = {
      'a string for a number': 'snapshot-count: "abc"\n',
      'a number for a string (no YAML-to-string coercion)': 'name: ok\nauto-compaction-retention: 1\n',
      'a duration written as Go text, not nanoseconds': 'experimental-watch-progress-notify-interval: 5s\n',
      'a negative number for a uint': 'heartbeat-interval: -5\n',
      'a fraction for a uint': 'heartbeat-interval: 1.5\n',
      'a string for a list': 'cipher-suites: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n',
      'the first error in document order': 'log-outputs: [stderr]\nname: [a]\nsnapshot-count: x\n',
      'a YAML 1.1 boolean for a string': 'initial-cluster-state: yes\n',
      'a nested TLS setting of the wrong type': 'client-transport-security:\n  cert-file: 5\n',
      'a proxy setting of the wrong type (decoded second)': 'proxy-failure-wait: "x"\n',
      'validation after decoding': 'heartbeat-interval: 100\nelection-timeout: 200\n',
      'validation with the file naming zap': 'logger: zap\nheartbeat-interval: 100\nelection-timeout: 200\n',
      'an unknown logger': 'logger: glog\n',
      'a bad listen URL (etcd exits with its own line)': 'listen-client-urls: bad\n',
      'a bad advertise URL (etcd names it advertise-peer-urls)': 'advertise-client-urls: ftp://x:1\n',
    };
    for (const [what, body] of Object.entries(bodies)) {
      const file = yamlFile(body);
      const [etcd, dcsgw] = [await refused('etcd', file), await refused('dcsgw', file)];
      expect(etcd.code, what).toBe(1);
      expect({ what, ...dcsgw }, what).toEqual({ what, ...etcd });
    }
    const missing = join(dir, 'missing.yml');
    expect(await refused('dcsgw', missing)).toEqual(await refused('etcd', missing));
  }, 120_000);

  it('starts from a file, ignores flags and ETCD_* beside it, serves etcdctl as etcd does', async () => {
    const results: Record<Kind, string[]> = { etcd: [], dcsgw: [] };
    for (const kind of KINDS) {
      const [client, peer, metrics] = await allocatePorts(3, PORTS);
      const file = yamlFile(
        [
          'name: infra1',
          `data-dir: ${join(dir, `${kind}-data`)}`,
          'logger: zap',
          'log-outputs: [stderr]',
          `listen-client-urls: https://127.0.0.1:${client}`,
          `advertise-client-urls: https://127.0.0.1:${client}`,
          `listen-peer-urls: http://127.0.0.1:${peer}`,
          `initial-advertise-peer-urls: http://127.0.0.1:${peer}`,
          `listen-metrics-urls: http://127.0.0.1:${metrics}`,
          "initial-cluster-token: 'from-file'",
          "auto-compaction-retention: '1'",
          'max-txn-ops: 3',
          'experimental-watch-progress-notify-interval: 5000000000',
          'unknown-setting: ignored',
          'client-transport-security:',
          '  auto-tls: true',
        ].join('\n') + '\n',
      );
      // the file wins over both the command line and the environment
      const p = spawnKind(kind, ['--config-file', file, '--name', 'from-flag', '--max-txn-ops', '100'], { ETCD_NAME: 'from-env', ETCD_SNAPSHOT_COUNT: 'x' });
      const ep = `https://127.0.0.1:${client}`;
      const tls = ['--insecure-transport=false', '--insecure-skip-tls-verify'];
      await waitFor(async () => (await etcdctl(ep, [...tls, 'endpoint', 'health'])).code === 0, { timeoutMs: 30_000, what: () => `${kind} healthy\n${p.output()}` });
      const first = JSON.parse(p.output().split('\n')[0]!);
      expect(first.msg, kind).toBe('loaded server configuration, other configuration command line flags and environment variables will be ignored if provided');
      expect(first.path).toBe(file);
      const run = async (...args: string[]) => {
        const r = await etcdctl(ep, [...tls, ...args]);
        return `$ ${args.join(' ')}\n${r.stdout}${r.stderr}`.replace(/\b[0-9a-f]{12,16}\b/g, '<id>').replace(/127\.0\.0\.1:\d+/g, '<addr>');
      };
      results[kind].push(await run('put', 'k', 'v'));
      results[kind].push(await run('get', 'k'));
      results[kind].push(await run('member', 'list'));
      const txn = await etcdctl(ep, [...tls, 'txn'], { input: '\nput a 1\nput b 2\nput c 3\nput d 4\n\n\n' });
      const stderr = txn.stderr.replace(/^\{"level":"warn".*\n/gm, ''); // the client's own retry log line (times, random target)
      results[kind].push(`$ txn (4 ops)\n${txn.stdout}${stderr}`);
      const metricsRes = await fetch(`http://127.0.0.1:${metrics}/metrics`);
      results[kind].push(`metrics ${metricsRes.status}`);
      await p.stop();
    }
    expect(results.dcsgw).toEqual(results.etcd);
    expect(results.dcsgw.join('\n')).toContain('infra1');
    expect(results.dcsgw.join('\n')).toContain('too many operations in txn request');
  }, 120_000);
});
