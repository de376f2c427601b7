// ACL enforcement for every endpoint of the Consul HTTP face, as one pair of hooks: before a
// handler runs, the request's token is resolved (?token=, X-Consul-Token, Authorization: Bearer,
// else the agent's default token, else anonymous) and the permission the endpoint needs is checked
// (Consul's 403 "Permission denied: ..." or "ACL not found"); after it, list answers are filtered
// to what the token may read (X-Consul-Results-Filtered-By-ACLs), as Consul's ACL filter does.
// What each endpoint needs is Consul's (agent/*_endpoint.go and agent/consul/*_endpoint.go).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity } from '../../compat/acl/store.js';
import { AclError, type AclStore } from '../../compat/acl/store.js';
import type { Needed, Resource } from '../../compat/acl/authorizer.js';
import { ANONYMOUS_ACCESSOR_ID, ANONYMOUS_SECRET_ID } from '../../compat/acl/model.js';
import type { ConsulContext } from './context.js';
import { ConsulHttpError } from './http-error.js';
import { indentJson } from './pretty-json.js';
import { parseJsonLossless, stringifyWithBigints } from '../../compat/kv-json.js';

const identities = new WeakMap<FastifyRequest, Identity>();

/** The identity the enforcement hook resolved for a request (undefined with ACLs off or on exempt endpoints). */
export function identityOf(req: FastifyRequest): Identity | undefined {
  return identities.get(req);
}

/** The token a request carries, in Consul's order; '' when it carries none. */
export function requestToken(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  if (q >= 0) {
    const t = new URLSearchParams(req.url.slice(q + 1)).get('token');
    if (t) return t;
  }
  const header = req.headers['x-consul-token'];
  const h = Array.isArray(header) ? header[0] : header;
  if (h) return h;
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  return '';
}

/** Resolves a request's token to an identity (the agent's default token, then anonymous, when it names none). */
export async function resolveRequest(store: AclStore, req: FastifyRequest): Promise<Identity> {
  await store.ensureInitialized();
  const own = requestToken(req);
  const secret = own || store.agentTokens.default || ANONYMOUS_SECRET_ID;
  return store.resolve(secret, own !== '');
}

/** Consul's text for a refused permission. */
export function permissionDenied(id: Identity, resource: Resource | 'key', needed: Needed, name?: string): ConsulHttpError {
  let who: string;
  if (id.accessorId === '') who = 'provided token';
  else if (id.accessorId === ANONYMOUS_ACCESSOR_ID) who = 'anonymous token';
  else who = `token with AccessorID '${id.accessorId}'`;
  let text = `Permission denied: ${who} lacks permission '${resource}:${needed}'`;
  if (name !== undefined && name !== '') text += ` on ${JSON.stringify(name)}`;
  if (id.accessorId === ANONYMOUS_ACCESSOR_ID) text += '. The anonymous token is used implicitly when a request does not specify a token.';
  return new ConsulHttpError(403, text);
}

export function demand(id: Identity, resource: Resource, needed: Needed, name = ''): void {
  if (!id.authorizer.allowed(resource, needed, name)) throw permissionDenied(id, resource, needed, name === '' ? undefined : name);
}

// ---- request bodies (raw buffers; Consul decodes field names case-insensitively) ----

function jsonBody(req: FastifyRequest): unknown {
  const b = req.body;
  if (!Buffer.isBuffer(b) || b.length === 0) return undefined;
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined; // the handler answers the decode error
  }
}

function field(o: unknown, name: string): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0]!;
}

function rest(path: string, prefix: string): string {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    return path.slice(prefix.length);
  }
}

function hasParam(req: FastifyRequest, name: string): boolean {
  const q = req.url.indexOf('?');
  return q >= 0 && new URLSearchParams(req.url.slice(q + 1)).has(name);
}

