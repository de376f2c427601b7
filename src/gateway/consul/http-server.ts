// The Consul HTTP API (/v1/...) on fastify: one plugin per endpoint group (routes/*.ts), bodies
// taken raw (KV values are bytes; JSON bodies are decoded by the routes, case-insensitively as
// Consul's decoder does), Consul's plain-text errors, its headers on every answer.
import { loggableUrl } from './log-url.js';
import type { TlsOptions } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ConsulContext } from './context.js';
import { ConsulHttpError } from './http-error.js';
import { indentJson } from './pretty-json.js';
import { ROUTES } from './routes/index.js';

export interface ConsulHttpOptions {
  host: string;
  port: number;
}

export interface ConsulHttpServer {
  readonly app: FastifyInstance;
  /** The bound address (port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Consul's agent accepts request bodies well above its 512 KiB KV value limit (txn payloads), and answers the KV limit itself. */
const BODY_LIMIT = 64 * 1024 * 1024;
/** The type fastify gives a string payload sent without one. */
const FASTIFY_STRING_TYPE = 'text/plain; charset=utf-8';

/** ?pretty, with or without a value, as Consul reads it (the parameter's presence). */
function wantsPretty(url: string): boolean {
  const q = url.indexOf('?');
  return q >= 0 && new URLSearchParams(url.slice(q + 1)).has('pretty');
}

/** `https`: serve over TLS with these options (the agent's HTTPS port, ./tls/https-tls.ts). */
export function buildConsulHttp(ctx: ConsulContext, https?: TlsOptions): FastifyInstance {
  const common = { logger: false, bodyLimit: BODY_LIMIT, return503OnClosing: false, forceCloseConnections: true } as const;
  const app = (https ? Fastify({ ...common, https }) : Fastify(common)) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('Vary', 'Accept-Encoding');
    // Routes send JSON as pre-serialized strings (field order and number formats as Go writes
    // them), which fastify labels with its default text type; a route that means plain text says
    // so with a type of its own (raw KV values, Prometheus metrics) or answers an error status.
    const type = reply.getHeader('Content-Type');
    if (type === undefined || (type === FASTIFY_STRING_TYPE && reply.statusCode < 400)) reply.header('Content-Type', 'application/json');
    if (typeof payload === 'string' && reply.getHeader('Content-Type') === 'application/json' && payload.length > 0 && (ctx.agent.devMode === true || wantsPretty(req.url))) {
      return indentJson(payload);
    }
    return payload;
  });
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ConsulHttpError) {
      void reply.code(err.status).header('Content-Type', 'text/plain; charset=utf-8').send(err.body);
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      void reply.code(status).header("Content-Type", "text/plain; charset=utf-8").send(err instanceof Error ? err.message : String(err));
      return;
    }
    ctx.logger.error({ err, url: loggableUrl(req.url), method: req.method }, 'consul http: request failed');
    void reply.code(500).header('Content-Type', 'text/plain; charset=utf-8').send(err instanceof Error ? err.message : String(err));
  });
  app.setNotFoundHandler((_req, reply) => {
    // Go's http.ServeMux answer for a path no handler serves.
    void reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('404 page not found\n');
  });
  for (const route of ROUTES) route(app, ctx);
  return app;
}

export async function startConsulHttp(ctx: ConsulContext, opts: ConsulHttpOptions): Promise<ConsulHttpServer> {
  const app = buildConsulHttp(ctx);
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    app,
    address: { host: opts.host, port },
    close: () => app.close(),
  };
}
