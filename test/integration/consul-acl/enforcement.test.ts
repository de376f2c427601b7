// ACL enforcement on every endpoint group of the Consul face, as Consul enforces it: writes refused
// with Consul's 403 texts, reads of lists filtered to what the token may read (with
// X-Consul-Results-Filtered-By-ACLs), tokens taken from X-Consul-Token, ?token= and
// Authorization: Bearer, the default policy, and DNS answering with the agent's DNS token.
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulDns } from '../../../src/gateway/consul/dns/index.js';
import { allocatePorts } from '../../support/ports.js';
import { dig } from '../consul/dns-support.js';
import { ANONYMOUS_DENIAL_SUFFIX, call, startAclFace, tokenWithRules, type AclFace } from './acl-support.js';

const ROOT = 'enforce-root';
const PORTS = { from: 17000, to: 17999 };

let f: AclFace;
const denied = (accessor: string, perm: string, name?: string) => `Permission denied: token with AccessorID '${accessor}' lacks permission '${perm}'${name === undefined ? '' : ` on ${JSON.stringify(name)}`}`;

beforeAll(async () => {
  f = await startAclFace({ enabled: true, default_policy: 'deny', down_policy: 'extend-cache', tokens: { initial_management: ROOT } });
  for (const [node, addr, svc] of [['n1', '10.1.0.1', 'web'], ['n2', '10.1.0.2', 'db']] as const) {
    const r = await call(f.url, 'PUT', '/v1/catalog/register', { token: ROOT, body: { Node: node, Address: addr, Service: { ID: svc, Service: svc, Port: 80 }, Check: { CheckID: `${svc}-check`, Name: svc, Status: 'passing', ServiceID: svc } } });
    expect(r.text).toBe('true');
  }
  for (const k of ['app/a', 'app/locked', 'pub/x', 'priv/y']) await call(f.url, 'PUT', `/v1/kv/${k}`, { token: ROOT, body: k });
}, 30_000);

afterAll(async () => {
  await f?.close();
  rmSync(f.agentDataDir, { recursive: true, force: true });
});

