// A 3-member dcsgw cluster agrees on users, roles and the auth switch: changes made through one
// member are enforced by the others (tokens come from whichever member the client authenticates
// with), for etcdctl and for the etcd3 npm client.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startCluster, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';

const RANGE = { from: 29540, to: 29579 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcdctl');
if (!hasDcsgwBuild()) console.log('skipping auth cluster tests: no dcsgw build (node scripts/ensure-ready.mjs)');

describe.skipIf(!ready)('auth on a 3-member dcsgw cluster', () => {
  let m: RunningMember[] = [];
  const ctl = (i: number, ...args: string[]) => etcdctl((m[i] as RunningMember).endpoints, args);

  beforeAll(async () => {
    m = await startCluster('dcsgw', 3, { portRange: RANGE });
  }, 60_000);

  afterAll(async () => {
    await stopAllProcesses();
  });

  it('replicates users and roles and enforces them on every member', async () => {
    expect((await ctl(0, 'user', 'add', 'root:rootpw')).stdout).toBe('User root created\n');
    expect((await ctl(1, 'role', 'add', 'root')).stdout).toBe('Role root created\n');
    expect((await ctl(2, 'user', 'grant-role', 'root', 'root')).stdout).toBe('Role root is granted to user root\n');
    expect((await ctl(0, 'role', 'add', 'app')).stdout).toBe('Role app created\n');
    expect((await ctl(0, 'role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix')).stdout).toBe('Role app updated\n');
    expect((await ctl(0, 'user', 'add', 'svc:svcpw')).stdout).toBe('User svc created\n');
    expect((await ctl(0, 'user', 'grant-role', 'svc', 'app')).stdout).toBe('Role app is granted to user svc\n');
    // user/role reads are linearizable: every member answers the same right away
    for (let i = 0; i < 3; i++) {
      expect((await ctl(i, 'user', 'list')).stdout).toBe('root\nsvc\n');
      expect((await ctl(i, 'role', 'get', 'app')).stdout).toBe('Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n');
    }
    expect((await ctl(1, 'auth', 'enable')).stdout).toBe('Authentication Enabled\n');
    for (let i = 0; i < 3; i++) {
      // a follower may apply the enable a moment later
      const anon = await waitFor(async () => {
        const r = await ctl(i, 'put', '/app/x', '1');
        return r.code !== 0 ? r : undefined;
      }, { timeoutMs: 15_000, what: `auth enforced on member ${i + 1}` });
      expect(anon.stderr).toContain('Error: etcdserver: user name is empty');
      expect((await ctl(i, '--user', 'svc:svcpw', 'put', '/app/x', String(i))).stdout).toBe('OK\n');
      expect((await ctl(i, '--user', 'svc:svcpw', 'put', '/other', '1')).stderr).toContain('Error: etcdserver: permission denied');
      expect((await ctl(i, '--user', 'svc:wrong', 'get', '/app/x')).stderr).toContain('Error: etcdserver: authentication failed, invalid user ID or password');
    }
    expect((await ctl(2, '--user', 'root:rootpw', 'get', '/app/x', '--print-value-only')).stdout).toBe('2\n');
  }, 60_000);

  it('accepts a token on every member, whichever member issued it (etcd replicates simple tokens)', async () => {
    const url = (i: number) => (m[i] as RunningMember).clientUrl;
    const res = await fetch(`${url(0)}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: 'svc', password: 'svcpw' }) });
    const { token } = (await res.json()) as { token: string };
    expect(token).toMatch(/^[a-zA-Z]{16}\.\d+$/);
    for (let i = 0; i < 3; i++) {
      // a follower may apply the token's assignment a moment later
      const r = await waitFor(async () => {
        const g = await fetch(`${url(i)}/v3/kv/range`, { method: 'POST', headers: { authorization: token }, body: JSON.stringify({ key: Buffer.from('/app/x').toString('base64') }) });
        return g.status === 200 ? g : undefined;
      }, { timeoutMs: 15_000, what: `token accepted on member ${i + 1}` });
      const body = (await r.json()) as { kvs: { value: string }[] };
      expect(Buffer.from(body.kvs[0]?.value ?? '', 'base64').toString()).toBe('2');
    }
  }, 60_000);

  it('serves the etcd3 client with credentials, then turns auth off everywhere', async () => {
    const svc = new Etcd3({ hosts: (m[2] as RunningMember).clientUrl, auth: { username: 'svc', password: 'svcpw' } });
    const anon = new Etcd3({ hosts: (m[1] as RunningMember).clientUrl });
    try {
      await svc.put('/app/js').value('hello');
      expect(await svc.get('/app/js').string()).toBe('hello');
      await expect(svc.get('/secret').string()).rejects.toThrow('etcdserver: permission denied');
      await expect(anon.get('/app/js').string()).rejects.toThrow('etcdserver: user name is empty');
    } finally {
      svc.close();
      anon.close();
    }
    expect((await ctl(0, '--user', 'root:rootpw', 'auth', 'disable')).stdout).toBe('Authentication Disabled\n');
    const r = await waitFor(async () => {
      const g = await ctl(2, 'get', '/app/js', '--print-value-only');
      return g.code === 0 ? g : undefined;
    }, { timeoutMs: 15_000, what: 'auth disabled on member 3' });
    expect(r.stdout).toBe('hello\n');
  }, 60_000);
});
