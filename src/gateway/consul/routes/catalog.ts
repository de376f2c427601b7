// /v1/catalog/...: register, deregister, datacenters, nodes, services, service/:name,
// connect/:name, node/:node, node-services/:node, gateway-services/:gateway — with Consul's
// query options (blocking, ?filter, ?near, ?node-meta, ?tag), shapes and texts
// (agent/catalog_endpoint.go).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CatalogSnapshot, CatalogError, hasTags, instancesOf, matchesNodeMeta } from '../../../compat/catalog.js';
import { CatalogDecodeError, decodeDeregisterRequest, decodeRegisterRequest } from '../../../compat/catalog-decode.js';
import { catalogServiceView, nodeServiceView, nodeView, type ServiceRecord } from '../../../compat/catalog-records.js';
import { decodeCoordinate, sortByDistance } from '../../../compat/coordinates.js';
import { NODE_SCHEMA, NODE_SERVICE_SCHEMA, SERVICE_NODE_SCHEMA } from '../../../compat/filter/index.js';
import type { Table } from '../../../compat/system-keys.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import { type QueryOptions, blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import { setAgentCacheMeta } from './agent-cache.js';
import { catalogSnapshot, compileFilter, indexedRead, jsonBody, nearNode, pathRest, peerOf, route, serviceBlockingQuery, sortedObjectJson } from './catalog-common.js';
import type { ConsulRoute } from './index.js';
import { rawParams, requireLocalDatacenter } from './kv-params.js';

/** A catalog write error as Consul answers it. */
export function catalogWriteError(err: unknown): unknown {
  if (err instanceof CatalogDecodeError) return badRequest(`Request decode failed: ${err.message}`);
  if (err instanceof CatalogError) return new ConsulHttpError(err.status, err.message);
  return err;
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
  const { index, value } = await blockingQuery(ctx, req, opts, tables, indexedRead(ctx, tables, read));
  setQueryMeta(ctx, reply, opts, index);
  if (CACHEABLE.has(req.routeOptions.url ?? '')) setAgentCacheMeta(ctx, req, reply);
  return reply.send(encode(value));
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
