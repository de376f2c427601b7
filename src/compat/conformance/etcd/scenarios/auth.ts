// Authentication enabled: tokens over the JSON gateway, the etcd3 client with credentials, who may
// do what (etcd 3.4's permission checks), watches refused. Late scenarios (auth changes what every
// later scenario sees); each enables auth itself (root/rootpw, as late-auth-flow leaves it) and
// disables it again at the end.
import { Etcd3 } from 'etcd3';
import type { Scenario, StepContext } from '../types.js';
import { ctl, scenario } from './dsl.js';

const late = (s: Scenario): Scenario => ({ ...s, late: true });
const ROOT = '--user=root:rootpw';

/** Root with the root role, auth on (answers may say "already exists": the same on both targets). */
const enableAuth = [
  ctl('user', 'add', 'root', '--new-user-password=rootpw'),
  ctl('role', 'add', 'root'),
  ctl('user', 'grant-role', 'root', 'root'),
  ctl('auth', 'enable'),
];
/** A reader of `{P}` (read only) with its own role. */
const reader = [
  ctl('user', 'add', '{P}rd', '--new-user-password=rpw', ROOT),
  ctl('role', 'add', '{P}ro', ROOT),
  ctl('role', 'grant-permission', '{P}ro', 'read', '{P}', '--prefix', ROOT),
  ctl('role', 'grant-permission', '{P}ro', 'readwrite', '{P}w/', '--prefix', ROOT),
  ctl('user', 'grant-role', '{P}rd', '{P}ro', ROOT),
];
const disableAuth = ctl('auth', 'disable', ROOT);

