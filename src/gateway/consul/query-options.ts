// Consul's query options and response meta (every read endpoint): ?dc, ?stale / ?consistent /
// ?leader, ?index + ?wait (blocking), ?filter, ?near, ?node-meta; and the X-Consul-Index,
// X-Consul-KnownLeader, X-Consul-LastContact, X-Consul-Effective-Consistency headers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Table } from '../../compat/system-keys.js';
import type { ConsulContext } from './context.js';
import { badRequest } from './http-error.js';

export type Consistency = 'leader' | 'stale' | 'consistent';

export interface QueryOptions {
  dc?: string;
  consistency: Consistency;
  /** 0 = not blocking. */
  index: number;
  /** Milliseconds the query may block, jitter included (only meaningful when index > 0). */
  waitMs: number;
  filter?: string;
  near?: string;
  nodeMeta: Array<[string, string]>;
  hash?: string;
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds (undefined when invalid): "10s", "1m30s", "9.98s", "15000ms", "0". */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}

type Query = Record<string, string | string[] | undefined>;

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parseQueryOptions(req: FastifyRequest): QueryOptions {
  const q = req.query as Query;
  const stale = q.stale !== undefined;
  const consistent = q.consistent !== undefined;
  if (stale && consistent) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  if (q.cached !== undefined && consistent) throw badRequest('Cannot specify ?cached with ?consistent, conflicting semantics.');
  let index = 0;
  const rawIndex = one(q, 'index');
  if (rawIndex !== undefined && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex)) throw badRequest('Invalid index');
    index = Number(rawIndex);
  }
  let waitMs = DEFAULT_WAIT_MS;
  const rawWait = one(q, 'wait');
  if (rawWait !== undefined && rawWait !== '') {
    const w = parseGoDuration(rawWait);
    if (w === undefined) throw badRequest('Invalid wait time');
    waitMs = w;
  }
  if (waitMs > MAX_WAIT_MS || waitMs <= 0) waitMs = waitMs <= 0 ? DEFAULT_WAIT_MS : MAX_WAIT_MS;
  // Consul adds up to wait/16 of random jitter so many clients do not return at once.
  waitMs += Math.floor(Math.random() * (waitMs / 16));
  const metaRaw = q['node-meta'];
  const nodeMeta: Array<[string, string]> = [];
  for (const kv of Array.isArray(metaRaw) ? metaRaw : metaRaw !== undefined ? [metaRaw] : []) {
    const i = kv.indexOf(':');
    nodeMeta.push(i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)]);
  }
  const opts: QueryOptions = { consistency: stale ? 'stale' : consistent ? 'consistent' : 'leader', index, waitMs, nodeMeta };
  const dc = one(q, 'dc');
  if (dc) opts.dc = dc;
  const filter = one(q, 'filter');
  if (filter) opts.filter = filter;
  const near = one(q, 'near');
  if (near) opts.near = near;
  const hash = one(q, 'hash');
  if (hash) opts.hash = hash;
  return opts;
}

/** The meta headers every read answer carries (X-Consul-Index is never 0). */
export function setQueryMeta(ctx: ConsulContext, reply: FastifyReply, opts: QueryOptions, index: number): void {
  reply.header('X-Consul-Index', String(Math.max(1, index)));
  setLeaderMeta(ctx, reply, opts.consistency);
}

/** X-Consul-KnownLeader, X-Consul-LastContact (always sent: the Go client stops parsing at a missing one) and X-Consul-Effective-Consistency. */
export function setLeaderMeta(ctx: ConsulContext, reply: FastifyReply, consistency: Consistency): void {
  const header = ctx.core.backend.header();
  void header;
  reply.header('X-Consul-Effective-Consistency', consistency);
  reply.header('X-Consul-KnownLeader', 'true');
  reply.header('X-Consul-LastContact', '0');
}

/**
 * Consul's blocking query: runs `query`; when the request carries an index and the answer's index
 * is not past it, waits for a change of `tables` (or the wait time) and runs it again, until the
 * index moves or the time is up. Returns the last answer.
 */
export async function blockingQuery<T>(
  ctx: ConsulContext,
  req: FastifyRequest,
  opts: QueryOptions,
  tables: readonly Table[],
  query: () => Promise<{ index: number; value: T }>,
): Promise<{ index: number; value: T }> {
  // The tables' index before each run: the next wait is for a change past it, so a change to the
  // table that does not move this answer's index (another key, say) does not spin the loop.
  let seen = ctx.core.tracker.maxIndex(tables);
  let answer = await query();
  if (opts.index === 0) return answer;
  const deadline = Date.now() + opts.waitMs;
  const abort = new AbortController();
  const onClose = () => abort.abort();
  req.raw.socket?.once('close', onClose);
  try {
    while (answer.index <= opts.index && !abort.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await ctx.core.tracker.waitForChange(tables, Math.max(opts.index, seen), left, abort.signal);
      seen = ctx.core.tracker.maxIndex(tables);
      answer = await query();
      if (Date.now() >= deadline) break;
    }
  } finally {
    req.raw.socket?.off('close', onClose);
  }
  return answer;
}
