// What Consul's open-source agent answers for features that are off, and what dcsgw answers for
// features it does not have: never an empty 200 that a client would take for "nothing there".
//  - ACLs: tokens, policies, roles and bootstrap are built (routes/acl.ts, registered from here
//    so its enforcement hooks cover every route); with ACLs off every ACL endpoint answers 401
//    "ACL support disabled", as Consul does. Auth methods, binding rules and JWT login are built
//    too; the OIDC browser flow (/v1/acl/oidc/...) and /v1/acl/authorize are not: with ACLs on they
//    answer a clear 500 saying so.
//  - Service mesh (Connect CA, intentions, leaf certificates, discovery chains): Consul with
//    connect disabled answers 500 "Connect must be enabled in order to use this endpoint".
//  - Cluster peering: Consul's text for a server with peering disabled.
//  - Config entries: not built in dcsgw; a clear 500 that says so.
//  - Namespaces and admin partitions are Enterprise features: the OSS agent has no such routes and
//    answers Go's "404 page not found" (the server's not-found handler), so nothing is added here.
// Registered last (routes/index.ts), with wildcard paths, so an endpoint built later by its own
// route file takes precedence over these answers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsulContext } from '../context.js';
import { aclRoutes, aclStoreOf } from './acl.js';

export const ACL_DISABLED = 'ACL support disabled';
export const ACL_LOGIN_NOT_BUILT = 'this ACL endpoint (the OIDC login flow, authorize) is not supported by dcsgw yet';
export const CONNECT_DISABLED = 'Connect must be enabled in order to use this endpoint';
export const PEERING_DISABLED = 'peering must be enabled to use this endpoint';
export const CONFIG_ENTRIES_NOT_BUILT = 'config entries are not supported by dcsgw yet';

/** The ACL endpoints Consul 1.22 serves (first path segment after /v1/acl/). */
const ACL_ENDPOINTS = new Set([
  'bootstrap', 'replication', 'policy', 'policies', 'role', 'roles', 'token', 'tokens', 'auth-method', 'auth-methods',
  'binding-rule', 'binding-rules', 'login', 'logout', 'templated-policy', 'templated-policies', 'authorize', 'oidc',
]);

function text(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('Content-Type', 'text/plain; charset=utf-8').send(body);
}

function goNotFound(reply: FastifyReply): FastifyReply {
  return text(reply, 404, '404 page not found\n');
}

function firstSegment(req: FastifyRequest, prefix: string): string {
  const path = req.url.split('?')[0]!;
  return path.slice(prefix.length).split('/')[0] ?? '';
}

export function unsupportedRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  aclRoutes(app, ctx);
  const aclEnabled = aclStoreOf(ctx).settings.enabled;
  app.all('/v1/acl/*', async (req, reply) => {
    if (!ACL_ENDPOINTS.has(firstSegment(req, '/v1/acl/'))) return goNotFound(reply);
    return aclEnabled ? text(reply, 500, ACL_LOGIN_NOT_BUILT) : text(reply, 401, ACL_DISABLED);
  });

  for (const path of ['/v1/connect/*', '/v1/agent/connect/*', '/v1/discovery-chain/*', '/v1/exported-services', '/v1/imported-services']) {
    app.all(path, async (_req, reply) => text(reply, 500, CONNECT_DISABLED));
  }

  for (const path of ['/v1/peering/*', '/v1/peerings', '/v1/peering']) {
    app.all(path, async (_req, reply) => text(reply, 400, PEERING_DISABLED));
  }

  for (const path of ['/v1/config', '/v1/config/*']) {
    app.all(path, async (_req, reply) => text(reply, 500, CONFIG_ENTRIES_NOT_BUILT));
  }
}
