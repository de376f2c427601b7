// The web UI in Debian's Chromium (driven by playwright-core), as a user clicks through it on
// `dcsgw agent -dev -ui`: create a KV value in the UI and read it back with genuine etcdctl on the
// agent's etcd port and through the HTTP API; watch a service with a TTL check registered through
// the API turn critical in the UI; edit the key in the UI (an etcdctl write made meanwhile is
// reported, not overwritten) and delete it. Screenshots are written
// under the OS temp dir; their paths are printed and kept in the test's meta.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { etcdctl, hasBinary, stopAllProcesses, waitFor } from '../../support/index.js';
import { startUiAgent, uiBuilt, type UiAgent } from './ui-agent.js';

declare module 'vitest' {
  interface TaskMeta {
    screenshots?: string[];
  }
}

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const built = uiBuilt();
const haveEtcdctl = hasBinary('etcdctl');
if (!haveChromium) console.warn(`SKIP web UI browser test: ${CHROMIUM} is absent (apt-get install -y chromium)`);
else if (!built) console.warn('SKIP web UI browser test: no build with the UI bundle (dist/ui); run npm run build');
else if (!haveEtcdctl) console.warn('SKIP web UI browser test: genuine etcdctl is absent (apt-get install -y etcd-client)');

const shots = join(tmpdir(), `dcsgw-ui-screenshots-${process.pid}`);

