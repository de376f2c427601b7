// A dcsgw snapshot carries the auth store in etcd's buckets with bcrypt password hashes as Go
// writes them: genuine etcd restored from it comes up with auth as it was, and the users log in
// with their passwords. A data dir from before bcrypt (scrypt hashes) still lets its users in on
// dcsgw, and its snapshot says auth is disabled (genuine etcd could not check those hashes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startDcsgw, startEtcd, stopAllProcesses } from '../../support/index.js';

const RANGE = { from: 39000, to: 39039 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl');

describe.skipIf(!ready)('auth store in a dcsgw snapshot restored by genuine etcd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcsgw-auth-snap-'));
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('genuine etcd keeps auth enabled and every password works', async () => {
    const d = await startDcsgw({ portRange: RANGE });
    for (const args of [
      ['user', 'add', 'root:pw'],
      ['role', 'add', 'root'],
      ['user', 'grant-role', 'root', 'root'],
      ['role', 'add', 'app'],
      ['role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix'],
      ['user', 'add', 'alice:alice-pw'],
      ['user', 'grant-role', 'alice', 'app'],
      ['user', 'add', 'svc', '--no-password'],
      ['user', 'grant-role', 'svc', 'app'],
      ['auth', 'enable'],
    ]) {
      expect((await etcdctl(d.endpoints, args)).code).toBe(0);
    }
    expect((await etcdctl(d.endpoints, ['--user', 'alice:alice-pw', 'put', '/app/k', 'v'])).stdout).toBe('OK\n');
    const db = join(dir, 's.db');
    expect((await etcdctl(d.endpoints, ['--user', 'root:pw', 'snapshot', 'save', db])).code).toBe(0);
    await d.stop();
    const restored = join(dir, 'restored');
    expect((await etcdctl([], ['snapshot', 'restore', db, '--data-dir', restored])).code).toBe(0);
    const e = await startEtcd({ portRange: RANGE, dataDir: restored });

    // auth is on: no user, no read
    const anon = await etcdctl(e.endpoints, ['get', '/app/k']);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toContain('etcdserver: user name is empty');
    expect((await etcdctl(e.endpoints, ['--user', 'root:pw', 'user', 'list'])).stdout).toBe('alice\nroot\nsvc\n');
    expect((await etcdctl(e.endpoints, ['--user', 'alice:alice-pw', 'get', '/app/k', '--print-value-only'])).stdout).toBe('v\n');
    const wrong = await etcdctl(e.endpoints, ['--user', 'alice:nope', 'get', '/app/k']);
    expect(wrong.stderr).toContain('etcdserver: authentication failed, invalid user ID or password');
    expect((await etcdctl(e.endpoints, ['--user', 'root:pw', 'role', 'get', 'app'])).stdout).toBe(
      'Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n',
    );
    // a password changed on genuine etcd is a genuine hash, and alice's dcsgw-made one still works beside it
    expect((await etcdctl(e.endpoints, ['--user', 'root:pw', 'user', 'passwd', 'root', '--interactive=false'], { input: 'pw2\n' })).stdout).toBe('Password updated\n');
    expect((await etcdctl(e.endpoints, ['--user', 'root:pw2', 'get', '/app/k', '--print-value-only'])).stdout).toBe('v\n');
    await e.stop();
  }, 90_000);

  it('--bcrypt-cost sets the cost of the hashes dcsgw writes; genuine etcd checks them', async () => {
    const d = await startDcsgw({ portRange: RANGE, extraArgs: ['--bcrypt-cost', '5'] });
    for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) {
      expect((await etcdctl(d.endpoints, args)).code).toBe(0);
    }
    const db = join(dir, 'cost.db');
    expect((await etcdctl(d.endpoints, ['--user', 'root:pw', 'snapshot', 'save', db])).code).toBe(0);
    await d.stop();
    // the cost is in the hash genuine etcd reads back: its bbolt file holds "$2a$05$"
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(db).includes(Buffer.from('$2a$05$'))).toBe(true);
    const restored = join(dir, 'cost-restored');
    expect((await etcdctl([], ['snapshot', 'restore', db, '--data-dir', restored])).code).toBe(0);
    const e = await startEtcd({ portRange: RANGE, dataDir: restored });
    expect((await etcdctl(e.endpoints, ['--user', 'root:pw', 'user', 'get', 'root'])).stdout).toBe('User: root\nRoles: root\n');
    await e.stop();
  }, 90_000);
});
