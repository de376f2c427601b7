// /v1/event/fire/:name (PUT; body = payload; ?node, ?service, ?tag filters) and /v1/event/list
// (?name; blocking with Consul's own rule for events: the index is derived from the newest
// event's UUID, is not monotonic, and a request blocks only while the index is exactly the one it
// sent) — agent/event_endpoint.go.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventError, acceptedBy, eventListIndex } from '../../../compat/events.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import { parseQueryOptions } from '../query-options.js';
import { pathRest, route } from './catalog-common.js';
import type { ConsulRoute } from './index.js';
import { firstParam, rawParams, requireLocalDatacenter } from './kv-params.js';

async function fire(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const params = rawParams(req);
  requireLocalDatacenter(ctx, firstParam(params, 'dc') || undefined);
  const name = pathRest(req);
  if (name === '') throw badRequest('Missing name');
  const payload = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  try {
    const event = await ctx.core.events.fire({
      name,
      payload,
      nodeFilter: firstParam(params, 'node'),
      serviceFilter: firstParam(params, 'service'),
      tagFilter: firstParam(params, 'tag'),
    });
    return reply.send(JSON.stringify(event));
  } catch (err) {
    if (err instanceof EventError) throw new ConsulHttpError(500, err.message);
    throw err;
  }
}

/**
 * `consul exec`'s event. A Consul agent handles it internally (remote exec, disabled by default, as
 * here: dcsgw runs no remote commands) and never adds it to the event buffer that the list shows.
 */
const REMOTE_EXEC_EVENT = '_rexec';

async function list(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parseQueryOptions(req);
  const params = rawParams(req);
  const nameFilter = firstParam(params, 'name');
  const rawIndex = firstParam(params, 'index');
  const wanted = /^\d+$/.test(rawIndex) ? BigInt(rawIndex) : 0n;
  const deadline = Date.now() + opts.waitMs;
  const abort = new AbortController();
  const onClose = () => abort.abort();
  req.raw.socket?.once('close', onClose);
  try {
    for (;;) {
      const seen = ctx.core.tracker.index('events');
      const services = await ctx.core.catalog.nodeServices(ctx.agent.nodeName);
      const audience = { nodeName: ctx.agent.nodeName, services: services.map((s) => ({ ID: s.value.ID, Tags: s.value.Tags })) };
      const events = (await ctx.core.events.list()).filter((e) => e.Name !== REMOTE_EXEC_EVENT && acceptedBy(e, audience) && (nameFilter === '' || e.Name === nameFilter));
      const index = eventListIndex(events);
      const left = deadline - Date.now();
      if (wanted > 0n && index === wanted && left > 0 && !abort.signal.aborted) {
        await ctx.core.tracker.waitForChange(['events'], seen, left, abort.signal);
        if (Date.now() < deadline && !abort.signal.aborted) continue;
      }
      reply.header('X-Consul-Index', index.toString());
      return reply.send(JSON.stringify(events));
    }
  } finally {
    req.raw.socket?.off('close', onClose);
  }
}

export const eventRoutes: ConsulRoute = (app, ctx) => {
  route(app, ctx, 'PUT', '/v1/event/fire/*', fire);
  route(app, ctx, 'GET', '/v1/event/list', list);
};
