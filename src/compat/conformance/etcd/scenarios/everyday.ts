// Everyday things users do that the other tables leave out: reading a deleted key at an old
// revision, watching deletes with their previous values, leases used after revoke, range compares,
// sorting and leases through the JSON gateway (Patroni's path), a same-URL member update, and
// HashKV / reads below a compaction (late: they compact).
import type { Scenario, StepContext } from '../types.js';
import { ctl, ctlIn, ctlUntil, scenario, seed } from './dsl.js';

const b = (s: string) => Buffer.from(s);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const txn = (req: Record<string, unknown>) => ({ grpc: 'KV.Txn' as const, req });
const reqPut = (k: string, v: string) => ({ request_put: { key: b(k), value: b(v) } });
const post = (path: string, body: (c: StepContext) => unknown) => ({ http: `POST ${path}` as const, body });
const lease = (c: StepContext) => String(c.leases[0] ?? 0n);
/** range_end of the scenario's own prefix (never a scan of other scenarios' keys). */
const prefixEnd = (c: StepContext) => c.p.slice(0, -1) + String.fromCharCode(c.p.charCodeAt(c.p.length - 1) + 1);
const late = (s: Scenario): Scenario => ({ ...s, late: true });

export const everydayScenarios: Scenario[] = [
  // etcdctl
  scenario('ev-get-rev-deleted-key', seed(['{P}a', '1']), ctl('del', '{P}a'),
    ctl('get', '{P}a', '--rev={R+1}', '-w', 'json'), ctl('get', '{P}a', '--rev={R+1}'), ctl('get', '{P}a', '--rev={R+2}', '-w', 'json')),
  scenario('ev-watch-prev-kv-delete-json', seed(['{P}a', '1']), ctl('del', '{P}a'), ctlUntil('prev_kv', 'watch', '{P}a', '--rev={R+2}', '--prev-kv', '-w', 'json')),
  scenario('ev-del-prefix-prev-kv-json', seed(['{P}a', '1'], ['{P}b', '2']), ctl('del', '{P}', '--prefix', '--prev-kv', '-w', 'json'), ctl('get', '{P}', '--prefix', '-w', 'json')),
  scenario('ev-put-ignore-lease', ctl('lease', 'grant', '300'), ctl('put', '{P}k', 'v', '--lease={L1}'), ctl('put', '{P}k', 'v2', '--ignore-lease'),
    ctl('get', '{P}k', '-w', 'json'), ctl('put', '{P}none', 'v', '--ignore-lease'), ctl('lease', 'revoke', '{L1}')),
  scenario('ev-put-ignore-value-and-lease', seed(['{P}k', 'v']), ctl('put', '{P}k', '--ignore-value', '--ignore-lease'), ctl('get', '{P}k', '-w', 'json')),
  scenario('ev-lease-use-after-revoke', ctl('lease', 'grant', '300'), ctl('lease', 'revoke', '{L1}'), ctl('lease', 'keep-alive', '--once', '{L1}'),
    ctl('lease', 'timetolive', '{L1}', '-w', 'json'), ctl('put', '{P}k', 'v', '--lease={L1}'), ctl('lease', 'revoke', '{L1}')),
  scenario('ev-put-prev-kv-json', seed(['{P}a', 'old']), ctl('put', '{P}a', 'new', '--prev-kv', '-w', 'json')),
  scenario('ev-get-serializable-keys-only', seed(['{P}a', '1'], ['{P}b', '2']), ctl('get', '{P}', '--prefix', '--consistency=s', '--keys-only', '-w', 'json')),
  scenario('ev-txn-ctl-del-prefix-in-failure', seed(['{P}a', '1'], ['{P}b', '2']),
    ctlIn('value("{P}a") != "1"\n\nput {P}x 1\n\ndel {P} --prefix --prev-kv\n\n', 'txn', '-i', '-w', 'json'), ctl('get', '{P}', '--prefix', '--keys-only')),

  // gRPC
  scenario('ev-g-txn-compare-range-mismatch', seed(['{P}a', '1'], ['{P}b', '2']),
    txn({ compare: [{ key: b('{P}a'), range_end: b('{P}c'), target: 'VALUE', result: 'EQUAL', value: b('1') }], success: [reqPut('{P}ok', 'y')],
      failure: [{ request_range: { key: b('{P}a'), range_end: b('{P}c') } }] })),
  scenario('ev-g-txn-compare-range-version-less', seed(['{P}a', '1'], ['{P}b', '2'], ['{P}b', '3']),
    txn({ compare: [{ key: b('{P}a'), range_end: b('{P}c'), target: 'VERSION', result: 'LESS', version: '2' }], success: [reqPut('{P}ok', 'y')], failure: [reqPut('{P}no', 'n')] }),
    txn({ compare: [{ key: b('{P}a'), range_end: b('{P}c'), target: 'MOD', result: 'GREATER', mod_revision: '0' }], success: [reqPut('{P}ok', 'y')], failure: [] })),
  scenario('ev-g-watch-prefix-prev-kv-delete', seed(['{P}a', '1'], ['{P}b', '2']),
    { grpc: 'KV.DeleteRange', req: (c: StepContext) => ({ key: b(c.p), range_end: b(prefixEnd(c)) }) },
    { grpcStream: 'Watch.Watch', send: (c: StepContext) => [{ create_request: { key: b(c.p), range_end: b(prefixEnd(c)), start_revision: String(c.rev(1)), prev_kv: true } }], count: 2 }),
  scenario('ev-g-lease-keepalive-after-revoke', { grpc: 'Lease.LeaseGrant', req: { TTL: '300' } }, { grpc: 'Lease.LeaseRevoke', req: { ID: '{L1d}' } },
    { grpcStream: 'Lease.LeaseKeepAlive', send: [{ ID: '{L1d}' }], count: 1 }, { grpc: 'Lease.LeaseTimeToLive', req: { ID: '{L1d}', keys: true } }),

  // the etcd3 npm client: a member update that keeps the peer URLs (single member)
  scenario('ev-js-member-update-same-urls', {
    label: 'memberUpdate with the same peer URLs',
    client: async (c) => {
      const [self] = (await c.cluster.memberList({})).members;
      if (!self) throw new Error('no member');
      const res = await c.cluster.memberUpdate({ ID: self.ID, peerURLs: self.peerURLs });
      return res.members.map((m) => ({ name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs.length, isSelf: m.ID === self.ID }));
    },
  }),

  // JSON gateway
  scenario('ev-gw-range-sort-strings', seed(['{P}a', '3'], ['{P}b', '1'], ['{P}c', '2'], ['{P}a', '4']),
    post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)), sort_order: 'ASCEND', sort_target: 'VALUE', keys_only: true })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)), sort_order: 'DESCEND', sort_target: 'MOD', keys_only: true })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)), sort_order: 'DESCEND', sort_target: 'VERSION', limit: '1' })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)), sort_order: 'NONE', sort_target: 'CREATE', keys_only: true })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)), sort_order: 'SIDEWAYS' }))),
  scenario('ev-gw-put-lease-timetolive', post('/v3/lease/grant', () => ({ TTL: 300 })),
    post('/v3/kv/put', (c) => ({ key: b64(c.p + 'member'), value: b64('{"role":"replica"}'), lease: lease(c), prev_kv: true })),
    post('/v3/kv/lease/timetolive', (c) => ({ ID: lease(c), keys: true })),
    post('/v3/kv/lease/revoke', (c) => ({ ID: lease(c) })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p + 'member') }))),
  scenario('ev-gw-deleterange-prefix-prev-kv', seed(['{P}a', '1'], ['{P}b', '2']),
    post('/v3/kv/deleterange', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)), prev_kv: true })),
    post('/v3/kv/deleterange', (c) => ({ key: b64(c.p), range_end: b64(prefixEnd(c)) }))),
  scenario('ev-gw-txn-lease-compare-value', post('/v3/lease/grant', () => ({ TTL: 300 })),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'VERSION', version: 0, key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('n1'), lease: lease(c) } }] })),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'VALUE', value: b64('n1'), key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('n1'), lease: lease(c) } }], failure: [{ request_range: { key: b64(c.p + 'leader') } }] })),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'VALUE', result: 'NOT_EQUAL', value: b64('n1'), key: b64(c.p + 'leader') }], success: [], failure: [{ request_range: { key: b64(c.p + 'leader') } }] })),
    post('/v3/lease/revoke', (c) => ({ ID: lease(c) }))),
  scenario('ev-gw-watch-prev-kv-delete', seed(['{P}a', '1']), ctl('del', '{P}a'),
    { http: 'POST /v3/watch', body: (c: StepContext) => ({ create_request: { key: b64(c.p + 'a'), start_revision: String(c.rev(1)), prev_kv: true } }), streamMs: 10_000, until: '"DELETE"' }),

  // after a compaction (late)
  late(scenario('late-ev-hashkv-below-compaction', seed(['{P}a', '1'], ['{P}a', '2']), ctl('compaction', '{R+2}'),
    ctl('endpoint', 'hashkv', '--rev={R+1}'), { grpc: 'Maintenance.HashKV', req: { revision: '{R+1}' } }, { grpc: 'Maintenance.HashKV', req: { revision: '{R+2}' } })),
  late(scenario('late-ev-gw-compaction-then-reads', seed(['{P}a', '1'], ['{P}a', '2']),
    post('/v3/kv/compaction', (c) => ({ revision: String(c.rev(2)), physical: true })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p + 'a'), revision: String(c.rev(1)) })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p + 'a'), revision: String(c.rev(2)) })),
    { http: 'POST /v3/watch', body: (c: StepContext) => ({ create_request: { key: b64(c.p + 'a'), start_revision: String(c.rev(1)) } }), streamMs: 5_000, until: 'compact_revision' })),
];
