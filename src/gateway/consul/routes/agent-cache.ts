// Consul's agent cache as a client sees it on ?cached reads (catalog/services, catalog/service,
// catalog/connect, health/service, health/connect, health/ingress): the first read of a query is
// a MISS, later ones are HITs. Those cache types refresh in the background, so a hit is never
// stale (Age 0) — and here every answer is read fresh from the store anyway, so only the headers
// say "cache".
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsulContext } from '../context.js';
import { rawParams } from './kv-params.js';

/** Query parameters that do not make a different cache entry (blocking and the cache flag itself). */
const NOT_PART_OF_KEY = new Set(['index', 'wait', 'cached', 'stale', 'consistent', 'leader']);
/** Bound on remembered queries, so a client sending endless distinct queries cannot grow memory. */
const MAX_ENTRIES = 10_000;

const seenByCore = new WeakMap<object, Set<string>>();

function cacheKey(req: FastifyRequest): string {
  const path = (req.raw.url ?? '').split('?')[0] ?? '';
  const params = [...rawParams(req).entries()].filter(([k]) => !NOT_PART_OF_KEY.has(k)).sort(([a], [b]) => (a < b ? -1 : 1));
  return `${path}?${JSON.stringify(params)}`;
}

/** Sets X-Cache (and Age on a hit) when the request asked for ?cached. */
export function setAgentCacheMeta(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply): void {
  if (!rawParams(req).has('cached')) return;
  let seen = seenByCore.get(ctx.core);
  if (!seen) seenByCore.set(ctx.core, (seen = new Set()));
  const key = cacheKey(req);
  if (seen.has(key)) {
    reply.header('X-Cache', 'HIT');
    reply.header('Age', '0');
    return;
  }
  if (seen.size >= MAX_ENTRIES) seen.clear();
  seen.add(key);
  reply.header('X-Cache', 'MISS');
}
