// /v1/operator/raft/... and /v1/operator/autopilot/...: the Raft configuration (every member of
// the store is a server: ID, node, server address, leader, voter), peer removal and leader
// transfer through the Backend's membership calls, and autopilot's configuration, health and
// state (compat/agent/raft-view.ts, autopilot-config.ts); /v1/operator/keyring, the gossip keyring
// of every agent (gossip-keyring-pools.ts); /v1/operator/usage.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DefinitionError } from '../../../compat/agent/json-fields.js';
import { autopilotConfigJson, getAutopilotConfig, parseAutopilotConfig, setAutopilotConfig } from '../../../compat/agent/autopilot-config.js';
import { catalogUsage } from '../../../compat/agent/catalog-usage.js';
import { memberOfServer, raftView, type RaftView } from '../../../compat/agent/raft-view.js';
import type { ConsulContext, KeyringOperationName } from '../context.js';
import { keyringErrorText, keyringListBody, keyringOperation } from '../gossip-keyring-pools.js';
import { indexedRead } from './catalog-common.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import { blockingQuery, parseQueryOptions, setLeaderMeta, setQueryMeta } from '../query-options.js';
import type { ConsulRoute } from './index.js';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function params(req: FastifyRequest): Record<string, string | string[] | undefined> {
  return req.query as Record<string, string | string[] | undefined>;
}

function first(req: FastifyRequest, name: string): string | undefined {
  const v = params(req)[name];
  return Array.isArray(v) ? v[0] : v;
}

interface ServerHealth {
  ID: string;
  Name: string;
  Address: string;
  SerfStatus: string;
  Version: string;
  Leader: boolean;
  LastContact: string;
  LastTerm: number;
  LastIndex: number;
  Healthy: boolean;
  Voter: boolean;
  StableSince: string;
}

/** Autopilot's view: a server is healthy while it trails the leader by at most MaxTrailingLogs. */
function serverHealth(view: RaftView, maxTrailingLogs: number, version: string, stableSince: string): { healthy: boolean; tolerance: number; servers: ServerHealth[] } {
  const leaderIndex = view.servers.find((s) => s.Leader)?.LastIndex ?? view.index;
  const servers = view.servers.map((s, i) => {
    // autopilot's health: alive in the member list, and (known on the leader) not trailing its log
    const serf = view.serfStatus[i] ?? 'alive';
    const healthy = view.leaderAddress !== '' && serf === 'alive' && (s.Leader || !view.isLeader || leaderIndex - s.LastIndex <= maxTrailingLogs);
    return {
      ID: s.ID,
      Name: s.Node,
      Address: s.Address,
      SerfStatus: serf,
      Version: version,
      Leader: s.Leader,
      LastContact: '0s',
      LastTerm: view.term,
      LastIndex: s.LastIndex,
      Healthy: healthy,
      Voter: s.Voter,
      StableSince: stableSince,
    };
  });
  const voters = servers.filter((s) => s.Voter);
  const healthyVoters = voters.filter((s) => s.Healthy).length;
  const quorum = Math.floor(voters.length / 2) + 1;
  return { healthy: servers.every((s) => s.Healthy), tolerance: Math.max(0, healthyVoters - quorum), servers };
}

