// /v1/snapshot: Consul's snapshot save (GET) and restore (PUT) of the whole store — both
// keyspaces, so KV values with their metadata, sessions, catalog, prepared queries — as one
// archive (snapshot-archive.ts). A restore goes through raft, so every member applies it at the
// same point of the log. Backends that cannot do either answer with an error saying so.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EtcdError } from '../../../adapters/errors.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError } from '../http-error.js';
import { parseQueryOptions, setQueryMeta } from '../query-options.js';
import { readSnapshotArchive, SnapshotArchiveError, writeSnapshotArchive } from '../snapshot-archive.js';

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const;
const ALLOWED = ['GET', 'PUT'];

function methodNotAllowed(reply: FastifyReply, method: string): ConsulHttpError {
  void reply.header('Allow', ALLOWED.join(','));
  return new ConsulHttpError(405, `method ${method} not allowed`);
}

/** ?dc naming another datacenter: this agent knows no path there. */
function checkDatacenter(ctx: ConsulContext, dc: string | undefined): void {
  if (dc && dc !== ctx.agent.datacenter) throw new ConsulHttpError(500, 'No path to datacenter');
}

/** A backend failure as Consul's agent reports a failed RPC: 500 and the error text. */
function asHttpError(err: unknown): unknown {
  if (err instanceof SnapshotArchiveError) return new ConsulHttpError(500, err.message);
  if (err instanceof EtcdError) return new ConsulHttpError(500, err.message);
  return err;
}

export function snapshotRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  app.route({
    method: [...ALL_METHODS],
    url: '/v1/snapshot',
    handler: async (req, reply) => {
      const backend = ctx.core.backend;
      switch (req.method) {
        case 'GET': {
          const opts = parseQueryOptions(req);
          checkDatacenter(ctx, opts.dc);
          if (!backend.consulSnapshot) throw new ConsulHttpError(500, 'Snapshot save is not supported by this dcsgw backend');
          try {
            const { data, index } = await backend.consulSnapshot({ stale: opts.consistency === 'stale' });
            const archive = writeSnapshotArchive(data, index, backend.header().raftTerm);
            setQueryMeta(ctx, reply, opts, index);
            void reply.header('Content-Type', 'application/x-gzip');
            return reply.send(archive);
          } catch (err) {
            throw asHttpError(err);
          }
        }
        case 'PUT': {
          checkDatacenter(ctx, (req.query as Record<string, string | undefined>).dc);
          if (!backend.restoreConsulSnapshot) throw new ConsulHttpError(500, 'Snapshot restore is not supported by this dcsgw backend');
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          try {
            const { state } = readSnapshotArchive(body);
            await backend.restoreConsulSnapshot(state).catch((err: unknown) => {
              // The archive was sound but its state is not a dcsgw dump: most likely genuine Consul's.
              if (err instanceof EtcdError && /not a dcsgw/.test(err.message)) {
                throw new ConsulHttpError(
                  500,
                  'Snapshot restore failed: this snapshot was not taken by dcsgw; restoring a genuine Consul snapshot is not supported',
                );
              }
              throw err;
            });
          } catch (err) {
            throw asHttpError(err);
          }
          return reply.send();
        }
        default:
          throw methodNotAllowed(reply, req.method);
      }
    },
  });
}
