// The web UI as plain HTTP, as curl sees it: what a Consul agent answers on / and /ui with the UI on
// (-dev, -ui, ui_config in a configuration file, a moved content_path) and off, the UI's files and
// their content types, and the read-only /v1/internal/ui/etcd/* endpoints answering exactly as the
// etcd face's JSON gateway does for the same store.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { etcdctl, hasBinary, stopAllProcesses } from '../../support/index.js';
import { startUiAgent, uiBuilt, type UiAgent } from './ui-agent.js';

const built = uiBuilt();
if (!built) console.warn('SKIP web UI HTTP tests: no build with the UI bundle (dist/ui); run npm run build');

const UI_DISABLED = 'Consul Agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.';
const NOT_API = "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'\n";
const noFollow = { redirect: 'manual' } as const;

/** GET with the path sent byte for byte (fetch would resolve ../ and %2e%2e before sending). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

afterAll(async () => {
  await stopAllProcesses();
});

describe.skipIf(!built)('web UI over HTTP', () => {
  let dev: UiAgent;
  beforeAll(async () => {
    dev = await startUiAgent(['-dev', '-node', 'ui-http']);
  });

  test('-dev serves the UI: / and /ui redirect to /ui/ with 301 as Go does, /ui/ is the page, every asset it names is served with its type', async () => {
    const root = await fetch(`${dev.url}/`, noFollow);
    expect(root.status).toBe(301);
    expect(root.headers.get('location')).toBe('/ui/');
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toBe('<a href="/ui/">Moved Permanently</a>.\n\n');

    const bare = await fetch(`${dev.url}/ui?x=1`, noFollow);
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/ui/?x=1');

    const page = await fetch(`${dev.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    expect(html).not.toContain('%DCSGW_UI_CONTENT_PATH%');
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(['/ui/assets/app.js', '/ui/assets/style.css']);
    const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
    for (const asset of assets) {
      const res = await fetch(`${dev.url}${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers.get('content-type')).toBe(types[asset.slice(asset.lastIndexOf('.'))]);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    // the bundle carries the components, not a placeholder
    expect(await (await fetch(`${dev.url}/ui/assets/app.js`)).text()).toContain('/v1/internal/ui/services');

    const head = await fetch(`${dev.url}/ui/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(html));

    const robots = await fetch(`${dev.url}/robots.txt`);
    expect(robots.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await robots.text()).toBe('User-agent: *\nDisallow: /\n');
  });

  test("a UI page's own address (a deep link) answers the page; a path out of the UI's folder never reads other files", async () => {
    for (const path of ['/ui/dc1/services', '/ui/dc1/kv/app/cfg/edit', '/ui/%2e%2e/%2e%2e/package.json', '/ui/..%2f..%2f..%2fpackage.json', '/ui/assets/../../../package.json']) {
      const res = await rawGet(dev.url, path);
      expect([path, res.status, res.type]).toEqual([path, 200, 'text/html; charset=utf-8']);
      expect(res.body).toContain('<div id="app">');
      expect(res.body).not.toContain('"dependencies"');
    }
  });

  test('/v1/internal/ui/etcd/kv/<key> answers as the etcd gateway\'s range: the Consul KV entry\'s CreateIndex/ModifyIndex are its create/mod revisions', async () => {
    expect(await (await fetch(`${dev.url}/v1/kv/ui%20test/k1`, { method: 'PUT', body: 'one' })).text()).toBe('true\n');
    expect(await (await fetch(`${dev.url}/v1/kv/ui%20test/k1`, { method: 'PUT', body: 'two' })).text()).toBe('true\n');
    const consul = ((await (await fetch(`${dev.url}/v1/kv/ui%20test/k1`)).json()) as Array<{ CreateIndex: number; ModifyIndex: number }>)[0]!;
    const mine = (await (await fetch(`${dev.url}/v1/internal/ui/etcd/kv/ui%20test/k1`)).json()) as { kvs: Array<Record<string, string>> };
    const gateway = (await (await fetch(`http://${dev.etcd}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('ui test/k1').toString('base64') }) })).json()) as { kvs: unknown[] };
    expect(mine.kvs).toEqual(gateway.kvs);
    expect(mine.kvs[0]).toMatchObject({ create_revision: String(consul.CreateIndex), mod_revision: String(consul.ModifyIndex), version: '2', value: Buffer.from('two').toString('base64') });

    const missing = (await (await fetch(`${dev.url}/v1/internal/ui/etcd/kv/no/such/key`)).json()) as { kvs?: unknown[] };
    expect(missing.kvs).toBeUndefined();
  });

  test('/v1/internal/ui/etcd/members and /status answer as the etcd gateway and etcdctl see the same cluster', async () => {
    const mine = (await (await fetch(`${dev.url}/v1/internal/ui/etcd/members`)).json()) as { members: Array<{ ID: string; name: string; clientURLs: string[] }> };
    const gateway = (await (await fetch(`http://${dev.etcd}/v3/cluster/member/list`, { method: 'POST', body: '{}' })).json()) as { members: unknown[] };
    expect(mine.members).toEqual(gateway.members);
    expect(mine.members.map((m) => m.name)).toEqual(['ui-http']);
    expect(mine.members[0]!.clientURLs).toEqual([`http://${dev.etcd}`]);
    if (hasBinary('etcdctl')) {
      const listed = JSON.parse((await etcdctl(dev.etcd, ['member', 'list', '-w', 'json'])).stdout) as { members: Array<{ ID: string | number }> };
      // etcdctl prints the uint64 ID as a JSON number: compare its decimal digits
      expect((await etcdctl(dev.etcd, ['member', 'list', '-w', 'json'])).stdout).toContain(`"ID":${mine.members[0]!.ID}`);
      expect(listed.members).toHaveLength(1);
    }
    const status = (await (await fetch(`${dev.url}/v1/internal/ui/etcd/status`)).json()) as { leader: string; version: string };
    expect(status.leader).toBe(mine.members[0]!.ID);
    expect(status.version).toBe('3.4.23');
  });

  test('an agent without -ui answers / and /ui as Consul does with the UI off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-ui-off-'));
    const off = await startUiAgent(['-server', '-bootstrap', '-bind', '127.0.0.1', '-node', 'ui-off', '-data-dir', dataDir]);
    const root = await fetch(`${off.url}/`, noFollow);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await root.text()).toBe(UI_DISABLED);
    for (const path of ['/ui', '/ui/', '/ui/assets/app.js', '/robots.txt']) {
      const res = await fetch(`${off.url}${path}`, noFollow);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).toBe(NOT_API);
    }
    // the API is untouched
    expect((await fetch(`${off.url}/v1/agent/self`)).status).toBe(200);
    await off.process.stop();
  });

  test('-ui-dir (relative to the working directory) serves that directory instead of the built-in files; -ui-content-path / puts the UI at the root', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dcsgw-ui-dir-'));
    mkdirSync(join(cwd, 'myui'));
    writeFileSync(join(cwd, 'myui', 'index.html'), '<!doctype html><title>my own UI</title><base href="%DCSGW_UI_CONTENT_PATH%">\n');
    writeFileSync(join(cwd, 'myui', 'mine.js'), 'console.log("mine");\n');
    const own = await startUiAgent(['-dev', '-ui', '-node', 'ui-dir', '-ui-dir', 'myui', '-ui-content-path', '/'], cwd);
    const root = await fetch(`${own.url}/`, noFollow);
    expect([root.status, await root.text()]).toEqual([200, '<!doctype html><title>my own UI</title><base href="/">\n']);
    const js = await fetch(`${own.url}/mine.js`);
    expect([js.status, js.headers.get('content-type'), await js.text()]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log("mine");\n']);
    expect(await (await fetch(`${own.url}/dc1/nodes`)).text()).toContain('my own UI');
    // the built-in bundle is not served from a directory of one's own
    expect((await fetch(`${own.url}/assets/app.js`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    // the API keeps its paths
    expect(((await (await fetch(`${own.url}/v1/agent/self`)).json()) as { Config: { NodeName: string } }).Config.NodeName).toBe('ui-dir');
    await own.process.stop();
  });

  test('ui_config { enabled, content_path } in a configuration file moves the UI, as Consul does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcsgw-ui-cfg-'));
    const file = join(dir, 'ui.hcl');
    writeFileSync(file, 'ui_config {\n  enabled = true\n  content_path = "/consul-ui"\n}\n');
    const moved = await startUiAgent(['-server', '-bootstrap', '-bind', '127.0.0.1', '-node', 'ui-moved', '-data-dir', join(dir, 'data'), '-config-file', file]);
    const root = await fetch(`${moved.url}/`, noFollow);
    expect([root.status, root.headers.get('location')]).toEqual([301, '/consul-ui/']);
    const page = await (await fetch(`${moved.url}/consul-ui/`)).text();
    expect(page).toContain('src="/consul-ui/assets/app.js"');
    expect(page).toContain('<meta name="dcsgw-ui-content-path" content="/consul-ui/" />');
    expect((await fetch(`${moved.url}/consul-ui/assets/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${moved.url}/ui/`)).status).toBe(404);
    await moved.process.stop();
  });
});
