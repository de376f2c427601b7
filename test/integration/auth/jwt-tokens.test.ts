// --auth-token jwt,...: dcsgw and genuine etcd 3.4.23 started with the same keys answer genuine
// etcdctl the same, issue tokens of the same shape, and accept each other's tokens (the signature,
// method and expiry are all that make a token valid); bad options stop both with the same lines.
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allocatePorts,
  etcdctl,
  hasDcsgwBuild,
  repoRoot,
  skipUnlessBinaries,
  sleep,
  startCluster,
  startMemberOfKind,
  stopAllProcesses,
  type MemberKind,
  type RunningMember,
} from '../../support/index.js';

const RANGE = { from: 39080, to: 39159 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl');
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-jwt-'));

function keyFiles(name: string, type: 'rsa' | 'ec', curve?: string): { pub: string; priv: string } {
  const { publicKey, privateKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: curve! });
  const pub = join(dir, `${name}.pub`);
  const priv = join(dir, `${name}.key`);
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  // EC keys as openssl writes them by default (SEC1), RSA as PKCS8: both forms etcd reads
  writeFileSync(priv, type === 'ec' ? privateKey.export({ type: 'sec1', format: 'pem' }) : privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { pub, priv };
}

const rsa = keyFiles('rsa', 'rsa');
const p256 = keyFiles('p256', 'ec', 'prime256v1');
const p521 = keyFiles('p521', 'ec', 'secp521r1');
const hmac = join(dir, 'hmac.key');
writeFileSync(hmac, 'a shared secret of some length');

async function post(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(base + path, { method: 'POST', headers: token ? { authorization: token } : {}, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** etcdctl's output without the client's retry log lines (they carry times and random client IDs). */
const stable = (s: string) => s.replace(/^\{"level":"warn".*"error":("[^"]*")\}$/gm, 'retry $1');

async function session(m: RunningMember): Promise<string[]> {
  const out: string[] = [];
  const ctl = async (...args: string[]) => {
    const r = await etcdctl(m.endpoints, args);
    out.push(`$ ${args.join(' ')}\n${stable(r.stdout)}${stable(r.stderr)}`);
  };
  await ctl('user', 'add', 'root:pw');
  await ctl('user', 'grant-role', 'root', 'root');
  await ctl('role', 'add', 'app');
  await ctl('role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix');
  await ctl('user', 'add', 'alice:apw');
  await ctl('user', 'grant-role', 'alice', 'app');
  await ctl('auth', 'enable');
  await ctl('--user', 'alice:apw', 'put', '/app/a', '1');
  await ctl('--user', 'alice:apw', 'put', '/b', '1');
  await ctl('--user', 'alice:apw', 'get', '/app/a');
  await ctl('--user', 'alice:wrong', 'get', '/app/a');
  await ctl('--user', 'root:pw', 'role', 'add', 'other');
  await ctl('--user', 'alice:apw', 'txn', '--interactive=false');
  await ctl('--user', 'root:pw', 'user', 'list');
  await ctl('--user', 'alice:apw', 'user', 'list');
  return out;
}

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

describe.skipIf(!ready)('JWT tokens against genuine etcd', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  const methods: [string, string][] = [
    ['RS256', `pub-key=${rsa.pub},priv-key=${rsa.priv}`],
    ['PS384', `pub-key=${rsa.pub},priv-key=${rsa.priv}`],
    ['ES256', `pub-key=${p256.pub},priv-key=${p256.priv}`],
    ['ES512', `priv-key=${p521.priv}`],
    ['HS256', `priv-key=${hmac}`],
  ];

  for (const [method, keys] of methods) {
    it(`${method}: same etcdctl answers, tokens of the same shape, each accepts the other's`, async () => {
      const opts = `jwt,${keys},sign-method=${method},ttl=10m`;
      const started: Partial<Record<MemberKind, RunningMember>> = {};
      const outputs: Partial<Record<MemberKind, string[]>> = {};
      const tokens: Partial<Record<MemberKind, string>> = {};
      for (const kind of ['etcd', 'dcsgw'] as const) {
        const m = await startMemberOfKind(kind, { portRange: RANGE, extraArgs: ['--auth-token', opts] });
        started[kind] = m;
        outputs[kind] = await session(m);
        const auth = await post(m.clientUrl, '/v3/auth/authenticate', { name: 'alice', password: 'apw' });
        tokens[kind] = auth.body['token'] as string;
      }
      expect(outputs.dcsgw).toEqual(outputs.etcd);
      // etcdctl's retry on the old auth revision is invisible: the txn after the role change answers SUCCEEDED
      expect(outputs.dcsgw!.join('\n')).toContain('Error: etcdserver: permission denied');
      const [gh, gc] = tokens.etcd!.split('.');
      const [dh, dc] = tokens.dcsgw!.split('.');
      expect(decode(dh!)).toEqual(decode(gh!));
      expect(decode(dh!)).toEqual({ alg: method, typ: 'JWT' });
      const genuineClaims = decode(gc!);
      const ourClaims = decode(dc!);
      expect(Object.keys(ourClaims)).toEqual(Object.keys(genuineClaims));
      expect({ ...ourClaims, exp: 0 }).toEqual({ ...genuineClaims, exp: 0 });
      expect(Math.abs((ourClaims['exp'] as number) - Math.floor(Date.now() / 1000) - 600)).toBeLessThan(60);
      // a token is good on any server holding the keys, at the same auth revision
      for (const [server, token] of [
        ['dcsgw', tokens.etcd!],
        ['etcd', tokens.dcsgw!],
      ] as const) {
        const r = await post(started[server]!.clientUrl, '/v3/kv/range', { key: Buffer.from('/app/a').toString('base64') }, token);
        expect(r.status, `${server} accepts the other's token`).toBe(200);
      }
      // a tampered token is refused by both, with the same answer
      const tampered = `${dh}.${Buffer.from(JSON.stringify({ ...ourClaims, username: 'root' })).toString('base64url')}.${tokens.dcsgw!.split('.')[2]}`;
      const refusals = [];
      for (const kind of ['etcd', 'dcsgw'] as const) refusals.push(await post(started[kind]!.clientUrl, '/v3/kv/range', { key: 'YQ==' }, tampered));
      expect(refusals[1]).toEqual(refusals[0]);
      expect(refusals[1]!.status).toBe(401);
      // a write with a token from before an auth change: the revision is old, on both
      const writes = [];
      for (const kind of ['etcd', 'dcsgw'] as const) {
        await etcdctl(started[kind]!.endpoints, ['--user', 'root:pw', 'role', 'add', 'later']);
        writes.push(await post(started[kind]!.clientUrl, '/v3/kv/put', { key: Buffer.from('/app/z').toString('base64'), value: 'eg==' }, tokens[kind]));
      }
      expect(writes[1]).toEqual(writes[0]);
      expect(writes[1]!.body['error']).toBe('etcdserver: revision of auth store is old');
      for (const m of Object.values(started)) await m.stop();
    }, 120_000);
  }

  it('a 3-member dcsgw cluster with the same keys: a token from one member works on every member', async () => {
    const members = await startCluster('dcsgw', 3, { portRange: RANGE, extraArgs: ['--auth-token', `jwt,pub-key=${p256.pub},priv-key=${p256.priv},sign-method=ES256`] });
    for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) {
      expect((await etcdctl(members[0]!.endpoints, args)).code).toBe(0);
    }
    const token = (await post(members[1]!.clientUrl, '/v3/auth/authenticate', { name: 'root', password: 'pw' })).body['token'] as string;
    expect(token.split('.')).toHaveLength(3);
    for (const m of members) {
      const r = await post(m.clientUrl, '/v3/kv/put', { key: 'YQ==', value: 'Yg==' }, token);
      expect(r.status).toBe(200);
    }
    for (const m of members) await m.stop();
  }, 120_000);

  it('an expired token is refused by both; a public key alone cannot issue tokens', async () => {
    const answers: Partial<Record<MemberKind, unknown[]>> = {};
    for (const kind of ['etcd', 'dcsgw'] as const) {
      const m = await startMemberOfKind(kind, { portRange: RANGE, extraArgs: ['--auth-token', `jwt,priv-key=${hmac},sign-method=HS512,ttl=1s`] });
      for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) await etcdctl(m.endpoints, args);
      const token = (await post(m.clientUrl, '/v3/auth/authenticate', { name: 'root', password: 'pw' })).body['token'] as string;
      const fresh = await post(m.clientUrl, '/v3/kv/range', { key: 'YQ==' }, token);
      await sleep(2_200);
      const expired = await post(m.clientUrl, '/v3/kv/range', { key: 'YQ==' }, token);
      await m.stop();
      const v = await startMemberOfKind(kind, { portRange: RANGE, extraArgs: ['--auth-token', `jwt,pub-key=${rsa.pub},sign-method=RS256`] });
      for (const args of [['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) await etcdctl(v.endpoints, args);
      const verifyOnly = await etcdctl(v.endpoints, ['--user', 'root:pw', 'user', 'list']);
      await v.stop();
      answers[kind] = [fresh.status, expired, stable(verifyOnly.stderr)];
    }
    expect(answers.dcsgw).toEqual(answers.etcd);
    expect(answers.dcsgw![0]).toBe(200);
    expect((answers.dcsgw![1] as { status: number }).status).toBe(401);
  }, 120_000);

  it('bad --auth-token options stop both with the same log lines', async () => {
    const cases = [
      'jwt,pub-key',
      'jwt,ttl=1m,ttl=2m',
      'nosuch',
      `jwt,pub-key=${rsa.pub},priv-key=${rsa.priv},sign-method=XX256`,
      `jwt,pub-key=${rsa.pub},priv-key=${rsa.priv}`,
      `jwt,pub-key=${join(dir, 'missing')},sign-method=RS256`,
      'jwt,sign-method=RS256',
      `jwt,priv-key=${hmac},sign-method=HS256,ttl=5`,
      `jwt,priv-key=${hmac},sign-method=HS256,ttl=5x`,
      `jwt,priv-key=${hmac},sign-method=none`,
      `jwt,priv-key=${p256.priv},sign-method=RS256`,
      `jwt,priv-key=${rsa.priv},sign-method=ES256`,
      `jwt,pub-key=${rsa.pub},sign-method=ES384`,
      `jwt,pub-key=${hmac},sign-method=PS256`,
    ];
    const raw: Record<string, string> = {};
    // one pair of ports for every run: each process has exited before the next starts
    const [client, peer] = await allocatePorts(2, RANGE);
    const run = async (kind: MemberKind, opt: string): Promise<{ code: number | null; lines: string[] }> => {
      const data = mkdtempSync(join(dir, `${kind}-`));
      const cmd = kind === 'etcd' ? 'etcd' : process.execPath;
      const args = [
        ...(kind === 'etcd' ? [] : [join(repoRoot(), 'bin', 'dcsgw')]),
        '--data-dir', data,
        '--listen-client-urls', `http://127.0.0.1:${client}`,
        '--advertise-client-urls', `http://127.0.0.1:${client}`,
        '--listen-peer-urls', `http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
        '--initial-cluster', `default=http://127.0.0.1:${peer}`,
        '--auth-token', opt,
      ];
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      raw[kind] = stderr;
      // the auth lines and the fatal one, without their timestamps
      const lines = stderr
        .split('\n')
        .filter((l) => / [EWC] \| (auth|etcdserver: failed to create token|etcdmain: )/.test(l))
        .filter((l) => !/etcdmain: (etcd Version|Git SHA|Go Version|Go OS|setting maximum)/.test(l))
        .map((l) => l.replace(/^\S+ \S+ /, ''));
      return { code, lines };
    };
    for (const opt of cases) {
      const genuine = await run('etcd', opt);
      const ours = await run('dcsgw', opt);
      expect(ours, `${opt}\n--- dcsgw stderr:\n${raw['dcsgw']}`).toEqual(genuine);
      expect(genuine.code, opt).toBe(1);
    }
  }, 300_000);
});