/** Endpoints Consul answers without an ACL check. */
function exempt(path: string): boolean {
  return (
    path.startsWith('/v1/acl/') ||
    path === '/v1/internal/acl/authorize' ||
    path.startsWith('/v1/status/') ||
    path === '/v1/catalog/datacenters' ||
    path === '/v1/coordinate/datacenters' ||
    path.startsWith('/v1/connect/') ||
    path.startsWith('/v1/agent/connect/') ||
    path.startsWith('/ui') ||
    !path.startsWith('/v1/')
  );
}

// ---- what each endpoint needs before it runs ----

async function checkBefore(ctx: ConsulContext, store: AclStore, req: FastifyRequest, id: Identity): Promise<void> {
  const path = pathOf(req);
  const method = req.method;
  const node = ctx.agent.nodeName;
  const az = id.authorizer;

  if (path.startsWith('/v1/kv/')) {
    const key = rest(path, '/v1/kv/');
    if (method === 'GET') {
      if (hasParam(req, 'recurse') || hasParam(req, 'keys')) {
        if (store.settings.enableKeyListPolicy) demand(id, 'key', 'list', key);
        return; // the answer is filtered
      }
      return demand(id, 'key', 'read', key);
    }
    if (method === 'DELETE' && hasParam(req, 'recurse')) {
      if (!az.keyWritePrefix(key)) throw permissionDenied(id, 'key', 'write', key);
      return;
    }
    return demand(id, 'key', 'write', key);
  }

  if (path === '/v1/txn') return checkTxn(req, id);

  if (path.startsWith('/v1/session/')) {
    if (path === '/v1/session/create') return demand(id, 'session', 'write', str(field(jsonBody(req), 'Node')) || node);
    for (const verb of ['destroy', 'renew']) {
      if (path.startsWith(`/v1/session/${verb}/`)) {
        const s = await ctx.core.sessions.get(rest(path, `/v1/session/${verb}/`));
        if (s) demand(id, 'session', 'write', s.record.Node);
        return;
      }
    }
    return; // info, node, list: filtered
  }

  if (path.startsWith('/v1/catalog/')) {
    if (path === '/v1/catalog/register') {
      const body = jsonBody(req);
      const nodeName = str(field(body, 'Node'));
      const svc = field(body, 'Service');
      if (svc !== undefined && svc !== null) demand(id, 'service', 'write', str(field(svc, 'Service')));
      const known = (await ctx.core.catalog.getNode(nodeName)) !== undefined;
      // Consul asks for node:write only when the registration creates or changes the node
      if (svc === undefined || svc === null || !known || field(body, 'SkipNodeUpdate') !== true) {
        if (!(svc !== undefined && svc !== null && known)) demand(id, 'node', 'write', nodeName);
      }
      const checks = [field(body, 'Check'), ...((field(body, 'Checks') as unknown[] | undefined) ?? [])].filter((c) => c !== undefined && c !== null);
      for (const c of checks) {
        const sid = str(field(c, 'ServiceID'));
        if (sid === '') demand(id, 'node', 'write', nodeName);
      }
      return;
    }
    if (path === '/v1/catalog/deregister') {
      const body = jsonBody(req);
      const nodeName = str(field(body, 'Node'));
      const serviceId = str(field(body, 'ServiceID'));
      if (serviceId !== '') {
        const svc = (await ctx.core.catalog.nodeServices(nodeName)).find((s) => s.value.ID === serviceId);
        return demand(id, 'service', 'write', svc ? svc.value.Service : serviceId);
      }
      return demand(id, 'node', 'write', nodeName);
    }
    return; // reads: filtered
  }

  if (path.startsWith('/v1/agent/')) return checkAgent(ctx, req, id, path, method, node);

  if (path.startsWith('/v1/event/fire/')) return demand(id, 'event', 'write', rest(path, '/v1/event/fire/'));

  // a query without a name has no ACL prefix: Consul checks nothing for it (its token protects it)
  const queryWrite = (name: string) => {
    if (name !== '') demand(id, 'query', 'write', name);
  };
  if (path === '/v1/query' && method === 'POST') return queryWrite(str(field(jsonBody(req), 'Name')));
  if (path.startsWith('/v1/query/') && (method === 'PUT' || method === 'DELETE') && path.split('/').length === 4) {
    const qid = rest(path, '/v1/query/');
    const existing = (await ctx.core.queries.list(true)).find((q) => q.ID === qid);
    if (existing) queryWrite(existing.Name);
    if (method === 'PUT') queryWrite(str(field(jsonBody(req), 'Name')));
    return;
  }

  if (path.startsWith('/v1/operator/')) {
    const resource: Resource = path.startsWith('/v1/operator/keyring') ? 'keyring' : 'operator';
    return demand(id, resource, method === 'GET' ? 'read' : 'write');
  }

  if (path === '/v1/coordinate/update') return demand(id, 'node', 'write', str(field(jsonBody(req), 'Node')));
  if (path.startsWith('/v1/coordinate/node/')) return demand(id, 'node', 'read', rest(path, '/v1/coordinate/node/'));

  if (path === '/v1/snapshot') {
    // Consul answers a bare "Permission denied" here (snapshots need acl = "write")
    if (!az.allowed('acl', 'write')) throw new ConsulHttpError(403, 'Permission denied');
    return;
  }
  if (path.startsWith('/v1/internal/ui/etcd/')) return demand(id, 'operator', 'read');
}

