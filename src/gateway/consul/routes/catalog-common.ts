// What the catalog, health, coordinate and event routes share: Consul's body decoding answer,
// path parameters, method enforcement, the filter and ?near options, the catalog a read sees
// (?peer) and the per-service blocking query.
import type { FastifyRequest, FastifyReply } from 'fastify';
import type { CatalogSnapshot } from '../../../compat/catalog.js';
import type { Table } from '../../../compat/system-keys.js';
import { FilterError, createFilter, type FieldType } from '../../../compat/filter/index.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import type { QueryOptions } from '../query-options.js';
import type { ConsulRoute } from './index.js';
import { rawParams } from './kv-params.js';

/** Go's encoding/json error text for a body JSON.parse refused (what Consul puts after "Request decode failed: "). */
function goJsonError(body: string, err: unknown): string {
  if (body.trim() === '') return 'EOF';
  const msg = err instanceof Error ? err.message : String(err);
  if (/end of (JSON )?input|Unterminated/i.test(msg)) return 'unexpected EOF';
  const m = /Unexpected token '?(.)'?/.exec(msg) ?? /Unexpected (?:non-whitespace )?character.*?'?(.)'?/.exec(msg);
  if (m) return `invalid character '${m[1]}' looking for beginning of value`;
  return msg;
}

/** The request body as JSON, or Consul's 400 "Request decode failed: ..." answer. */
export function jsonBody(req: FastifyRequest): unknown {
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : typeof req.body === 'string' ? req.body : '';
  try {
    if (text.trim() === '') throw new Error('empty');
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`Request decode failed: ${goJsonError(text, err)}`);
  }
}

/** The path parameter after a route prefix (names may contain '/', as Consul trims the prefix). */
export function pathRest(req: FastifyRequest): string {
  return (req.params as { '*'?: string })['*'] ?? '';
}

/** A `filter` compiled before the query runs, as Consul builds its filter first (errors answered 500 with its text). */
export function compileFilter(opts: QueryOptions, schema: FieldType): ((item: unknown) => boolean) | undefined {
  if (!opts.filter) return undefined;
  try {
    return createFilter(opts.filter, schema);
  } catch (err) {
    if (err instanceof FilterError) throw new ConsulHttpError(500, err.message);
    throw err;
  }
}

/** ?near's source node: "_agent" is this agent's node. */
export function nearNode(ctx: ConsulContext, opts: QueryOptions): string | undefined {
  if (!opts.near) return undefined;
  return opts.near === '_agent' ? ctx.agent.nodeName : opts.near;
}

/**
 * The catalog a read sees: ?peer names a cluster peer whose imported services would be read, and
 * this agent has no peers (peering is not built), so a read for any peer sees an empty catalog —
 * what Consul answers for a peer that has imported nothing.
 */
export async function catalogSnapshot(ctx: ConsulContext, req: FastifyRequest, opts: { coordinates?: boolean } = {}): Promise<CatalogSnapshot> {
  if (peerOf(req) !== '') return { revision: ctx.core.backend.header().revision, nodes: [], services: [], checks: [], coordinates: [] };
  return ctx.core.catalog.snapshot({ ...opts, stale: rawParams(req).has('stale') });
}

/** The ?peer of a read ('' = this cluster). */
export function peerOf(req: FastifyRequest): string {
  return rawParams(req).get('peer')?.[0] ?? '';
}

/** A JSON object with its keys in Go's order (sorted), whatever they look like (JS would put numeric-looking keys first). */
export function sortedObjectJson(entries: Array<[string, unknown]>): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/**
 * A blocking query's read over `tables`: the tables' index is taken BEFORE the data, so an answer
 * never claims an index its data does not hold. (Taken after, a write landing between the read and
 * the index would be answered with its index but without its data, and a client blocking on that
 * index — a watch plan, say — would never be woken for it.)
 */
export function indexedRead<T>(ctx: ConsulContext, tables: readonly Table[], read: () => Promise<T>): () => Promise<{ index: number; value: T }> {
  return async () => {
    const index = ctx.core.tracker.maxIndex(tables);
    return { index, value: await read() };
  };
}

/**
 * A blocking query on one service, with Consul's per-service index (the index is read before the
 * data, so it never claims more than the answer holds): changes to other services do not wake it.
 */
export async function serviceBlockingQuery<T>(
  ctx: ConsulContext,
  req: FastifyRequest,
  opts: QueryOptions,
  service: string,
  read: () => Promise<T>,
): Promise<{ index: number; value: T }> {
  const run = async () => {
    const index = await ctx.core.catalog.serviceIndex(service);
    return { index, value: await read() };
  };
  let answer = await run();
  if (opts.index === 0) return answer;
  const deadline = Date.now() + opts.waitMs;
  const abort = new AbortController();
  const onClose = () => abort.abort();
  req.raw.socket?.once('close', onClose);
  try {
    while (answer.index <= opts.index && !abort.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await ctx.core.catalog.waitForServiceChange(service, opts.index, left, abort.signal);
      if (abort.signal.aborted) break;
      answer = await run();
    }
  } finally {
    req.raw.socket?.off('close', onClose);
  }
  return answer;
}

type Handler = (ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Registers `handler` for `method` on `path`; any other method answers Consul's 405. */
export function route(app: Parameters<ConsulRoute>[0], ctx: ConsulContext, method: 'GET' | 'PUT', path: string, handler: Handler): void {
  app.all(path, async (req, reply) => {
    if (req.method !== method) throw new ConsulHttpError(405, `method ${req.method} not allowed`);
    return handler(ctx, req, reply);
  });
}

