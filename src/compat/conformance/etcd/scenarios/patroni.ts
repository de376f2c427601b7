// The JSON-gateway requests Patroni's etcd3 client sends (patroni/dcs/etcd3.py), as it shapes
// them: compares without "result" (EQUAL by default), int64 fields as JSON numbers or strings,
// leases on puts, create-if-absent and compare-and-delete transactions, streaming watches.
import type { Scenario, StepContext } from '../types.js';
import { scenario, seed } from './dsl.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const post = (path: string, body: (c: StepContext) => unknown, until?: string) => ({ http: `POST ${path}` as const, body, ...(until ? { streamMs: 10_000, until } : {}) });
const lease = (c: StepContext) => String(c.leases[0] ?? 0n);

export const patroniScenarios: Scenario[] = [
  scenario('pat-create-if-absent',
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'CREATE', create_revision: 0, key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('node1') } }] })),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'CREATE', create_revision: '0', key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('node2') } }] }))),
  scenario('pat-leader-with-lease',
    post('/v3/lease/grant', () => ({ TTL: 30 })),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'CREATE', create_revision: 0, key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('n1'), lease: lease(c) } }] })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p + 'leader') })),
    post('/v3/lease/keepalive', (c) => ({ ID: lease(c) }), '"TTL"'),
    post('/v3/lease/revoke', (c) => ({ ID: lease(c) })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p + 'leader') }))),
  scenario('pat-update-mod-revision', seed(['{P}leader', 'n1']),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'MOD', mod_revision: c.rev(1), key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('n1b') } }] })),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'MOD', mod_revision: String(c.rev(1)), key: b64(c.p + 'leader') }], success: [{ request_put: { key: b64(c.p + 'leader'), value: b64('n1c') } }] }))),
  scenario('pat-delete-mod-revision', seed(['{P}leader', 'n1']),
    post('/v3/kv/txn', (c) => ({ compare: [{ target: 'MOD', mod_revision: c.rev(1), key: b64(c.p + 'leader') }], success: [{ request_delete_range: { key: b64(c.p + 'leader') } }] })),
    post('/v3/kv/range', (c) => ({ key: b64(c.p + 'leader'), count_only: true }))),
  scenario('pat-range-prefix-serializable', seed(['{P}members/a', '{"x":1}'], ['{P}members/b', '{"x":2}'], ['{P}config', '{}']),
    post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(c.p.slice(0, -1) + '0'), serializable: true }))),
  scenario('pat-put-plain', post('/v3/kv/put', (c) => ({ key: b64(c.p + 'initialize'), value: b64('7000000000000000001') })), post('/v3/kv/range', (c) => ({ key: b64(c.p + 'initialize') }))),
  scenario('pat-lease-keepalive-missing', post('/v3/lease/keepalive', () => ({ ID: '1311768467294899695' }), '}')),
  scenario('pat-watch-progress-notify', seed(['{P}leader', 'n1']),
    post('/v3/watch', (c) => ({ create_request: { key: b64(c.p), range_end: b64(c.p.slice(0, -1) + '0'), start_revision: c.rev(1), progress_notify: true } }), '"events"')),
  scenario('pat-watch-cancel-by-compact-rev', post('/v3/watch', (c) => ({ create_request: { key: b64(c.p + 'x'), start_revision: 1 } }), '"compact_revision"|"events"|"created"')),
  scenario('pat-member-list-version', post('/v3/cluster/member/list', () => ({})), { http: 'GET /version' }),
  scenario('pat-auth-authenticate-disabled', post('/v3/auth/authenticate', () => ({ name: 'patroni', password: 'x' }))),
];
