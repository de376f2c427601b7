// /v1/agent/...: this agent's own state and endpoints (Consul's agent/agent_endpoint.go): self,
// members, metrics, host, version; local services and checks with their registration,
// deregistration, TTL updates and maintenance; agent-local health; reload, join, leave,
// force-leave; token endpoints (ACLs are off). The state lives in the AgentRuntime (ctx.runtime).
//
// Methods are enforced as Consul enforces them (405), except that GET is also taken where Debian's
// python3-consul 0.7.1 sends it (service/check deregister, check pass/warn/fail, join,
// force-leave), so Patroni from Debian can deregister its service.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AgentError } from '../../../compat/agent/agent-error.js';
import type { AgentRuntime } from '../../../compat/agent/agent-runtime.js';
import { agentStats, debugConfig, localMember, originCoordinate, selfConfig, serfWanPort, xdsSelf } from '../../../compat/agent/agent-self.js';
import {
  DefinitionError,
  VALID_STATUSES,
  isAnyAddress,
  parseCheckDefinition,
  parseServiceDefinition,
  serviceMetaProblem,
  weightsProblem,
  type ServiceRecord,
} from '../../../compat/agent/definitions.js';
import { joinLan } from '../../../compat/agent/join.js';
import { aggregatedStatus, type HealthCheckRecord } from '../../../compat/agent/health-check.js';
import { agentHost } from '../../../compat/agent/agent-host.js';
import { monitorJsonLine, monitorTextLine, parseLogLevel } from '../../../compat/agent/agent-log.js';
import { agentServiceContentHash } from '../../../compat/agent/content-hash.js';
import { agentMetrics, prometheusText } from '../../../compat/agent/agent-metrics.js';
import { raftView } from '../../../compat/agent/raft-view.js';
import { FilterError, HEALTH_CHECK_SCHEMA, NODE_SERVICE_SCHEMA, applyFilter, createFilter, type FieldType } from '../../../compat/filter/index.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, badRequest } from '../http-error.js';
import { parseGoDuration } from '../query-options.js';
import type { ConsulRoute } from './index.js';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const MEMBER_SCHEMA: FieldType = {
  kind: 'struct',
  fields: {
    Name: { kind: 'string' },
    Addr: { kind: 'string' },
    Port: { kind: 'int' },
    Tags: { kind: 'map', value: { kind: 'string' } },
    Status: { kind: 'int' },
    ProtocolMin: { kind: 'int' },
    ProtocolMax: { kind: 'int' },
    ProtocolCur: { kind: 'int' },
    DelegateMin: { kind: 'int' },
    DelegateMax: { kind: 'int' },
    DelegateCur: { kind: 'int' },
  },
};

function runtimeOf(ctx: ConsulContext): AgentRuntime {
  const rt = ctx.runtime;
  if (!rt) throw new ConsulHttpError(500, 'agent runtime is not running');
  return rt;
}

/** The path after `prefix`, slashes included (Patroni's service IDs contain '/'). */
function suffix(req: FastifyRequest): string {
  return (req.params as { '*'?: string })['*'] ?? '';
}

function query(req: FastifyRequest): Record<string, string | string[] | undefined> {
  return req.query as Record<string, string | string[] | undefined>;
}

function param(req: FastifyRequest, name: string): string | undefined {
  const v = query(req)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Go's url.Values.Get: the first value, '' when absent. */
function paramOr(req: FastifyRequest, name: string): string {
  return param(req, name) ?? '';
}

function hasParam(req: FastifyRequest, name: string): boolean {
  return query(req)[name] !== undefined;
}

/** A JSON body as Consul's decodeBody reads it; Go's decoder texts on failure. */
function decodeJson(req: FastifyRequest): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (raw.trim() === '') throw new DefinitionError('EOF');
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    const msg = err instanceof Error ? err.message : '';
    if (/end of (JSON )?input|Unterminated/i.test(msg)) throw new DefinitionError('unexpected EOF');
    const token = /Unexpected token '?(.)'?/.exec(msg)?.[1] ?? /Unexpected (?:non-whitespace )?character/.exec(msg)?.[0];
    throw new DefinitionError(token && token.length === 1 ? `invalid character '${token}' looking for beginning of value` : `invalid character looking for beginning of value`);
  }
}

