// GET /v1/connect/ca/roots and /v1/agent/connect/ca/roots: the built-in Connect CA's roots, served
// when the agent runs with connect enabled (-dev, or connect { enabled = true }), as Consul's
// servers serve them; blocking on the CA's own index. ?pem=true answers the PEM bundle, as Consul
// does. With connect off, Consul's 500 "Connect must be enabled ...".
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsulContext } from '../context.js';
import { makeConnectCaRoot } from '../connect-ca-cert.js';
import { ConsulHttpError } from '../http-error.js';
import { blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import { CONNECT_DISABLED } from './unsupported.js';

type ConnectConfig = { enabled?: unknown; ca_config?: { cluster_id?: unknown } } | undefined;

export function connectEnabled(ctx: ConsulContext): boolean {
  return (ctx.agent.config['connect'] as ConnectConfig)?.enabled === true;
}

function configuredClusterId(ctx: ConsulContext): string | undefined {
  const id = (ctx.agent.config['connect'] as ConnectConfig)?.ca_config?.cluster_id;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : undefined;
}

export function connectCaRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  const roots = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!connectEnabled(ctx)) throw new ConsulHttpError(500, CONNECT_DISABLED);
    const opts = parseQueryOptions(req);
    const { index, value } = await blockingQuery(ctx, req, opts, ['connect-ca'], () => ctx.core.connectCa.roots(makeConnectCaRoot, configuredClusterId(ctx)));
    setQueryMeta(ctx, reply, opts, index);
    const pem = (req.query as Record<string, string | undefined>)['pem'];
    if (pem === 'true') {
      return reply.header('Content-Type', 'application/pem-certificate-chain').send(value.Roots.map((r) => r.RootCert).join(''));
    }
    return reply.send(JSON.stringify(value));
  };
  app.get('/v1/connect/ca/roots', roots);
  app.get('/v1/agent/connect/ca/roots', roots);
}
