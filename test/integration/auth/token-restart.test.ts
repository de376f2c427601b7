// Tokens across a restart, as genuine etcd 3.4.23 treats them: simple tokens live in memory only,
// so a restarted member answers "invalid auth token" for one issued before (clients log in again);
// a JWT is stateless and stays valid until it expires, whoever restarts.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startMemberOfKind, stopAllProcesses, type MemberKind } from '../../support/index.js';

const RANGE = { from: 39160, to: 39199 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl');
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-token-restart-'));

async function post(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(base + path, { method: 'POST', headers: token ? { authorization: token } : {}, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  delete json['header']; // IDs differ between the two servers
  return { status: r.status, body: json };
}

async function acrossRestart(kind: MemberKind, extraArgs: string[]) {
  let m = await startMemberOfKind(kind, { portRange: RANGE, extraArgs });
  for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) {
    expect((await etcdctl(m.endpoints, args)).code).toBe(0);
  }
  const auth = await post(m.clientUrl, '/v3/auth/authenticate', { name: 'root', password: 'pw' });
  const token = (auth.body as { token: string }).token;
  const before = await post(m.clientUrl, '/v3/kv/put', { key: 'YQ==', value: 'Yg==' }, token);
  await m.stop({ keepDataDir: true });
  m = await m.restart();
  const after = await post(m.clientUrl, '/v3/kv/range', { key: 'YQ==', keys_only: true }, token);
  // a fresh login works, the data is there
  const relogin = await etcdctl(m.endpoints, ['--user', 'root:pw', 'get', 'a', '--print-value-only']);
  await m.stop();
  return { before, after, relogin: relogin.stdout };
}

describe.skipIf(!ready)('auth tokens across a restart', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('simple tokens are forgotten, as genuine etcd forgets them', async () => {
    const genuine = await acrossRestart('etcd', []);
    const ours = await acrossRestart('dcsgw', []);
    expect(ours).toEqual(genuine);
    expect(ours.after).toEqual({ status: 401, body: { error: 'etcdserver: invalid auth token', message: 'etcdserver: invalid auth token', code: 16 } });
    expect(ours.relogin).toBe('b\n');
  }, 120_000);

  it('a JWT stays valid across the restart, as on genuine etcd', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const key = join(dir, 'es384.key');
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const args = ['--auth-token', `jwt,priv-key=${key},sign-method=ES384`];
    const genuine = await acrossRestart('etcd', args);
    const ours = await acrossRestart('dcsgw', args);
    expect(ours).toEqual(genuine);
    expect(ours.after.status).toBe(200);
  }, 120_000);
});
