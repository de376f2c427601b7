// /v1/health/...: node/:node, checks/:service, state/:state, service/:service, connect/:service,
// ingress/:service — blocking, ?filter, ?near, ?node-meta, ?tag, ?passing, with Consul's shapes
// and texts (agent/health_endpoint.go).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CheckRecord, type Stored, healthCheckView } from '../../../compat/catalog-records.js';
import { decodeCoordinate, sortByDistance } from '../../../compat/coordinates.js';
import { CHECK_SERVICE_NODE_SCHEMA, HEALTH_CHECK_SCHEMA } from '../../../compat/filter/index.js';
import {
  checkServiceNodeView,
  checksInState,
  filterNonPassing,
  nodeHealthChecks,
  serviceHealth,
  serviceHealthChecks,
} from '../../../compat/health.js';
import type { Table } from '../../../compat/system-keys.js';
import type { ConsulContext } from '../context.js';
import { badRequest } from '../http-error.js';
import { type QueryOptions, blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import { catalogSnapshot, compileFilter, indexedRead, nearNode, pathRest, route, serviceBlockingQuery } from './catalog-common.js';
import { setAgentCacheMeta } from './agent-cache.js';
import type { ConsulRoute } from './index.js';
import { rawParams, requireLocalDatacenter } from './kv-params.js';

const HEALTH_TABLES: readonly Table[] = ['nodes', 'services', 'checks'];

function readOptions(ctx: ConsulContext, req: FastifyRequest): QueryOptions {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  return opts;
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** A health check list read (node / checks / state): blocking on the tables, filtered, sorted by ?near. */
async function answerChecks(
  ctx: ConsulContext,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: QueryOptions,
  /** Tables whose index the answer carries, or a service name for Consul's per-service index. */
  indexOf: readonly Table[] | { service: string },
  select: (snap: Awaited<ReturnType<ConsulContext['core']['catalog']['snapshot']>>) => Stored<CheckRecord>[],
): Promise<unknown> {
  const keep = compileFilter(opts, HEALTH_CHECK_SCHEMA);
  const near = nearNode(ctx, opts);
  const read = async () => {
    const snap = await catalogSnapshot(ctx, req, { coordinates: near !== undefined });
    let list = select(snap).map(healthCheckView);
    if (keep) list = list.filter(keep);
    return sortByDistance(list, (c) => c.Node, near, snap.coordinates.map(decodeCoordinate));
  };
  const { index, value } =
    'service' in indexOf
      ? await serviceBlockingQuery(ctx, req, opts, indexOf.service, read)
      : await blockingQuery(ctx, req, opts, indexOf, indexedRead(ctx, indexOf, read));
  setQueryMeta(ctx, reply, opts, index);
  return reply.send(JSON.stringify(value));
}

async function nodeChecks(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const node = pathRest(req);
  if (node === '') throw badRequest('Missing node name');
  return answerChecks(ctx, req, reply, opts, ['checks', 'services'], (snap) => nodeHealthChecks(snap, node));
}

async function serviceChecks(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const service = pathRest(req);
  if (service === '') throw badRequest('Missing service name');
  return answerChecks(ctx, req, reply, opts, { service }, (snap) => serviceHealthChecks(snap, service, opts.nodeMeta));
}

async function checksByState(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = readOptions(ctx, req);
  const state = pathRest(req);
  if (state === '') throw badRequest('Missing check state');
  return answerChecks(ctx, req, reply, opts, opts.nodeMeta.length > 0 ? ['checks', 'nodes', 'services'] : ['checks', 'services'], (snap) =>
    checksInState(snap, state, opts.nodeMeta),
  );
}

/** /v1/health/service/:name, /connect/:name, /ingress/:name. */
function serviceNodes(kind: 'service' | 'connect' | 'ingress') {
  return async (ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const opts = readOptions(ctx, req);
    const name = pathRest(req);
    if (name === '') throw badRequest('Missing service name');
    const params = rawParams(req);
    const tags = params.get('tag');
    const keep = compileFilter(opts, CHECK_SERVICE_NODE_SCHEMA);
    const near = nearNode(ctx, opts);
    const read = async () => {
      const snap = await catalogSnapshot(ctx, req, { coordinates: near !== undefined });
      let list = serviceHealth(snap, name, { tags, nodeMeta: opts.nodeMeta, kind }).map(checkServiceNodeView);
      if (keep) list = list.filter(keep);
      return sortByDistance(list, (e) => e.Node.Node, near, snap.coordinates.map(decodeCoordinate));
    };
    // /health/service blocks on the service's own index; connect and ingress list other services (proxies, gateways).
    const { index, value } =
      kind === 'service'
        ? await serviceBlockingQuery(ctx, req, opts, name, read)
        : await blockingQuery(ctx, req, opts, HEALTH_TABLES, indexedRead(ctx, HEALTH_TABLES, read));
    setQueryMeta(ctx, reply, opts, index);
    setAgentCacheMeta(ctx, req, reply);
    // Consul parses ?passing after running the query (so a bad value still carries the meta headers).
    let passing = false;
    if (params.has('passing')) {
      const raw = params.get('passing')![0] ?? '';
      const parsed = raw === '' ? true : parseGoBool(raw);
      if (parsed === undefined) throw badRequest('Invalid value for ?passing');
      passing = parsed;
    }
    return reply.send(JSON.stringify(passing ? filterNonPassing(value) : value));
  };
}

export const healthRoutes: ConsulRoute = (app, ctx) => {
  route(app, ctx, 'GET', '/v1/health/node/*', nodeChecks);
  route(app, ctx, 'GET', '/v1/health/checks/*', serviceChecks);
  route(app, ctx, 'GET', '/v1/health/state/*', checksByState);
  route(app, ctx, 'GET', '/v1/health/service/*', serviceNodes('service'));
  route(app, ctx, 'GET', '/v1/health/connect/*', serviceNodes('connect'));
  route(app, ctx, 'GET', '/v1/health/ingress/*', serviceNodes('ingress'));
};
