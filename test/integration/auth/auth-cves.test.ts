// The known etcd auth holes, as regression tests: a user with readwrite on /app/ only tries each
// one against dcsgw and genuine etcd 3.4.23 (etcdctl and the JSON gateway). Cases: a nested txn
// touching a key the user may not read or write; revoking, inspecting and listing leases that hold
// keys the user may not write; admin RPCs without the root role (member add/remove/update/promote,
// defragment, alarms, move-leader, hash); the lease's key names (TimeToLive --keys); a watch with
// range_end "\0" by a user with a prefix permission.
// Where 3.4.23 itself still has the hole (HOLES below, each checked to be open there), dcsgw
// refuses as the etcd releases that closed it do, and the test shows both answers. Everything else
// must be identical.
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, skipUnlessBinaries, startMemberOfKind, stopAllProcesses, type MemberKind } from '../../support/index.js';

const RANGE = { from: 39280, to: 39319 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Without what differs between any two servers: log lines' times, member IDs, ports, revisions in headers. */
const stable = (s: string) =>
  s
    .replace(/^\{"level":"warn".*"error":("[^"]*")\}$/gm, 'retry $1')
    .replace(/^\{"level":"info".*\n/gm, '')
    .replace(/\b[0-9a-f]{12,16}\b/g, '<id>') // IDs printed with %x: leading zeros dropped
    .replace(/127\.0\.0\.1:\d+/g, '<addr>')
    .replace(/"header":\{[^}]*\}/g, '"header":{}')
    .replace(/remaining\(\d+s\)/g, 'remaining(<n>s)');

/** Cases where genuine 3.4.23 lets the user through and dcsgw refuses: label -> dcsgw's answer. */
const HOLES: Record<string, string> = {
  'nested txn put': '403 {"error":"etcdserver: permission denied","message":"etcdserver: permission denied","code":7}',
  'nested txn range': '403 {"error":"etcdserver: permission denied","message":"etcdserver: permission denied","code":7}',
  'nested txn in the failure branch': '403 {"error":"etcdserver: permission denied","message":"etcdserver: permission denied","code":7}',
  'nested txn deleting everything': '403 {"error":"etcdserver: permission denied","message":"etcdserver: permission denied","code":7}',
  'timetolive of a lease holding /secret': 'retry "rpc error: code = PermissionDenied desc = etcdserver: permission denied"\nError: etcdserver: permission denied\n',
  'timetolive --keys of a lease holding /secret': 'retry "rpc error: code = PermissionDenied desc = etcdserver: permission denied"\nError: etcdserver: permission denied\n',
  'watch /app/ to the end of the keyspace': '200 {"result":{"header":{},"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"rpc error: code = PermissionDenied desc = etcdserver: permission denied"}}\n',
  // genuine 3.4.23 answers a bad transferee before (or without) asking for root; dcsgw asks first
  'move-leader without root': 'retry "rpc error: code = Unknown desc = auth: permission denied"\nError: rpc error: code = Unknown desc = auth: permission denied\n',
  'alarm activate without root': '500 {"error":"auth: permission denied","message":"auth: permission denied","code":2}',
  'transfer-leadership without root': '500 {"error":"auth: permission denied","message":"auth: permission denied","code":2}',
};

type Transcript = Map<string, string>;

async function transcript(kind: MemberKind): Promise<Transcript> {
  const m = await startMemberOfKind(kind, { portRange: RANGE });
  const out: Transcript = new Map();
  const ctl = async (label: string, user: string | undefined, ...args: string[]) => {
    // a generous command timeout: under load a login (bcrypt) plus the call can pass etcdctl's 5 s
    const r = await etcdctl(m.endpoints, ['--command-timeout=20s', ...(user ? ['--user', user] : []), ...args], { timeoutMs: 25_000, interruptAtTimeout: true });
    out.set(label, stable(r.stdout) + stable(r.stderr));
    return r;
  };
  let token = '';
  const gw = async (label: string, path: string, body: unknown) => {
    // streams (watch) never end: the first line is the answer
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 3_000);
    let text = '';
    let status = 0;
    try {
      const r = await fetch(`${m.clientUrl}${path}`, { method: 'POST', headers: { authorization: token }, body: JSON.stringify(body), signal: ac.signal });
      status = r.status;
      const reader = r.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        if (path === '/v3/watch' && text.includes('\n')) break;
      }
      ac.abort();
    } catch {
      // aborted after the first line, or by the timer
    } finally {
      clearTimeout(timer);
    }
    out.set(label, `${status} ${stable(text)}`);
  };
  for (const args of [
    ['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['role', 'add', 'app'],
    ['role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix'], ['user', 'add', 'alice:apw'],
    ['user', 'grant-role', 'alice', 'app'], ['auth', 'enable'],
  ]) await ctl(`setup ${args.join(' ')}`, undefined, ...args);
  await ctl('root puts /secret', 'root:pw', 'put', '/secret', 's');
  const grant = await ctl('root grants a lease', 'root:pw', 'lease', 'grant', '600');
  const lease = /lease ([0-9a-f]+) granted/.exec(grant.stdout)?.[1] ?? '0';
  await ctl('root attaches /secret/leased', 'root:pw', 'put', '/secret/leased', 'x', '--lease', lease);
  const mine = await ctl('alice grants a lease', 'alice:apw', 'lease', 'grant', '600');
  const myLease = /lease ([0-9a-f]+) granted/.exec(mine.stdout)?.[1] ?? '0';
  await ctl('alice attaches /app/leased', 'alice:apw', 'put', '/app/leased', 'y', '--lease', myLease);
  token = ((await (await fetch(`${m.clientUrl}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: 'alice', password: 'apw' }) })).json()) as { token: string }).token;

  // admin RPCs without root (nothing changes on either server)
  await ctl('member add without root', 'alice:apw', 'member', 'add', 'x', '--peer-urls', 'http://127.0.0.1:1');
  await ctl('member remove without root', 'alice:apw', 'member', 'remove', '1234');
  await ctl('member update without root', 'alice:apw', 'member', 'update', '1234', '--peer-urls', 'http://127.0.0.1:2');
  await ctl('member promote without root', 'alice:apw', 'member', 'promote', '1234');
  await ctl('member list without root', 'alice:apw', 'member', 'list');
  await ctl('defrag without root', 'alice:apw', 'defrag');
  await ctl('alarm list without root', 'alice:apw', 'alarm', 'list');
  await ctl('alarm disarm without root', 'alice:apw', 'alarm', 'disarm');
  await ctl('move-leader without root', 'alice:apw', 'move-leader', '1234');
  await ctl('hashkv without root', 'alice:apw', 'endpoint', 'hashkv');
  await ctl('compaction without root', 'alice:apw', 'compaction', '1');
  await gw('hash without root', '/v3/maintenance/hash', {});
  await gw('alarm get without root', '/v3/maintenance/alarm', { action: 'GET' });
  await gw('transfer-leadership without root', '/v3/maintenance/transfer-leadership', { targetID: '1' });
  await gw('member add over the gateway without root', '/v3/cluster/member/add', { peerURLs: ['http://127.0.0.1:3'] });

  // leases holding keys the user may not write or read (the revoke last: it changes the state)
  await ctl('timetolive of a lease holding /secret', 'alice:apw', 'lease', 'timetolive', lease);
  await ctl('timetolive --keys of a lease holding /secret', 'alice:apw', 'lease', 'timetolive', lease, '--keys');
  await ctl('timetolive --keys of her own lease', 'alice:apw', 'lease', 'timetolive', myLease, '--keys');
  await ctl('lease list', 'alice:apw', 'lease', 'list');
  await ctl('keep-alive of a lease holding /secret', 'alice:apw', 'lease', 'keep-alive', '--once', lease);
  await ctl('attach a key to a lease holding /secret', 'alice:apw', 'put', '/app/hijack', 'z', '--lease', lease);
  await ctl('revoke her own lease', 'alice:apw', 'lease', 'revoke', myLease);
  await ctl('revoke a lease holding /secret', 'alice:apw', 'lease', 'revoke', lease);

  // watches beyond the permission
  await ctl('etcdctl watch /app/ "\\0"', 'alice:apw', 'watch', '/app/', '\\0');
  await gw('watch /app/ to the end of the keyspace', '/v3/watch', { create_request: { key: b64('/app/'), range_end: 'AA==' } });
  await gw('watch everything', '/v3/watch', { create_request: { key: 'AA==', range_end: 'AA==' } });
  await gw('watch her prefix', '/v3/watch', { create_request: { key: b64('/app/'), range_end: b64('/app0') } });

  // nested txns (last: on 3.4.23 they rewrite /secret and delete every key)
  await gw('a txn comparing /secret', '/v3/kv/txn', { compare: [{ key: b64('/secret'), target: 'VALUE', value: b64('s') }], success: [{ request_put: { key: b64('/app/x'), value: b64('1') } }] });
  await gw('nested txn range', '/v3/kv/txn', { success: [{ request_txn: { success: [{ request_range: { key: b64('/secret') } }] } }] });
  await gw('nested txn put', '/v3/kv/txn', { success: [{ request_txn: { success: [{ request_put: { key: b64('/secret'), value: b64('pwned') } }] } }] });
  await gw('nested txn in the failure branch', '/v3/kv/txn', { success: [{ request_put: { key: b64('/app/x'), value: b64('1') } }], failure: [{ request_txn: { success: [{ request_delete_range: { key: b64('/secret') } }] } }] });
  await gw('nested txn deleting everything', '/v3/kv/txn', { success: [{ request_delete_range: { key: b64('/app/'), range_end: b64('/app0') } }, { request_txn: { success: [{ request_delete_range: { key: b64('/'), range_end: 'AA==' } }] } }] });
  // an alarm raised by a non-root user (last but one: on 3.4.23 it stops every write)
  await gw('alarm activate without root', '/v3/maintenance/alarm', { action: 'ACTIVATE', memberID: '0', alarm: 'NOSPACE' });
  await ctl('what root finds under /secret', 'root:pw', 'get', '/secret', '--prefix');
  await m.stop();
  return out;
}

describe.skipIf(!ready)('etcd auth CVE cases', () => {
  afterAll(() => stopAllProcesses());

  it('a user limited to /app/ gets what genuine etcd gives, except where 3.4.23 still had the hole', async () => {
    const genuine = await transcript('etcd');
    const ours = await transcript('dcsgw');
    if (process.env['AUTH_CVE_DUMP']) console.log(JSON.stringify({ genuine: [...genuine], ours: [...ours] }, null, 1));
    expect([...ours.keys()]).toEqual([...genuine.keys()]);
    for (const [label, answer] of genuine) {
      if (label === 'what root finds under /secret') continue;
      if (label in HOLES) {
        // the hole is open on genuine 3.4.23 (it answers otherwise), closed on dcsgw
        expect(answer, `${label}: genuine`).not.toBe(HOLES[label]);
        expect(ours.get(label), label).toBe(HOLES[label]);
      } else {
        expect(ours.get(label), label).toBe(answer);
      }
    }
    // nothing of root's was read, changed or deleted through the holes on dcsgw
    expect(ours.get('what root finds under /secret')).toBe('/secret\ns\n/secret/leased\nx\n');
    expect(ours.get('timetolive --keys of her own lease')).toContain('attached keys([/app/leased])');
  }, 240_000);
});
