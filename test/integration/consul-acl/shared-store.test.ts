// ACL state is replicated with everything else: two Consul faces (two agents' HTTP APIs) over one
// store see each other's ACL changes at once (each keeps its own cache, invalidated by the store's
// watch), so a token created through one agent works, and its deletion bites, through the other.
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace as startFace, type ConsulFaceHandle } from '../../../src/gateway/consul/start.js';
import { testAgentIdentity } from '../../support/consul-face.js';
import { waitFor } from '../../support/wait.js';
import { call, startAclFace, tokenWithRules, type AclFace } from './acl-support.js';

const ROOT = 'shared-root';
const acl = { enabled: true, default_policy: 'deny', tokens: { initial_management: ROOT } };

describe('two agents over one store', () => {
  let a: AclFace;
  let b: ConsulFaceHandle;
  let bUrl: string;
  beforeAll(async () => {
    a = await startAclFace(acl);
    b = await startFace(a.backend, testAgentIdentity({ nodeName: 'second', config: { acl } }), { http: { host: '127.0.0.1', port: 0 } }, pino({ level: 'silent' }));
    bUrl = `http://127.0.0.1:${b.http!.address.port}`;
  }, 30_000);
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    rmSync(a.agentDataDir, { recursive: true, force: true });
  });

  it('a token made through one agent works through the other; deleting it there refuses it here', async () => {
    const t = await tokenWithRules(a.url, ROOT, 'shared', 'key_prefix "s/" { policy = "write" }');
    await waitFor(async () => (await call(bUrl, 'PUT', '/v1/kv/s/1', { token: t.secret, body: 'v' })).text === 'true', { what: 'the token through the second agent' });
    // the initial management token was created once, not once per agent
    const tokens = (await call(bUrl, 'GET', '/v1/acl/tokens', { token: ROOT })).json<Array<{ Description: string }>>();
    expect(tokens.filter((x) => x.Description === 'Initial Management Token').length).toBe(1);
    expect((await call(bUrl, 'DELETE', `/v1/acl/token/${t.accessor}`, { token: ROOT })).text).toBe('true');
    await waitFor(async () => (await call(a.url, 'PUT', '/v1/kv/s/2', { token: t.secret, body: 'v' })).text === 'ACL not found', { what: 'the deletion seen by the first agent' });
    // a policy name taken through one agent is taken for the other
    const dup = await call(bUrl, 'PUT', '/v1/acl/policy', { token: ROOT, body: { Name: 'shared' } });
    expect(dup.text).toBe('Invalid Policy: A Policy with Name "shared" already exists');
  });
});