describe('KV and txn', () => {
  let kv: { secret: string; accessor: string };
  beforeAll(async () => {
    kv = await tokenWithRules(f.url, ROOT, 'kv-rules', 'key_prefix "app/" { policy = "write" }\nkey "app/locked" { policy = "read" }\nkey_prefix "pub/" { policy = "read" }');
  });

  it('writes need key:write on the key; the exact rule beats the prefix', async () => {
    expect((await call(f.url, 'PUT', '/v1/kv/app/new', { token: kv.secret, body: 'v' })).text).toBe('true');
    const pub = await call(f.url, 'PUT', '/v1/kv/pub/x', { token: kv.secret, body: 'v' });
    expect([pub.status, pub.text]).toEqual([403, denied(kv.accessor, 'key:write', 'pub/x')]);
    expect((await call(f.url, 'PUT', '/v1/kv/app/locked', { token: kv.secret, body: 'v' })).text).toBe(denied(kv.accessor, 'key:write', 'app/locked'));
    expect((await call(f.url, 'GET', '/v1/kv/app/locked?raw', { token: kv.secret })).text).toBe('app/locked');
    expect((await call(f.url, 'GET', '/v1/kv/priv/y', { token: kv.secret })).text).toBe(denied(kv.accessor, 'key:read', 'priv/y'));
  });

  it('the token is read from ?token= and Authorization: Bearer as from X-Consul-Token', async () => {
    expect((await call(f.url, 'GET', '/v1/kv/pub/x?raw', { token: kv.secret, via: 'query' })).text).toBe('pub/x');
    expect((await call(f.url, 'GET', '/v1/kv/pub/x?raw', { token: kv.secret, via: 'bearer' })).text).toBe('pub/x');
    const none = await call(f.url, 'GET', '/v1/kv/pub/x');
    expect(none.text).toBe(`Permission denied: anonymous token lacks permission 'key:read' on "pub/x"${ANONYMOUS_DENIAL_SUFFIX}`);
    expect((await call(f.url, 'GET', '/v1/kv/pub/x', { token: 'no-such-token' })).text).toBe('ACL not found');
  });

  it('recursive reads and ?keys list only readable keys; nothing readable is a 404', async () => {
    const all = await call(f.url, 'GET', '/v1/kv/?recurse', { token: kv.secret });
    expect(all.status).toBe(200);
    expect(all.json<Array<{ Key: string }>>().map((e) => e.Key)).toEqual(['app/a', 'app/locked', 'app/new', 'pub/x']);
    expect(all.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect(all.headers.get('x-consul-default-acl-policy')).toBe('deny');
    const keys = await call(f.url, 'GET', '/v1/kv/?keys', { token: kv.secret });
    expect(keys.json()).toEqual(['app/a', 'app/locked', 'app/new', 'pub/x']);
    expect((await call(f.url, 'GET', '/v1/kv/priv/?recurse', { token: kv.secret })).status).toBe(404);
    // a filtered answer keeps every digit of a uint64 (consul lock's flags are above 2^53)
    await call(f.url, 'PUT', '/v1/kv/app/flags?flags=3304740253564472344', { token: ROOT, body: 'f' });
    const flagged = await call(f.url, 'GET', '/v1/kv/?recurse', { token: kv.secret });
    expect(flagged.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect(flagged.text).toContain('"Flags":3304740253564472344');
    await call(f.url, 'DELETE', '/v1/kv/app/flags', { token: ROOT });
    const rootAll = await call(f.url, 'GET', '/v1/kv/?recurse', { token: ROOT });
    expect(rootAll.json<unknown[]>().length).toBe(5);
    expect(rootAll.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
  });

  it('a recursive delete needs write on every key below the prefix', async () => {
    expect((await call(f.url, 'DELETE', '/v1/kv/app/?recurse', { token: kv.secret })).text).toBe(denied(kv.accessor, 'key:write', 'app/'));
    expect((await call(f.url, 'DELETE', '/v1/kv/app/new', { token: kv.secret })).text).toBe('true');
  });

  it('a txn with a refused operation is rolled back with 409 and the operation named', async () => {
    const ops = [
      { KV: { Verb: 'set', Key: 'app/txn', Value: Buffer.from('1').toString('base64') } },
      { KV: { Verb: 'set', Key: 'pub/txn', Value: Buffer.from('1').toString('base64') } },
    ];
    const r = await call(f.url, 'PUT', '/v1/txn', { token: kv.secret, body: ops });
    expect(r.status).toBe(409);
    expect(r.json()).toEqual({ Results: null, Errors: [{ OpIndex: 1, What: denied(kv.accessor, 'key:write', 'pub/txn') }] });
    expect((await call(f.url, 'GET', '/v1/kv/app/txn', { token: ROOT })).status).toBe(404);
    expect((await call(f.url, 'PUT', '/v1/txn', { token: kv.secret, body: ops.slice(0, 1) })).status).toBe(200);
    // reads are not refused: what the token may not read is left out of the results
    const reads = await call(f.url, 'PUT', '/v1/txn', { token: kv.secret, body: [{ KV: { Verb: 'get-tree', Key: 'p' } }, { KV: { Verb: 'get', Key: 'priv/y' } }] });
    expect(reads.status).toBe(200);
    const keys = reads.json<{ Results: Array<{ KV: { Key: string } }> }>().Results.map((r) => r.KV.Key);
    expect(keys).toContain('pub/x');
    expect(keys.some((k) => k.startsWith('priv/'))).toBe(false);
    expect(reads.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
  });
});

describe('catalog, health, coordinates', () => {
  let t: { secret: string; accessor: string };
  beforeAll(async () => {
    t = await tokenWithRules(f.url, ROOT, 'catalog-rules', 'node "n1" { policy = "write" }\nservice "web" { policy = "write" }');
  });

  it('lists keep only the nodes and services the token may read', async () => {
    const nodes = await call(f.url, 'GET', '/v1/catalog/nodes', { token: t.secret });
    expect(nodes.json<Array<{ Node: string }>>().map((n) => n.Node)).toEqual(['n1']);
    expect(nodes.headers.get('x-consul-results-filtered-by-acls')).toBe('true');
    expect(Object.keys((await call(f.url, 'GET', '/v1/catalog/services', { token: t.secret })).json<object>())).toEqual(['web']);
    expect((await call(f.url, 'GET', '/v1/catalog/service/db', { token: t.secret })).json()).toEqual([]);
    expect((await call(f.url, 'GET', '/v1/catalog/service/web', { token: t.secret })).json<unknown[]>().length).toBe(1);
    expect((await call(f.url, 'GET', '/v1/catalog/node/n2', { token: t.secret })).text).toBe('null');
    expect((await call(f.url, 'GET', '/v1/health/service/web', { token: t.secret })).json<unknown[]>().length).toBe(1);
    expect((await call(f.url, 'GET', '/v1/health/service/db', { token: t.secret })).json()).toEqual([]);
    expect((await call(f.url, 'GET', '/v1/health/node/n2', { token: t.secret })).json()).toEqual([]);
    expect((await call(f.url, 'GET', '/v1/health/state/any', { token: t.secret })).json<Array<{ Node: string }>>().every((c) => c.Node === 'n1')).toBe(true);
    expect((await call(f.url, 'GET', '/v1/coordinate/nodes', { token: t.secret })).json<Array<{ Node: string }>>().every((c) => c.Node === 'n1')).toBe(true);
    // anonymous under default deny sees nothing, without the filtered header (no token was given)
    const anon = await call(f.url, 'GET', '/v1/catalog/nodes');
    expect(anon.json()).toEqual([]);
    expect(anon.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
  });

  it('registrations need node:write (new node) and service:write', async () => {
    const newNode = await call(f.url, 'PUT', '/v1/catalog/register', { token: t.secret, body: { Node: 'n3', Address: '10.1.0.3' } });
    expect(newNode.text).toBe(denied(t.accessor, 'node:write', 'n3'));
    const svc = await call(f.url, 'PUT', '/v1/catalog/register', { token: t.secret, body: { Node: 'n1', Address: '10.1.0.1', Service: { Service: 'cache' } } });
    expect(svc.text).toBe(denied(t.accessor, 'service:write', 'cache'));
    expect((await call(f.url, 'PUT', '/v1/catalog/register', { token: t.secret, body: { Node: 'n1', Address: '10.1.0.1', Service: { ID: 'web2', Service: 'web' } } })).text).toBe('true');
    expect((await call(f.url, 'PUT', '/v1/catalog/deregister', { token: t.secret, body: { Node: 'n2' } })).text).toBe(denied(t.accessor, 'node:write', 'n2'));
    expect((await call(f.url, 'PUT', '/v1/catalog/deregister', { token: t.secret, body: { Node: 'n1', ServiceID: 'web2' } })).text).toBe('true');
  });
});

describe('agent, session, event, query, operator, snapshot, status', () => {
  let t: { secret: string; accessor: string };
  beforeAll(async () => {
    t = await tokenWithRules(
      f.url,
      ROOT,
      'agent-rules',
      'agent_prefix "" { policy = "read" }\nservice_prefix "api" { policy = "write" }\nnode_prefix "" { policy = "read" }\nsession "acl-node" { policy = "write" }\nevent_prefix "deploy" { policy = "write" }\nquery_prefix "q-" { policy = "write" }\noperator = "read"',
    );
  });

  it('agent: self needs agent:read, registering a service service:write, leave agent:write; lists are filtered', async () => {
    expect((await call(f.url, 'GET', '/v1/agent/self', { token: t.secret })).status).toBe(200);
    expect((await call(f.url, 'GET', '/v1/agent/self')).text).toBe(`Permission denied: anonymous token lacks permission 'agent:read' on "acl-node"${ANONYMOUS_DENIAL_SUFFIX}`);
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: t.secret, body: { Name: 'api-1', Port: 1 } })).text).toBe('');
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: t.secret, body: { Name: 'other', Port: 1 } })).text).toBe(denied(t.accessor, 'service:write', 'other'));
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: ROOT, body: { Name: 'hidden', Port: 2 } })).status).toBe(200);
    expect(Object.keys((await call(f.url, 'GET', '/v1/agent/services', { token: t.secret })).json<object>())).toEqual(['api-1']);
    expect((await call(f.url, 'GET', '/v1/agent/service/hidden', { token: t.secret })).text).toBe(denied(t.accessor, 'service:read', 'hidden'));
    expect((await call(f.url, 'PUT', '/v1/agent/leave', { token: t.secret })).text).toBe(denied(t.accessor, 'agent:write', 'acl-node'));
    expect((await call(f.url, 'PUT', '/v1/agent/service/deregister/hidden', { token: t.secret })).text).toBe(denied(t.accessor, 'service:write', 'hidden'));
    expect((await call(f.url, 'GET', '/v1/agent/members', { token: t.secret })).json<unknown[]>().length).toBe(1);
    expect((await call(f.url, 'GET', '/v1/agent/version')).status).toBe(200);
    expect((await call(f.url, 'GET', '/v1/internal/ui/node/n2', { token: 'anonymous' })).status).toBe(404);
    expect((await call(f.url, 'GET', '/v1/internal/ui/node/n2', { token: t.secret })).status).toBe(200);
  });

  it('sessions need session:write on their node; events event:write; queries query:write', async () => {
    const s = await call(f.url, 'PUT', '/v1/session/create', { token: t.secret, body: { Name: 's' } });
    expect(s.status).toBe(200);
    expect((await call(f.url, 'PUT', '/v1/session/create', { token: t.secret, body: { Node: 'n1' } })).text).toBe(denied(t.accessor, 'session:write', 'n1'));
    const sid = s.json<{ ID: string }>().ID;
    expect((await call(f.url, 'GET', '/v1/session/list', { token: 'anonymous' })).json()).toEqual([]);
    expect((await call(f.url, 'PUT', `/v1/session/destroy/${sid}`, { token: 'anonymous' })).status).toBe(403);

    expect((await call(f.url, 'PUT', '/v1/event/fire/deploy-app', { token: t.secret, body: 'x' })).status).toBe(200);
    expect((await call(f.url, 'PUT', '/v1/event/fire/other', { token: t.secret, body: 'x' })).text).toBe(denied(t.accessor, 'event:write', 'other'));
    expect((await call(f.url, 'PUT', '/v1/event/fire/other', { token: ROOT, body: 'x' })).status).toBe(200);
    expect((await call(f.url, 'GET', '/v1/event/list', { token: t.secret })).json<Array<{ Name: string }>>().map((e) => e.Name)).toEqual(['deploy-app']);

    const q = await call(f.url, 'POST', '/v1/query', { token: t.secret, body: { Name: 'q-web', Service: { Service: 'web' } } });
    expect(q.status).toBe(200);
    expect((await call(f.url, 'POST', '/v1/query', { token: t.secret, body: { Name: 'other', Service: { Service: 'web' } } })).text).toBe(denied(t.accessor, 'query:write', 'other'));
    expect((await call(f.url, 'GET', '/v1/query', { token: 'anonymous' })).json()).toEqual([]);
    const qid = q.json<{ ID: string }>().ID;
    expect((await call(f.url, 'GET', `/v1/query/${qid}`, { token: 'anonymous' })).json()).toEqual([]);
    expect((await call(f.url, 'GET', `/v1/query/${qid}`, { token: t.secret })).json<unknown[]>().length).toBe(1);
    // an unnamed query needs no query rule to create, and only management tokens list it
    const unnamed = await call(f.url, 'POST', '/v1/query', { token: t.secret, body: { Session: sid, Service: { Service: 'web' } } });
    expect(unnamed.status).toBe(200);
    const uid = unnamed.json<{ ID: string }>().ID;
    expect((await call(f.url, 'GET', '/v1/query', { token: t.secret })).json<Array<{ ID: string }>>().some((x) => x.ID === uid)).toBe(false);
    expect((await call(f.url, 'GET', '/v1/query', { token: ROOT })).json<Array<{ ID: string }>>().some((x) => x.ID === uid)).toBe(true);
  });

  it('the authorize endpoint answers what the token may do', async () => {
    const asked = [
      { Resource: 'service', Segment: 'api-x', Access: 'write' },
      { Resource: 'service', Segment: 'other', Access: 'write' },
      { Resource: 'operator', Access: 'read' },
      { Resource: 'acl', Access: 'read' },
    ];
    const r = await call(f.url, 'POST', '/v1/internal/acl/authorize', { token: t.secret, body: asked });
    expect(r.json<Array<{ Allow: boolean }>>().map((x) => x.Allow)).toEqual([true, false, true, false]);
    expect((await call(f.url, 'POST', '/v1/internal/acl/authorize', { token: 'no-such', body: asked })).text).toBe('ACL not found');
  });

  it('operator needs operator:read/write; snapshots a management token; status needs nothing', async () => {
    expect((await call(f.url, 'GET', '/v1/operator/raft/configuration', { token: t.secret })).status).toBe(200);
    expect((await call(f.url, 'PUT', '/v1/operator/autopilot/configuration', { token: t.secret, body: {} })).text).toBe(denied(t.accessor, 'operator:write'));
    const snap = await call(f.url, 'GET', '/v1/snapshot', { token: t.secret });
    expect([snap.status, snap.text]).toEqual([403, 'Permission denied']);
    expect((await call(f.url, 'GET', '/v1/status/leader')).status).toBe(200);
    expect((await call(f.url, 'GET', '/v1/status/peers', { token: 'no-such-token' })).status).toBe(200);
  });
});

