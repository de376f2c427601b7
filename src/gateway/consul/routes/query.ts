// /v1/query: Consul's prepared queries — create (POST /v1/query), list (GET /v1/query), read /
// update / delete one (GET / PUT / DELETE /v1/query/:id), execute and explain by ID or name
// (GET /v1/query/:idOrName/execute|explain). The semantics live in compat/prepared-queries.ts; this
// file maps HTTP to it and its failures to Consul's statuses and bodies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { catalogQuerySource } from '../../../compat/query-catalog-source.js';
import { PreparedQueryError } from '../../../compat/query-errors.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError } from '../http-error.js';
import { blockingQuery, parseQueryOptions, setQueryMeta, type QueryOptions } from '../query-options.js';

/**
 * What a blocking list or get waits on: the queries, and the sessions (a query bound to a session
 * goes with it, which compat notices on the next read).
 */
const QUERY_TABLES = ['prepared-queries', 'sessions'] as const;

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const;

/** Consul's MethodNotAllowedError: 405, the method named in the body, the allowed ones in Allow. */
function methodNotAllowed(reply: FastifyReply, method: string, allow: string[]): ConsulHttpError {
  void reply.header('Allow', allow.join(','));
  return new ConsulHttpError(405, `method ${method} not allowed`);
}

/** The HTTP face of a prepared-query failure. */
function toHttpError(err: unknown): unknown {
  if (!(err instanceof PreparedQueryError)) return err;
  switch (err.kind) {
    case 'decode':
      return new ConsulHttpError(400, `Request decode failed: ${err.message}`);
    case 'not-found':
      return new ConsulHttpError(404, err.message);
    case 'rejected':
      return new ConsulHttpError(500, err.message);
  }
}

/** ?dc naming another datacenter: this agent knows no path there (Consul's structs.ErrNoDCPath). */
function checkDatacenter(ctx: ConsulContext, dc: string | undefined): void {
  if (dc && dc !== ctx.agent.datacenter) throw new ConsulHttpError(500, 'No path to datacenter');
}

/** ?limit, parsed as Go's strconv.Atoi. */
function parseLimit(req: FastifyRequest): number {
  const raw = (req.query as Record<string, string | string[] | undefined>).limit;
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text === '') return 0;
  if (!/^[+-]?\d+$/.test(text)) throw new ConsulHttpError(500, `Bad limit: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

/** The QueryMeta fields Consul's execute and explain answers carry in their JSON body. */
function queryMetaBody(opts: QueryOptions): Record<string, unknown> {
  return {
    Index: 0,
    LastContact: 0,
    KnownLeader: true,
    ConsistencyLevel: opts.consistency,
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: false,
  };
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHttpError(err);
  }
}

export function queryRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  const queries = ctx.core.queries;
  // ?stale reads this member's own copy of the catalog, as Consul's stale queries do.
  const staleCatalog = catalogQuerySource(ctx.core.catalog, ctx.core.backend);

  app.route({
    method: [...ALL_METHODS],
    url: '/v1/query',
    handler: async (req, reply) => {
      switch (req.method) {
        case 'POST': {
          checkDatacenter(ctx, (req.query as Record<string, string | undefined>).dc);
          const id = await run(() => queries.create(req.body as Buffer | undefined));
          return { ID: id };
        }
        case 'GET': {
          const opts = parseQueryOptions(req);
          checkDatacenter(ctx, opts.dc);
          const answer = await run(() =>
            blockingQuery(ctx, req, opts, QUERY_TABLES, async () => {
              // The index before the data: an answer never claims an index its data does not hold.
              const index = queries.index();
              return { index, value: await queries.list(opts.consistency === 'stale') };
            }),
          );
          setQueryMeta(ctx, reply, opts, answer.index);
          return answer.value;
        }
        case 'OPTIONS':
          void reply.header('Allow', 'OPTIONS,GET,POST');
          return reply.send();
        default:
          throw methodNotAllowed(reply, req.method, ['GET', 'POST']);
      }
    },
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/v1/query/*',
    handler: async (req, reply) => {
      const path = (req.params as { '*': string })['*'];
      if (path.endsWith('/execute') || path.endsWith('/explain')) {
        const execute = path.endsWith('/execute');
        if (req.method === 'OPTIONS') {
          void reply.header('Allow', 'OPTIONS,GET');
          return reply.send();
        }
        if (req.method !== 'GET') throw methodNotAllowed(reply, req.method, ['GET']);
        const idOrName = path.slice(0, -'/execute'.length);
        const opts = parseQueryOptions(req);
        checkDatacenter(ctx, opts.dc);
        const limit = parseLimit(req);
        if (execute) {
          const connect = (req.query as Record<string, unknown>).connect !== undefined;
          const result = await run(() =>
            queries.execute(idOrName, {
              limit,
              agentNode: ctx.agent.nodeName,
              connect,
              sourceIp: req.ip,
              ...(opts.near ? { near: opts.near } : {}),
              ...(opts.consistency === 'stale' ? { stale: true, catalog: staleCatalog } : {}),
            }),
          );
          setQueryMeta(ctx, reply, opts, 0);
          return {
            Service: result.Service,
            Nodes: result.Nodes,
            DNS: result.DNS,
            Datacenter: result.Datacenter,
            PeerName: result.PeerName,
            Failovers: result.Failovers,
            ...queryMetaBody(opts),
          };
        }
        const query = await run(() => queries.explain(idOrName, opts.consistency === 'stale'));
        setQueryMeta(ctx, reply, opts, 0);
        return { Query: query, ...queryMetaBody(opts) };
      }

      const id = path;
      switch (req.method) {
        case 'GET': {
          const opts = parseQueryOptions(req);
          checkDatacenter(ctx, opts.dc);
          const answer = await run(() =>
            blockingQuery(ctx, req, opts, QUERY_TABLES, async () => {
              const index = queries.index();
              return { index, value: [await queries.get(id, opts.consistency === 'stale')] };
            }),
          );
          setQueryMeta(ctx, reply, opts, answer.index);
          return answer.value;
        }
        case 'PUT': {
          checkDatacenter(ctx, (req.query as Record<string, string | undefined>).dc);
          await run(() => queries.update(id, req.body as Buffer | undefined));
          return reply.send();
        }
        case 'DELETE': {
          checkDatacenter(ctx, (req.query as Record<string, string | undefined>).dc);
          await run(() => queries.delete(id));
          return reply.send();
        }
        case 'OPTIONS':
          void reply.header('Allow', 'OPTIONS,GET,PUT,DELETE');
          return reply.send();
        default:
          throw methodNotAllowed(reply, req.method, ['GET', 'PUT', 'DELETE']);
      }
    },
  });
}
