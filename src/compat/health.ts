// Consul's health views over a catalog snapshot: the checks of a node, of a service, in a state,
// and the service entries of /v1/health/service (node + service + every check that applies:
// the node's own checks first, then the instance's), with Consul's aggregation rules.
import {
  type CatalogSnapshot,
  type ServiceInstance,
  hasTags,
  instancesOf,
  matchesNodeMeta,
  nodesBySegment,
} from './catalog.js';
import {
  type CheckRecord,
  type HealthCheckView,
  type NodeServiceView,
  type NodeView,
  type ServiceRecord,
  type Stored,
  healthCheckView,
  nodeSegment,
  nodeServiceView,
  nodeView,
} from './catalog-records.js';

/** An entry of /v1/health/service (Consul's CheckServiceNode). */
export interface CheckServiceNodeView {
  Node: NodeView;
  Service: NodeServiceView;
  Checks: HealthCheckView[];
}

/** What /v1/health/state/:state accepts ("any" = every check). */
export type HealthStateQuery = 'any' | 'passing' | 'warning' | 'critical';

/** The check IDs Consul's maintenance mode registers (agent/agent.go). */
export const NODE_MAINTENANCE_CHECK_ID = '_node_maintenance';
export const SERVICE_MAINTENANCE_CHECK_PREFIX = '_service_maintenance:';

/** Consul's aggregated status of a set of checks: maintenance > critical > warning > passing; a status it does not know gives "". */
export function aggregateStatus(checks: ReadonlyArray<{ CheckID: string; Status: string }>): 'passing' | 'warning' | 'critical' | 'maintenance' | '' {
  let warning = false;
  let critical = false;
  let maintenance = false;
  for (const c of checks) {
    if (c.CheckID === NODE_MAINTENANCE_CHECK_ID || c.CheckID.startsWith(SERVICE_MAINTENANCE_CHECK_PREFIX)) {
      maintenance = true;
      continue;
    }
    if (c.Status === 'critical') critical = true;
    else if (c.Status === 'warning') warning = true;
    else if (c.Status !== 'passing') return '';
  }
  return maintenance ? 'maintenance' : critical ? 'critical' : warning ? 'warning' : 'passing';
}

export function checkServiceNodeView(inst: ServiceInstance): CheckServiceNodeView {
  return { Node: nodeView(inst.node), Service: nodeServiceView(inst.service), Checks: inst.checks.map(healthCheckView) };
}

/** Whether an instance is a Connect endpoint of `serviceName`: a sidecar proxy for it, or the service itself when Connect-native. */
function isConnectEndpointOf(serviceName: string): (s: ServiceRecord) => boolean {
  const wanted = serviceName.toLowerCase();
  return (s) => {
    if (s.Kind === 'connect-proxy') return String(s.Proxy?.DestinationServiceName ?? '').toLowerCase() === wanted;
    return s.Service.toLowerCase() === wanted && s.Connect?.Native === true;
  };
}

export interface ServiceHealthQuery {
  /** Every tag must be on the instance (case-insensitive). */
  tags?: readonly string[];
  nodeMeta?: ReadonlyArray<readonly [string, string]>;
  /** 'connect': the service's Connect endpoints (proxies, native instances); 'ingress': ingress gateways exposing it. */
  kind?: 'service' | 'connect' | 'ingress';
}

/** The instances /v1/health/service/:name (or /connect, /ingress) answers, before ?passing, ?filter and ?near. */
export function serviceHealth(snap: CatalogSnapshot, serviceName: string, q: ServiceHealthQuery = {}): ServiceInstance[] {
  // Ingress gateways are bound to services by config entries, which this catalog has none of
  // (service mesh is off): no gateway exposes anything.
  if (q.kind === 'ingress') return [];
  const list = q.kind === 'connect' ? instancesOf(snap, serviceName, isConnectEndpointOf(serviceName)) : instancesOf(snap, serviceName);
  return list.filter((inst) => (!q.tags || hasTags(inst.service.value, q.tags)) && (!q.nodeMeta || matchesNodeMeta(inst.node.value, q.nodeMeta)));
}

/**
 * Consul's ?passing: drops every entry with a check that is not passing (warning too). The
 * removal swaps the last entry into the hole, as Consul's filterNonPassing does, so the order of
 * what remains is Consul's.
 */
export function filterNonPassing<T extends { Checks: ReadonlyArray<{ Status: string }> }>(entries: T[]): T[] {
  const out = [...entries];
  let n = out.length;
  for (let i = 0; i < n; i++) {
    if (out[i]!.Checks.some((c) => c.Status !== 'passing')) {
      out[i] = out[n - 1]!;
      n--;
      i--;
    }
  }
  return out.slice(0, n);
}

/** /v1/health/node/:node: every check on the node (case-insensitive name), node-level and service-bound. */
export function nodeHealthChecks(snap: CatalogSnapshot, node: string): Stored<CheckRecord>[] {
  const seg = nodeSegment(node);
  return withServiceData(
    snap,
    snap.checks.filter((c) => nodeSegment(c.value.Node) === seg),
  );
}

/** /v1/health/checks/:service: the checks bound to any instance of the service (case-insensitive name), in (node, check ID) order. */
export function serviceHealthChecks(snap: CatalogSnapshot, serviceName: string, nodeMeta?: ReadonlyArray<readonly [string, string]>): Stored<CheckRecord>[] {
  const wanted = serviceName.toLowerCase();
  const instances = new Set<string>();
  const nodes = nodesBySegment(snap);
  for (const s of snap.services) {
    if (s.value.Service.toLowerCase() !== wanted) continue;
    const seg = nodeSegment(s.value.Node);
    const node = nodes.get(seg);
    if (!node || (nodeMeta && !matchesNodeMeta(node.value, nodeMeta))) continue;
    instances.add(`${seg}/${s.value.ID.toLowerCase()}`);
  }
  const bound = snap.checks.filter((c) => c.value.ServiceID !== '' && instances.has(`${nodeSegment(c.value.Node)}/${c.value.ServiceID.toLowerCase()}`));
  return withServiceData(snap, bound);
}

/** /v1/health/state/:state: checks in that state ('any' = all); an unknown state matches none, as Consul's status index answers. */
export function checksInState(snap: CatalogSnapshot, state: string, nodeMeta?: ReadonlyArray<readonly [string, string]>): Stored<CheckRecord>[] {
  const nodes = nodesBySegment(snap);
  const matching = snap.checks.filter((c) => {
    if (state !== 'any' && c.value.Status !== state) return false;
    if (nodeMeta && nodeMeta.length > 0) {
      const n = nodes.get(nodeSegment(c.value.Node));
      if (!n || !matchesNodeMeta(n.value, nodeMeta)) return false;
    }
    return true;
  });
  return withServiceData(snap, matching);
}

/** Service-bound checks carry their service's current name and tags. */
function withServiceData(snap: CatalogSnapshot, checks: Stored<CheckRecord>[]): Stored<CheckRecord>[] {
  const services = new Map<string, ServiceRecord>();
  for (const s of snap.services) services.set(`${nodeSegment(s.value.Node)}/${s.value.ID.toLowerCase()}`, s.value);
  return checks.map((c) => {
    if (c.value.ServiceID === '') return c;
    const s = services.get(`${nodeSegment(c.value.Node)}/${c.value.ServiceID.toLowerCase()}`);
    return s ? { ...c, value: { ...c.value, ServiceName: s.Service, ServiceTags: s.Tags } } : c;
  });
}
