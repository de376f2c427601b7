// /v1/kv/<key>: GET (single, ?recurse, ?keys [+ ?separator], ?raw; blocking on the kvs table),
// PUT (?flags, ?cas, ?acquire, ?release; body = raw value; answers true/false) and DELETE
// (?recurse, ?cas), with Consul's texts for bad input (agent/kvs_endpoint.go).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KvApplyError, KV_MAX_VALUE_SIZE } from '../../../compat/kv.js';
import { entriesJson } from '../../../compat/kv-entry.js';
import type { ConsulContext } from '../context.js';
import { badRequest, ConsulHttpError } from '../http-error.js';
import { blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import type { ConsulRoute } from './index.js';
import { firstParam, parseUint64, rawParams, rejectConflictingFlags, requireLocalDatacenter } from './kv-params.js';

const PREFIX = '/v1/kv/';

function keyOf(req: FastifyRequest): Buffer {
  return Buffer.from((req.params as { '*'?: string })['*'] ?? '', 'utf8');
}

function bodyOf(req: FastifyRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

async function kvGet(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  const params = rawParams(req);
  const key = keyOf(req);
  const kv = ctx.core.kv;
  const linearizable = opts.consistency === 'consistent';
  if (params.has('keys')) {
    const sep = params.has('separator') ? firstParam(params, 'separator') : params.has('seperator') ? firstParam(params, 'seperator') : '';
    const { index, value } = await blockingQuery(ctx, req, opts, ['kvs'], () => kv.keys(key, sep, linearizable));
    setQueryMeta(ctx, reply, opts, index);
    if (value.length === 0 && key.length > 0) return reply.code(404).send();
    return reply.send(JSON.stringify(value));
  }
  if (params.has('recurse')) {
    const { index, value } = await blockingQuery(ctx, req, opts, ['kvs'], () => kv.list(key, linearizable));
    setQueryMeta(ctx, reply, opts, index);
    if (value.length === 0) return reply.code(404).send();
    return reply.send(entriesJson(value));
  }
  if (key.length === 0) throw badRequest('Missing key name');
  const { index, value } = await blockingQuery(ctx, req, opts, ['kvs'], () => kv.get(key, linearizable));
  setQueryMeta(ctx, reply, opts, index);
  if (!value) return reply.code(404).send();
  if (params.has('raw')) {
    return reply
      .header('Content-Type', 'text/plain')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', 'sandbox')
      .send(value.value);
  }
  return reply.send(entriesJson([value]));
}

function valueTooLarge(bytes: number): ConsulHttpError {
  return new ConsulHttpError(
    413,
    `Request body(${bytes} bytes) too large, max size: ${KV_MAX_VALUE_SIZE} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
  );
}

/** Consul judges a PUT by its Content-Length before reading it: an oversized value is refused without being received. */
async function refuseOversizedPut(req: FastifyRequest): Promise<void> {
  if (req.method !== 'PUT') return;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > KV_MAX_VALUE_SIZE) throw valueTooLarge(declared);
}

async function kvPut(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  const params = rawParams(req);
  const key = keyOf(req);
  if (key.length === 0) throw badRequest('Missing key name');
  rejectConflictingFlags(params, 'cas', 'acquire', 'release');
  const flags = params.has('flags') ? parseUint64(firstParam(params, 'flags')) : 0n;
  const cas = params.has('cas') ? Number(parseUint64(firstParam(params, 'cas'))) : undefined;
  const body = bodyOf(req);
  if (body.length > KV_MAX_VALUE_SIZE) throw valueTooLarge(body.length);
  const kv = ctx.core.kv;
  let ok: boolean;
  try {
    if (params.has('acquire')) ok = await kv.acquire(key, body, flags, firstParam(params, 'acquire'));
    else if (params.has('release')) ok = await kv.release(key, body, flags, firstParam(params, 'release'));
    else if (cas !== undefined) ok = await kv.cas(key, body, flags, cas);
    else ok = (await kv.set(key, body, flags)) || true;
  } catch (err) {
    if (err instanceof KvApplyError) throw new ConsulHttpError(500, err.message);
    throw err;
  }
  return reply.send(ok ? 'true' : 'false');
}

async function kvDelete(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  const params = rawParams(req);
  const key = keyOf(req);
  rejectConflictingFlags(params, 'recurse', 'cas');
  const kv = ctx.core.kv;
  if (params.has('recurse')) {
    await kv.deleteTree(key);
    return reply.send('true');
  }
  if (key.length === 0) throw badRequest('Missing key name');
  if (params.has('cas')) {
    const ok = await kv.deleteCas(key, Number(parseUint64(firstParam(params, 'cas'))));
    return reply.send(ok ? 'true' : 'false');
  }
  await kv.delete(key);
  return reply.send('true');
}

export const kvRoutes: ConsulRoute = (app, ctx) => {
  app.all(`${PREFIX}*`, { onRequest: refuseOversizedPut }, async (req, reply) => {
    switch (req.method) {
      case 'GET':
        return kvGet(ctx, req, reply);
      case 'PUT':
        return kvPut(ctx, req, reply);
      case 'DELETE':
        return kvDelete(ctx, req, reply);
      default:
        throw new ConsulHttpError(405, `method ${req.method} not allowed`);
    }
  });
};
