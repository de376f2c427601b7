// /v1/status/leader and /v1/status/peers: the Raft leader's server address ("10.0.0.1:8300", or
// "" while there is none) and every voter's, from the Backend's member list and status
// (compat/agent/raft-view.ts). Consul answers these without blocking or consistency modes.
import type { FastifyInstance } from 'fastify';
import { raftView } from '../../../compat/agent/raft-view.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError } from '../http-error.js';
import type { ConsulRoute } from './index.js';

export const statusRoutes: ConsulRoute = (app: FastifyInstance, ctx: ConsulContext) => {
  const get = (path: string, answer: () => Promise<unknown>) => {
    app.all(path, async (req, reply) => {
      if (req.method !== 'GET') throw new ConsulHttpError(405, `method ${req.method} not allowed`);
      // Another datacenter would be asked over the WAN; this agent knows no path to one.
      const dc = (req.query as Record<string, string | undefined>).dc;
      if (dc && dc !== ctx.agent.datacenter) throw new ConsulHttpError(500, 'No path to datacenter');
      return reply.send(JSON.stringify(await answer()));
    });
  };
  // Consul names the leader once leadership is established, which includes this server's own node
  // in the catalog; until the agent has registered it, "" (clients such as the Go client's test
  // server wait for a leader and then create sessions on the node at once).
  get('/v1/status/leader', async () => (ctx.runtime && !ctx.runtime.nodeRegistered ? '' : (await raftView(ctx.core.backend, ctx.agent)).leaderAddress));
  get('/v1/status/peers', async () => (await raftView(ctx.core.backend, ctx.agent)).servers.filter((s) => s.Voter).map((s) => s.Address));
};
