// A dcsgw snapshot carries the auth store in etcd's buckets: genuine etcd restored from it has the
// users, roles and permissions, with auth disabled (dcsgw's password hashes are not bcrypt, so
// passwords are set again before `auth enable`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startDcsgw, startEtcd, stopAllProcesses } from '../../support/index.js';

const RANGE = { from: 29580, to: 29599 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl');

describe.skipIf(!ready)('auth store in a dcsgw snapshot restored by genuine etcd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-auth-snap-'));
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps users, roles and permissions; auth comes back disabled', async () => {
    const d = await startDcsgw({ portRange: RANGE });
    for (const args of [
      ['user', 'add', 'root:pw'],
      ['role', 'add', 'root'],
      ['user', 'grant-role', 'root', 'root'],
      ['role', 'add', 'app'],
      ['role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix'],
      ['user', 'add', 'svc', '--no-password'],
      ['user', 'grant-role', 'svc', 'app'],
      ['auth', 'enable'],
    ]) {
      expect((await etcdctl(d.endpoints, args)).code).toBe(0);
    }
    const db = join(dir, 's.db');
    expect((await etcdctl(d.endpoints, ['--user', 'root:pw', 'snapshot', 'save', db])).code).toBe(0);
    await d.stop();
    const restored = join(dir, 'restored');
    const r = await etcdctl([], ['snapshot', 'restore', db, '--data-dir', restored]);
    expect(r.code).toBe(0);
    const e = await startEtcd({ portRange: RANGE, dataDir: restored });
    expect((await etcdctl(e.endpoints, ['user', 'list'])).stdout).toBe('root\nsvc\n');
    expect((await etcdctl(e.endpoints, ['user', 'get', 'svc'])).stdout).toBe('User: svc\nRoles: app\n');
    expect((await etcdctl(e.endpoints, ['role', 'get', 'app'])).stdout).toBe(
      'Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n',
    );
    // auth disabled: anyone may read
    expect((await etcdctl(e.endpoints, ['put', 'k', 'v'])).stdout).toBe('OK\n');
    // passwords set again, then auth works on genuine etcd
    expect((await etcdctl(e.endpoints, ['user', 'passwd', 'root', '--interactive=false'], { input: 'pw\n' })).stdout).toBe('Password updated\n');
    expect((await etcdctl(e.endpoints, ['auth', 'enable'])).stdout).toBe('Authentication Enabled\n');
    expect((await etcdctl(e.endpoints, ['--user', 'root:pw', 'get', 'k', '--print-value-only'])).stdout).toBe('v\n');
  }, 60_000);
});
