// The Consul HTTP corpus of `dcsgw conformance`: KV, sessions, txn, catalog and health, each
// answer as genuine Consul documents it (../shared/reference/consul-http-api.md sections 0 and
// 2.1-2.8; txn error texts as Consul's state store words them). Everything a scenario writes is
// under its own KV prefix or its own node, removed afterwards.
import { ABSENT, type ConsulScenario, type ConsulStep } from './types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const step = (req: string, expect: ConsulStep['expect'], body?: unknown): ConsulStep => (body === undefined ? { req, expect } : { req, expect, body });
const ok = (json: unknown = true) => ({ status: 200, json });
/** A KV entry as GET /v1/kv answers it (2.3): no session unless one holds the key. */
const entry = (key: string, value: string | null, create: string, modify: string, extra: Record<string, unknown> = {}) => ({
  LockIndex: 0, Key: key, Flags: 0, Value: value === null ? null : b64(value), CreateIndex: create, ModifyIndex: modify, Session: ABSENT, ...extra,
});
const INDEX = { 'X-Consul-Index': '<present>' };

const kv: ConsulScenario[] = [
  {
    name: 'kv-put-get-flags',
    about: 'PUT answers true; GET answers an array of one entry whose ModifyIndex is X-Consul-Index (2.1, 2.3)',
    steps: [
      step('PUT /v1/kv/{P}a?flags=42', ok(), 'hello'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I1>' }, json: [entry('{P}a', 'hello', '<I1>', '<I1>', { Flags: 42 })] }),
    ],
  },
  {
    name: 'kv-get-missing',
    about: 'a missing key is 404 with an empty body, still carrying X-Consul-Index (2.1)',
    steps: [step('GET /v1/kv/{P}none', { status: 404, headers: INDEX, text: '' })],
  },
  {
    name: 'kv-get-raw',
    about: '?raw answers the value itself as text/plain (2.3)',
    steps: [
      step('PUT /v1/kv/{P}a', ok(), 'plain value'),
      step('GET /v1/kv/{P}a?raw', { status: 200, headers: { 'Content-Type': 'text/plain' }, text: 'plain value' }),
    ],
  },
  {
    name: 'kv-missing-key-name',
    about: 'GET or DELETE /v1/kv/ without a key (and without recurse) is 400 "Missing key name" (2.3)',
    steps: [
      step('GET /v1/kv/', { status: 400, text: 'Missing key name' }),
      step('DELETE /v1/kv/', { status: 400, text: 'Missing key name' }),
    ],
  },
  {
    name: 'kv-cas',
    about: '?cas=0 writes only an absent key, ?cas=N only when ModifyIndex is N (2.3)',
    steps: [
      step('PUT /v1/kv/{P}a', ok(), 'v1'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I1>' }, json: [entry('{P}a', 'v1', '<I1>', '<I1>')] }),
      step('PUT /v1/kv/{P}a?cas=0', ok(false), 'v0'),
      step('PUT /v1/kv/{P}a?cas={I1}', ok(true), 'v2'),
      step('PUT /v1/kv/{P}a?cas={I1}', ok(false), 'v3'),
      step('PUT /v1/kv/{P}b?cas=0', ok(true), 'new'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I2>' }, json: [entry('{P}a', 'v2', '<I1>', '<I2>')] }),
    ],
  },
  {
    name: 'kv-identical-write',
    about: 'writing the same value and flags again does not move ModifyIndex (2.3)',
    steps: [
      step('PUT /v1/kv/{P}a?flags=3', ok(), 'same'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I1>' }, json: [entry('{P}a', 'same', '<I1>', '<I1>', { Flags: 3 })] }),
      step('PUT /v1/kv/{P}a?flags=3', ok(), 'same'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I1>' }, json: [entry('{P}a', 'same', '<I1>', '<I1>', { Flags: 3 })] }),
    ],
  },
  {
    name: 'kv-recurse-keys',
    about: '?recurse lists entries in key order; ?keys lists names; ?separator=/ folds sub-folders (2.3)',
    steps: [
      step('PUT /v1/kv/{P}b/d', ok(), '3'),
      step('PUT /v1/kv/{P}a', ok(), '1'),
      step('PUT /v1/kv/{P}b/c', ok(), '2'),
      step('GET /v1/kv/{P}?recurse', { status: 200, json: [{ Key: '{P}a', Value: b64('1') }, { Key: '{P}b/c', Value: b64('2') }, { Key: '{P}b/d', Value: b64('3') }] }),
      step('GET /v1/kv/{P}?keys', ok(['{P}a', '{P}b/c', '{P}b/d'])),
      step('GET /v1/kv/{P}?keys&separator=/', ok(['{P}a', '{P}b/'])),
    ],
  },
  {
    name: 'kv-empty-listings',
    about: 'an empty ?keys or ?recurse listing under a prefix is 404 (2.3)',
    steps: [
      step('GET /v1/kv/{P}nothing/?keys', { status: 404, headers: INDEX, text: '' }),
      step('GET /v1/kv/{P}nothing/?recurse', { status: 404, headers: INDEX, text: '' }),
    ],
  },
  {
    name: 'kv-delete',
    about: 'DELETE answers true, for a missing key too; the key is gone (2.3)',
    steps: [
      step('PUT /v1/kv/{P}a', ok(), 'x'),
      step('DELETE /v1/kv/{P}a', ok(true)),
      step('DELETE /v1/kv/{P}a', ok(true)),
      step('GET /v1/kv/{P}a', { status: 404, text: '' }),
    ],
  },
  {
    name: 'kv-delete-recurse',
    about: 'DELETE ?recurse removes the whole prefix (2.3)',
    steps: [
      step('PUT /v1/kv/{P}t/1', ok(), '1'),
      step('PUT /v1/kv/{P}t/2', ok(), '2'),
      step('PUT /v1/kv/{P}u', ok(), 'stays'),
      step('DELETE /v1/kv/{P}t/?recurse', ok(true)),
      step('GET /v1/kv/{P}?keys', ok(['{P}u'])),
    ],
  },
  {
    name: 'kv-delete-cas',
    about: 'DELETE ?cas=N deletes only at ModifyIndex N, and answers true for a missing key (2.3)',
    steps: [
      step('PUT /v1/kv/{P}a', ok(), 'x'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I1>' }, json: [entry('{P}a', 'x', '<I1>', '<I1>')] }),
      step('DELETE /v1/kv/{P}a?cas=0', ok(false)),
      step('DELETE /v1/kv/{P}a?cas={I1}', ok(true)),
      step('DELETE /v1/kv/{P}missing?cas=5', ok(true)),
      step('GET /v1/kv/{P}a', { status: 404, text: '' }),
    ],
  },
  {
    name: 'kv-value-too-large',
    about: 'a value over 512 KiB is refused with 413 (2.3)',
    steps: [{ req: 'PUT /v1/kv/{P}big', body: 'x'.repeat(512 * 1024 + 1), expect: { status: 413 }, statusOnly: true }, step('GET /v1/kv/{P}big', { status: 404, text: '' })],
  },
];

/** A session of this scenario: no health checks (explicit [] as 2.5 allows), so it depends on none. */
const session = (extra: Record<string, unknown> = {}) => ({ Name: '{N}', Checks: [], ...extra });

const sessions: ConsulScenario[] = [
  {
    name: 'session-lifecycle',
    about: 'create answers {"ID"}; info and renew answer [SessionEntry] (LockDelay in ns, TTL as written); destroy answers true, then info answers [] (2.5)',
    steps: [
      step('PUT /v1/session/create', ok({ ID: '<S1>' }), session({ TTL: '15s' })),
      step('GET /v1/session/info/{S1}', ok([{ ID: '<S1>', Name: '{N}', Node: '<NODE>', LockDelay: 15_000_000_000, Behavior: 'release', TTL: '15s', CreateIndex: '<I1>', ModifyIndex: '<I1>' }])),
      step('PUT /v1/session/renew/{S1}', ok([{ ID: '<S1>', Name: '{N}', Behavior: 'release', TTL: '15s' }])),
      step('PUT /v1/session/destroy/{S1}', ok(true)),
      step('GET /v1/session/info/{S1}', ok([])),
    ],
  },
  {
    name: 'session-renew-unknown',
    about: "renewing an unknown session is 404 \"Session id '<id>' not found\" (2.5)",
    steps: [step('PUT /v1/session/renew/0badc0de-0000-4000-8000-000000000000', { status: 404, text: "Session id '<S1>' not found" })],
  },
  {
    name: 'session-ttl-out-of-range',
    about: 'a TTL below session_ttl_min (10s) is refused with 500 and the text Patroni matches (2.5)',
    steps: [step('PUT /v1/session/create', { status: 500, text: "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]" }, session({ TTL: '5s' }))],
  },
  {
    name: 'session-bad-behavior',
    about: "Behavior other than release/delete is refused: Invalid Behavior setting '<x>' (2.5)",
    steps: [step('PUT /v1/session/create', { status: 500, text: "Invalid Behavior setting 'frob'" }, session({ Behavior: 'frob' }))],
  },
  {
    name: 'session-lock-delay-number',
    about: 'LockDelay given as a number below 1000 is seconds (2.5)',
    steps: [
      step('PUT /v1/session/create', ok({ ID: '<S1>' }), session({ LockDelay: 7 })),
      step('GET /v1/session/info/{S1}', ok([{ ID: '<S1>', LockDelay: 7_000_000_000 }])),
      step('PUT /v1/session/destroy/{S1}', ok(true)),
    ],
  },
  {
    name: 'kv-acquire-release',
    about: 'acquire by a holder sets Session and LockIndex 1; another session gets false; release by the holder clears Session, keeps LockIndex (2.3)',
    steps: [
      step('PUT /v1/session/create', ok({ ID: '<S1>' }), session()),
      step('PUT /v1/session/create', ok({ ID: '<S2>' }), session()),
      step('PUT /v1/kv/{P}lock?acquire={S1}', ok(true), 'holder-1'),
      step('GET /v1/kv/{P}lock', ok([{ Key: '{P}lock', LockIndex: 1, Session: '<S1>', Value: b64('holder-1') }])),
      step('PUT /v1/kv/{P}lock?acquire={S2}', ok(false), 'holder-2'),
      step('PUT /v1/kv/{P}lock?release={S2}', ok(false), 'x'),
      step('PUT /v1/kv/{P}lock?release={S1}', ok(true), 'released'),
      step('GET /v1/kv/{P}lock', ok([{ Key: '{P}lock', LockIndex: 1, Session: ABSENT, Value: b64('released') }])),
      step('PUT /v1/session/destroy/{S1}', ok(true)),
      step('PUT /v1/session/destroy/{S2}', ok(true)),
    ],
  },
  {
    name: 'kv-acquire-unknown-session',
    about: 'acquire with a session that does not exist is 500 invalid session "<id>" (2.3)',
    steps: [step('PUT /v1/kv/{P}lock?acquire=0badc0de-0000-4000-8000-000000000001', { status: 500, text: 'invalid session "<S1>"' }, 'x')],
  },
  {
    name: 'session-behavior-delete',
    about: 'destroying a delete-behaviour session deletes the keys it holds (2.5)',
    steps: [
      step('PUT /v1/session/create', ok({ ID: '<S1>' }), session({ Behavior: 'delete' })),
      step('PUT /v1/kv/{P}eph?acquire={S1}', ok(true), 'x'),
      step('PUT /v1/session/destroy/{S1}', ok(true)),
      step('GET /v1/kv/{P}eph', { status: 404, text: '' }),
    ],
  },
];

const kvOp = (Verb: string, Key: string, more: Record<string, unknown> = {}) => ({ KV: { Verb, Key, ...more } });

const txn: ConsulScenario[] = [
  {
    name: 'txn-set-get',
    about: '200 {"Results":[...],"Errors":null}; a set answers its entry without a value, a get with it (2.4)',
    steps: [
      step('PUT /v1/txn', ok({
        Results: [
          { KV: { Key: '{P}a', Flags: 7, Value: null, CreateIndex: '<I1>', ModifyIndex: '<I1>' } },
          { KV: { Key: '{P}a', Flags: 7, Value: b64('1'), CreateIndex: '<I1>', ModifyIndex: '<I1>' } },
        ],
        Errors: null,
      }), [kvOp('set', '{P}a', { Value: b64('1'), Flags: 7 }), kvOp('get', '{P}a')]),
    ],
  },
  {
    name: 'txn-rollback',
    about: '409 {"Results":null,"Errors":[{"OpIndex","What"}]} and nothing applied (2.4)',
    steps: [
      step('PUT /v1/txn', { status: 409, json: { Results: null, Errors: [{ OpIndex: 1, What: 'key "{P}missing" doesn\'t exist' }] } },
        [kvOp('set', '{P}b', { Value: b64('2') }), kvOp('get', '{P}missing')]),
      step('GET /v1/kv/{P}b', { status: 404, text: '' }),
    ],
  },
  {
    name: 'txn-cas-and-check-index',
    about: 'cas and check-index against a stale index fail with "index is stale" / "current modify index" texts (2.4)',
    steps: [
      step('PUT /v1/kv/{P}a', ok(), 'x'),
      step('GET /v1/kv/{P}a', { status: 200, headers: { 'X-Consul-Index': '<I1>' }, json: [entry('{P}a', 'x', '<I1>', '<I1>')] }),
      step('PUT /v1/txn', { status: 409, json: { Results: null, Errors: [{ OpIndex: 0, What: 'failed to set key "{P}a", index is stale' }] } },
        [kvOp('cas', '{P}a', { Value: b64('y'), Index: 1 })]),
      step('PUT /v1/txn', ok({ Results: [{ KV: { Key: '{P}a', Value: null, ModifyIndex: '<I2>' } }], Errors: null }),
        [kvOp('cas', '{P}a', { Value: b64('y'), Index: '{I1}' })]),
    ],
  },
  {
    name: 'txn-check-not-exists',
    about: 'check-not-exists passes for an absent key (no result entry) and fails with key "<k>" exists (2.4)',
    steps: [
      step('PUT /v1/txn', ok({ Results: [{ KV: { Key: '{P}a', Value: null } }], Errors: null }),
        [kvOp('check-not-exists', '{P}a'), kvOp('set', '{P}a', { Value: b64('1') })]),
      step('PUT /v1/txn', { status: 409, json: { Results: null, Errors: [{ OpIndex: 0, What: 'key "{P}a" exists' }] } },
        [kvOp('check-not-exists', '{P}a'), kvOp('set', '{P}a', { Value: b64('2') })]),
    ],
  },
  {
    name: 'txn-delete-tree',
    about: 'delete-tree removes a prefix atomically with other ops (2.4)',
    steps: [
      step('PUT /v1/kv/{P}x/1', ok(), '1'),
      step('PUT /v1/kv/{P}x/2', ok(), '2'),
      { req: 'PUT /v1/txn', body: [kvOp('delete-tree', '{P}x/'), kvOp('set', '{P}y', { Value: b64('after') })], expect: { status: 200 }, statusOnly: true },
      step('GET /v1/kv/{P}?keys', ok(['{P}y'])),
    ],
  },
  {
    name: 'txn-too-many-ops',
    about: 'more than 64 operations in one transaction are refused with 413 (2.4)',
    steps: [{ req: 'PUT /v1/txn', body: Array.from({ length: 65 }, (_, i) => kvOp('set', `{P}k${i}`, { Value: b64('v') })), expect: { status: 413 }, statusOnly: true }, step('GET /v1/kv/{P}?keys', { status: 404, text: '' })],
  },
];

const registration = (checkStatus: string) => ({
  Node: '{N}',
  Address: '192.0.2.10',
  Service: { ID: '{N}-web', Service: '{N}-web', Tags: ['primary'], Port: 8080 },
  Check: { Node: '{N}', CheckID: '{N}-web-check', Name: 'web check', Status: checkStatus, ServiceID: '{N}-web' },
});

const catalog: ConsulScenario[] = [
  {
    name: 'catalog-register-read-deregister',
    about: 'register answers true; the node and its service read back; deregistering the node removes both (2.7)',
    steps: [
      step('PUT /v1/catalog/register', ok(true), registration('passing')),
      step('GET /v1/catalog/service/{N}-web', ok([{ Node: '{N}', Address: '192.0.2.10', Datacenter: '<DC>', ServiceID: '{N}-web', ServiceName: '{N}-web', ServiceTags: ['primary'], ServicePort: 8080, ServiceAddress: '' }])),
      step('GET /v1/catalog/service/{N}-web?tag=primary', ok([{ Node: '{N}', ServiceID: '{N}-web' }])),
      step('GET /v1/catalog/service/{N}-web?tag=other', ok([])),
      step('GET /v1/catalog/node/{N}', ok({ Node: { Node: '{N}', Address: '192.0.2.10' }, Services: { '{N}-web': { ID: '{N}-web', Service: '{N}-web', Tags: ['primary'], Port: 8080 } } })),
      step('PUT /v1/catalog/deregister', ok(true), { Node: '{N}' }),
      step('GET /v1/catalog/node/{N}', ok(null)),
      step('GET /v1/catalog/service/{N}-web', ok([])),
    ],
  },
  {
    name: 'catalog-register-without-node',
    about: 'Node is required (2.7); the catalog endpoint refuses it as an RPC error: 500 "Must provide node"',
    steps: [step('PUT /v1/catalog/register', { status: 500, text: 'Must provide node' }, { Address: '192.0.2.11' })],
  },
  {
    name: 'catalog-unknown-service',
    about: 'an unknown service is an empty array, not 404 (2.7)',
    steps: [step('GET /v1/catalog/service/{N}-none', ok([]))],
  },
  {
    name: 'health-service-passing',
    about: '/v1/health/service lists node, service and checks; ?passing drops entries with a check not passing (2.8)',
    steps: [
      step('PUT /v1/catalog/register', ok(true), registration('passing')),
      step('GET /v1/health/service/{N}-web', ok([{
        Node: { Node: '{N}', Address: '192.0.2.10' },
        Service: { ID: '{N}-web', Service: '{N}-web', Tags: ['primary'], Port: 8080 },
        Checks: [{ Node: '{N}', CheckID: '{N}-web-check', Name: 'web check', Status: 'passing', ServiceID: '{N}-web', ServiceName: '{N}-web' }],
      }])),
      step('GET /v1/health/service/{N}-web?passing=1', ok([{ Service: { ID: '{N}-web' } }])),
      step('PUT /v1/catalog/register', ok(true), registration('critical')),
      step('GET /v1/health/service/{N}-web?passing=1', ok([])),
      step('GET /v1/health/checks/{N}-web', ok([{ CheckID: '{N}-web-check', Status: 'critical', ServiceID: '{N}-web' }])),
      step('GET /v1/health/node/{N}', ok([{ CheckID: '{N}-web-check', Status: 'critical' }])),
      step('PUT /v1/catalog/deregister', ok(true), { Node: '{N}' }),
      step('GET /v1/health/service/{N}-web', ok([])),
    ],
  },
  {
    name: 'health-state-missing',
    about: '/v1/health/state/ without a state is 400 "Missing check state" (2.8)',
    steps: [step('GET /v1/health/state/', { status: 400, text: 'Missing check state' })],
  },
];

export const consulScenarios: ConsulScenario[] = [...kv, ...sessions, ...txn, ...catalog];

const seen = new Set<string>();
for (const s of consulScenarios) {
  if (seen.has(s.name)) throw new Error(`duplicate Consul conformance scenario ${s.name}`);
  seen.add(s.name);
}
