// ACL auth methods and binding rules, and login with a JWT: a jwt auth method with a static public
// key, binding rules selecting on mapped claims, the token login gives (its service identity,
// expiry and auth method), logout, and the refusals (bad signature, wrong issuer, no rule matches,
// a Kubernetes method's login, which needs the cluster's TokenReview API).
import { generateKeyPairSync, sign } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startAclFace, type AclFace } from './acl-support.js';

const ROOT = 'auth-root';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUB = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function jwt(claims: Record<string, unknown>, key = privateKey): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
}

let f: AclFace;
beforeAll(async () => {
  f = await startAclFace({ enabled: true, default_policy: 'deny', tokens: { initial_management: ROOT } });
}, 30_000);
afterAll(async () => {
  await f?.close();
  rmSync(f.agentDataDir, { recursive: true, force: true });
});

describe('ACL auth methods', () => {
  it("validates the method's Config as Consul does, lists, reads and deletes", async () => {
    const bad = await call(f.url, 'PUT', '/v1/acl/auth-method', { token: ROOT, body: { Name: 'j', Type: 'jwt', Config: {} } });
    expect([bad.status, bad.text]).toEqual([500, "exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type \"jwt\""]);
    const badType = await call(f.url, 'PUT', '/v1/acl/auth-method', { token: ROOT, body: { Name: 'x', Type: 'ldap' } });
    expect(badType.text).toBe('Invalid Auth Method: Type should be one of: [kubernetes jwt oidc]');
    const k8s = await call(f.url, 'PUT', '/v1/acl/auth-method', { token: ROOT, body: { Name: 'k8s', Type: 'kubernetes', Config: { Host: 'https://192.0.2.1:443' } } });
    expect(k8s.text).toBe('CACert is required');
    const created = await call(f.url, 'PUT', '/v1/acl/auth-method', {
      token: ROOT,
      body: { Name: 'ci', Type: 'jwt', MaxTokenTTL: '5m', TokenLocality: 'global', Config: { JWTValidationPubKeys: [PUB], BoundIssuer: 'https://ci.example', ClaimMappings: { service: 'svc', env: 'env' } } },
    });
    expect(created.status).toBe(200);
    expect(created.json()).toMatchObject({ Name: 'ci', Type: 'jwt', MaxTokenTTL: '5m0s', TokenLocality: 'global' });
    expect((await call(f.url, 'GET', '/v1/acl/auth-methods', { token: ROOT })).json<Array<{ Name: string; Config?: unknown }>>()).toEqual([expect.objectContaining({ Name: 'ci' })]);
    expect((await call(f.url, 'GET', '/v1/acl/auth-method/nope', { token: ROOT })).status).toBe(404);
    const anon = await call(f.url, 'GET', '/v1/acl/auth-methods');
    expect(anon.status).toBe(403);
  });

  it('binding rules: AuthMethod must exist, BindType known, Selector valid; listed by method', async () => {
    const noMethod = await call(f.url, 'PUT', '/v1/acl/binding-rule', { token: ROOT, body: { AuthMethod: 'nope', BindType: 'service', BindName: 'x' } });
    expect(noMethod.text).toBe('Invalid Binding Rule: unknown auth method "nope"');
    const badType = await call(f.url, 'PUT', '/v1/acl/binding-rule', { token: ROOT, body: { AuthMethod: 'ci', BindType: 'user', BindName: 'x' } });
    expect(badType.text).toBe('Invalid Binding Rule: unknown BindType "user"');
    const badSel = await call(f.url, 'PUT', '/v1/acl/binding-rule', { token: ROOT, body: { AuthMethod: 'ci', BindType: 'service', BindName: 'x', Selector: 'value.env ==' } });
    expect(badSel.text).toMatch(/^invalid Binding Rule: Selector is invalid: /);
    const rule = await call(f.url, 'PUT', '/v1/acl/binding-rule', { token: ROOT, body: { AuthMethod: 'ci', BindType: 'service', BindName: '${value.svc}', Selector: 'value.env == "prod"' } });
    expect(rule.status).toBe(200);
    expect((await call(f.url, 'GET', '/v1/acl/binding-rules?authmethod=ci', { token: ROOT })).json<unknown[]>().length).toBe(1);
  });

  it('login with a signed JWT gives a token bound by the matching rules; logout deletes it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = jwt({ iss: 'https://ci.example', service: 'billing', env: 'prod', exp: now + 600 });
    const login = await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'ci', BearerToken: good, Meta: { pipeline: '42' } } });
    expect(login.status).toBe(200);
    const t = login.json<{ SecretID: string; AuthMethod: string; ServiceIdentities: unknown; Local: boolean; ExpirationTime: string; Description: string }>();
    expect(t).toMatchObject({ AuthMethod: 'ci', ServiceIdentities: [{ ServiceName: 'billing' }], Local: false, Description: 'token created via login: {"pipeline":"42"}' });
    expect(Date.parse(t.ExpirationTime) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    // the service identity grants service:write on billing, and nothing on others
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: t.SecretID, body: { Name: 'billing', Port: 1 } })).status).toBe(200);
    expect((await call(f.url, 'PUT', '/v1/agent/service/register', { token: t.SecretID, body: { Name: 'payroll', Port: 1 } })).status).toBe(403);

    expect((await call(f.url, 'POST', '/v1/acl/logout', { token: t.SecretID })).text).toBe('true');
    expect((await call(f.url, 'GET', '/v1/acl/token/self', { token: t.SecretID })).text).toBe('ACL not found');
    expect((await call(f.url, 'POST', '/v1/acl/logout', { token: ROOT })).text).toBe('Permission denied');
  });

  it('refuses a bad signature, a wrong issuer, a token no rule matches, an unknown method, Kubernetes login', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = jwt({ iss: 'https://ci.example', service: 's', env: 'prod', exp: now + 600 }, other.privateKey);
    expect((await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'ci', BearerToken: forged } })).text).toBe('no known key successfully validated the token signature');
    const wrongIss = jwt({ iss: 'https://evil.example', service: 's', env: 'prod' });
    expect((await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'ci', BearerToken: wrongIss } })).text).toBe('validation failed, invalid issuer claim (iss)');
    const staging = jwt({ iss: 'https://ci.example', service: 's', env: 'staging' });
    const none = await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'ci', BearerToken: staging } });
    expect([none.status, none.text]).toEqual([403, 'Permission denied']);
    const expired = jwt({ iss: 'https://ci.example', service: 's', env: 'prod', exp: now - 3600 });
    expect((await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'ci', BearerToken: expired } })).text).toBe('token is expired (exp)');
    expect((await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'nope', BearerToken: staging } })).text).toBe('ACL not found');
  });

  it('deleting a method removes its rules and the tokens it issued', async () => {
    const now = Math.floor(Date.now() / 1000);
    const t = (await call(f.url, 'POST', '/v1/acl/login', { body: { AuthMethod: 'ci', BearerToken: jwt({ iss: 'https://ci.example', service: 'web', env: 'prod', exp: now + 600 }) } })).json<{ SecretID: string }>();
    expect((await call(f.url, 'DELETE', '/v1/acl/auth-method/ci', { token: ROOT })).text).toBe('true');
    expect((await call(f.url, 'GET', '/v1/acl/binding-rules', { token: ROOT })).json()).toEqual([]);
    expect((await call(f.url, 'GET', '/v1/acl/token/self', { token: t.SecretID })).text).toBe('ACL not found');
  });
});