export const operatorRoutes: ConsulRoute = (app: FastifyInstance, ctx: ConsulContext) => {
  const route = (path: string, methods: readonly string[], handler: Handler) => {
    app.all(path, async (req, reply) => {
      if (!methods.includes(req.method)) throw new ConsulHttpError(405, `method ${req.method} not allowed`);
      const dc = first(req, 'dc');
      if (dc && dc !== ctx.agent.datacenter) throw new ConsulHttpError(500, 'No path to datacenter');
      return handler(req, reply);
    });
  };
  const view = () => raftView(ctx.core.backend, ctx.agent);
  const stableSince = () => new Date(ctx.runtime?.startedAt ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  route('/v1/operator/raft/configuration', ['GET'], async (req, reply) => {
    const opts = parseQueryOptions(req);
    const v = await view();
    if (v.leaderAddress === '' && opts.consistency !== 'stale') throw new ConsulHttpError(500, 'No cluster leader');
    setLeaderMeta(ctx, reply, opts.consistency);
    // Consul reports the Index of raft's GetConfiguration future, which raft fills with the
    // latest configuration only (never its log index): genuine Consul always answers 0 here.
    return reply.send({ Servers: v.servers, Index: 0 });
  });

  route('/v1/operator/raft/peer', ['DELETE'], async (req, reply) => {
    const hasId = params(req).id !== undefined;
    const hasAddress = params(req).address !== undefined;
    if (!hasId && !hasAddress) throw badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    if (hasId && hasAddress) throw badRequest('Must specify only one of ?id or ?address');
    const id = first(req, 'id') ?? '';
    const address = first(req, 'address') ?? '';
    const member = await memberOfServer(ctx.core.backend, ctx.agent, hasId ? { id } : { address });
    if (!member) {
      throw new ConsulHttpError(500, hasId ? `id ${JSON.stringify(id)} was not found in the Raft configuration` : `address ${JSON.stringify(address)} was not found in the Raft configuration`);
    }
    const v = await view();
    if (v.servers.length === 1) throw new ConsulHttpError(500, 'cannot remove the only server of the Raft configuration: the store would lose its quorum for good');
    await ctx.core.backend.memberRemove(member.id);
    return reply.send('');
  });

  route('/v1/operator/raft/transfer-leader', ['POST'], async (req, reply) => {
    const v = await view();
    const target = first(req, 'id');
    const candidates = v.servers.map((s, i) => ({ s, m: v.members[i]! })).filter(({ s }) => !s.Leader && s.Voter && (target === undefined || target === '' || s.ID === target));
    if (target && candidates.length === 0) throw new ConsulHttpError(500, `cannot find server with id ${JSON.stringify(target)} in the Raft configuration`);
    if (candidates.length === 0) throw new ConsulHttpError(500, 'cannot find peer');
    await ctx.core.backend.moveLeader(candidates[0]!.m.id);
    return reply.send({ Success: true });
  });

  route('/v1/operator/autopilot/configuration', ['GET', 'PUT'], async (req, reply) => {
    const backend = ctx.core.backend;
    if (req.method === 'GET') {
      const opts = parseQueryOptions(req);
      setLeaderMeta(ctx, reply, opts.consistency);
      return reply.send(autopilotConfigJson(await getAutopilotConfig(backend)));
    }
    let config;
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      if (raw.trim() === '') throw new DefinitionError('EOF');
      config = parseAutopilotConfig(JSON.parse(raw) as unknown);
    } catch (err) {
      const msg = err instanceof DefinitionError ? err.message : err instanceof SyntaxError ? 'invalid character looking for beginning of value' : String(err);
      throw badRequest(`Error parsing autopilot config: ${msg}`);
    }
    let cas: number | undefined;
    if (params(req).cas !== undefined) {
      const raw = first(req, 'cas') ?? '';
      if (!/^\d+$/.test(raw)) throw badRequest(`Error parsing cas value: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
      cas = Number(raw);
    }
    const ok = await setAutopilotConfig(backend, config, cas);
    return reply.send(JSON.stringify(cas === undefined ? true : ok));
  });

  route('/v1/operator/autopilot/health', ['GET'], async (_req, reply) => {
    const v = await view();
    if (v.leaderAddress === '') throw new ConsulHttpError(500, 'No cluster leader');
    const cfg = await getAutopilotConfig(ctx.core.backend);
    const h = serverHealth(v, cfg.config.MaxTrailingLogs, ctx.agent.consulVersion, stableSince());
    return reply.code(h.healthy ? 200 : 429).send({ Healthy: h.healthy, FailureTolerance: h.tolerance, Servers: h.servers });
  });

  route('/v1/operator/autopilot/state', ['GET'], async (_req, reply) => {
    const v = await view();
    if (v.leaderAddress === '') throw new ConsulHttpError(500, 'No cluster leader');
    const cfg = await getAutopilotConfig(ctx.core.backend);
    const h = serverHealth(v, cfg.config.MaxTrailingLogs, ctx.agent.consulVersion, stableSince());
    const servers: Record<string, unknown> = {};
    for (const s of h.servers) {
      servers[s.ID] = {
        ID: s.ID,
        Name: s.Name,
        Address: s.Address,
        NodeStatus: s.SerfStatus,
        Version: s.Version,
        LastContact: s.LastContact,
        LastTerm: s.LastTerm,
        LastIndex: s.LastIndex,
        Healthy: s.Healthy,
        StableSince: s.StableSince,
        ReadReplica: false,
        Status: s.Leader ? 'leader' : s.Voter ? 'voter' : 'non-voter',
        Meta: { 'consul-network-segment': '', 'consul-version': ctx.agent.consulVersion },
        NodeType: s.Voter ? 'voter' : 'non-voter',
      };
    }
    return reply.send({
      Healthy: h.healthy,
      FailureTolerance: h.tolerance,
      OptimisticFailureTolerance: h.tolerance,
      Servers: servers,
      Leader: v.leaderId,
      Voters: h.servers.filter((s) => s.Voter).map((s) => s.ID),
    });
  });

  route('/v1/operator/keyring', ['GET', 'POST', 'PUT', 'DELETE'], async (req, reply) => {
    let key = '';
    if (req.method !== 'GET') key = keyringRequestKey(req);
    const relay = first(req, 'relay-factor');
    if (relay !== undefined && relay !== '') {
      if (!/^[+-]?\d+$/.test(relay)) throw badRequest(`Error parsing relay factor: strconv.Atoi: parsing ${JSON.stringify(relay)}: invalid syntax`);
      const n = Number(relay);
      if (n < 0 || n > 5) throw badRequest('Invalid relay-factor: Relay factor must be in range: [0, 5]');
    }
    let localOnly = false;
    const local = first(req, 'local-only');
    if (local !== undefined && local !== '') {
      const parsed = goParseBool(local);
      if (parsed === undefined) throw badRequest(`Error parsing local-only: strconv.ParseBool: parsing ${JSON.stringify(local)}: invalid syntax`);
      localOnly = parsed;
      if (localOnly && req.method !== 'GET') throw badRequest('Invalid use of local-only: local-only can only be set for list requests');
    }
    // Consul runs keyring operations on servers only (a server asks every member of each pool)
    if (!ctx.agent.server) throw new ConsulHttpError(500, 'keyring operations must run against a server node');
    const op: KeyringOperationName = req.method === 'GET' ? 'list' : req.method === 'POST' ? 'install' : req.method === 'PUT' ? 'use' : 'remove';
    const responses = await keyringOperation(ctx, op, key, localOnly);
    const failure = keyringErrorText(responses);
    if (failure !== undefined) throw new ConsulHttpError(500, failure);
    if (op === 'list') return reply.send(keyringListBody(responses));
    return reply.code(200).send('');
  });

  route('/v1/operator/usage', ['GET'], async (req, reply) => {
    const opts = parseQueryOptions(req);
    const tables = ['nodes', 'services'] as const;
    const { index, value } = await blockingQuery(
      ctx,
      req,
      opts,
      tables,
      indexedRead(ctx, tables, async () => catalogUsage(await ctx.core.catalog.snapshot({ stale: opts.consistency === 'stale' }))),
    );
    setQueryMeta(ctx, reply, opts, index);
    // Consul's reply embeds its QueryMeta in the body as well as in the headers.
    return reply.send({
      Usage: { [ctx.agent.datacenter]: value },
      Index: Math.max(1, index),
      LastContact: 0,
      KnownLeader: true,
      ConsistencyLevel: opts.consistency,
      NotModified: false,
      Backend: 0,
      ResultsFilteredByACLs: false,
    });
  });
};

/** The Key of a keyring request body, decoded as Go's encoding/json decodes it into Consul's keyringArgs. */
function keyringRequestKey(req: FastifyRequest): string {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (raw.trim() === '') throw badRequest('Request decode failed: EOF');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw badRequest('Request decode failed: invalid character looking for beginning of value');
  }
  const goKind = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);
  if (body === null) return '';
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest(`Request decode failed: json: cannot unmarshal ${goKind(body)} into Go value of type agent.keyringArgs`);
  const fields = body as Record<string, unknown>;
  // Go matches field names without regard to case, an exact match first
  const name = 'Key' in fields ? 'Key' : Object.keys(fields).find((k) => k.toLowerCase() === 'key');
  const value = name === undefined ? undefined : fields[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`Request decode failed: json: cannot unmarshal ${goKind(value)} into Go struct field keyringArgs.Key of type string`);
  return value;
}

/** Go's strconv.ParseBool. */
function goParseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}