async function checkAgent(ctx: ConsulContext, req: FastifyRequest, id: Identity, path: string, method: string, node: string): Promise<void> {
  const local = ctx.runtime?.state;
  const serviceName = (sid: string): string => local?.services.get(sid)?.service.Service ?? sid;
  const checkTarget = (cid: string): void => {
    const c = local?.checks.get(cid)?.check;
    if (c && c.ServiceID) demand(id, 'service', 'write', serviceName(c.ServiceID));
    else demand(id, 'node', 'write', node);
  };
  // /v1/agent/version needs no token, as in Consul
  if (path === '/v1/agent/self' || path === '/v1/agent/metrics' || path === '/v1/agent/monitor') return demand(id, 'agent', 'read', node);
  if (path === '/v1/agent/host') return demand(id, 'operator', 'read');
  if (path === '/v1/agent/reload' || path === '/v1/agent/leave' || path.startsWith('/v1/agent/join/')) return demand(id, 'agent', 'write', node);
  if (path.startsWith('/v1/agent/force-leave/')) return demand(id, 'operator', 'write');
  if (path === '/v1/agent/maintenance') return demand(id, 'node', 'write', node);
  // Consul asks for agent:write on this agent (not acl:write) to set the agent's own tokens
  if (path.startsWith('/v1/agent/token/')) return demand(id, 'agent', 'write', node);
  if (path === '/v1/agent/service/register') {
    const body = jsonBody(req);
    return demand(id, 'service', 'write', str(field(body, 'Name')));
  }
  if (path.startsWith('/v1/agent/service/deregister/')) return demand(id, 'service', 'write', serviceName(rest(path, '/v1/agent/service/deregister/')));
  if (path.startsWith('/v1/agent/service/maintenance/')) return demand(id, 'service', 'write', serviceName(rest(path, '/v1/agent/service/maintenance/')));
  if (path === '/v1/agent/check/register') {
    const sid = str(field(jsonBody(req), 'ServiceID'));
    if (sid !== '') return demand(id, 'service', 'write', serviceName(sid));
    return demand(id, 'node', 'write', node);
  }
  for (const verb of ['deregister', 'pass', 'warn', 'fail', 'update']) {
    if (path.startsWith(`/v1/agent/check/${verb}/`)) return checkTarget(rest(path, `/v1/agent/check/${verb}/`));
  }
  if (path.startsWith('/v1/agent/health/service/name/')) return demand(id, 'service', 'read', rest(path, '/v1/agent/health/service/name/'));
  if (path.startsWith('/v1/agent/health/service/id/')) return demand(id, 'service', 'read', serviceName(rest(path, '/v1/agent/health/service/id/')));
  void method;
  // services, checks, members, service/:id: filtered after the handler
}

