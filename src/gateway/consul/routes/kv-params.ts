// Query-string helpers the KV, txn and session routes share, answering bad input with the exact
// text Consul's Go handlers produce (they parse with strconv and url.Values).
import type { FastifyRequest } from 'fastify';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError } from '../http-error.js';

/** The raw query as Go's url.Values sees it: every value of every name, in order. */
export function rawParams(req: FastifyRequest): Map<string, string[]> {
  const url = req.raw.url ?? '';
  const qi = url.indexOf('?');
  const out = new Map<string, string[]>();
  if (qi < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(qi + 1))) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** Go's url.QueryEscape. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Go's url.Values.Encode(): names sorted, values in order, query-escaped. */
export function goEncodeParams(params: Map<string, string[]>): string {
  const parts: string[] = [];
  for (const k of [...params.keys()].sort()) {
    for (const v of params.get(k)!) parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
  }
  return parts.join('&');
}

/** Consul's conflictingFlags: more than one of `flags` present -> 400 "Conflicting flags: <query>\n". */
export function rejectConflictingFlags(params: Map<string, string[]>, ...flags: string[]): void {
  if (flags.filter((f) => params.has(f)).length > 1) throw new ConsulHttpError(400, `Conflicting flags: ${goEncodeParams(params)}\n`);
}

/** strconv.ParseUint(s, 10, 64), failing with Go's error text (Consul returns it as a 500). */
export function parseUint64(s: string): bigint {
  if (!/^\d+$/.test(s)) throw new ConsulHttpError(500, `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v >= 1n << 64n) throw new ConsulHttpError(500, `strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
}

/** ?dc naming another datacenter: this agent knows no other (no WAN federation), as Consul answers then. */
export function requireLocalDatacenter(ctx: ConsulContext, dc: string | undefined): void {
  if (dc && dc !== ctx.agent.datacenter) throw new ConsulHttpError(500, 'No path to datacenter');
}

export function firstParam(params: Map<string, string[]>, name: string): string {
  return params.get(name)?.[0] ?? '';
}
