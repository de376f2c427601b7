// The same command lines given to genuine etcd 3.4 and to dcsgw must print the same thing and exit
// with the same code. Only invocations that fail (or print and exit) before anything listens are
// used, with explicit loopback URLs of this suite's range, so no server ever starts here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { hasDcsgwBuild, repoRoot, skipUnlessBinaries, whichBinary } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP etcd parity of the dcsgw command: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const skip = noBuild || skipUnlessBinaries('etcd');

const cwd = mkdtempSync(join(tmpdir(), 'dcsgw-cli-parity-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_')) env[k] = v;
  return { ...env, ...extra };
}

function runEtcd(args: string[], env: Record<string, string>): Outcome {
  const r = spawnSync(whichBinary('etcd')!, args, { cwd, env: cleanEnv(env), encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runDcsgw(args: string[], env: Record<string, string>): Outcome {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'dcsgw'), ...args], { cwd, env: cleanEnv(env), encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** capnslog and zap timestamps differ between runs. */
function normalise(text: string): string {
  return text.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /gm, '<ts> ').replace(/"ts":"[^"]+"/g, '"ts":"<ts>"');
}

const URLS = ['--listen-client-urls', 'http://127.0.0.1:28931', '--advertise-client-urls', 'http://127.0.0.1:28931', '--listen-peer-urls', 'http://127.0.0.1:28932'];

const SAME_OUTPUT: [string, string[], Record<string, string>][] = [
  ['unknown flag', ['--bogus'], {}],
  ['unknown flag, single dash with a value', ['-bogus=1'], {}],
  ['flag without its argument', ['--name'], {}],
  ['non-numeric number', ['--heartbeat-interval', 'abc'], {}],
  ['bad boolean', ['--debug=maybe'], {}],
  ['bad choice', ['--initial-cluster-state', 'bogus'], {}],
  ['bad URL', ['--listen-client-urls', 'notaurl'], {}],
  ['stray argument', ['extra-arg'], {}],
  ['election timeout too short', ['--election-timeout', '400', ...URLS], {}],
  ['election timeout too short, zap logger', ['--logger=zap', '--election-timeout', '400', ...URLS], {}],
  ['listen client URLs without advertise', ['--listen-client-urls', 'http://127.0.0.1:28931'], {}],
  ['unknown logger', ['--logger=bogus'], {}],
  ['unknown auto compaction mode', ['--auto-compaction-mode', 'bogus', ...URLS], {}],
  ['flag and environment both set', ['--name', 'y', ...URLS], { ETCD_NAME: 'x' }],
  ['invalid environment value', [...URLS], { ETCD_HEARTBEAT_INTERVAL: 'abc', ETCD_FOO: 'bar' }],
  ['help', ['--help'], {}],
  ['help, short', ['-h'], {}],
];

describe.skipIf(skip)('dcsgw and genuine etcd print the same and exit the same', () => {
  test.each(SAME_OUTPUT)('%s', (_what, args, env) => {
    const etcd = runEtcd(args, env);
    const dcsgw = runDcsgw(args, env);
    expect(dcsgw.code).toBe(etcd.code);
    expect(normalise(dcsgw.stderr)).toBe(normalise(etcd.stderr));
    expect(dcsgw.stdout).toBe(etcd.stdout);
  });

  test('--version: etcd\'s block first, then dcsgw\'s own line', () => {
    const etcd = runEtcd(['--version'], {});
    const dcsgw = runDcsgw(['--version'], {});
    expect(dcsgw.code).toBe(0);
    expect(dcsgw.stdout.split('\n')[0]).toBe(etcd.stdout.split('\n')[0]);
    expect(dcsgw.stdout).toMatch(/^dcsgw Version: \d+\.\d+\.\d+$/m);
    expect(runDcsgw(['version'], {}).stdout).toBe(dcsgw.stdout);
  });

  test('a member missing from --initial-cluster: the same fatal line, exit 1', () => {
    const args = ['--name', 'foo', '--data-dir', join(cwd, 'foo'), '--initial-cluster', 'bar=http://127.0.0.1:28932', '--initial-advertise-peer-urls', 'http://127.0.0.1:28932', ...URLS];
    const etcd = runEtcd(args, {});
    const dcsgw = runDcsgw(args, {});
    expect(dcsgw.code).toBe(1);
    expect(etcd.code).toBe(1);
    const lastLine = (s: string): string => normalise(s).trim().split('\n').at(-1)!;
    expect(lastLine(dcsgw.stderr)).toBe(lastLine(etcd.stderr));
  });
});