function checkTxn(req: FastifyRequest, id: Identity): void {
  const ops = jsonBody(req);
  if (!Array.isArray(ops)) return; // the handler answers the decode error
  const errors: Array<{ OpIndex: number; What: string }> = [];
  ops.forEach((op, i) => {
    try {
      const kv = field(op, 'KV');
      if (kv) {
        const verb = str(field(kv, 'Verb'));
        const key = str(field(kv, 'Key'));
        if (verb === 'delete-tree') {
          if (!id.authorizer.keyWritePrefix(key)) throw permissionDenied(id, 'key', 'write', key);
        } else if (verb === 'get' || verb === 'get-tree') {
          // reads are not refused: their results are filtered (filterAnswer), as Consul's txn does
        } else if (verb.startsWith('check-')) demand(id, 'key', 'read', key);
        else demand(id, 'key', 'write', key);
        return;
      }
      const nodeOp = field(op, 'Node');
      if (nodeOp) {
        const verb = str(field(nodeOp, 'Verb'));
        if (verb !== 'get') demand(id, 'node', 'write', str(field(field(nodeOp, 'Node'), 'Node')));
        return;
      }
      const svcOp = field(op, 'Service');
      if (svcOp) {
        const verb = str(field(svcOp, 'Verb'));
        if (verb !== 'get') demand(id, 'service', 'write', str(field(field(svcOp, 'Service'), 'Service')));
        return;
      }
      const checkOp = field(op, 'Check');
      if (checkOp) {
        const verb = str(field(checkOp, 'Verb'));
        const check = field(checkOp, 'Check');
        const svc = str(field(check, 'ServiceName'));
        if (verb === 'get') return;
        if (svc !== '') return demand(id, 'service', 'write', svc);
        return demand(id, 'node', 'write', str(field(check, 'Node')));
      }
    } catch (err) {
      if (err instanceof ConsulHttpError) errors.push({ OpIndex: i, What: err.body });
      else throw err;
    }
  });
  if (errors.length > 0) throw new TxnDenied(errors);
}

/** A transaction with refused operations: Consul rolls it back and answers 409 with the errors. */
class TxnDenied extends Error {
  constructor(readonly errors: Array<{ OpIndex: number; What: string }>) {
    super('txn denied');
  }
}

// ---- filtering what comes back ----

type Json = unknown;
interface Filtered {
  value: Json;
  removed: boolean;
}

function keep<T>(list: T[], ok: (x: T) => boolean): Filtered {
  const out = list.filter(ok);
  return { value: out, removed: out.length !== list.length };
}

function keepEntries(obj: Record<string, Json>, ok: (v: Json, k: string) => boolean): Filtered {
  const out: Record<string, Json> = {};
  let removed = false;
  for (const [k, v] of Object.entries(obj)) {
    if (ok(v, k)) out[k] = v;
    else removed = true;
  }
  return { value: out, removed };
}

