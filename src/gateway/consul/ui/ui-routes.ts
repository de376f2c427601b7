// The web UI on the Consul HTTP port, answered as a Consul agent answers:
//  - UI on (-ui, ui_config { enabled = true }, -dev): the UI under its content path (/ui/ by
//    default), any path there that names no file answered with index.html (the UI routes in the
//    browser); "/" redirects to it with 301, the content path without its slash too (Go's mux);
//    /robots.txt from the UI's files.
//  - UI off: "/" answers 200 with Consul's "UI disabled" text; /ui and below are unknown paths,
//    answered with the text of Consul's index handler.
// The UI itself reads and writes only through the HTTP API (/v1/...), as Consul's does.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsulContext } from '../context.js';
import { builtInUiDir, CONTENT_PATH_PLACEHOLDER, readUiFile, type UiFile } from './ui-assets.js';
import { uiSettingsOf } from './ui-settings.js';

export const UI_DISABLED_TEXT = 'Consul Agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.';
export const NOT_AN_API_PATH_TEXT = "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'\n";

function queryOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q >= 0 ? req.url.slice(q) : '';
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

/**
 * Answers on the raw response: Consul serves the UI and its index handler outside the API's
 * wrapper (no Vary, no JSON labelling), and the API's onSend hook would label a 200 text/plain
 * answer as JSON.
 */
function raw(req: FastifyRequest, reply: FastifyReply, status: number, headers: Record<string, string>, body: Buffer | string): FastifyReply {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  void reply.hijack();
  reply.raw.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  reply.raw.end(req.method === 'HEAD' ? undefined : bytes);
  return reply;
}

/** Go's http.Redirect with 301: a short HTML body for GET and HEAD, none otherwise. */
function redirect(req: FastifyRequest, reply: FastifyReply, location: string): FastifyReply {
  if (req.method !== 'GET' && req.method !== 'HEAD') return raw(req, reply, 301, { Location: location }, '');
  return raw(req, reply, 301, { Location: location, 'Content-Type': 'text/html; charset=utf-8' }, `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`);
}

function plain(req: FastifyRequest, reply: FastifyReply, status: number, body: string): FastifyReply {
  return raw(req, reply, status, { 'Content-Type': 'text/plain; charset=utf-8' }, body);
}

function sendFile(req: FastifyRequest, reply: FastifyReply, file: UiFile, body: Buffer | string = file.body): FastifyReply {
  return raw(req, reply, 200, { 'Content-Type': file.contentType, 'Last-Modified': file.modified.toUTCString() }, body);
}

export function uiRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  const settings = uiSettingsOf(ctx.agent);
  const base = settings.contentPath;

  if (!settings.enabled) {
    app.all('/', async (req, reply) => plain(req, reply, 200, UI_DISABLED_TEXT));
    for (const path of ['/ui', '/ui/*', '/robots.txt']) app.get(path, async (req, reply) => plain(req, reply, 404, NOT_AN_API_PATH_TEXT));
    return;
  }

  const root = settings.dir !== '' ? settings.dir : builtInUiDir();
  const notBuilt = (req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    plain(req, reply, 503, `dcsgw: the web UI's files are missing from ${root}: run \`npm run build\` (it bundles the UI), or point ui_config.dir at a built UI\n`);

  const serveIndex = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const index = await readUiFile(root, 'index.html');
    if (!index) return notBuilt(req, reply);
    return sendFile(req, reply, index, index.body.toString('utf8').split(CONTENT_PATH_PLACEHOLDER).join(escapeHtml(base)));
  };

  // With content_path "/" the UI is the root itself (Consul's mux then gives "/" to the UI).
  if (base !== '/') {
    app.all('/', async (req, reply) => redirect(req, reply, base));
    app.get(base.slice(0, -1), async (req, reply) => redirect(req, reply, base + queryOf(req)));
  }
  app.get(`${base}*`, async (req, reply) => {
    const rel = (req.params as { '*'?: string })['*'] ?? '';
    if (rel === '' || rel === 'index.html') return serveIndex(req, reply);
    const file = await readUiFile(root, rel);
    // Paths of the UI's own pages name no file: the browser-side router shows them.
    return file ? sendFile(req, reply, file) : serveIndex(req, reply);
  });
  app.get('/robots.txt', async (req, reply) => {
    const file = await readUiFile(root, 'robots.txt');
    return file ? sendFile(req, reply, file) : plain(req, reply, 404, '404 page not found\n');
  });
}
