// /v1/coordinate/...: datacenters, nodes, node/:node (blocking), PUT update — Consul's shapes
// and texts (agent/coordinate_endpoint.go).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BodyFields, CatalogDecodeError } from '../../../compat/catalog-decode.js';
import { type Coord, CoordinateError, defaultCoord } from '../../../compat/coordinates.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import { blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import { indexedRead, jsonBody, pathRest, route } from './catalog-common.js';
import type { ConsulRoute } from './index.js';
import { requireLocalDatacenter } from './kv-params.js';

function decodeCoord(raw: unknown): Coord | null {
  if (raw === undefined || raw === null) return null;
  const f = BodyFields.of(raw, 'Coordinate');
  const vec = f.raw('Vec');
  if (vec !== undefined && (!Array.isArray(vec) || vec.some((x) => typeof x !== 'number'))) {
    throw new CatalogDecodeError('json: cannot unmarshal into Go struct field Coordinate.Vec of type []float64');
  }
  const num = (name: string): number => {
    const v = f.raw(name);
    if (v === undefined) return 0;
    if (typeof v !== 'number') throw new CatalogDecodeError(`json: cannot unmarshal ${typeof v} into Go struct field Coordinate.${name} of type float64`);
    return v;
  };
  return { Vec: (vec as number[] | undefined) ?? [], Error: num('Error'), Adjustment: num('Adjustment'), Height: num('Height') };
}

async function update(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = jsonBody(req);
  try {
    const f = BodyFields.of(body, 'CoordinateUpdateRequest');
    requireLocalDatacenter(ctx, f.string('Datacenter') || undefined);
    await ctx.core.coordinates.update(f.string('Node'), f.string('Segment'), decodeCoord(f.raw('Coord')));
  } catch (err) {
    if (err instanceof CatalogDecodeError) throw badRequest(`Request decode failed: ${err.message}`);
    if (err instanceof CoordinateError) throw new ConsulHttpError(500, err.message);
    throw err;
  }
  return reply.header('Content-Type', 'text/plain; charset=utf-8').send('');
}

async function nodes(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  const { index, value } = await blockingQuery(ctx, req, opts, ['coordinates'], indexedRead(ctx, ['coordinates'], async () => (await ctx.core.coordinates.list()).entries));
  setQueryMeta(ctx, reply, opts, index);
  return reply.send(JSON.stringify(value));
}

async function node(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  const name = pathRest(req);
  if (name === '') throw badRequest('Missing node name');
  const { index, value } = await blockingQuery(ctx, req, opts, ['coordinates'], indexedRead(ctx, ['coordinates'], () => ctx.core.coordinates.ofNode(name)));
  setQueryMeta(ctx, reply, opts, index);
  if (value.length === 0) return reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('');
  return reply.send(JSON.stringify(value));
}

/**
 * The WAN pool's coordinates: this agent is the one server of the one datacenter it knows (no
 * federation), at the coordinate a fresh serf agent holds.
 */
async function datacenters(ctx: ConsulContext, _req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const dc = ctx.agent.datacenter;
  const coordinates = ctx.agent.server ? [{ Node: `${ctx.agent.nodeName}.${dc}`, Coord: defaultCoord() }] : [];
  return reply.send(JSON.stringify([{ Datacenter: dc, AreaID: 'WAN', Coordinates: coordinates }]));
}

export const coordinateRoutes: ConsulRoute = (app, ctx) => {
  route(app, ctx, 'GET', '/v1/coordinate/datacenters', datacenters);
  route(app, ctx, 'GET', '/v1/coordinate/nodes', nodes);
  route(app, ctx, 'GET', '/v1/coordinate/node/*', node);
  route(app, ctx, 'PUT', '/v1/coordinate/update', update);
};
