// Edge cases: odd keys and values, watch streams with several watchers, gateway request shapes,
// etcdctl options that change the encoding (--hex), snapshot files read back by etcdctl.
import type { Scenario, StepContext } from '../types.js';
import { abc, ctl, ctlFor, ctlUntil, scenario, seed } from './dsl.js';

const b = (s: string) => Buffer.from(s);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const watch = (send: (c: StepContext) => Record<string, unknown>[], count: number, ms?: number) => ({ grpcStream: 'Watch.Watch' as const, send, count, ms });

export const moreScenarios: Scenario[] = [
  // keys and values
  scenario('edge-key-with-nul', { grpc: 'KV.Put', req: { key: b('{P}a\0b'), value: b('v') } }, { grpc: 'KV.Range', req: { key: b('{P}a'), range_end: b('{P}b') } }),
  scenario('edge-binary-value', { grpc: 'KV.Put', req: { key: b('{P}k'), value: Buffer.from([0, 255, 1, 254]) } }, ctl('get', '{P}k', '--hex'), ctl('get', '{P}k', '-w', 'json')),
  scenario('edge-hex-keys', abc(), ctl('get', '{P}', '--prefix', '--hex', '--keys-only')),
  scenario('edge-long-key', ctl('put', '{P}' + 'k'.repeat(3000), 'v'), ctl('get', '{P}', '--prefix', '--keys-only', '-w', 'json')),
  scenario('edge-range-end-before-key', abc(), { grpc: 'KV.Range', req: { key: b('{P}c'), range_end: b('{P}a') } }),
  scenario('edge-range-limit-more', abc(), { grpc: 'KV.Range', req: { key: b('{P}'), range_end: b('{P}~'), limit: 1, keys_only: true } }),
  scenario('edge-range-rev-limit-sort', abc(), { grpc: 'KV.Range', req: { key: b('{P}'), range_end: b('{P}~'), revision: '{R+3}', limit: 2, sort_order: 'DESCEND', sort_target: 'VALUE' } }),
  scenario('edge-range-negative-limit', abc(), { grpc: 'KV.Range', req: { key: b('{P}'), range_end: b('{P}~'), limit: -1, count_only: true } }),
  scenario('edge-range-negative-rev', { grpc: 'KV.Range', req: { key: b('{P}a'), revision: '-1' } }),
  scenario('edge-put-same-value', seed(['{P}k', 'v']), ctl('put', '{P}k', 'v'), ctl('get', '{P}k', '-w', 'json')),
  scenario('edge-del-range-all-versions', seed(['{P}a', '1'], ['{P}a', '2'], ['{P}b', '1']), { grpc: 'KV.DeleteRange', req: { key: b('{P}'), range_end: b('{P}~'), prev_kv: true } }, { grpc: 'KV.Range', req: { key: b('{P}a'), revision: '{R+2}' } }),
  // a few hundred keys: limits, sorting and counts over more than a page
  scenario('edge-bulk-300', { seed: Array.from({ length: 300 }, (_, i): [string, string] => [`{P}k${String((i * 7919) % 300).padStart(3, '0')}`, `v${i}`]) },
    ctl('get', '{P}', '--prefix', '--keys-only', '--limit=5', '--sort-by=MODIFY', '--order=DESCEND'),
    ctl('get', '{P}', '--prefix', '--limit=3', '-w', 'json'),
    ctl('get', '{P}k150', '--from-key', '--keys-only', '--limit=4'),
    { grpc: 'KV.Range', req: { key: Buffer.from('{P}'), range_end: Buffer.from('{P}~'), count_only: true } },
    ctl('del', '{P}k1', '--prefix'),
    ctl('get', '{P}', '--prefix', '--keys-only', '--limit=2', '--sort-by=KEY', '--order=DESCEND')),
  // txn shapes
  scenario('edge-txn-range-in-compare-missing', txn({ compare: [{ key: b('{P}none'), target: 'MOD', result: 'LESS', mod_revision: '1' }], success: [{ request_range: { key: b('{P}none') } }], failure: [{ request_put: { key: b('{P}f'), value: b('1') } }] })),
  scenario('edge-txn-not-equal', seed(['{P}a', '1']), txn({ compare: [{ key: b('{P}a'), target: 'VALUE', result: 'NOT_EQUAL', value: b('2') }], success: [{ request_delete_range: { key: b('{P}a'), prev_kv: true } }], failure: [] })),
  scenario('edge-txn-put-then-range-same-txn', txn({ compare: [], success: [{ request_put: { key: b('{P}a'), value: b('1') } }, { request_range: { key: b('{P}a') } }], failure: [] })),
  scenario('edge-txn-nested-dup', txn({ compare: [], success: [{ request_put: { key: b('{P}a'), value: b('1') } }, { request_txn: { compare: [], success: [{ request_put: { key: b('{P}a'), value: b('2') } }], failure: [] } }], failure: [] })),
  scenario('edge-txn-nested-branches-dup-ok', txn({ compare: [], success: [{ request_txn: { compare: [], success: [{ request_put: { key: b('{P}a'), value: b('1') } }], failure: [{ request_put: { key: b('{P}a'), value: b('2') } }] } }], failure: [] })),
  scenario('edge-txn-lease-missing', txn({ compare: [], success: [{ request_put: { key: b('{P}a'), value: b('1'), lease: '99999' } }], failure: [] })),
  scenario('edge-txn-empty-key-op', txn({ compare: [], success: [{ request_put: { key: b(''), value: b('1') } }], failure: [] })),
  scenario('edge-txn-compare-empty-key', txn({ compare: [{ key: b(''), target: 'VALUE', result: 'EQUAL', value: b('') }], success: [], failure: [] })),
  // watch streams
  scenario('edge-watch-history-one-key', seed(['{P}a', '1'], ['{P}b', '2']),
    watch(() => [{ create_request: { key: b('{P}a'), start_revision: '{R+1}' } }], 2),
  ),
  scenario('edge-watch-ids', watch(() => [{ create_request: { key: b('{P}a') } }, { create_request: { key: b('{P}b') } }, { create_request: { key: b('{P}c'), watch_id: '7' } }], 3)),
  scenario('edge-watch-dup-id', watch(() => [{ create_request: { key: b('{P}a'), watch_id: '5' } }, { create_request: { key: b('{P}b'), watch_id: '5' } }], 2)),
  scenario('edge-watch-cancel-unknown', watch(() => [{ cancel_request: { watch_id: '42' } }], 1, 1_000)),
  scenario('edge-watch-empty-key', watch(() => [{ create_request: { key: b('') } }], 1)),
  scenario('edge-watch-range-from-key-history', seed(['{P}a', '1'], ['{P}z', '2']),
    watch(() => [{ create_request: { key: b('{P}y'), range_end: b('\0'), start_revision: '{R+1}' } }], 2)),
  scenario('edge-watch-nodelete-prevkv', seed(['{P}a', '1']), { grpc: 'KV.Put', req: { key: b('{P}a'), value: b('2') } }, { grpc: 'KV.DeleteRange', req: { key: b('{P}a') } },
    watch(() => [{ create_request: { key: b('{P}a'), start_revision: '{R+1}', prev_kv: true, filters: ['NODELETE'] } }], 2)),
  // etcdctl extras
  scenario('edge-watch-exec', seed(['{P}a', '1']), ctlUntil('="1"$', 'watch', '{P}a', '--rev={R+1}', '--', 'sh', '-c', 'echo "$ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE"')),
  scenario('edge-get-print-value-only-json', abc(), ctl('get', '{P}a', '--print-value-only', '-w', 'json')),
  scenario('edge-put-prev-kv-table', seed(['{P}k', 'old']), ctl('put', '{P}k', 'new', '--prev-kv', '-w', 'table')),
  scenario('edge-del-prev-kv-fields', abc(), ctl('del', '{P}', '--prefix', '--prev-kv', '-w', 'fields')),
  scenario('edge-txn-fields-failure', seed(['{P}a', '1']), { ctl: ['txn', '-i', '-w', 'fields'], input: 'value("{P}a") = "2"\n\n\nget {P}a\n\n' }),
  scenario('edge-lease-keepalive-stream', ctl('lease', 'grant', '300'), ctlUntil('keepalived with TTL', 'lease', 'keep-alive', '{L1}')),
  scenario('edge-elect-listen-none', ctlFor(1_000, 'elect', '-l', '{P}none')),
  scenario('edge-member-list-hex', ctl('member', 'list', '--hex', '-w', 'json')),
  scenario('edge-get-hex-json-header', abc(), ctl('get', '{P}a', '--hex', '-w', 'json')),
  // JSON gateway shapes
  scenario('gw-range-rev-as-number', seed(['{P}a', '1'], ['{P}a', '2']), { http: 'POST /v3/kv/range', body: (c: StepContext) => ({ key: b64(c.p + 'a'), revision: c.rev(1) }) }),
  scenario('gw-bad-base64', { http: 'POST /v3/kv/range', body: { key: '!!!notbase64' } }),
  scenario('gw-empty-body', { http: 'POST /v3/kv/range', body: '' }),
  scenario('gw-unknown-field', { http: 'POST /v3/kv/range', body: (c: StepContext) => ({ key: b64(c.p + 'a'), frobnicate: 1 }) }),
  scenario('gw-enum-as-number', seed(['{P}a', '1'], ['{P}b', '2']), { http: 'POST /v3/kv/range', body: (c: StepContext) => ({ key: b64(c.p), range_end: b64(c.p + '~'), sort_order: 2, sort_target: 0 }) }),
  // the lease list holds every lease of the store (some linger for a timing-dependent while): look for ours only
  scenario('gw-leases', { http: 'POST /v3/lease/grant', body: { TTL: 300, ID: 4242 } },
    { http: 'POST /v3/lease/leases', body: {}, pick: (body) => (body.includes('{"ID":"4242"}') ? 'lists lease 4242' : `lease 4242 missing: ${body.slice(0, 200)}`) },
    { http: 'POST /v3/lease/revoke', body: { ID: 4242 } }),
  scenario('gw-hashkv', { http: 'POST /v3/maintenance/hash', body: {} }),
  scenario('gw-defragment', { http: 'POST /v3/maintenance/defragment', body: {} }),
  scenario('gw-watch-two-messages', seed(['{P}a', '1']), { http: 'POST /v3/watch', body: (c: StepContext) => JSON.stringify({ create_request: { key: b64(c.p + 'a') } }) + JSON.stringify({ create_request: { key: b64(c.p + 'b') } }), streamMs: 10_000, until: '"watch_id":"1"' }),
  scenario('gw-watch-bad-json', { http: 'POST /v3/watch', body: '{oops', streamMs: 5_000 }),
  scenario('gw-auth-authenticate-disabled', { http: 'POST /v3/auth/authenticate', body: { name: 'root', password: 'x' } }),
  scenario('gw-method-put', { http: 'PUT /v3/kv/range', body: {} }),
  scenario('gw-health-post', { http: 'POST /health', body: {} }),
  scenario('gw-version-post', { http: 'POST /version', body: {} }),
  scenario('gw-root-path', { http: 'GET /' }),
  scenario('gw-v3alpha', { http: 'POST /v3alpha/kv/range', body: (c: StepContext) => ({ key: b64(c.p + 'a') }) }),
];

function txn(req: Record<string, unknown>) {
  return { grpc: 'KV.Txn' as const, req };
}