/** POST to the JSON gateway with an optional Authorization header; the token itself is masked. */
async function post(ctx: StepContext, path: string, body: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = token;
  const res = await fetch(`${ctx.clientUrl}/v3/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (typeof json['token'] === 'string') json['token'] = /^[a-zA-Z]{16}\.\d+$/.test(json['token']) ? '<simple token>' : `<odd token ${json['token']}>`;
  return { status: res.status, body: json };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

const call = (label: string, client: (c: Etcd3, ctx: StepContext) => Promise<unknown>) => ({ label, client });

export const authScenarios: Scenario[] = [
  scenario('late-auth-gateway-tokens',
    ...enableAuth,
    ...reader,
    call('JSON gateway: authenticate, token header, denials', async (_c, x) => {
      const out: Record<string, unknown> = {};
      out['badPassword'] = await post(x, 'auth/authenticate', { name: x.p + 'rd', password: 'nope' });
      out['noUser'] = await post(x, 'auth/authenticate', { name: x.p + 'ghost', password: 'nope' });
      const auth = (await fetch(`${x.clientUrl}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: x.p + 'rd', password: 'rpw' }) }).then((r) => r.json())) as { token: string };
      const t = auth.token;
      out['noToken'] = await post(x, 'kv/range', { key: b64(x.p + 'a') });
      out['badToken'] = await post(x, 'kv/range', { key: b64(x.p + 'a') }, 'bogus.1');
      out['readOwn'] = await post(x, 'kv/range', { key: b64(x.p + 'a') }, t);
      out['readOther'] = await post(x, 'kv/range', { key: b64('elsewhere') }, t);
      out['readWiderRange'] = await post(x, 'kv/range', { key: b64(x.p), range_end: b64('\u00ff') }, t);
      out['putReadOnly'] = await post(x, 'kv/put', { key: b64(x.p + 'a'), value: b64('v') }, t);
      out['putWritable'] = await post(x, 'kv/put', { key: b64(x.p + 'w/a'), value: b64('v') }, t);
      out['putPrevKvOutsideRead'] = await post(x, 'kv/put', { key: b64(x.p + 'w/a'), value: b64('v'), prev_kv: true }, t);
      out['txnMixed'] = await post(x, 'kv/txn', { compare: [], success: [{ request_put: { key: b64(x.p + 'a'), value: b64('1') } }] }, t);
      out['txnAllowed'] = await post(x, 'kv/txn', { compare: [{ key: b64(x.p + 'a'), target: 'VERSION', version: '0' }], success: [{ request_put: { key: b64(x.p + 'w/b'), value: b64('1') } }] }, t);
      out['deleteWritable'] = await post(x, 'kv/deleterange', { key: b64(x.p + 'w/'), range_end: b64(x.p + 'w0') }, t);
      out['userList'] = await post(x, 'auth/user/list', {}, t);
      out['userGetSelf'] = await post(x, 'auth/user/get', { name: x.p + 'rd' }, t);
      out['userGetRoot'] = await post(x, 'auth/user/get', { name: 'root' }, t);
      out['roleGetOwn'] = await post(x, 'auth/role/get', { role: x.p + 'ro' }, t);
      out['roleGetRoot'] = await post(x, 'auth/role/get', { role: 'root' }, t);
      out['authDisable'] = await post(x, 'auth/disable', {}, t);
      out['hash'] = await post(x, 'maintenance/hash', {}, t);
      out['hashNoToken'] = await post(x, 'maintenance/hash', {});
      out['status'] = Object.keys(((await post(x, 'maintenance/status', {}, t)) as { body: Record<string, unknown> }).body).sort();
      out['memberAdd'] = await post(x, 'cluster/member/add', { peerURLs: ['http://127.0.0.1:1'] }, t);
      out['leaseGrant'] = ((await post(x, 'lease/grant', { TTL: 30 }, t)) as { status: number }).status;
      return out;
    }),
    disableAuth,
    call('auth disabled: an unknown token is still refused', async (_c, x) => post(x, 'kv/range', { key: b64(x.p + 'a') }, 'bogus.1')),
  ),
  scenario('late-auth-etcd3-client',
    ...enableAuth,
    ...reader,
    call('etcd3 with credentials', async (_c, x) => {
      const out: Record<string, unknown> = {};
      const asRoot = new Etcd3({ hosts: x.clientUrl, auth: { username: 'root', password: 'rootpw' } });
      const asReader = new Etcd3({ hosts: x.clientUrl, auth: { username: x.p + 'rd', password: 'rpw' } });
      const wrong = new Etcd3({ hosts: x.clientUrl, auth: { username: x.p + 'rd', password: 'bad' } });
      const anon = new Etcd3({ hosts: x.clientUrl });
      const attempt = async (f: () => Promise<unknown>) => {
        try {
          return { ok: await f() };
        } catch (e) {
          return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
        }
      };
      try {
        out['rootPut'] = await attempt(() => asRoot.put(x.p + 'k').value('v').then(() => 'ok'));
        out['readerGet'] = await attempt(() => asReader.get(x.p + 'k').string());
        out['readerPut'] = await attempt(() => asReader.put(x.p + 'k').value('x').then(() => 'ok'));
        out['readerGetElsewhere'] = await attempt(() => asReader.get('elsewhere').string());
        out['wrongPassword'] = await attempt(() => wrong.get(x.p + 'k').string());
        out['anonymous'] = await attempt(() => anon.get(x.p + 'k').string());
        out['rootUsers'] = await attempt(async () => (await asRoot.getUsers()).map((u) => u.name).filter((n) => n === 'root' || n.startsWith(x.p)));
      } finally {
        for (const c of [asRoot, asReader, wrong, anon]) c.close();
      }
      return out;
    }),
    disableAuth,
  ),
  scenario('late-auth-ctl-permissions',
    ...enableAuth,
    ...reader,
    ctl('user', 'get', '{P}rd', '--user={P}rd:rpw'),
    ctl('user', 'get', '{P}rd', '--detail', ROOT),
    ctl('role', 'get', '{P}ro', '--user={P}rd:rpw'),
    ctl('role', 'get', 'root', '--user={P}rd:rpw'),
    ctl('user', 'list', '--user={P}rd:rpw'),
    ctl('role', 'list', '--user={P}rd:rpw'),
    ctl('auth', 'enable', '--user={P}rd:rpw'),
    ctl('auth', 'disable', '--user={P}rd:rpw'),
    ctl('put', '{P}w/x', '1', '--user={P}rd:rpw'),
    ctl('get', '{P}', '--prefix', '--user={P}rd:rpw', '-w', 'json'),
    ctl('del', '{P}w/', '--prefix', '--user={P}rd:rpw'),
    ctl('get', '', '--from-key', '--user={P}rd:rpw'),
    ctl('defrag', '--user={P}rd:rpw'),
    ctl('endpoint', 'hashkv', '--user={P}rd:rpw'),
    ctl('user', 'delete', 'root', ROOT),
    ctl('role', 'delete', 'root', ROOT),
    ctl('user', 'revoke-role', 'root', 'root', ROOT),
    { ctl: ['user', 'passwd', '{P}rd', '--interactive=false', ROOT], input: 'rpw2\n' },
    ctl('get', '{P}w/x', '--user={P}rd:rpw'),
    ctl('get', '{P}w/x', '--user={P}rd:rpw2'),
    { ctl: ['watch', 'elsewhere', '--user={P}rd:rpw2'], interruptAfterMs: 3_000 },
    ctl('role', 'delete', '{P}ro', ROOT),
    ctl('get', '{P}w/x', '--user={P}rd:rpw2'),
    disableAuth,
    ctl('user', 'delete', '{P}rd'),
  ),
  scenario('late-auth-lease-lock',
    ...enableAuth,
    ctl('user', 'add', '{P}u', '--new-user-password=p', ROOT),
    ctl('role', 'add', '{P}r', ROOT),
    ctl('role', 'grant-permission', '{P}r', 'readwrite', '{P}u/', '--prefix', ROOT),
    ctl('user', 'grant-role', '{P}u', '{P}r', ROOT),
    ctl('lease', 'grant', '100', ROOT),
    ctl('put', '{P}secret', 'v', '--lease={L1}', ROOT),
    ctl('lease', 'revoke', '{L1}', '--user={P}u:p'),
    ctl('put', '{P}u/a', 'v', '--lease={L1}', '--user={P}u:p'),
    ctl('--user={P}u:p', 'lock', '{P}u/lk', 'echo', 'locked'),
    ctl('--user={P}u:p', 'lock', '{P}other', 'echo', 'locked'),
    ctl('--user={P}u:p', 'elect', '{P}other', 'v'),
    { ctl: ['txn', '--user={P}u:p'], input: 'value("{P}u/a") = "v"\n\nput {P}u/b 1\n\n\n' },
    { ctl: ['txn', '--user={P}u:p'], input: 'value("{P}secret") = "v"\n\nput {P}u/b 1\n\n\n' },
    ctl('get', '{P}u/', '--prefix', '--user={P}u:p'),
    ctl('lease', 'revoke', '{L1}', ROOT),
    disableAuth,
  ),
  scenario('late-auth-lock-election',
    ...enableAuth,
    ...reader,
    call('v3lock / v3election with a token', async (_c, x) => {
      const auth = (await fetch(`${x.clientUrl}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: x.p + 'rd', password: 'rpw' }) }).then((r) => r.json())) as { token: string };
      const t = auth.token;
      const lease = ((await post(x, 'lease/grant', { TTL: 60 }, t)) as { body: { ID: string } }).body.ID;
      // statuses and errors only: keys hold lease IDs, which differ between targets
      const brief = async (path: string, body: unknown) => {
        const r = (await post(x, path, body, t)) as { status: number; body: Record<string, unknown> };
        return r.status === 200 ? { status: 200, fields: Object.keys(r.body).sort() } : r;
      };
      const leader = (name: string) => ({ name: b64(name), key: b64(name + '/x'), rev: '1', lease });
      return {
        lockWritable: await brief('lock/lock', { name: b64(x.p + 'w/lk'), lease }),
        lockReadOnly: await brief('lock/lock', { name: b64(x.p + 'lk'), lease }),
        lockElsewhere: await brief('lock/lock', { name: b64('/elsewhere'), lease }),
        unlockElsewhere: await brief('lock/unlock', { key: b64('/elsewhere/x') }),
        campaignWritable: await brief('election/campaign', { name: b64(x.p + 'w/el'), lease, value: b64('v') }),
        campaignElsewhere: await brief('election/campaign', { name: b64('/elsewhere'), lease, value: b64('v') }),
        leaderWritable: await brief('election/leader', { name: b64(x.p + 'w/el') }),
        leaderReadOnly: await brief('election/leader', { name: b64(x.p + 'el') }),
        leaderElsewhere: await brief('election/leader', { name: b64('/elsewhere') }),
        proclaimElsewhere: await brief('election/proclaim', { leader: leader('/elsewhere'), value: b64('v') }),
        resignElsewhere: await brief('election/resign', { leader: leader('/elsewhere') }),
        // refused, the observer's stream just ends (200, no message)
        observeElsewhere: await fetch(`${x.clientUrl}/v3/election/observe`, {
          method: 'POST',
          headers: { authorization: t },
          body: JSON.stringify({ name: b64('/elsewhere') }),
          signal: AbortSignal.timeout(5_000),
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
        revoke: await brief('lease/revoke', { ID: lease }),
      };
    }),
    { http: 'POST /v3/election/observe', body: { name: b64('/elsewhere') }, streamMs: 3_000 },
    disableAuth,
  ),
  // JSON gateway management with auth disabled: empty passwords, no-password users, empty permissions
  // (a grant WITHOUT perm is left out: genuine etcd 3.4 panics on it; dcsgw answers "permission not given")
  scenario('late-auth-json-management',
    ...[
      ['auth/user/add', { name: '{P}e', password: '' }],
      ['auth/user/add', { name: '{P}np', options: { no_password: true } }],
      ['auth/role/add', { name: '{P}r' }],
      ['auth/role/grant', { name: '{P}r', perm: {} }],
      ['auth/role/grant', { name: '{P}r', perm: { key: 'YQ==', permType: 'WRITE' } }],
      ['auth/role/get', { role: '{P}r' }],
      ['auth/role/revoke', { role: '{P}r' }],
      ['auth/role/revoke', { role: '{P}r', key: 'YQ==' }],
      ['auth/user/grant', { user: '{P}np', role: '{P}r' }],
      ['auth/user/get', { name: '{P}np' }],
      ['auth/role/delete', { role: '{P}r' }],
      ['auth/user/get', { name: '{P}np' }],
      ['auth/user/changepw', { name: '{P}np', password: 'x' }],
      ['auth/authenticate', { name: '{P}np', password: 'x' }],
      ['auth/user/delete', { name: '' }],
      ['auth/user/delete', { name: '{P}np' }],
      ['auth/user/delete', { name: '{P}e' }],
    ].map(([path, body]) => ({ http: `POST /v3/${path as string}` as const, body })),
  ),
  // Checks at apply and lease permissions a user meets every day: a lease of one's own, keys
  // written after a role change (a simple token is checked at the auth revision of the moment),
  // root's passwords hashed with bcrypt and changed.
  scenario('late-auth-own-lease-and-role-change',
    ...enableAuth,
    ctl('user', 'add', '{P}u', '--new-user-password=p', ROOT),
    ctl('role', 'add', '{P}r', ROOT),
    ctl('role', 'grant-permission', '{P}r', 'readwrite', '{P}u/', '--prefix', ROOT),
    ctl('user', 'grant-role', '{P}u', '{P}r', ROOT),
    ctl('lease', 'grant', '100', '--user={P}u:p'),
    ctl('put', '{P}u/a', 'v', '--lease={L1}', '--user={P}u:p'),
    ctl('lease', 'timetolive', '{L1}', '--keys', '--user={P}u:p', '-w', 'json'),
    ctl('role', 'grant-permission', '{P}r', 'read', '{P}x', ROOT),
    ctl('put', '{P}u/b', 'v', '--user={P}u:p'),
    { ctl: ['txn', '--user={P}u:p'], input: 'value("{P}u/a") = "v"\n\nput {P}u/c 1\n\n\n' },
    ctl('role', 'revoke-permission', '{P}r', '{P}u/', '--prefix', ROOT),
    ctl('put', '{P}u/d', 'v', '--user={P}u:p'),
    ctl('lease', 'revoke', '{L1}', '--user={P}u:p'),
    ctl('lease', 'revoke', '{L1}', ROOT),
    ctl('get', '{P}u/', '--prefix', '--keys-only', ROOT),
    disableAuth,
  ),
  // The lease key leak (CVE-2023-32082): genuine 3.4.23 lists the names of keys the user may not
  // read; dcsgw refuses as 3.4.26 does (listed in known-differences.ts).
  scenario('late-auth-lease-key-leak',
    ...enableAuth,
    ctl('user', 'add', '{P}u', '--new-user-password=p', ROOT),
    ctl('lease', 'grant', '100', ROOT),
    ctl('put', '{P}secret', 'v', '--lease={L1}', ROOT),
    ctl('lease', 'timetolive', '{L1}', '--keys', '--user={P}u:p'),
    ctl('lease', 'revoke', '{L1}', ROOT),
    disableAuth,
  ),
].map(late);
