// "etcdserver: revision of auth store is old": a write let in at one auth revision and applied after
// a role change is refused at apply, on dcsgw as on genuine etcd 3.4.23 (the race is provoked the
// same way on both: a role change and a txn sent together over the JSON gateway). etcdctl, whose
// client re-authenticates and retries on that error, never shows it.
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startMemberOfKind, stopAllProcesses, type MemberKind } from '../../support/index.js';

const RANGE = { from: 39040, to: 39079 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl');
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function post(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(base + path, { method: 'POST', headers: token ? { authorization: token } : {}, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function race(kind: MemberKind) {
  const m = await startMemberOfKind(kind, { portRange: RANGE });
  const base = m.clientUrl;
  for (const [p, body] of [
    ['/v3/auth/user/add', { name: 'root', password: 'pw' }],
    ['/v3/auth/user/grant', { user: 'root', role: 'root' }],
    ['/v3/auth/role/add', { name: 'app' }],
    ['/v3/auth/role/grant', { name: 'app', perm: { permType: 'READWRITE', key: b64('/app/'), range_end: b64('/app0') } }],
    ['/v3/auth/user/add', { name: 'alice', password: 'apw' }],
    ['/v3/auth/user/grant', { user: 'alice', role: 'app' }],
    ['/v3/auth/enable', {}],
  ] as const) {
    expect((await post(base, p, body)).status).toBe(200);
  }
  const root = (await post(base, '/v3/auth/authenticate', { name: 'root', password: 'pw' })).body['token'] as string;
  const alice = (await post(base, '/v3/auth/authenticate', { name: 'alice', password: 'apw' })).body['token'] as string;
  const refusals = new Set<string>();
  let old = 0;
  let succeeded = 0;
  for (let i = 0; i < 30 && old < 3; i++) {
    const change = post(base, '/v3/auth/role/grant', { name: 'app', perm: { permType: 'READ', key: b64(`/x${i}`) } }, root);
    const write = post(base, '/v3/kv/txn', { success: [{ request_put: { key: b64('/app/k'), value: b64(`v${i}`) } }] }, alice);
    const [c, w] = await Promise.all([change, write]);
    expect(c.status).toBe(200);
    if (w.status === 200) succeeded++;
    else {
      refusals.add(JSON.stringify(w));
      old++;
    }
  }
  // etcdctl's client retries the refused write with a fresh token: the user sees OK
  const ctl = await etcdctl(m.endpoints, ['--user', 'alice:apw', 'put', '/app/k', 'last']);
  await m.stop();
  return { refusals: [...refusals], old, succeeded, ctl: ctl.stdout };
}

describe.skipIf(!ready)('auth revision checked at apply', () => {
  afterAll(() => stopAllProcesses());

  it('refuses a write racing a role change with etcd\'s error, as genuine etcd does', async () => {
    const genuine = await race('etcd');
    const ours = await race('dcsgw');
    const expected = JSON.stringify({
      status: 400,
      body: { error: 'etcdserver: revision of auth store is old', message: 'etcdserver: revision of auth store is old', code: 3 },
    });
    // genuine etcd loses the race often but not always; both must show it, with the same answer
    expect(genuine.old).toBeGreaterThan(0);
    expect(genuine.refusals).toEqual([expected]);
    expect(ours.old).toBeGreaterThan(0);
    expect(ours.refusals).toEqual([expected]);
    expect(ours.ctl).toBe('OK\n');
    expect(genuine.ctl).toBe('OK\n');
  }, 120_000);
});
