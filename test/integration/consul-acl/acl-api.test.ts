// The ACL HTTP API as a user meets it: bootstrap (once, again after the reset file), tokens,
// policies and roles (create, read, update, list, clone, delete), token/self, the agent's token
// endpoints, and Consul's answers for bad input, unknown tokens and ACLs turned off.
import { rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import { ANONYMOUS_DENIAL_SUFFIX, call, startAclFace, type AclFace } from './acl-support.js';

interface Token {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies?: Array<{ ID: string; Name: string }>;
  Roles?: Array<{ ID: string; Name: string }>;
  ServiceIdentities?: Array<{ ServiceName: string }>;
  Local: boolean;
  CreateIndex: number;
  ModifyIndex: number;
  Hash: string;
  ExpirationTime?: string;
}
interface Policy {
  ID: string;
  Name: string;
  Rules?: string;
  Datacenters?: string[];
  CreateIndex: number;
  ModifyIndex: number;
}

describe('ACL bootstrap (default deny, no initial management token)', () => {
  let f: AclFace;
  beforeAll(async () => {
    f = await startAclFace({ enabled: true, default_policy: 'deny' });
  }, 30_000);
  afterAll(async () => {
    await f?.close();
    rmSync(f.agentDataDir, { recursive: true, force: true });
  });

  it('before the bootstrap: anonymous is denied, an unknown token is told to bootstrap first', async () => {
    const anon = await call(f.url, 'GET', '/v1/acl/tokens');
    expect(anon.status).toBe(403);
    expect(anon.text).toBe(`Permission denied: anonymous token lacks permission 'acl:read'${ANONYMOUS_DENIAL_SUFFIX}`);
    const unknown = await call(f.url, 'GET', '/v1/acl/tokens', { token: 'root' });
    expect(unknown.status).toBe(403);
    expect(unknown.text).toBe('ACL system must be bootstrapped before making any requests that require authorization: ACL not found');
  });

  it('bootstraps once; a second bootstrap names the reset index; the reset file allows one more', async () => {
    const first = await call(f.url, 'PUT', '/v1/acl/bootstrap');
    expect(first.status).toBe(200);
    const token = first.json<Token>();
    expect(token.Description).toBe('Bootstrap Token (Global Management)');
    expect(token.Policies).toEqual([{ ID: '00000000-0000-0000-0000-000000000001', Name: 'global-management' }]);
    const list = await call(f.url, 'GET', '/v1/acl/tokens', { token: token.SecretID });
    expect(list.status).toBe(200);
    expect(list.json<Token[]>().map((t) => t.Description).sort()).toEqual(['Anonymous Token', 'Bootstrap Token (Global Management)']);

    const again = await call(f.url, 'PUT', '/v1/acl/bootstrap');
    expect(again.status).toBe(403);
    const m = /^Permission denied: ACL bootstrap no longer allowed \(reset index: (\d+)\)$/.exec(again.text);
    expect(m).not.toBeNull();
    const resetIndex = Number(m![1]);

    const resetFile = join(f.agentDataDir, 'acl-bootstrap-reset');
    writeFileSync(resetFile, String(resetIndex + 1000));
    const wrong = await call(f.url, 'PUT', '/v1/acl/bootstrap');
    expect(wrong.status).toBe(403);
    expect(wrong.text).toBe(`Permission denied: Invalid ACL bootstrap reset index (reset index: ${resetIndex})`);

    writeFileSync(resetFile, `${resetIndex}\n`);
    const reset = await call(f.url, 'PUT', '/v1/acl/bootstrap', { body: { BootstrapSecret: '6f0e9a52-0000-4000-8000-00000000beef' } });
    expect(reset.status).toBe(200);
    expect(reset.json<Token>().SecretID).toBe('6f0e9a52-0000-4000-8000-00000000beef');
    expect(existsSync(resetFile)).toBe(false);
    const after = await call(f.url, 'PUT', '/v1/acl/bootstrap');
    expect(after.text).toMatch(/^Permission denied: ACL bootstrap no longer allowed \(reset index: \d+\)$/);
    expect(after.text).not.toContain(`(reset index: ${resetIndex})`);
  });
});

describe('ACL tokens, policies and roles', () => {
  let f: AclFace;
  const root = 'root-secret';
  beforeAll(async () => {
    f = await startAclFace({ enabled: true, default_policy: 'deny', tokens: { initial_management: root } });
  }, 30_000);
  afterAll(async () => {
    await f?.close();
    rmSync(f.agentDataDir, { recursive: true, force: true });
  });

  it('the initial management token, the anonymous token and the builtin policies exist', async () => {
    const self = await call(f.url, 'GET', '/v1/acl/token/self', { token: root });
    expect(self.status).toBe(200);
    expect(self.json<Token>()).toMatchObject({ SecretID: root, Description: 'Initial Management Token', Policies: [{ ID: '00000000-0000-0000-0000-000000000001', Name: 'global-management' }] });
    expect(self.headers.get('x-consul-index')).toMatch(/^\d+$/);
    expect(self.headers.get('x-consul-knownleader')).toBe('true');
    const anon = await call(f.url, 'GET', '/v1/acl/token/00000000-0000-0000-0000-000000000002', { token: root });
    expect(anon.json<Token>()).toMatchObject({ SecretID: 'anonymous', Description: 'Anonymous Token' });
    const policies = (await call(f.url, 'GET', '/v1/acl/policies', { token: root })).json<Policy[]>();
    expect(policies.map((p) => p.Name).sort()).toEqual(['builtin/global-read-only', 'global-management']);
    expect(policies.every((p) => p.Rules === undefined)).toBe(true);
    // the bootstrap is done by the initial management token
    expect((await call(f.url, 'PUT', '/v1/acl/bootstrap')).text).toMatch(/^Permission denied: ACL bootstrap no longer allowed/);
  });

  it('policies: create, read by ID and name, update, names unique and valid, rules checked, delete', async () => {
    const created = await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'kv-app', Description: 'd', Rules: 'key_prefix "app/" { policy = "write" }', Datacenters: ['dc1'] } });
    expect(created.status).toBe(200);
    const p = created.json<Policy>();
    expect(p).toMatchObject({ Name: 'kv-app', Datacenters: ['dc1'] });
    expect((await call(f.url, 'GET', `/v1/acl/policy/${p.ID}`, { token: root })).json()).toEqual(p);
    expect((await call(f.url, 'GET', '/v1/acl/policy/name/kv-app', { token: root })).json()).toEqual(p);

    const dup = await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'kv-app' } });
    expect([dup.status, dup.text]).toEqual([500, 'Invalid Policy: A Policy with Name "kv-app" already exists']);
    const badName = await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'no spaces' } });
    expect(badName.text).toBe("Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
    const noName = await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Rules: '' } });
    expect(noName.text).toBe('Invalid Policy: no name set');
    const badRules = await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'bad', Rules: 'key "x" { policy = "nope" }' } });
    expect(badRules.text).toMatch(/^Invalid key policy: /);
    const withId = await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { ID: p.ID, Name: 'x' } });
    expect([withId.status, withId.text]).toEqual([400, 'Cannot specify the ID when creating a new policy']);

    const updated = await call(f.url, 'PUT', `/v1/acl/policy/${p.ID}`, { token: root, body: { Name: 'kv-app', Rules: 'key_prefix "app/" { policy = "read" }' } });
    expect(updated.status).toBe(200);
    const u = updated.json<Policy>();
    expect(u.CreateIndex).toBe(p.CreateIndex);
    expect(u.ModifyIndex).toBeGreaterThan(p.ModifyIndex);
    expect(u.Datacenters).toBeUndefined();

    const gm = await call(f.url, 'PUT', '/v1/acl/policy/00000000-0000-0000-0000-000000000001', { token: root, body: { Name: 'global-management', Rules: 'acl = "read"' } });
    expect(gm.text).toBe('Changing the Rules for the builtin global-management policy is not permitted');
    expect((await call(f.url, 'DELETE', '/v1/acl/policy/00000000-0000-0000-0000-000000000001', { token: root })).status).toBe(500);

    expect((await call(f.url, 'DELETE', `/v1/acl/policy/${p.ID}`, { token: root })).text).toBe('true');
    expect((await call(f.url, 'GET', `/v1/acl/policy/${p.ID}`, { token: root })).status).toBe(404);
    const malformed = await call(f.url, 'GET', '/v1/acl/policy/nope', { token: root });
    expect([malformed.status, malformed.text]).toEqual([500, 'failed acl policy lookup: index error: UUID must be 36 characters']);
  });

  it('tokens: create with policy links by ID or name, read, update, clone, filter, delete; secrets hidden from acl:read', async () => {
    const pol = (await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'reader', Rules: 'acl = "read"' } })).json<Policy>();
    const missing = await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { Policies: [{ Name: 'nope' }] } });
    expect(missing.text).toBe('No such ACL policy with name "nope"');
    const created = await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { Description: 'reader token', Policies: [{ Name: 'reader' }], ServiceIdentities: [{ ServiceName: 'web' }] } });
    expect(created.status).toBe(200);
    const t = created.json<Token>();
    expect(t.Policies).toEqual([{ ID: pol.ID, Name: 'reader' }]);
    expect(t.ServiceIdentities).toEqual([{ ServiceName: 'web' }]);
    expect((await call(f.url, 'GET', `/v1/acl/token/${t.AccessorID}`, { token: root })).json()).toEqual(t);

    // a token with only acl:read reads tokens with their secrets hidden (its own stays visible)
    const others = (await call(f.url, 'GET', '/v1/acl/tokens', { token: t.SecretID })).json<Token[]>();
    expect(others.find((o) => o.Description === 'Initial Management Token')!.SecretID).toBe('<hidden>');
    const denied = await call(f.url, 'PUT', '/v1/acl/token', { token: t.SecretID, body: {} });
    expect(denied.status).toBe(403);
    expect(denied.text).toBe(`Permission denied: token with AccessorID '${t.AccessorID}' lacks permission 'acl:write'`);

    const byService = (await call(f.url, 'GET', '/v1/acl/tokens?servicename=web', { token: root })).json<Token[]>();
    expect(byService.map((x) => x.AccessorID)).toEqual([t.AccessorID]);
    const byPolicy = (await call(f.url, 'GET', `/v1/acl/tokens?policy=${pol.ID}`, { token: root })).json<Token[]>();
    expect(byPolicy.map((x) => x.AccessorID)).toEqual([t.AccessorID]);
    const two = await call(f.url, 'GET', `/v1/acl/tokens?policy=${pol.ID}&servicename=web`, { token: root });
    expect(two.text).toMatch(/can only filter by one of/);

    const upd = await call(f.url, 'PUT', `/v1/acl/token/${t.AccessorID}`, { token: root, body: { Description: 'renamed', Policies: [] } });
    expect(upd.json<Token>()).toMatchObject({ AccessorID: t.AccessorID, SecretID: t.SecretID, Description: 'renamed', CreateIndex: t.CreateIndex });
    expect(upd.json<Token>().Policies).toBeUndefined();
    const mismatch = await call(f.url, 'PUT', `/v1/acl/token/${t.AccessorID}`, { token: root, body: { AccessorID: '11111111-1111-4111-8111-111111111111' } });
    expect([mismatch.status, mismatch.text]).toEqual([400, 'Token Accessor ID in URL and payload do not match']);
    const secretChange = await call(f.url, 'PUT', `/v1/acl/token/${t.AccessorID}`, { token: root, body: { SecretID: 'other' } });
    expect(secretChange.text).toBe("Changing a token's SecretID is not permitted");

    const clone = await call(f.url, 'PUT', `/v1/acl/token/${t.AccessorID}/clone`, { token: root, body: { Description: 'cloned' } });
    const c = clone.json<Token>();
    expect(c.Description).toBe('cloned');
    expect(c.AccessorID).not.toBe(t.AccessorID);
    expect(c.SecretID).not.toBe(t.SecretID);

    const short = await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { ExpirationTTL: '10s' } });
    expect(short.text).toBe("Token Expiration TTL '10s' should be between 1m0s and 24h0m0s");
    const ttl = await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { ExpirationTTL: '10m' } });
    expect(Date.parse(ttl.json<Token>().ExpirationTime!) - Date.now()).toBeGreaterThan(9 * 60_000);

    expect((await call(f.url, 'DELETE', `/v1/acl/token/${c.AccessorID}`, { token: root })).text).toBe('true');
    const gone = await call(f.url, 'GET', `/v1/acl/token/${c.AccessorID}`, { token: root });
    expect([gone.status, gone.text]).toEqual([403, 'ACL not found']);
    expect((await call(f.url, 'GET', '/v1/kv/x', { token: c.SecretID })).text).toBe('ACL not found');
    const anonDelete = await call(f.url, 'DELETE', '/v1/acl/token/00000000-0000-0000-0000-000000000002', { token: root });
    expect(anonDelete.text).toBe('Delete operation not permitted on the anonymous token');
  });

  it('roles: a token with a role gets the role policies; a deleted policy leaves the role', async () => {
    const pol = (await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'role-kv', Rules: 'key_prefix "role/" { policy = "write" }' } })).json<Policy>();
    const role = await call(f.url, 'PUT', '/v1/acl/role', { token: root, body: { Name: 'kv-writer', Policies: [{ ID: pol.ID }] } });
    expect(role.status).toBe(200);
    const r = role.json<{ ID: string; Name: string; Policies: Array<{ ID: string; Name: string }> }>();
    expect(r.Policies).toEqual([{ ID: pol.ID, Name: 'role-kv' }]);
    expect((await call(f.url, 'GET', '/v1/acl/role/name/kv-writer', { token: root })).json()).toEqual(r);
    const dup = await call(f.url, 'PUT', '/v1/acl/role', { token: root, body: { Name: 'kv-writer' } });
    expect(dup.text).toBe('Invalid Role: A Role with Name "kv-writer" already exists');
    const tok = (await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { Roles: [{ Name: 'kv-writer' }] } })).json<Token>();
    expect(tok.Roles).toEqual([{ ID: r.ID, Name: 'kv-writer' }]);
    expect((await call(f.url, 'PUT', '/v1/kv/role/a', { token: tok.SecretID, body: 'v' })).text).toBe('true');
    expect((await call(f.url, 'PUT', '/v1/kv/other', { token: tok.SecretID, body: 'v' })).status).toBe(403);
    await call(f.url, 'DELETE', `/v1/acl/policy/${pol.ID}`, { token: root });
    expect((await call(f.url, 'GET', `/v1/acl/role/${r.ID}`, { token: root })).json<{ Policies?: unknown }>().Policies).toBeUndefined();
    expect((await call(f.url, 'PUT', '/v1/kv/role/a', { token: tok.SecretID, body: 'v' })).status).toBe(403);
    expect((await call(f.url, 'DELETE', `/v1/acl/role/${r.ID}`, { token: root })).text).toBe('true');
    expect((await call(f.url, 'GET', `/v1/acl/role/${r.ID}`, { token: root })).status).toBe(404);
  });

  it('agent tokens: set with agent:write, unknown names 404; the default token serves requests without one', async () => {
    const reader = (await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'default-kv', Rules: 'key "public" { policy = "read" }' } })).json<Policy>();
    const tok = (await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { Policies: [{ ID: reader.ID }] } })).json<Token>();
    await call(f.url, 'PUT', '/v1/kv/public', { token: root, body: 'hello' });
    expect((await call(f.url, 'GET', '/v1/kv/public?raw')).status).toBe(403);
    const set = await call(f.url, 'PUT', '/v1/agent/token/default', { token: root, body: { Token: tok.SecretID } });
    expect(set.status).toBe(200);
    expect((await call(f.url, 'GET', '/v1/kv/public?raw')).text).toBe('hello');
    const unknown = await call(f.url, 'PUT', '/v1/agent/token/bogus', { token: root, body: { Token: 'x' } });
    expect([unknown.status, unknown.text]).toEqual([404, 'Token "bogus" is unknown']);
    const anonSet = await call(f.url, 'PUT', '/v1/agent/token/default', { token: 'anonymous', body: { Token: 'x' } });
    expect(anonSet.text).toBe(`Permission denied: anonymous token lacks permission 'agent:write' on "acl-node"${ANONYMOUS_DENIAL_SUFFIX}`);
    await call(f.url, 'PUT', '/v1/agent/token/default', { token: root, body: { Token: '' } });
  });

  it('templated policies: listed, read, previewed, and linked to a token they grant their rules to', async () => {
    const all = (await call(f.url, 'GET', '/v1/acl/templated-policies', { token: root })).json<Record<string, { TemplateName: string }>>();
    expect(Object.keys(all)).toEqual(expect.arrayContaining(['builtin/service', 'builtin/node', 'builtin/dns']));
    expect((await call(f.url, 'GET', '/v1/acl/templated-policy/name/builtin/dns', { token: root })).json()).toMatchObject({ TemplateName: 'builtin/dns', Schema: '' });
    const preview = (await call(f.url, 'POST', '/v1/acl/templated-policy/preview/builtin/node', { token: root, body: { Name: 'n9' } })).json<{ Name: string; Rules: string }>();
    expect(preview.Name).toMatch(/^synthetic-policy-/);
    expect(preview.Rules).toContain('node "n9" {');
    const noName = await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { TemplatedPolicies: [{ TemplateName: 'builtin/service' }] } });
    expect(noName.text).toBe('validation error for templated policy: builtin/service: name is required');
    const tok = await call(f.url, 'PUT', '/v1/acl/token', { token: root, body: { TemplatedPolicies: [{ TemplateName: 'builtin/service', TemplateVariables: { Name: 'api' } }] } });
    const t = tok.json<Token & { TemplatedPolicies: unknown }>();
    expect(t.TemplatedPolicies).toEqual([{ TemplateName: 'builtin/service', TemplateVariables: { name: 'api' } }]);
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: t.SecretID, body: { Name: 'api', Port: 1 } })).status).toBe(200);
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: t.SecretID, body: { Name: 'other', Port: 1 } })).status).toBe(403);
  });

  it('ACL lists block on ?index until the ACL table moves', async () => {
    const first = await call(f.url, 'GET', '/v1/acl/policies', { token: root });
    const index = Number(first.headers.get('x-consul-index'));
    const started = Date.now();
    const blocked = call(f.url, 'GET', `/v1/acl/policies?index=${index}&wait=20s`, { token: root });
    let answered = false;
    void blocked.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    await call(f.url, 'PUT', '/v1/acl/policy', { token: root, body: { Name: 'wakes-the-watcher' } });
    const after = await blocked;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(Number(after.headers.get('x-consul-index'))).toBeGreaterThan(index);
    expect(after.json<Policy[]>().some((p) => p.Name === 'wakes-the-watcher')).toBe(true);
  });

  it('wrong methods get 405; replication status answers as a primary datacenter', async () => {
    expect((await call(f.url, 'POST', '/v1/acl/tokens', { token: root })).status).toBe(405);
    const repl = await call(f.url, 'GET', '/v1/acl/replication', { token: root });
    expect(repl.json()).toMatchObject({ Enabled: false, Running: false, SourceDatacenter: 'dc1' });
    const oidc = await call(f.url, 'POST', '/v1/acl/oidc/auth-url', { body: {} });
    expect([oidc.status, oidc.text]).toEqual([500, 'this ACL endpoint (the OIDC login flow, authorize) is not supported by dcsgw yet']);
  });
});

describe('ACLs disabled', () => {
  let f: ConsulFace;
  beforeAll(async () => {
    f = await startConsulFace();
  }, 30_000);
  afterAll(async () => {
    await f?.close();
  });

  it('every ACL endpoint answers 401 "ACL support disabled"; other endpoints ignore tokens', async () => {
    for (const [method, path] of [['PUT', '/v1/acl/bootstrap'], ['GET', '/v1/acl/tokens'], ['GET', '/v1/acl/token/self'], ['PUT', '/v1/acl/policy'], ['PUT', '/v1/agent/token/default'], ['GET', '/v1/acl/auth-methods']] as const) {
      const r = await call(f.url, method, path, { token: 'whatever' });
      expect([path, r.status, r.text]).toEqual([path, 401, 'ACL support disabled']);
    }
    expect((await call(f.url, 'PUT', '/v1/kv/free', { token: 'whatever', body: 'x' })).text).toBe('true');
    const read = await call(f.url, 'GET', '/v1/kv/free');
    expect(read.headers.get('x-consul-default-acl-policy')).toBe('allow');
  });
});
