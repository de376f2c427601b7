// --auth-token-ttl: simple tokens expire once unused for the TTL (JWT: jwt-tokens.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, sleep, startDcsgw, stopAllProcesses } from '../../support/index.js';

const RANGE = { from: 29600, to: 29619 };
const ready = hasDcsgwBuild();

async function post(url: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: token };
  const res = await fetch(`${url}/v3/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(!ready)('auth token flags', () => {
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('forgets a token unused for --auth-token-ttl seconds', async () => {
    const m = await startDcsgw({ portRange: RANGE, extraArgs: ['--auth-token-ttl', '1'] });
    for (const args of [['user', 'add', 'root:pw'], ['role', 'add', 'root'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) {
      expect((await etcdctl(m.endpoints, args)).code).toBe(0);
    }
    const auth = await post(m.clientUrl, 'auth/authenticate', { name: 'root', password: 'pw' });
    const token = auth.body['token'] as string;
    expect(token).toMatch(/^[a-zA-Z]{16}\.\d+$/);
    expect((await post(m.clientUrl, 'kv/put', { key: 'YQ==', value: 'YQ==' }, token)).status).toBe(200);
    await sleep(2_500);
    expect(await post(m.clientUrl, 'kv/range', { key: 'YQ==' }, token)).toEqual({
      status: 401,
      body: { error: 'etcdserver: invalid auth token', message: 'etcdserver: invalid auth token', code: 16 },
    });
  }, 60_000);
});