/** expect.poll with room for a loaded machine: pages update through blocking queries and polls of a few seconds. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

describe.skipIf(!haveChromium || !built || !haveEtcdctl)('web UI in Chromium', () => {
  let agent: UiAgent;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    agent = await startUiAgent(['-dev', '-ui', '-node', 'ui-browser']);
    // --no-sandbox: CI and these machines run the browser as root, where Chromium's sandbox refuses to start;
    // --disable-dev-shm-usage: containers' small /dev/shm would crash the renderer.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await stopAllProcesses();
  });

  async function screenshot(name: string, meta: { screenshots?: string[] }): Promise<string> {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`web UI screenshot: ${path}`);
    (meta.screenshots ??= []).push(path);
    return path;
  }

  const consulKv = async (key: string): Promise<{ status: number; entry?: { Value: string | null; ModifyIndex: number; CreateIndex: number } }> => {
    const res = await fetch(`${agent.url}/v1/kv/${key}`);
    if (res.status !== 200) return { status: res.status };
    return { status: 200, entry: ((await res.json()) as Array<{ Value: string | null; ModifyIndex: number; CreateIndex: number }>)[0]! };
  };
  const etcdGet = async (key: string): Promise<{ kvs?: Array<{ value: string; mod_revision: number; create_revision: number; version: number }> }> =>
    JSON.parse((await etcdctl(agent.etcd, ['get', key, '-w', 'json'])).stdout) as { kvs?: Array<{ value: string; mod_revision: number; create_revision: number; version: number }> };

  test('create a KV value in the UI: etcdctl and the HTTP API read it, with the revisions the UI shows', async ({ task }) => {
    await page.goto(`${agent.url}/`);
    await page.waitForURL(`${agent.url}/ui/dc1/services`);
    await poll(() => page.locator('[data-testid="datacenter"]').textContent()).toBe('dc1');

    await page.click('[data-nav="kv"]');
    await page.waitForURL(`${agent.url}/ui/dc1/kv/`);
    await page.click('[data-testid="kv-create"]');
    await page.fill('[data-testid="kv-key"]', 'app/config/db-url');
    await page.fill('[data-testid="kv-value"]', 'postgres://db.internal:5432/app');
    await page.click('[data-testid="kv-save"]');
    await page.waitForURL(`${agent.url}/ui/dc1/kv/app/config/db-url/edit`);

    // the genuine etcd client on the agent's etcd port sees the value the UI wrote
    const got = await etcdctl(agent.etcd, ['get', 'app/config/db-url', '--print-value-only']);
    expect(got.stdout.trim()).toBe('postgres://db.internal:5432/app');
    expect(await (await fetch(`${agent.url}/v1/kv/app/config/db-url?raw`)).text()).toBe('postgres://db.internal:5432/app');

    // the UI's Consul view and etcd view of the key agree with etcdctl's revisions
    const etcd = (await etcdGet('app/config/db-url')).kvs![0]!;
    const modify = page.locator('[data-field="ModifyIndex"]');
    await poll(() => modify.textContent()).toBe(String(etcd.mod_revision));
    await poll(() => page.locator('[data-etcd-field="mod_revision"] .etcd-value').textContent()).toBe(String(etcd.mod_revision));
    await poll(() => page.locator('[data-etcd-field="create_revision"] .consul-value').textContent()).toBe(String(etcd.create_revision));
    await poll(() => page.locator('[data-etcd-field="version"] .etcd-value').textContent()).toBe('1');
    // the etcd members panel lists this agent's etcd member with the client URL etcdctl used
    await poll(() => page.locator('[data-testid="etcd-members"] tbody tr').first().textContent()).toContain(`http://${agent.etcd}`);
    await screenshot('1-kv-created', task.meta);

    // the folder lists it
    await page.click('.crumbs a:has-text("config")');
    await page.waitForURL(`${agent.url}/ui/dc1/kv/app/config/`);
    await poll(() => page.locator('[data-key="app/config/db-url"]').count()).toBe(1);
  });

  test('a service with a TTL check registered through the API turns critical in the UI when its TTL runs out', async ({ task }) => {
    const register = await fetch(`${agent.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'billing', ID: 'billing-1', Port: 7070, Tags: ['v2'], Check: { CheckID: 'billing-ttl', TTL: '4s', Status: 'passing' } }),
    });
    expect(register.status).toBe(200);

    await page.click('[data-nav="services"]');
    await page.waitForURL(`${agent.url}/ui/dc1/services`);
    const row = page.locator('tr[data-service="billing"]');
    // The TTL is kept fresh (as the service would) until the UI has shown it passing, in the list
    // and on the service's page, so the change seen next is the expiry.
    let passSent = 0;
    const passUntil = (shown: () => Promise<boolean>, what: string): Promise<boolean> =>
      waitFor(
        async () => {
          await fetch(`${agent.url}/v1/agent/check/pass/billing-ttl`, { method: 'PUT' });
          passSent = Date.now();
          return await shown();
        },
        { timeoutMs: 15_000, intervalMs: 250, what },
      );
    await passUntil(async () => (await row.locator('[data-status="passing"]').count()) > 0 && (await row.locator('[data-status="critical"]').count()) === 0, 'the UI to list billing as passing');
    await page.click('tr[data-service="billing"] a');
    await page.waitForURL(`${agent.url}/ui/dc1/services/billing/instances`);
    await passUntil(async () => (await page.locator('tr[data-check="billing-ttl"] [data-status="passing"]').count()) === 1, "billing's page to show its check passing");

    // no more passes: the 4 s TTL runs out and the page (kept live by blocking queries) shows it
    await page.locator('tr[data-check="billing-ttl"] [data-status="critical"]').waitFor({ timeout: 20_000 });
    const seenAfter = Date.now() - passSent;
    console.log(`web UI: billing's TTL check shown critical ${seenAfter} ms after the last pass (TTL 4000 ms)`);
    const health = (await (await fetch(`${agent.url}/v1/health/checks/billing`)).json()) as Array<{ CheckID: string; Status: string }>;
    expect(health.find((c) => c.CheckID === 'billing-ttl')?.Status).toBe('critical');
    await poll(() => page.locator('[data-instance="billing-1"] h2 [data-status]').getAttribute('data-status')).toBe('critical');
    await screenshot('2-service-critical', task.meta);

    await page.click('[data-nav="services"]');
    await row.locator('[data-status="critical"]').waitFor();
    // the search box narrows the list (by name, tag or node)
    await poll(() => page.locator('tr[data-service="consul"]').count()).toBe(1);
    await page.fill('[data-testid="filter"]', 'v2');
    await poll(() => page.locator('tbody tr[data-service]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')))).toEqual(['billing']);
    await page.fill('[data-testid="filter"]', '');
  });

  test('edit the key in the UI: a write made meanwhile with etcdctl is reported, not overwritten; then the edit saves (etcd version 3); then delete it', async ({ task }) => {
    await page.goto(`${agent.url}/ui/dc1/kv/app/config/db-url/edit`);
    const editor = page.locator('[data-testid="kv-value"]');
    await poll(() => editor.inputValue()).toBe('postgres://db.internal:5432/app');

    // the user starts editing; meanwhile an etcd client writes the same key
    await editor.fill('postgres://my-edit:5432/app');
    expect((await etcdctl(agent.etcd, ['put', 'app/config/db-url', 'postgres://from-etcdctl:5432/app'])).stdout.trim()).toBe('OK');
    await page.locator('[data-testid="kv-changed"]').waitFor();
    await page.click('[data-testid="kv-save"]');
    await poll(() => page.locator('[role="alert"]').textContent()).toContain('Not saved');
    expect(await (await fetch(`${agent.url}/v1/kv/app/config/db-url?raw`)).text()).toBe('postgres://from-etcdctl:5432/app');
    await page.click('[data-testid="kv-discard"]');
    await poll(() => editor.inputValue()).toBe('postgres://from-etcdctl:5432/app');

    const before = (await consulKv('app/config/db-url')).entry!;
    await editor.fill('postgres://db-replica.internal:5432/app');
    await page.click('[data-testid="kv-save"]');
    await page.locator('[role="status"]:has-text("Saved.")').waitFor();

    expect((await etcdctl(agent.etcd, ['get', 'app/config/db-url', '--print-value-only'])).stdout.trim()).toBe('postgres://db-replica.internal:5432/app');
    const after = (await consulKv('app/config/db-url')).entry!;
    expect(after.ModifyIndex).toBeGreaterThan(before.ModifyIndex);
    expect(after.CreateIndex).toBe(before.CreateIndex);
    const etcd = (await etcdGet('app/config/db-url')).kvs![0]!;
    expect([etcd.mod_revision, etcd.version]).toEqual([after.ModifyIndex, 3]);
    await poll(() => page.locator('[data-field="ModifyIndex"]').textContent()).toBe(String(after.ModifyIndex));
    await poll(() => page.locator('[data-etcd-field="mod_revision"] .etcd-value').textContent()).toBe(String(after.ModifyIndex));
    await poll(() => page.locator('[data-etcd-field="version"] .etcd-value').textContent()).toBe('3');
    await screenshot('3-kv-edited', task.meta);

    await page.click('[data-testid="kv-delete"]');
    await page.click('[data-testid="kv-confirm-delete"]');
    await page.waitForURL(`${agent.url}/ui/dc1/kv/app/config/`);
    expect((await consulKv('app/config/db-url')).status).toBe(404);
    expect((await etcdGet('app/config/db-url')).kvs).toBeUndefined();
    await poll(() => page.locator('[data-key="app/config/db-url"]').count()).toBe(0);
  });

  test("the Nodes page shows this agent's node and its checks; the Sessions page lists a lock holder and invalidates it", async ({ task }) => {
    await page.click('[data-nav="nodes"]');
    await page.waitForURL(`${agent.url}/ui/dc1/nodes`);
    await page.click('tr[data-node="ui-browser"] a');
    await page.waitForURL(`${agent.url}/ui/dc1/nodes/ui-browser/health-checks`);
    await poll(() => page.locator('tr[data-check="serfHealth"] [data-status]').getAttribute('data-status')).toBe('passing');
    await poll(() => page.locator('tr[data-check="billing-ttl"] [data-status]').getAttribute('data-status')).toBe('critical');

    // a session holding a lock, made through the API
    const session = ((await (await fetch(`${agent.url}/v1/session/create`, { method: 'PUT', body: JSON.stringify({ Name: 'leader-election', TTL: '60s' }) })).json()) as { ID: string }).ID;
    expect(await (await fetch(`${agent.url}/v1/kv/service/app/leader?acquire=${session}`, { method: 'PUT', body: 'ui-browser' })).text()).toBe('true\n');
    await page.click('[data-nav="sessions"]');
    await page.waitForURL(`${agent.url}/ui/dc1/sessions`);
    const row = page.locator(`tr[data-session="${session}"]`);
    await poll(() => row.textContent()).toContain('leader-election');
    await screenshot('4-sessions', task.meta);
    await row.locator('button:has-text("Invalidate")').click();
    await poll(() => row.count()).toBe(0);
    const sessions = (await (await fetch(`${agent.url}/v1/session/list`)).json()) as Array<{ ID: string }>;
    expect(sessions.map((x) => x.ID)).not.toContain(session);
    // the default behavior (release) frees the lock: the key stays, without its Session
    const leader = (await consulKv('service/app/leader')).entry as { Session?: string } | undefined;
    expect(leader).toBeDefined();
    expect(leader!.Session).toBeUndefined();
  });

  test('the Cluster page shows the Raft peer and the etcd member: one process, both faces', async ({ task }) => {
    await page.click('[data-nav="cluster"]');
    await page.waitForURL(`${agent.url}/ui/dc1/cluster`);
    const raft = (await (await fetch(`${agent.url}/v1/operator/raft/configuration`)).json()) as { Servers: Array<{ Node: string; Address: string; Leader: boolean }> };
    expect(raft.Servers.map((s) => s.Node)).toEqual(['ui-browser']);
    await poll(() => page.locator('[data-peer="ui-browser"]').textContent()).toContain(raft.Servers[0]!.Address);
    await poll(() => page.locator('[data-peer="ui-browser"]').textContent()).toContain('leader');
    const members = (await etcdctl(agent.etcd, ['member', 'list'])).stdout.trim().split(', ');
    // etcdctl member list: <hex id>, started, <name>, <peer urls>, <client urls>, <learner>
    await poll(() => page.locator(`[data-testid="etcd-members"] [data-member="${members[0]}"]`).textContent()).toContain(members[2]!);
    await screenshot('5-cluster', task.meta);
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!haveChromium || !built)('web UI in Chromium with ACLs (default deny)', () => {
  let agent: UiAgent;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    agent = await startUiAgent(['-dev', '-ui', '-node', 'ui-acl', '-hcl', 'acl {\n enabled = true\n default_policy = "deny"\n tokens {\n initial_management = "ui-root-secret"\n }\n}']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  });

  afterAll(async () => {
    await browser?.close();
    await stopAllProcesses();
  });

  test('without a token the page says the agent refused it; the token typed in the sidebar is sent with every request', async ({ task }) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${agent.url}/ui/`);
    await poll(() => page.locator('[role="alert"]').textContent()).toContain('403');
    await page.fill('[data-testid="acl-token"]', 'ui-root-secret');
    await page.click('form.token button');
    await page.waitForURL(`${agent.url}/ui/dc1/services`);
    // the management token reads the catalog the anonymous token could not
    await page.locator('tr[data-service="consul"]').waitFor();
    const path = join(shots, '6-acl-token.png');
    await page.screenshot({ path, fullPage: true });
    console.log(`web UI screenshot: ${path}`);
    (task.meta.screenshots ??= []).push(path);
    await page.close();
  });
});