function decodeFailed(err: unknown): never {
  if (err instanceof DefinitionError) throw badRequest(`Request decode failed: ${err.message}`);
  throw err;
}

/** Go's map encoding: keys sorted bytewise (JS objects would put integer-like keys first). */
function sortedObjectJson(entries: Array<[string, unknown]>): string {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** Consul filters the values of a map answer (go-bexpr over map values). */
function filterMapValues<T>(entries: Array<[string, T]>, expression: string | undefined, schema: FieldType): Array<[string, T]> {
  if (!expression) return entries;
  const keep = createFilter(expression, schema);
  return entries.filter(([, v]) => keep(v));
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

function toHttp(err: unknown): never {
  if (err instanceof AgentError) throw new ConsulHttpError(err.status, err.message);
  if (err instanceof FilterError) throw new ConsulHttpError(500, err.message);
  throw err;
}

/** api.AgentService as /v1/agent/services and /v1/agent/service/:id show it. */
export function agentServiceJson(s: ServiceRecord, datacenter: string, contentHash?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.Kind) out.Kind = s.Kind;
  out.ID = s.ID;
  out.Service = s.Service;
  out.Tags = s.Tags ?? [];
  out.Meta = s.Meta ?? {};
  out.Port = s.Port;
  if (s.Ports && s.Ports.length > 0) out.Ports = s.Ports;
  out.Address = s.Address;
  if (s.SocketPath) out.SocketPath = s.SocketPath;
  if (s.TaggedAddresses) out.TaggedAddresses = s.TaggedAddresses;
  out.Weights = { Passing: s.Weights.Passing > 0 ? s.Weights.Passing : 1, Warning: s.Weights.Warning };
  out.EnableTagOverride = s.EnableTagOverride;
  if (contentHash) out.ContentHash = contentHash;
  if (s.Connect?.Native) out.Connect = { Native: true };
  out.Datacenter = datacenter;
  if (s.Locality) out.Locality = s.Locality;
  return out;
}

/** structs.HealthCheck as /v1/agent/checks shows it (ServiceTags [] rather than null). */
function agentCheckJson(c: HealthCheckRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Node: c.Node,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    ServiceName: c.ServiceName,
    ServiceTags: c.ServiceTags ?? [],
    Type: c.Type,
  };
  if (c.Interval) out.Interval = c.Interval;
  if (c.Timeout) out.Timeout = c.Timeout;
  out.ExposedPort = c.ExposedPort;
  out.Definition = c.Definition;
  out.CreateIndex = 0;
  out.ModifyIndex = 0;
  return out;
}

