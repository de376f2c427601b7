// /v1/session/*: create, destroy, renew (PUT); info, node, list (GET, blocking on the sessions
// table). Bodies decode as Consul's do (case-insensitive names; LockDelay as a Go duration string
// or a number, values under 1000 meaning seconds; "Checks" present replaces the default
// serfHealth binding), and refusals carry Consul's texts (agent/session_endpoint.go and the
// server's Session.Apply, whose errors come back as 500s).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fieldOf, isObject, JsonSyntaxError, jsonTypeName, parseJsonLossless } from '../../../compat/kv-json.js';
import type { ServiceCheckRef } from '../../../compat/session-record.js';
import { sessionView, type StoredSession } from '../../../compat/session-record.js';
import { SessionError, type SessionCreateRequest } from '../../../compat/sessions.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError } from '../http-error.js';
import { blockingQuery, parseGoDuration, parseQueryOptions, setQueryMeta } from '../query-options.js';
import type { ConsulRoute } from './index.js';
import { requireLocalDatacenter } from './kv-params.js';

/** Consul's lockDelayMinThreshold: a LockDelay below 1000 (ns) is taken as seconds. */
const LOCK_DELAY_MIN_THRESHOLD_NS = 1000;
const DEFAULT_LOCK_DELAY_NS = 15e9;
const SERF_CHECK_ID = 'serfHealth';

function decodeFailed(msg: string): ConsulHttpError {
  return new ConsulHttpError(400, `Request decode failed: ${msg}`);
}

function stringField(obj: Record<string, unknown>, name: string): string | undefined {
  const v = fieldOf(obj, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw decodeFailed(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field Session.${name} of type string`);
  return v;
}

function stringList(obj: Record<string, unknown>, name: string): string[] | undefined {
  const v = fieldOf(obj, name);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw decodeFailed(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field Session.${name} of type []types.CheckID`);
  }
  return v as string[];
}

/** The create request with Consul's defaults (this agent's node, serfHealth, 15s lock-delay, release). */
export function decodeSessionCreate(body: Buffer, agentNode: string): SessionCreateRequest {
  const req: SessionCreateRequest = { Name: '', Node: agentNode, NodeChecks: null, ServiceChecks: null, LockDelay: DEFAULT_LOCK_DELAY_NS, Behavior: '', TTL: '' };
  // Consul's default binding is the legacy Checks field = [serfHealth]; a "Checks" key replaces
  // it, and it becomes NodeChecks unless the body names NodeChecks itself (even as []).
  let legacyChecks: string[] = [SERF_CHECK_ID];
  if (body.length === 0) {
    req.NodeChecks = legacyChecks;
    return req;
  }
  let raw: unknown;
  try {
    raw = parseJsonLossless(body.toString('utf8'));
  } catch (err) {
    throw decodeFailed(err instanceof JsonSyntaxError ? err.message : String(err));
  }
  if (!isObject(raw)) throw decodeFailed(`json: cannot unmarshal ${jsonTypeName(raw)} into Go value of type structs.Session`);
  req.Name = stringField(raw, 'Name') ?? '';
  req.Node = stringField(raw, 'Node') ?? agentNode;
  req.Behavior = stringField(raw, 'Behavior') ?? '';
  req.TTL = stringField(raw, 'TTL') ?? '';
  if (Object.keys(raw).some((k) => k.toLowerCase() === 'checks')) legacyChecks = stringList(raw, 'Checks') ?? [];
  req.NodeChecks = stringList(raw, 'NodeChecks') ?? legacyChecks;
  const svc = fieldOf(raw, 'ServiceChecks');
  if (svc !== undefined && svc !== null) {
    if (!Array.isArray(svc)) throw decodeFailed(`json: cannot unmarshal ${jsonTypeName(svc)} into Go struct field Session.ServiceChecks of type []structs.ServiceCheck`);
    req.ServiceChecks = svc.map((c): ServiceCheckRef => {
      if (!isObject(c)) throw decodeFailed(`json: cannot unmarshal ${jsonTypeName(c)} into Go struct field Session.ServiceChecks of type structs.ServiceCheck`);
      return { ID: String(fieldOf(c, 'ID') ?? ''), Namespace: String(fieldOf(c, 'Namespace') ?? '') };
    });
  }
  const ld = fieldOf(raw, 'LockDelay');
  if (ld !== undefined && ld !== null) {
    let ns: number;
    if (typeof ld === 'string') {
      const ms = parseGoDuration(ld);
      if (ms === undefined) throw decodeFailed(`time: invalid duration ${JSON.stringify(ld)}`);
      ns = Math.round(ms * 1e6);
    } else if (typeof ld === 'number') {
      ns = Math.trunc(ld);
    } else {
      throw decodeFailed(`json: cannot unmarshal ${jsonTypeName(ld)} into Go struct field Session.LockDelay of type time.Duration`);
    }
    req.LockDelay = ns < LOCK_DELAY_MIN_THRESHOLD_NS ? ns * 1e9 : ns;
  }
  return req;
}

