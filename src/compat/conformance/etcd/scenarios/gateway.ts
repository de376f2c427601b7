// The JSON gateway and the plain HTTP endpoints on the client port, via fetch.
import type { Scenario } from '../types.js';
import type { StepContext } from '../types.js';
import { scenario, seed } from './dsl.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const post = (path: string, body: (c: StepContext) => unknown) => ({ http: `POST ${path}` as const, body });

/** Metric names a Prometheus scrape of etcd 3.4 always has: compared as present/absent. */
const KEY_METRICS = [
  'etcd_server_has_leader', 'etcd_server_is_leader', 'etcd_server_leader_changes_seen_total', 'etcd_server_proposals_committed_total',
  'etcd_server_proposals_applied_total', 'etcd_server_proposals_pending', 'etcd_server_proposals_failed_total', 'etcd_mvcc_db_total_size_in_bytes',
  'etcd_debugging_mvcc_keys_total', 'etcd_disk_wal_fsync_duration_seconds_bucket', 'etcd_disk_backend_commit_duration_seconds_bucket',
  'etcd_network_client_grpc_received_bytes_total', 'etcd_server_version', 'etcd_cluster_version', 'grpc_server_handled_total', 'process_cpu_seconds_total',
];
const metricNames = (body: string) => KEY_METRICS.map((m) => `${m}: ${new RegExp(`^${m}[{ ]`, 'm').test(body) ? 'present' : 'ABSENT'}`).join('\n');

/**
 * /debug/vars (Go expvar): which keys, in which order, of which types, and raft.status's shape; not
 * the values that belong to the process (memory, argv, fd limit) or advance (term, commit).
 */
function debugVarsShape(body: string): string {
  const v = JSON.parse(body) as Record<string, unknown>;
  const raft = v['raft.status'] as Record<string, unknown>;
  const progress = raft['progress'] as Record<string, Record<string, unknown>>;
  const fdLimit = v['file_descriptor_limit'];
  return [
    `keys: ${[...body.matchAll(/^"([^"]+)": /gm)].map((m) => m[1]).join(' ')}`,
    `cmdline strings: ${Array.isArray(v['cmdline']) && (v['cmdline'] as unknown[]).every((a) => typeof a === 'string')}`,
    `file_descriptor_limit positive integer: ${Number.isInteger(fdLimit) && (fdLimit as number) > 0}`,
    `memstats: ${Object.keys(v['memstats'] as object).join(' ')}`,
    `raft.status: ${Object.keys(raft).join(' ')}`,
    `raftState: ${String(raft['raftState'])}, id is lead and vote: ${raft['id'] === raft['lead'] && raft['id'] === raft['vote']}`,
    `progress: ${Object.entries(progress).map(([id, p]) => `${id === raft['id'] ? 'self' : 'other'} ${Object.keys(p).join(',')} ${String(p['state'])} match<next ${Number(p['match']) < Number(p['next'])}`).join('; ')}`,
    `leadtransferee: ${String(raft['leadtransferee'])}`,
  ].join('\n');
}

export const gatewayScenarios: Scenario[] = [
  scenario('gw-put-range', post('/v3/kv/put', (c) => ({ key: b64(c.p + 'a'), value: b64('1') })), post('/v3/kv/range', (c) => ({ key: b64(c.p + 'a') }))),
  scenario('gw-put-prev-kv', seed(['{P}a', 'old']), post('/v3/kv/put', (c) => ({ key: b64(c.p + 'a'), value: b64('new'), prev_kv: true }))),
  scenario('gw-range-prefix', seed(['{P}a', '1'], ['{P}b', '2']), post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(c.p.slice(0, -1) + '0'), sort_order: 'DESCEND', sort_target: 'KEY' }))),
  scenario('gw-range-count', seed(['{P}a', '1'], ['{P}b', '2']), post('/v3/kv/range', (c) => ({ key: b64(c.p), range_end: b64(c.p.slice(0, -1) + '0'), count_only: true }))),
  scenario('gw-range-missing', post('/v3/kv/range', (c) => ({ key: b64(c.p + 'none') }))),
  scenario('gw-range-empty-key', post('/v3/kv/range', () => ({}))),
  scenario('gw-put-empty-key', post('/v3/kv/put', () => ({ value: b64('v') }))),
  scenario('gw-bad-json', { http: 'POST /v3/kv/put', body: '{not json' }),
  scenario('gw-deleterange', seed(['{P}a', '1']), post('/v3/kv/deleterange', (c) => ({ key: b64(c.p + 'a'), prev_kv: true }))),
  scenario('gw-txn', seed(['{P}a', '1']), post('/v3/kv/txn', (c) => ({
    compare: [{ key: b64(c.p + 'a'), target: 'VALUE', result: 'EQUAL', value: b64('1') }],
    success: [{ request_put: { key: b64(c.p + 'b'), value: b64('2') } }],
  }))),
  scenario('gw-txn-dup', post('/v3/kv/txn', (c) => ({ success: [{ request_put: { key: b64(c.p + 'b'), value: b64('2') } }, { request_put: { key: b64(c.p + 'b'), value: b64('3') } }] }))),
  scenario('gw-compact-future', post('/v3/kv/compaction', (c) => ({ revision: String(c.rev(1000)) }))),
  scenario('gw-watch-stream', seed(['{P}a', '1'], ['{P}a', '2']), { http: 'POST /v3/watch', body: (c: StepContext) => ({ create_request: { key: b64(c.p + 'a'), start_revision: String(c.rev(1)) } }), streamMs: 10_000, until: 'Mg==' }),
  scenario('gw-lease-grant-revoke', post('/v3/lease/grant', () => ({ TTL: 300 })), post('/v3/lease/timetolive', (c) => ({ ID: String(c.leases[0] ?? 0n), keys: true })), post('/v3/lease/revoke', (c) => ({ ID: String(c.leases[0] ?? 0n) })), post('/v3/kv/lease/revoke', (c) => ({ ID: String(c.leases[0] ?? 0n) }))),
  scenario('gw-lease-keepalive', post('/v3/lease/grant', () => ({ TTL: 300 })), { http: 'POST /v3/lease/keepalive', body: (c: StepContext) => ({ ID: String(c.leases[0] ?? 0n) }), streamMs: 10_000, until: '"TTL"' }),
  scenario('gw-lease-timetolive-missing', post('/v3/lease/timetolive', () => ({ ID: '99999' }))),
  scenario('gw-lease-ttl-too-large', post('/v3/lease/grant', () => ({ TTL: '9000000001' }))),
  scenario('gw-maintenance-status', post('/v3/maintenance/status', () => ({}))),
  scenario('gw-member-list', post('/v3/cluster/member/list', () => ({}))),
  scenario('gw-alarm', post('/v3/maintenance/alarm', () => ({ action: 'GET' }))),
  scenario('gw-auth-status', post('/v3/auth/status', () => ({}))),
  scenario('gw-unknown-path', post('/v3/kv/frob', () => ({}))),
  scenario('gw-get-on-post-route', { http: 'GET /v3/kv/range' }),
  scenario('gw-v3beta', post('/v3beta/kv/range', (c) => ({ key: b64(c.p + 'a') }))),
  scenario('http-version', { http: 'GET /version' }),
  // what etcd 3.4 does NOT serve by default (v2 API off): tools probing these must see the same answer
  scenario('http-v2-keys', { http: 'GET /v2/keys/foo' }),
  scenario('http-v2-members', { http: 'GET /v2/members' }),
  scenario('http-v2-stats', { http: 'GET /v2/stats/self' }),
  scenario('http-readyz', { http: 'GET /readyz' }),
  scenario('http-debug-vars', { http: 'GET /debug/vars', pick: debugVarsShape }),
  scenario('http-health', { http: 'GET /health' }),
  scenario('http-metrics-names', { http: 'GET /metrics', pick: metricNames }),
];