describe('DNS', () => {
  it('answers only what the agent DNS token may read (anonymous under default deny: nothing)', async () => {
    try {
      execFileSync('dig', ['-v'], { stdio: 'ignore' });
    } catch {
      return; // dig is installed in CI (dnsutils); the HTTP side above covers the rules
    }
    const [port] = await allocatePorts(1, PORTS);
    const dns = await startConsulDns(f.ctx, { host: '127.0.0.1', port: port! });
    try {
      expect((await dig(port!, 'web.service.consul', 'A')).status).toBe('NXDOMAIN');
      expect((await dig(port!, 'n1.node.consul', 'A')).status).toBe('NXDOMAIN');
      const reader = await tokenWithRules(f.url, ROOT, 'dns-rules', 'service "web" { policy = "read" }\nnode_prefix "" { policy = "read" }');
      expect((await call(f.url, 'PUT', '/v1/agent/token/dns', { token: ROOT, body: { Token: reader.secret } })).status).toBe(200);
      const web = await dig(port!, 'web.service.consul', 'A');
      expect(web.answer.map((a) => a.data)).toEqual(['10.1.0.1']);
      expect((await dig(port!, 'db.service.consul', 'A')).status).toBe('NXDOMAIN');
      expect((await dig(port!, 'n2.node.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.1.0.2']);
    } finally {
      await call(f.url, 'PUT', '/v1/agent/token/dns', { token: ROOT, body: { Token: '' } });
      await dns.close();
    }
  });
});

describe('default_policy = "allow"', () => {
  let g: AclFace;
  beforeAll(async () => {
    g = await startAclFace({ enabled: true, default_policy: 'allow', tokens: { initial_management: ROOT } });
  }, 30_000);
  afterAll(async () => {
    await g?.close();
    rmSync(g.agentDataDir, { recursive: true, force: true });
  });

  it('anonymous may do what no rule forbids, except managing ACLs and snapshots', async () => {
    expect((await call(g.url, 'PUT', '/v1/kv/open', { body: 'x' })).text).toBe('true');
    const read = await call(g.url, 'GET', '/v1/kv/open?raw');
    expect(read.text).toBe('x');
    expect(read.headers.get('x-consul-default-acl-policy')).toBe('allow');
    expect((await call(g.url, 'GET', '/v1/acl/tokens')).text).toBe(`Permission denied: anonymous token lacks permission 'acl:read'${ANONYMOUS_DENIAL_SUFFIX}`);
    expect((await call(g.url, 'GET', '/v1/snapshot')).status).toBe(403);
    // an explicit deny rule still refuses
    const t = await tokenWithRules(g.url, ROOT, 'deny-secret', 'key "secret" { policy = "deny" }');
    expect((await call(g.url, 'PUT', '/v1/kv/secret', { token: t.secret, body: 'x' })).text).toBe(denied(t.accessor, 'key:write', 'secret'));
    expect((await call(g.url, 'PUT', '/v1/kv/other', { token: t.secret, body: 'x' })).text).toBe('true');
  });
});