/** session_ttl_min of the agent's configuration (Consul's default 10s). */
function ttlMinMs(ctx: ConsulContext): number {
  const v = ctx.agent.config['session_ttl_min'];
  if (typeof v === 'string') return parseGoDuration(v) ?? 10_000;
  if (typeof v === 'number') return v / 1e6;
  return 10_000;
}

function sessionsJson(list: readonly StoredSession[]): string {
  return JSON.stringify(list.map(sessionView));
}

function pathRest(req: FastifyRequest): string {
  return (req.params as { '*'?: string })['*'] ?? '';
}

function requireMethod(req: FastifyRequest, method: 'GET' | 'PUT'): void {
  if (req.method !== method) throw new ConsulHttpError(405, `method ${req.method} not allowed`);
}

function asHttpError(err: unknown): never {
  if (err instanceof SessionError) throw new ConsulHttpError(500, err.message);
  throw err;
}

export const sessionRoutes: ConsulRoute = (app, ctx) => {
  const sessions = () => ctx.core.sessions;

  app.all('/v1/session/create', async (req, reply) => {
    requireMethod(req, 'PUT');
    const opts = parseQueryOptions(req);
    requireLocalDatacenter(ctx, opts.dc);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const create = decodeSessionCreate(body, ctx.agent.nodeName);
    const id = await sessions().create(create, ttlMinMs(ctx), parseGoDuration).catch(asHttpError);
    return reply.send(JSON.stringify({ ID: id }));
  });

  app.all('/v1/session/destroy/*', async (req, reply) => {
    requireMethod(req, 'PUT');
    requireLocalDatacenter(ctx, parseQueryOptions(req).dc);
    const id = pathRest(req);
    if (!id) throw new ConsulHttpError(400, 'Missing session');
    await sessions().destroy(id).catch(asHttpError);
    return reply.send('true');
  });

  app.all('/v1/session/renew/*', async (req, reply) => {
    requireMethod(req, 'PUT');
    requireLocalDatacenter(ctx, parseQueryOptions(req).dc);
    const id = pathRest(req);
    if (!id) throw new ConsulHttpError(400, 'Missing session');
    const s = await sessions().renew(id);
    if (!s) throw new ConsulHttpError(404, `Session id '${id}' not found`);
    return reply.send(sessionsJson([s]));
  });

  const read = (path: string, missing: string | undefined, run: (arg: string, linearizable: boolean) => ReturnType<ReturnType<typeof sessions>['list']>) =>
    app.all(path, async (req: FastifyRequest, reply: FastifyReply) => {
      requireMethod(req, 'GET');
      const opts = parseQueryOptions(req);
      requireLocalDatacenter(ctx, opts.dc);
      const arg = missing === undefined ? '' : pathRest(req);
      if (missing !== undefined && !arg) throw new ConsulHttpError(400, missing);
      const { index, value } = await blockingQuery(ctx, req, opts, ['sessions'], () => run(arg, opts.consistency === 'consistent'));
      setQueryMeta(ctx, reply, opts, index);
      return reply.send(sessionsJson(value));
    });
  read('/v1/session/info/*', 'Missing session', (id, lin) => sessions().info(id, lin));
  read('/v1/session/node/*', 'Missing node name', (node, lin) => sessions().forNode(node, lin));
  read('/v1/session/list', undefined, (_a, lin) => sessions().list(lin));
};
