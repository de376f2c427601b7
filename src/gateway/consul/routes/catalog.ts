// /v1/catalog/...: register, deregister, datacenters, nodes, services, service/:name,
// connect/:name, node/:node, node-services/:node, gateway-services/:gateway — with Consul's
// query options (blocking, ?filter, ?near, ?node-meta, ?tag), shapes and texts
// (agent/catalog_endpoint.go).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CatalogSnapshot, CatalogError, hasTags, instancesOf, matchesNodeMeta } from '../../../compat/catalog.js';
import { CatalogDecodeError, decodeDeregisterRequest, decodeRegisterRequest } from '../../../compat/catalog-decode.js';
import { catalogServiceView, nodeServiceView, nodeView, type ServiceRecord } from '../../../compat/catalog-records.js';
import { decodeCoordinate, sortByDistance } from '../../../compat/coordinates.js';
import { FilterError, NODE_SCHEMA, NODE_SERVICE_SCHEMA, SERVICE_NODE_SCHEMA, createFilter } from '../../../compat/filter/index.js';
import type { FieldType } from '../../../compat/filter/index.js';
import type { Table } from '../../../compat/system-keys.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import { type QueryOptions, blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import { setAgentCacheMeta } from './agent-cache.js';
import type { ConsulRoute } from './index.js';
import { rawParams, requireLocalDatacenter } from './kv-params.js';

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
  return ctx.core.catalog.snapshot(opts);
}

/** The ?peer of a read ('' = this cluster). */
export function peerOf(req: FastifyRequest): string {
  return rawParams(req).get('peer')?.[0] ?? '';
}

/** A catalog write error as Consul answers it. */
export function catalogWriteError(err: unknown): unknown {
  if (err instanceof CatalogDecodeError) return badRequest(`Request decode failed: ${err.message}`);
  if (err instanceof CatalogError) return new ConsulHttpError(err.status, err.message);
  return err;
}

