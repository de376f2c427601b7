// etcdctl's user/role/auth commands against dcsgw and against genuine etcd 3.4 (the reference), step
// by step: the same output and exit code, then a restart of dcsgw keeps users, roles and auth on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startDcsgw, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';

const RANGE = { from: 29500, to: 29539 };
const haveEtcd = !skipUnlessBinaries('etcd', 'etcdctl');
const haveDcsgw = hasDcsgwBuild();
if (!haveDcsgw) console.log('skipping auth etcdctl tests: no dcsgw build (node scripts/ensure-ready.mjs)');

/** [args, stdin] as a user types them. */
const STEPS: [string[], string?][] = [
  [['auth', 'enable']],
  [['user', 'add', 'root:pw']],
  [['role', 'add', 'root']],
  [['role', 'add', 'root']],
  [['user', 'grant-role', 'root', 'root']],
  [['user', 'grant-role', 'root', 'nope']],
  [['user', 'get', 'root']],
  [['user', 'get', 'nope']],
  [['role', 'add', 'r1']],
  [['role', 'grant-permission', 'r1', 'read', '/a']],
  [['role', 'grant-permission', 'r1', 'write', '/b', '/c']],
  [['role', 'grant-permission', 'r1', 'readwrite', '--prefix', '/p/']],
  [['role', 'grant-permission', 'r1', 'readwrite', '--from-key', '/z']],
  [['role', 'get', 'r1']],
  [['role', 'revoke-permission', 'r1', '/a']],
  [['role', 'revoke-permission', 'r1', '/a']],
  [['user', 'add', 'u1:pw1']],
  [['user', 'add', 'u2', '--no-password']],
  [['user', 'grant-role', 'u1', 'r1']],
  [['user', 'get', 'u1', '--detail']],
  [['user', 'revoke-role', 'u1', 'nope']],
  [['user', 'passwd', 'u1', '--interactive=false'], 'pw2\n'],
  [['user', 'list']],
  [['role', 'list', '-w', 'json']],
  [['auth', 'enable']],
  [['put', 'k', 'v']],
  [['--user', 'root:pw', 'put', 'k', 'v']],
  [['--user', 'root:bad', 'put', 'k', 'v']],
  [['--user', 'u2:any', 'get', 'k']],
  [['--user', 'u1:pw1', 'get', 'k']],
  [['--user', 'u1:pw2', 'get', 'k']],
  [['--user', 'u1:pw2', 'put', '/p/x', 'v']],
  [['--user', 'u1:pw2', 'get', '/p/', '--prefix']],
  [['--user', 'u1:pw2', 'get', '/p']],
  [['--user', 'u1:pw2', 'del', '/b']],
  [['--user', 'u1:pw2', 'user', 'list']],
  [['--user', 'u1:pw2', 'role', 'get', 'r1']],
  [['--user', 'u1:pw2', 'defrag']],
  [['--user', 'root:pw', 'user', 'delete', 'root']],
  [['--user', 'root:pw', 'role', 'delete', 'root']],
];

/** Drops what legitimately differs: client log lines (timestamps, UUIDs), the endpoint's port, member/cluster IDs. */
function shown(r: { stdout: string; stderr: string; code: number }, port: number): string {
  const err = r.stderr
    .split('\n')
    .filter((l) => !l.includes('retry_interceptor'))
    .join('\n');
  // member and cluster IDs derive from the (different) peer URLs
  return `${r.stdout}${err}[rc=${r.code}]`.replaceAll(String(port), '<PORT>').replace(/"(cluster_id|member_id)":\d+/g, '"$1":<ID>');
}

async function runSteps(m: RunningMember): Promise<string[]> {
  const out: string[] = [];
  for (const [args, input] of STEPS) {
    const r = await etcdctl(m.endpoints, args, input === undefined ? {} : { input });
    out.push(`$ etcdctl ${args.join(' ')}\n${shown(r, m.clientPort)}`);
  }
  return out;
}

describe.skipIf(!haveDcsgw)('etcdctl user/role/auth on dcsgw', () => {
  let dcsgw: RunningMember;
  let etcd: RunningMember | undefined;
  let ours: string[] = [];
  let genuine: string[] = [];

  beforeAll(async () => {
    [dcsgw, etcd] = await Promise.all([startDcsgw({ portRange: RANGE }), haveEtcd ? startEtcd({ portRange: RANGE }) : Promise.resolve(undefined)]);
    [ours, genuine] = await Promise.all([runSteps(dcsgw), etcd ? runSteps(etcd) : Promise.resolve([])]);
  }, 90_000);

  afterAll(async () => {
    await stopAllProcesses();
  });

  it('answers what a user expects', () => {
    const at = (prefix: string) => ours.find((o) => o.startsWith(`$ etcdctl ${prefix}\n`));
    expect(at('auth enable')).toContain('Error: etcdserver: root user does not exist');
    expect(at('role add root')).toContain('Role root created');
    expect(at('role get r1')).toContain('KV Read:\n\t/a\n\t[/p/, /p0) (prefix /p/)\n\t[/z, <open ended>\nKV Write:\n\t[/b, /c) (prefix /b)');
    expect(at('--user root:pw put k v')).toContain('OK');
    expect(at('put k v')).toContain('Error: etcdserver: user name is empty');
    expect(at('--user root:bad put k v')).toContain('Error: etcdserver: authentication failed, invalid user ID or password');
    expect(at('--user u2:any get k')).toContain('auth: authentication failed, password was given for no password user');
    expect(at('--user u1:pw2 get /p')).toContain('Error: etcdserver: permission denied');
    expect(at('--user u1:pw2 get /p/ --prefix')).toContain('/p/x\nv\n');
    expect(at('--user root:pw user delete root')).toContain('Error: etcdserver: invalid auth management');
  });

  it.skipIf(!haveEtcd)('answers every step as genuine etcd 3.4 does', () => {
    for (let i = 0; i < STEPS.length; i++) expect(ours[i]).toBe(genuine[i]);
  });

  it('keeps users, roles, permissions and auth enabled across a restart', async () => {
    await dcsgw.stop({ keepDataDir: true });
    dcsgw = await dcsgw.restart();
    const list = await etcdctl(dcsgw.endpoints, ['--user', 'root:pw', 'user', 'list']);
    expect(list.stdout).toBe('root\nu1\nu2\n');
    const anon = await etcdctl(dcsgw.endpoints, ['get', 'k']);
    expect(anon.stderr).toContain('Error: etcdserver: user name is empty');
    const denied = await etcdctl(dcsgw.endpoints, ['--user', 'u1:pw2', 'get', '/a']);
    expect(denied.stderr).toContain('Error: etcdserver: permission denied');
    const allowed = await etcdctl(dcsgw.endpoints, ['--user', 'u1:pw2', 'get', '/p/x']);
    expect(allowed.stdout).toBe('/p/x\nv\n');
    const off = await etcdctl(dcsgw.endpoints, ['--user', 'root:pw', 'auth', 'disable']);
    expect(off.stdout).toBe('Authentication Disabled\n');
    expect((await etcdctl(dcsgw.endpoints, ['get', 'k'])).stdout).toBe('k\nv\n');
  }, 60_000);
});