function filterAnswer(path: string, body: Json, id: Identity): Filtered | 'deny' | 'not-found' | undefined {
  const az = id.authorizer;
  const nodeOk = (n: unknown) => az.allowed('node', 'read', str(n));
  const svcOk = (s: unknown) => az.allowed('service', 'read', str(s));
  const checkOk = (c: Json) => nodeOk(field(c, 'Node')) && (str(field(c, 'ServiceName')) === '' || svcOk(field(c, 'ServiceName')));
  const arr = Array.isArray(body) ? (body as Json[]) : undefined;
  const obj = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, Json>) : undefined;

  if (path === '/v1/txn' && obj && Array.isArray(field(obj, 'Results'))) {
    // results of reads the token may not see are left out (Consul's FilterTxnResults)
    const f = keep(field(obj, 'Results') as Json[], (r) => {
      const kv = field(r, 'KV');
      if (kv) return az.allowed('key', 'read', str(field(kv, 'Key')));
      const node = field(r, 'Node');
      if (node) return nodeOk(field(node, 'Node'));
      const svc = field(r, 'Service');
      if (svc) return svcOk(field(svc, 'Service'));
      const check = field(r, 'Check');
      if (check) return checkOk(check);
      return true;
    });
    return { value: { ...obj, Results: f.value }, removed: f.removed };
  }
  if (path.startsWith('/v1/kv/') && arr) {
    if (arr.every((e) => typeof e === 'string')) return keep(arr, (k) => az.allowed('key', 'read', str(k)));
    return keep(arr, (e) => az.allowed('key', 'read', str(field(e, 'Key'))));
  }
  if ((path === '/v1/catalog/nodes' || path === '/v1/coordinate/nodes' || path === '/v1/internal/ui/nodes') && arr) return keep(arr, (n) => nodeOk(field(n, 'Node')));
  if (path === '/v1/catalog/services' && obj) return keepEntries(obj, (_v, k) => svcOk(k));
  if (path === '/v1/internal/ui/services' && arr) return keep(arr, (s) => svcOk(field(s, 'Name')));
  if (path.startsWith('/v1/catalog/service/') && arr) return keep(arr, (s) => nodeOk(field(s, 'Node')) && svcOk(field(s, 'ServiceName')));
  if (path.startsWith('/v1/catalog/node/') && obj) {
    if (!nodeOk(field(field(obj, 'Node'), 'Node'))) return { value: null, removed: true };
    const services = field(obj, 'Services');
    if (services && typeof services === 'object' && !Array.isArray(services)) {
      const f = keepEntries(services as Record<string, Json>, (s) => svcOk(field(s, 'Service')));
      return { value: { ...obj, Services: f.value }, removed: f.removed };
    }
    return undefined;
  }
  // the UI's node page of a node the token may not read is Consul's empty 404
  if (path.startsWith('/v1/internal/ui/node/') && obj) return nodeOk(field(obj, 'Node')) ? undefined : 'not-found';
  if (path.startsWith('/v1/catalog/node-services/') && obj) {
    if (!nodeOk(field(field(obj, 'Node'), 'Node'))) return { value: null, removed: true };
    const services = field(obj, 'Services');
    if (Array.isArray(services)) {
      const f = keep(services as Json[], (s) => svcOk(field(s, 'Service')));
      return { value: { ...obj, Services: f.value }, removed: f.removed };
    }
    return undefined;
  }
  if (path.startsWith('/v1/health/service/') && arr) return keep(arr, (e) => nodeOk(field(field(e, 'Node'), 'Node')) && svcOk(field(field(e, 'Service'), 'Service')));
  if ((path.startsWith('/v1/health/node/') || path.startsWith('/v1/health/checks/') || path.startsWith('/v1/health/state/')) && arr) return keep(arr, checkOk);
  if (path === '/v1/agent/services' && obj) return keepEntries(obj, (s) => svcOk(field(s, 'Service')));
  if (path === '/v1/agent/checks' && obj) return keepEntries(obj, checkOk);
  if (path === '/v1/agent/members' && arr) return keep(arr, (m) => nodeOk(field(m, 'Name')));
  if (path.startsWith('/v1/agent/service/') && !path.startsWith('/v1/agent/service/register') && obj) {
    return svcOk(field(obj, 'Service')) ? undefined : 'deny';
  }
  if (path.startsWith('/v1/session/') && arr) return keep(arr, (s) => az.allowed('session', 'read', str(field(s, 'Node'))));
  if (path === '/v1/event/list' && arr) return keep(arr, (e) => az.allowed('event', 'read', str(field(e, 'Name'))));
  if (path.startsWith('/v1/coordinate/node/') && arr) return keep(arr, (n) => nodeOk(field(n, 'Node')));
  // unnamed queries are listed to management tokens only (Consul's filterPreparedQueries)
  if ((path === '/v1/query' || /^\/v1\/query\/[^/]+$/.test(path)) && arr) {
    return keep(arr, (q) => (str(field(q, 'Name')) === '' ? az.allowed('acl', 'write') : az.allowed('query', 'read', str(field(q, 'Name')))));
  }
  if (path.startsWith('/v1/query/') && path.endsWith('/execute') && obj) {
    const nodes = field(obj, 'Nodes');
    if (Array.isArray(nodes)) {
      const f = keep(nodes as Json[], (e) => nodeOk(field(field(e, 'Node'), 'Node')) && svcOk(field(field(e, 'Service'), 'Service')));
      return { value: { ...obj, Nodes: f.value }, removed: f.removed };
    }
  }
  return undefined;
}