/** A JSON object with its keys in Go's order (sorted), whatever they look like (JS would put numeric-looking keys first). */
export function sortedObjectJson(entries: Array<[string, unknown]>): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** Runs a read as a blocking query over `tables` and answers it with Consul's meta headers. */
async function answerRead<T>(
  ctx: ConsulContext,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: QueryOptions,
  tables: readonly Table[],
  read: () => Promise<T>,
  encode: (value: T) => string = (v) => JSON.stringify(v),
): Promise<unknown> {
  const { index, value } = await blockingQuery(ctx, req, opts, tables, async () => {
    const value = await read();
    return { index: ctx.core.tracker.maxIndex(tables), value };
  });
  setQueryMeta(ctx, reply, opts, index);
  if (CACHEABLE.has(req.routeOptions.url ?? '')) setAgentCacheMeta(ctx, req, reply);
  return reply.send(encode(value));
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

/** The catalog reads Consul's agent cache serves with ?cached. */
const CACHEABLE = new Set(['/v1/catalog/services', '/v1/catalog/service/*', '/v1/catalog/connect/*']);

function readOptions(ctx: ConsulContext, req: FastifyRequest): QueryOptions {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  return opts;
}

function coordinatesOf(snap: CatalogSnapshot) {
  return snap.coordinates.map(decodeCoordinate);
}

async function register(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = jsonBody(req);
  try {
    const r = decodeRegisterRequest(body);
    requireLocalDatacenter(ctx, r.Datacenter || undefined);
    requireLocalDatacenter(ctx, rawParams(req).get('dc')?.[0] || undefined);
    await ctx.core.catalog.register(r);
  } catch (err) {
    throw catalogWriteError(err);
  }
  return reply.send('true');
}

async function deregister(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = jsonBody(req);
  try {
    const r = decodeDeregisterRequest(body);
    requireLocalDatacenter(ctx, r.Datacenter || undefined);
    requireLocalDatacenter(ctx, rawParams(req).get('dc')?.[0] || undefined);
    await ctx.core.catalog.deregister(r);
  } catch (err) {
    throw catalogWriteError(err);
  }
  return reply.send('true');
}

async function nodes(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const keep = compileFilter(opts, NODE_SCHEMA);
  const near = nearNode(ctx, opts);
  return answerRead(ctx, req, reply, opts, ['nodes'], async () => {
    const snap = await catalogSnapshot(ctx, req, { coordinates: near !== undefined });
    let list = snap.nodes.filter((n) => matchesNodeMeta(n.value, opts.nodeMeta)).map(nodeView);
    if (keep) list = list.filter(keep);
    return sortByDistance(list, (n) => n.Node, near, coordinatesOf(snap));
  });
}

async function services(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const keep = compileFilter(opts, SERVICE_NODE_SCHEMA);
  const tables: Table[] = opts.nodeMeta.length > 0 ? ['services', 'nodes'] : ['services'];
  return answerRead(
    ctx,
    req,
    reply,
    opts,
    tables,
    async () => {
      const snap = await catalogSnapshot(ctx, req);
      const nodes = new Map(snap.nodes.map((n) => [n.value.Node.toLowerCase(), n]));
      const byName = new Map<string, string[]>();
      for (const s of snap.services) {
        const node = nodes.get(s.value.Node.toLowerCase());
        if (!node || !matchesNodeMeta(node.value, opts.nodeMeta)) continue;
        if (keep && !keep(catalogServiceView(node, s))) continue;
        const tags = byName.get(s.value.Service) ?? [];
        for (const t of s.value.Tags ?? []) if (!tags.includes(t)) tags.push(t);
        byName.set(s.value.Service, tags);
      }
      return [...byName.entries()] as Array<[string, unknown]>;
    },
    sortedObjectJson,
  );
}

/** /v1/catalog/service/:name and /v1/catalog/connect/:name. */
function serviceNodes(connect: boolean) {
  return async (ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const opts = readOptions(ctx, req);
    const name = pathRest(req);
    if (name === '') throw badRequest('Missing service name');
    const tags = rawParams(req).get('tag');
    const keep = compileFilter(opts, SERVICE_NODE_SCHEMA);
    const near = nearNode(ctx, opts);
    const wanted = name.toLowerCase();
    const match = connect
      ? (s: ServiceRecord) =>
          s.Kind === 'connect-proxy'
            ? String(s.Proxy?.DestinationServiceName ?? '').toLowerCase() === wanted
            : s.Service.toLowerCase() === wanted && s.Connect?.Native === true
      : undefined;
    const read = async () => {
      const snap = await catalogSnapshot(ctx, req, { coordinates: near !== undefined });
      let list = instancesOf(snap, name, match)
        .filter((i) => (!tags || hasTags(i.service.value, tags)) && matchesNodeMeta(i.node.value, opts.nodeMeta))
        .map((i) => catalogServiceView(i.node, i.service));
      if (keep) list = list.filter(keep);
      return sortByDistance(list, (s) => s.Node, near, coordinatesOf(snap));
    };
    // Connect endpoints list other services (the proxies): they block on the tables.
    if (connect) return answerRead(ctx, req, reply, opts, ['services', 'nodes'], read);
    const { index, value } = await serviceBlockingQuery(ctx, req, opts, name, read);
    setQueryMeta(ctx, reply, opts, index);
    setAgentCacheMeta(ctx, req, reply);
    return reply.send(JSON.stringify(value));
  };
}

async function nodeServicesMap(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const name = pathRest(req);
  if (name === '') throw badRequest('Missing node name');
  const keep = compileFilter(opts, NODE_SERVICE_SCHEMA);
  return answerRead(
    ctx,
    req,
    reply,
    opts,
    ['nodes', 'services'],
    async () => {
      const node = peerOf(req) === '' ? await ctx.core.catalog.getNode(name) : undefined;
      if (!node) return null;
      let list = (await ctx.core.catalog.nodeServices(name)).map(nodeServiceView);
      if (keep) list = list.filter(keep);
      return { node: nodeView(node), services: list };
    },
    (v) => (v === null ? 'null' : `{"Node":${JSON.stringify(v.node)},"Services":${sortedObjectJson(v.services.map((s) => [s.ID, s]))}}`),
  );
}

async function nodeServicesList(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const name = pathRest(req);
  if (name === '') throw badRequest('Missing node name');
  const keep = compileFilter(opts, NODE_SERVICE_SCHEMA);
  return answerRead(ctx, req, reply, opts, ['nodes', 'services'], async () => {
    const node = peerOf(req) === '' ? await ctx.core.catalog.getNode(name) : undefined;
    if (!node) return { Node: null, Services: [] };
    let list = (await ctx.core.catalog.nodeServices(name)).map(nodeServiceView);
    if (keep) list = list.filter(keep);
    return { Node: nodeView(node), Services: list };
  });
}

async function gatewayServices(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  if (pathRest(req) === '') throw badRequest('Missing gateway name');
  // Gateways are bound to services by config entries; with service mesh off there are none.
  return answerRead(ctx, req, reply, opts, ['services'], async () => [] as unknown[]);
}

type Handler = (ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Registers `handler` for `method` on `path`; any other method answers Consul's 405. */
export function route(app: Parameters<ConsulRoute>[0], ctx: ConsulContext, method: 'GET' | 'PUT', path: string, handler: Handler): void {
  app.all(path, async (req, reply) => {
    if (req.method !== method) throw new ConsulHttpError(405, `method ${req.method} not allowed`);
    return handler(ctx, req, reply);
  });
}

export const catalogRoutes: ConsulRoute = (app, ctx) => {
  route(app, ctx, 'PUT', '/v1/catalog/register', register);
  route(app, ctx, 'PUT', '/v1/catalog/deregister', deregister);
  route(app, ctx, 'GET', '/v1/catalog/datacenters', async (c, _req, reply) => reply.send(JSON.stringify([c.agent.datacenter])));
  route(app, ctx, 'GET', '/v1/catalog/nodes', nodes);
  route(app, ctx, 'GET', '/v1/catalog/services', services);
  route(app, ctx, 'GET', '/v1/catalog/service/*', serviceNodes(false));
  route(app, ctx, 'GET', '/v1/catalog/connect/*', serviceNodes(true));
  route(app, ctx, 'GET', '/v1/catalog/node/*', nodeServicesMap);
  route(app, ctx, 'GET', '/v1/catalog/node-services/*', nodeServicesList);
  route(app, ctx, 'GET', '/v1/catalog/gateway-services/*', gatewayServices);
};
