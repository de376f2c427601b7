// Scenarios that change what every later scenario would see (compaction, auth enable, global
// lists): they run after all others, in this order.
import type { Scenario, StepContext } from '../types.js';
import { ctl, scenario, seed } from './dsl.js';

const b = (s: string) => Buffer.from(s);
const late = (s: Scenario): Scenario => ({ ...s, late: true });

export const lateScenarios: Scenario[] = [
  scenario('late-user-role-list', ctl('user', 'list'), ctl('role', 'list'), ctl('user', 'list', '-w', 'json'), ctl('role', 'list', '-w', 'json')),
  scenario('late-lease-list', { revokeAllLeases: true }, ctl('lease', 'list'), ctl('lease', 'grant', '300'), ctl('lease', 'grant', '300'), ctl('lease', 'list'), ctl('lease', 'list', '-w', 'json')),
  // the snapshot file's key count includes the lease bucket: revoke the leases lingering from
  // etcdctl lock/elect sessions (a timing-dependent number) first
  scenario('late-snapshot-status', { revokeAllLeases: true }, { ctl: ['snapshot', 'save', '{TMP}/s.db'], stdoutOnly: true }, ctl('snapshot', 'status', '{TMP}/s.db', '-w', 'json'), ctl('snapshot', 'status', '{TMP}/s.db', '-w', 'table')),
  scenario('late-compaction', seed(['{P}a', '1'], ['{P}a', '2'], ['{P}a', '3']), ctl('compaction', '{R+2}'), ctl('get', '{P}a', '--rev={R+1}'), ctl('get', '{P}a', '--rev={R+2}', '-w', 'json'), ctl('get', '{P}a', '-w', 'json')),
  scenario('late-compaction-physical', seed(['{P}a', '1'], ['{P}a', '2']), ctl('compaction', '{R+2}', '--physical'), ctl('endpoint', 'hashkv', '-w', 'json')),
  scenario('late-compaction-again', ctl('compaction', '{R-1}'), ctl('compaction', '{R}', '-w', 'json')),
  scenario('late-watch-compacted', seed(['{P}a', '1'], ['{P}a', '2']), ctl('compaction', '{R+2}'), { ctl: ['watch', '{P}a', '--rev={R+1}'], interruptAfterMs: 5_000 }),
  scenario('late-grpc-compacted', seed(['{P}a', '1'], ['{P}a', '2']), { grpc: 'KV.Compact', req: { revision: '{R+2}', physical: true } },
    { grpc: 'KV.Range', req: { key: b('{P}a'), revision: '{R+1}' } },
    { grpcStream: 'Watch.Watch', send: [{ create_request: { key: b('{P}a'), start_revision: '{R+1}' } }], count: 1 },
    { grpc: 'Maintenance.Status', req: {} }),
  scenario('late-gateway-compacted', seed(['{P}a', '1'], ['{P}a', '2']), { grpc: 'KV.Compact', req: { revision: '{R+2}' } },
    { http: 'POST /v3/kv/range', body: (c: StepContext) => ({ key: Buffer.from(c.p + 'a').toString('base64'), revision: String(c.rev(1)) }) }),
  scenario('late-auth-flow',
    ctl('user', 'add', 'root', '--new-user-password=rootpw'),
    ctl('auth', 'enable'),
    ctl('role', 'add', 'root'),
    ctl('user', 'grant-role', 'root', 'root'),
    ctl('auth', 'enable'),
    ctl('put', '{P}k', 'v'),
    ctl('put', '{P}k', 'v', '--user=root:wrong'),
    ctl('put', '{P}k', 'v', '--user=root:rootpw'),
    ctl('get', '{P}k', '--user=root', '--password=rootpw'),
    ctl('user', 'add', '{P}reader', '--new-user-password=rpw', '--user=root:rootpw'),
    ctl('role', 'add', '{P}ro', '--user=root:rootpw'),
    ctl('role', 'grant-permission', '{P}ro', 'read', '{P}', '--prefix', '--user=root:rootpw'),
    ctl('user', 'grant-role', '{P}reader', '{P}ro', '--user=root:rootpw'),
    ctl('get', '{P}k', '--user={P}reader:rpw'),
    ctl('put', '{P}k', 'x', '--user={P}reader:rpw'),
    ctl('get', 'elsewhere', '--user={P}reader:rpw'),
    { grpc: 'Auth.UserList', req: {} },
    ctl('auth', 'disable', '--user=root:rootpw'),
    ctl('get', '{P}k'),
  ),
  // after late-auth-flow: root (password rootpw, role root) exists and auth is disabled again
  scenario('late-auth-grpc-token',
    ctl('auth', 'enable'),
    { grpc: 'Auth.Authenticate', req: { name: 'root', password: 'wrong' } },
    { grpc: 'Auth.Authenticate', req: { name: 'root', password: 'rootpw' } },
    { grpc: 'KV.Put', req: { key: b('{P}k'), value: b('v') }, token: 'last' },
    { grpc: 'KV.Range', req: { key: b('{P}k') } },
    { grpc: 'KV.Range', req: { key: b('{P}k') }, token: 'bogus.1' },
    { grpc: 'Auth.UserList', req: {}, token: 'last' },
    { grpc: 'Auth.AuthDisable', req: {}, token: 'last' },
    { grpc: 'KV.Range', req: { key: b('{P}k') } }),
].map(late);