/** The `{ $uint: "<digits>" }` placeholders of parseJsonLossless back as bigints (written as bare integers). */
function restoreUint64(v: Json): Json {
  if (Array.isArray(v)) return v.map(restoreUint64);
  if (v !== null && typeof v === 'object') {
    if ('$uint' in v && typeof (v as { $uint: unknown }).$uint === 'string') return BigInt((v as { $uint: string }).$uint);
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, Json>)) out[k] = restoreUint64(x);
    return out;
  }
  return v;
}

/** Installs the enforcement hooks on the Consul HTTP app (before any route is added). */
export function installAclEnforcement(app: FastifyInstance, ctx: ConsulContext, store: AclStore): void {
  const settings = store.settings;
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!settings.enabled) return;
    const path = pathOf(req);
    if (exempt(path)) return;
    try {
      const id = await resolveRequest(store, req);
      identities.set(req, id);
      await checkBefore(ctx, store, req, id);
    } catch (err) {
      if (err instanceof TxnDenied) {
        return reply.code(409).header('Content-Type', 'application/json').send(JSON.stringify({ Results: null, Errors: err.errors }));
      }
      if (err instanceof AclError) throw new ConsulHttpError(err.status, err.message);
      throw err;
    }
    return undefined;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    // every answer with query metadata names the default policy, as Consul's setMeta does
    if (reply.hasHeader('X-Consul-KnownLeader')) reply.header('X-Consul-Default-ACL-Policy', settings.enabled ? settings.defaultPolicy : 'allow');
    const id = identities.get(req);
    if (!id || typeof payload !== 'string' || reply.statusCode !== 200 || payload.length === 0) return payload;
    if (!String(reply.getHeader('Content-Type') ?? '').startsWith('application/json')) return payload;
    let body: Json;
    try {
      // lossless: a KV entry's uint64 Flags must come back with every digit
      body = parseJsonLossless(payload);
    } catch {
      return payload;
    }
    const path = pathOf(req);
    const f = filterAnswer(path, body, id);
    if (f === undefined) return payload;
    if (f === 'not-found') {
      reply.code(404);
      return '';
    }
    if (f === 'deny') {
      reply.code(403).header('Content-Type', 'text/plain; charset=utf-8');
      const name = str(field(body, 'Service'));
      return permissionDenied(id, 'service', 'read', name).body;
    }
    if (!f.removed) return payload;
    if (id.explicit) reply.header('X-Consul-Results-Filtered-By-ACLs', 'true');
    // a recursive KV read left with nothing is a 404, as Consul answers an empty listing
    if (path.startsWith('/v1/kv/') && Array.isArray(f.value) && f.value.length === 0 && !hasParam(req, 'keys')) {
      reply.code(404);
      return '';
    }
    const text = stringifyWithBigints(restoreUint64(f.value));
    return /^[[{]\n/.test(payload) ? indentJson(text) : text;
  });
}
