// `dcsgw agent` started with ACLs from its configuration file, as a user runs it: the acl block in
// HCL with the legacy token names (master, agent_master), the banner, the agent recovery token,
// ACL state kept across a restart (it lives in the replicated store), the agent's tokens persisted
// (enable_token_persistence), and a bad setting refused.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { allocatePorts, hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';
import { call } from './acl-support.js';

const noBuild = !hasDcsgwBuild();
const RANGE = { from: 17000, to: 17999 };
const bin = join(repoRoot(), 'bin', 'dcsgw');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-acl-agent-'));

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

async function startAgent(args: string[]): Promise<ManagedProcess> {
  const p = spawnManaged(process.execPath, [bin, 'agent', ...args], { cwd: work, env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' } });
  await waitFor(() => /agent: Consul agent running!/.test(p.output()) || !p.alive(), { timeoutMs: 30_000, what: 'the agent to run' });
  if (!p.alive()) throw new Error(`agent exited:\n${p.output()}`);
  return p;
}

describe.skipIf(noBuild)('dcsgw agent with acl { enabled = true }', () => {
  test('legacy token names, the recovery token, state kept across a restart', async () => {
    const [http] = await allocatePorts(1, RANGE);
    const dataDir = join(work, 'data');
    const cfg = join(work, 'acl.hcl');
    writeFileSync(cfg, 'acl {\n  enabled = true\n  default_policy = "deny"\n  down_policy = "extend-cache"\n  enable_token_persistence = true\n  tokens {\n    master = "legacy-root"\n    agent_master = "recovery"\n  }\n}\n');
    const args = ['-server', '-bootstrap', '-node', 'acl-n1', '-bind', '127.0.0.1', '-data-dir', dataDir, '-config-file', cfg, '-http-port', String(http), '-dns-port', '-1', '-etcd-port', '-1'];
    let p = await startAgent(args);
    expect(p.output()).toContain('ACLs Enabled: true');
    const base = `http://127.0.0.1:${http}`;
    await waitFor(async () => (await call(base, 'GET', '/v1/acl/token/self', { token: 'legacy-root' })).status === 200, { what: 'the initial management token' });
    const self = (await call(base, 'GET', '/v1/acl/token/self', { token: 'legacy-root' })).json<{ Description: string }>();
    expect(self.Description).toBe('Initial Management Token');

    // the recovery token works on this agent only: agent:write here, node reads, nothing else
    expect((await call(base, 'GET', '/v1/agent/self', { token: 'recovery' })).status).toBe(200);
    expect((await call(base, 'GET', '/v1/catalog/nodes', { token: 'recovery' })).json<Array<{ Node: string }>>().map((n) => n.Node)).toEqual(['acl-n1']);
    expect((await call(base, 'GET', '/v1/kv/x', { token: 'recovery' })).text).toBe("Permission denied: provided token lacks permission 'key:read' on \"x\"");

    const pol = await call(base, 'PUT', '/v1/acl/policy', { token: 'legacy-root', body: { Name: 'kept', Rules: 'key_prefix "kept/" { policy = "write" }' } });
    expect(pol.status).toBe(200);
    const tok = (await call(base, 'PUT', '/v1/acl/token', { token: 'legacy-root', body: { Policies: [{ Name: 'kept' }] } })).json<{ SecretID: string }>();
    expect((await call(base, 'PUT', '/v1/kv/kept/a', { token: tok.SecretID, body: 'v' })).text).toBe('true');
    // the agent's default token set through the API is persisted (enable_token_persistence)
    expect((await call(base, 'PUT', '/v1/agent/token/default', { token: 'legacy-root', body: { Token: tok.SecretID } })).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dataDir, 'acl-tokens.json'), 'utf8'))).toEqual({ default: tok.SecretID });

    await p.stop('SIGINT');
    p = await startAgent(args);
    await waitFor(async () => (await call(base, 'PUT', '/v1/kv/kept/b', { token: tok.SecretID, body: 'v' })).text === 'true', { what: 'the token to work after a restart' });
    const tokens = (await call(base, 'GET', '/v1/acl/tokens', { token: 'legacy-root' })).json<unknown[]>();
    expect(tokens.length).toBe(3); // anonymous, initial management (not created twice), ours
    expect((await call(base, 'PUT', '/v1/kv/other', { token: tok.SecretID, body: 'v' })).status).toBe(403);
    expect((await call(base, 'GET', '/v1/kv/kept/a?raw')).text).toBe('v'); // no token: the persisted default token
    await p.stop('SIGINT');
  });

  test('a bad default policy is refused at start-up', () => {
    const cfg = join(work, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ acl: { enabled: true, default_policy: 'sometimes' } }));
    const r = spawnSync(process.execPath, [bin, 'agent', '-dev', '-config-file', cfg, '-http-port', '-1', '-dns-port', '-1', '-etcd-port', '-1'], { cwd: work, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toContain('acl: invalid default policy "sometimes": it must be "allow" or "deny"');
  });
});