/** api.HealthCheck as agent-local health shows it (built from the check's core fields only, as Consul does). */
function apiHealthCheckJson(c: HealthCheckRecord): Record<string, unknown> {
  return {
    Node: c.Node,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    ServiceName: c.ServiceName,
    ServiceTags: c.ServiceTags,
    Type: '',
    ExposedPort: 0,
    Definition: {
      HTTP: '',
      Header: null,
      Method: '',
      Body: '',
      TLSServerName: '',
      TLSSkipVerify: false,
      TCP: '',
      TCPUseTLS: false,
      UDP: '',
      GRPC: '',
      OSService: '',
      GRPCUseTLS: false,
      Interval: '0s',
      Timeout: '0s',
      DeregisterCriticalServiceAfter: '0s',
    },
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/** Agent-local health of one service: HTTP code and aggregated status (200 passing, 429 warning, 503 otherwise). */
function serviceHealth(rt: AgentRuntime, serviceId: string): { code: number; status: string; checks: HealthCheckRecord[] } {
  const checks = [...rt.state.checks.values()].map((c) => c.check).filter((c) => c.ServiceID === serviceId || c.ServiceID === '');
  const status = aggregatedStatus(checks);
  const code = status === 'passing' ? 200 : status === 'warning' ? 429 : 503;
  return { code, status, checks };
}

function wantsText(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  if (accept.startsWith('text/plain')) return true;
  const format = param(req, 'format');
  return format !== undefined && format !== '' ? format === 'text' : false;
}

export const agentRoutes: ConsulRoute = (app: FastifyInstance, ctx: ConsulContext) => {
  /** Registers `path` for every method; the ones not in `methods` get Consul's 405. */
  const route = (path: string, methods: readonly string[], handler: Handler) => {
    app.all(path, async (req, reply) => {
      if (!methods.includes(req.method)) throw new ConsulHttpError(405, `method ${req.method} not allowed`);
      try {
        return await handler(req, reply);
      } catch (err) {
        toHttp(err);
      }
    });
  };
  const empty = (reply: FastifyReply) => reply.code(200).send('');

  // ---- about this agent ----

  route('/v1/agent/self', ['GET'], async (_req, reply) => {
    const rt = ctx.runtime;
    const raft = await raftView(ctx.core.backend, ctx.agent);
    const stats = agentStats(ctx.agent, rt, raft, ctx.agent.cluster ? { members: await ctx.agent.cluster.members(false), knownServers: ctx.agent.cluster.knownServers() } : undefined);
    // serf's `encrypted` stat (what `consul info` shows): whether this agent's gossip pools use a keyring
    const encrypted = String(ctx.agent.gossipKeyring !== undefined);
    for (const pool of ['serf_lan', 'serf_wan']) if (stats[pool]) stats[pool]!.encrypted = encrypted;
    return reply.send({
      Config: selfConfig(ctx.agent),
      // Consul's DebugConfig is a Go map: its keys come out sorted
      DebugConfig: Object.fromEntries(Object.entries({ ...debugConfig(ctx.agent, rt), ...gossipDebugConfig(ctx.agent.config) }).sort(([a], [b]) => (a < b ? -1 : 1))),
      Coord: originCoordinate(),
      Member: localMember(ctx.agent),
      Stats: stats,
      Meta: rt?.metadata ?? { 'consul-network-segment': '', 'consul-version': ctx.agent.consulVersion },
      xDS: xdsSelf(ctx.agent),
    });
  });

  route('/v1/agent/version', ['GET'], async (_req, reply) =>
    reply.send({ SHA: '', BuildDate: '2025-01-01T00:00:00Z', HumanVersion: ctx.agent.consulVersion, FIPS: '' }),
  );

  route('/v1/agent/members', ['GET'], async (req, reply) => {
    const wan = paramOr(req, 'wan') !== '';
    const segment = paramOr(req, 'segment');
    if (wan && segment !== '' && segment !== '_all') throw badRequest('Cannot provide a segment with wan=true');
    const me = localMember(ctx.agent);
    // The WAN pool names members node.datacenter; a client agent is in no WAN pool.
    const alone = !wan ? [me] : ctx.agent.server ? [{ ...me, Name: `${me.Name}.${ctx.agent.datacenter}`, Port: serfWanPort(ctx.agent) }] : [];
    const members = ctx.agent.cluster && (!wan || ctx.agent.server) ? await ctx.agent.cluster.members(wan) : alone;
    return reply.send(applyFilter(members, param(req, 'filter'), MEMBER_SCHEMA));
  });

  route('/v1/agent/metrics', ['GET'], async (req, reply) => {
    const raft = await raftView(ctx.core.backend, ctx.agent);
    const telemetry = ctx.agent.config.telemetry as Record<string, unknown> | undefined;
    const metrics = agentMetrics(ctx.runtime, raft, { disableHostname: telemetry?.disable_hostname === true });
    const accept = req.headers.accept ?? '';
    if (param(req, 'format') === 'prometheus' || /application\/openmetrics-text|text\/plain;\s*version=0\.4\.0/.test(accept)) {
      if (!prometheusEnabled(ctx.agent.config)) {
        // Consul 1.22 raises a status-with-payload error here, but its HTTP wrapper returns before
        // writing anything when the handler has no body: the client sees 200, an empty body and
        // the reason in X-Consul-Reason only.
        return reply.code(200).header('X-Consul-Reason', 'Prometheus is not enabled since its retention time is not positive').send('');
      }
      return reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8').send(prometheusText(metrics));
    }
    return reply.send(metrics);
  });

  // Streams the agent's log events until the client goes away (`consul monitor`).
  route('/v1/agent/monitor', ['GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const asked = paramOr(req, 'loglevel') || 'INFO';
    const level = parseLogLevel(asked);
    if (!level) throw badRequest(`Unknown log level: ${asked}`);
    const json = hasParam(req, 'logjson');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', Vary: 'Accept-Encoding' });
    res.flushHeaders();
    const unsubscribe = rt.log.subscribe(level, (r) => res.write(json ? monitorJsonLine(r) : monitorTextLine(r)));
    res.once('close', unsubscribe);
    req.raw.once('close', unsubscribe);
    return reply;
  });

  route('/v1/agent/host', ['GET'], async (_req, reply) => reply.send(agentHost(runtimeOf(ctx).options.dataDir)));

  // ---- local services ----

  route('/v1/agent/services', ['GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const entries: Array<[string, Record<string, unknown>]> = [...rt.state.services.values()].map((s) => [s.service.ID, agentServiceJson(s.service, ctx.agent.datacenter)]);
    return reply.send(sortedObjectJson(filterMapValues(entries, param(req, 'filter'), NODE_SERVICE_SCHEMA)));
  });

  route('/v1/agent/service/register', ['PUT'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    let def;
    try {
      def = parseServiceDefinition(decodeJson(req));
    } catch (err) {
      decodeFailed(err);
    }
    if (def.service.Service === '') throw badRequest('Missing service name');
    if (isAnyAddress(def.service.Address)) throw badRequest('Invalid service address');
    if (def.weightsGiven) {
      const w = weightsProblem(def.service.Weights);
      if (w) throw badRequest(`Invalid Weights: ${w}`);
    }
    const meta = serviceMetaProblem(def.service.Meta);
    if (meta) throw badRequest(`Invalid Service Meta: ${meta}`);
    for (const c of def.checks) {
      if (c.status !== '' && !VALID_STATUSES.includes(c.status)) throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
    }
    const replace = hasParam(req, 'replace-existing-checks') && ['', 'true'].includes(paramOr(req, 'replace-existing-checks'));
    rt.addService(def, { source: 'remote', replaceExistingChecks: replace, persist: true });
    await rt.syncChanges();
    return empty(reply);
  });

  route('/v1/agent/service/deregister/*', ['PUT', 'GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    rt.removeService(suffix(req));
    await rt.syncChanges();
    return empty(reply);
  });

  route('/v1/agent/service/maintenance/*', ['PUT'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const id = suffix(req);
    if (id === '') throw badRequest('Missing service ID');
    const enable = parseEnable(req);
    if (!rt.state.services.has(id)) throw new ConsulHttpError(404, `Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
    if (enable) rt.enableServiceMaintenance(id, paramOr(req, 'reason'));
    else rt.disableServiceMaintenance(id);
    await rt.syncChanges();
    return empty(reply);
  });

  route('/v1/agent/maintenance', ['PUT'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    if (parseEnable(req)) rt.enableNodeMaintenance(paramOr(req, 'reason'));
    else rt.disableNodeMaintenance();
    await rt.syncChanges();
    return empty(reply);
  });

  // Hash-based blocking: with ?hash equal to the current content hash, wait for a change.
  route('/v1/agent/service/*', ['GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const id = suffix(req);
    // Only ?wait and ?hash count here (Consul's parseWait); default 5 min, at most 10, plus jitter.
    const rawWait = paramOr(req, 'wait');
    let waitMs = 5 * 60_000;
    if (rawWait !== '') {
      const w = parseGoDuration(rawWait);
      if (w === undefined) throw badRequest('Invalid wait time');
      if (w > 0) waitMs = Math.min(w, 10 * 60_000);
    }
    waitMs += Math.random() * (waitMs / 16);
    const opts = { hash: paramOr(req, 'hash') };
    const deadline = Date.now() + waitMs;
    const abort = new AbortController();
    const onClose = () => abort.abort();
    req.raw.socket?.once('close', onClose);
    try {
      for (;;) {
        const version = rt.state.currentVersion();
        const svc = rt.state.services.get(id);
        if (!svc) throw new ConsulHttpError(404, `unknown service ID: ${id}`);
        const hash = agentServiceContentHash(svc.service);
        const left = deadline - Date.now();
        if (!opts.hash || opts.hash !== hash || left <= 0 || abort.signal.aborted) {
          reply.header('X-Consul-ContentHash', hash);
          return reply.send(agentServiceJson(svc.service, ctx.agent.datacenter, hash));
        }
        await rt.state.waitForChange(version, left, abort.signal);
      }
    } finally {
      req.raw.socket?.off('close', onClose);
    }
  });

  // ---- local checks ----

  route('/v1/agent/checks', ['GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const entries: Array<[string, Record<string, unknown>]> = [...rt.state.checks.values()].map((c) => [c.check.CheckID, agentCheckJson(c.check)]);
    return reply.send(sortedObjectJson(filterMapValues(entries, param(req, 'filter'), HEALTH_CHECK_SCHEMA)));
  });

  route('/v1/agent/check/register', ['PUT'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    let def;
    try {
      def = parseCheckDefinition(decodeJson(req));
    } catch (err) {
      decodeFailed(err);
    }
    if (def.name === '') throw badRequest('Missing check name');
    if (def.status !== '' && !VALID_STATUSES.includes(def.status)) throw badRequest('Bad check status');
    rt.addCheck(def, 'remote');
    await rt.syncChanges();
    return empty(reply);
  });

  const vetCheck = (rt: AgentRuntime, id: string) => {
    if (!rt.state.checks.has(id)) {
      throw new ConsulHttpError(404, `Unknown check ID ${JSON.stringify(id)}. Ensure that the check ID is passed, not the check name.`);
    }
  };

  route('/v1/agent/check/deregister/*', ['PUT', 'GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const id = suffix(req);
    vetCheck(rt, id);
    rt.removeCheck(id);
    await rt.syncChanges();
    return empty(reply);
  });

  for (const [verb, status] of [
    ['pass', 'passing'],
    ['warn', 'warning'],
    ['fail', 'critical'],
  ] as const) {
    route(`/v1/agent/check/${verb}/*`, ['PUT', 'GET'], async (req, reply) => {
      const rt = runtimeOf(ctx);
      const id = suffix(req);
      vetCheck(rt, id);
      rt.updateTtlCheck(id, status, paramOr(req, 'note'));
      await rt.syncChanges();
      return empty(reply);
    });
  }

  route('/v1/agent/check/update/*', ['PUT'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    let status = '';
    let output = '';
    try {
      const body = decodeJson(req);
      if (body !== null && (typeof body !== 'object' || Array.isArray(body))) {
        throw new DefinitionError(`json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type agent.checkUpdate`);
      }
      for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) {
        const name = k.toLowerCase();
        if (name !== 'status' && name !== 'output') continue;
        if (v !== null && typeof v !== 'string') throw new DefinitionError(`json: cannot unmarshal ${typeof v} into Go struct field checkUpdate.${name === 'status' ? 'Status' : 'Output'} of type string`);
        if (name === 'status') status = v ?? '';
        else output = v ?? '';
      }
    } catch (err) {
      decodeFailed(err);
    }
    if (!VALID_STATUSES.includes(status)) throw badRequest(`Invalid check status: '${status}'`);
    const id = suffix(req);
    vetCheck(rt, id);
    rt.updateTtlCheck(id, status, output);
    await rt.syncChanges();
    return empty(reply);
  });

  // ---- agent-local health ----

  route('/v1/agent/health/service/id/*', ['GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const id = suffix(req);
    if (id === '') throw badRequest('Missing serviceID');
    const svc = rt.state.services.get(id);
    if (!svc) {
      const reason = `ServiceId ${id} not found`;
      if (wantsText(req)) return reply.code(404).header('Content-Type', 'text/plain').send(reason);
      return reply.code(404).send({ AggregatedStatus: 'critical', Service: null, Checks: null });
    }
    const h = serviceHealth(rt, id);
    if (wantsText(req)) return reply.code(h.code).header('Content-Type', 'text/plain').send(h.status);
    return reply.code(h.code).send({
      AggregatedStatus: h.status,
      Service: agentServiceJson(svc.service, ctx.agent.datacenter),
      Checks: h.checks.map(apiHealthCheckJson),
    });
  });

  route('/v1/agent/health/service/name/*', ['GET'], async (req, reply) => {
    const rt = runtimeOf(ctx);
    const name = suffix(req);
    if (name === '') throw badRequest('Missing service Name');
    let code = 404;
    let status = `ServiceName ${name} Not Found`;
    const result: unknown[] = [];
    const services = [...rt.state.services.values()].filter((s) => s.service.Service === name).sort((a, b) => (a.service.ID < b.service.ID ? -1 : 1));
    for (const s of services) {
      const h = serviceHealth(rt, s.service.ID);
      result.push({ AggregatedStatus: h.status, Service: agentServiceJson(s.service, ctx.agent.datacenter), Checks: h.checks.map(apiHealthCheckJson) });
      if (code === 404 || code < h.code) {
        code = h.code;
        status = h.status;
      }
    }
    if (wantsText(req)) return reply.code(code).header('Content-Type', 'text/plain').send(status);
    return reply.code(code).send(result);
  });

  // ---- lifecycle and membership ----

  route('/v1/agent/reload', ['PUT'], async (_req, reply) => {
    await runtimeOf(ctx).triggerReload();
    return empty(reply);
  });

  route('/v1/agent/leave', ['PUT'], async (_req, reply) => {
    const rt = runtimeOf(ctx);
    // Answer first: the hook shuts the agent (and this listener) down.
    reply.code(200).send('');
    setImmediate(() => void rt.leave().catch((err: unknown) => ctx.logger.error({ err }, 'agent: leave failed')));
    return reply;
  });

  route('/v1/agent/join/*', ['PUT', 'GET'], async (req, reply) => {
    const addr = suffix(req);
    const wan = paramOr(req, 'wan') !== '';
    if (ctx.agent.cluster && !wan) await ctx.agent.cluster.join([addr], wan);
    else await joinLan(addr, { self: localMember(ctx.agent), wan });
    return empty(reply);
  });

  route('/v1/agent/force-leave/*', ['PUT', 'GET'], async (req, reply) => {
    const node = suffix(req);
    const me = localMember(ctx.agent);
    const wan = hasParam(req, 'wan');
    if (ctx.agent.cluster && !wan) {
      await ctx.agent.cluster.forceLeave(node, hasParam(req, 'prune'));
      return empty(reply);
    }
    const known = wan ? [`${me.Name}.${ctx.agent.datacenter}`] : [me.Name];
    // Serf only removes members it knows; this agent is the only one it knows.
    if (!known.includes(node)) throw new ConsulHttpError(500, `agent: No node found with name '${node}'`);
    return empty(reply);
  });

  // /v1/agent/token/<name>: routes/acl.ts
};

function parseEnable(req: FastifyRequest): boolean {
  if (!hasParam(req, 'enable')) throw badRequest('Missing value for enable');
  const raw = paramOr(req, 'enable');
  const enable = parseGoBool(raw);
  if (enable === undefined) throw badRequest(`Invalid value for enable: ${JSON.stringify(raw)}`);
  return enable;
}

function prometheusEnabled(config: Record<string, unknown>): boolean {
  const telemetry = config.telemetry as Record<string, unknown> | undefined;
  const retention = telemetry?.prometheus_retention_time;
  if (typeof retention === 'number') return retention > 0;
  if (typeof retention === 'string') return retention !== '' && !/^[0\s]*(s|m|h|ms)?$/.test(retention) && !retention.startsWith('-');
  return false;
}

/** The gossip encryption fields of Consul's sanitized runtime configuration: the key is always "hidden" (its sanitizer hides every field named *Key). */
function gossipDebugConfig(config: Record<string, unknown>): Record<string, unknown> {
  const flag = (name: string): boolean => {
    const v = config[name];
    return v === undefined ? true : v === true || v === 'true';
  };
  return { EncryptKey: 'hidden', EncryptVerifyIncoming: flag('encrypt_verify_incoming'), EncryptVerifyOutgoing: flag('encrypt_verify_outgoing') };
}
