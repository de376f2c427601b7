// /v1/internal/ui/...: the few internal endpoints Consul's web UI lists with (nodes, one node,
// services), in Consul's shapes: a node with its services and checks; a service summary with its
// instance and check counts. Blocking queries as the catalog's. The rest of the UI's internal
// endpoints (topology, gateways, metrics proxy) belong to features dcsgw lacks and stay Go's 404.
//
// dcsgw adds three read-only endpoints of its own under /v1/internal/ui/etcd/ so the web UI can show
// the etcd view of the same store (docs/web-ui.md): each answers exactly what etcd's JSON gateway
// answers on the etcd port for the same request (uint64s as strings, bytes as base64):
//   GET /v1/internal/ui/etcd/members   = POST /v3/cluster/member/list {}
//   GET /v1/internal/ui/etcd/status    = POST /v3/maintenance/status {}
//   GET /v1/internal/ui/etcd/kv/<key>  = POST /v3/kv/range {"key": base64(<key>)} (a Consul KV key is that etcd key)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CatalogSnapshot } from '../../../compat/catalog.js';
import { healthCheckView, nodeServiceView, nodeView } from '../../../compat/catalog-records.js';
import type { Table } from '../../../compat/system-keys.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError } from '../http-error.js';
import { indexedRead } from './catalog-common.js';
import { blockingQuery, parseQueryOptions, setQueryMeta } from '../query-options.js';
import { requireLocalDatacenter } from './kv-params.js';
import { jsonCodecOf } from '../../etcd/codec/index.js';
import { SortOrder, SortTarget, type MemberListResponse, type RangeResponse, type StatusResponse } from '../../../adapters/backend.js';

const TABLES: readonly Table[] = ['nodes', 'services', 'checks'];

function nodeDump(snap: CatalogSnapshot, nodeName: string): Record<string, unknown> | undefined {
  const node = snap.nodes.find((n) => n.value.Node.toLowerCase() === nodeName.toLowerCase());
  if (!node) return undefined;
  const mine = (n: string): boolean => n.toLowerCase() === node.value.Node.toLowerCase();
  return {
    ...nodeView(node),
    Services: snap.services.filter((s) => mine(s.value.Node)).map(nodeServiceView),
    Checks: snap.checks.filter((c) => mine(c.value.Node)).map(healthCheckView),
  };
}

interface ServiceSummary {
  Kind: string;
  Name: string;
  Datacenter: string;
  Tags: string[] | null;
  Nodes: string[];
  ExternalSources: string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
  GatewayConfig: Record<string, never>;
  TransparentProxy: boolean;
  ConnectNative: boolean;
}

function serviceSummaries(snap: CatalogSnapshot, datacenter: string): ServiceSummary[] {
  const byName = new Map<string, ServiceSummary>();
  for (const s of snap.services) {
    const v = s.value;
    let sum = byName.get(v.Service);
    if (!sum) {
      sum = { Kind: v.Kind, Name: v.Service, Datacenter: datacenter, Tags: null, Nodes: [], ExternalSources: null, InstanceCount: 0, ChecksPassing: 0, ChecksWarning: 0, ChecksCritical: 0, GatewayConfig: {}, TransparentProxy: false, ConnectNative: false };
      byName.set(v.Service, sum);
    }
    sum.InstanceCount++;
    if (!sum.Nodes.includes(v.Node)) sum.Nodes.push(v.Node);
    for (const t of v.Tags ?? []) {
      sum.Tags ??= [];
      if (!sum.Tags.includes(t)) sum.Tags.push(t);
    }
    const checks = snap.checks.filter((c) => c.value.Node.toLowerCase() === v.Node.toLowerCase() && (c.value.ServiceID === '' || c.value.ServiceID === v.ID));
    for (const c of checks) {
      if (c.value.Status === 'passing') sum.ChecksPassing++;
      else if (c.value.Status === 'warning') sum.ChecksWarning++;
      else if (c.value.Status === 'critical') sum.ChecksCritical++;
    }
  }
  return [...byName.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

async function answer(ctx: ConsulContext, req: FastifyRequest, reply: FastifyReply, build: (snap: CatalogSnapshot) => unknown): Promise<FastifyReply> {
  const opts = parseQueryOptions(req);
  requireLocalDatacenter(ctx, opts.dc);
  const { index, value } = await blockingQuery(ctx, req, opts, TABLES, indexedRead(ctx, TABLES, async () => build(await ctx.core.catalog.snapshot())));
  setQueryMeta(ctx, reply, opts, index);
  return reply.send(JSON.stringify(value));
}

export function internalUiRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  app.get('/v1/internal/ui/nodes', async (req, reply) =>
    answer(ctx, req, reply, (snap) =>
      snap.nodes
        .map((n) => nodeDump(snap, n.value.Node)!)
        .sort((a, b) => String(a.Node).localeCompare(String(b.Node))),
    ),
  );
  app.get('/v1/internal/ui/node/*', async (req, reply) => {
    const name = (req.params as { '*'?: string })['*'] ?? '';
    const opts = parseQueryOptions(req);
    // The index before the data, so the answer never claims an index its data lacks.
    const index = ctx.core.tracker.maxIndex(TABLES);
    const dump = nodeDump(await ctx.core.catalog.snapshot(), name);
    setQueryMeta(ctx, reply, opts, index);
    if (!dump) return reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('');
    return reply.send(JSON.stringify(dump));
  });
  app.get('/v1/internal/ui/services', async (req, reply) => answer(ctx, req, reply, (snap) => serviceSummaries(snap, ctx.agent.datacenter)));
  internalUiEtcdRoutes(app, ctx);
}

function etcdJson(reply: FastifyReply, message: string, value: unknown): FastifyReply {
  return reply.send(JSON.stringify(jsonCodecOf<unknown>(message).toJson(value)));
}

/** The etcd face's view of the store behind this agent: its members, its status, one key's revisions. */
export function internalUiEtcdRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  const backend = ctx.core.backend;
  app.get('/v1/internal/ui/etcd/members', async (_req, reply) => {
    // etcd 3.4's member list is served from the member's own view (no quorum needed), as here.
    const members: MemberListResponse = await backend.memberList(false);
    return etcdJson(reply, 'MemberListResponse', members);
  });
  app.get('/v1/internal/ui/etcd/status', async (_req, reply) => {
    const status: StatusResponse = await backend.status();
    return etcdJson(reply, 'StatusResponse', status);
  });
  app.get('/v1/internal/ui/etcd/kv/*', async (req, reply) => {
    const key = (req.params as { '*'?: string })['*'] ?? '';
    if (key === '') throw new ConsulHttpError(400, 'Missing key name');
    const range: RangeResponse = await backend.range({
      key: Buffer.from(key, 'utf8'),
      rangeEnd: Buffer.alloc(0),
      limit: 0,
      revision: 0,
      sortOrder: SortOrder.NONE,
      sortTarget: SortTarget.KEY,
      serializable: false,
      keysOnly: false,
      countOnly: false,
      minModRevision: 0,
      maxModRevision: 0,
      minCreateRevision: 0,
      maxCreateRevision: 0,
    });
    return etcdJson(reply, 'RangeResponse', range);
  });
}
