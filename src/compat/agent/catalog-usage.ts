// GET /v1/operator/usage: Consul's per-datacenter service usage counted from the catalog —
// unique service names, all instances, instances per Connect kind, billable instances (those
// that are neither the `consul` service nor a proxy or gateway) and nodes.
import type { CatalogSnapshot } from '../catalog.js';

/** The Connect kinds Consul reports in ConnectServiceInstances (connect-native: a typical service with Connect.Native). */
const CONNECT_KINDS = ['api-gateway', 'connect-native', 'connect-proxy', 'ingress-gateway', 'mesh-gateway', 'terminating-gateway'] as const;

export interface ServiceUsage {
  Services: number;
  ServiceInstances: number;
  ConnectServiceInstances: Record<string, number>;
  BillableServiceInstances: number;
  Nodes: number;
}

export function catalogUsage(snap: CatalogSnapshot): ServiceUsage {
  const names = new Set<string>();
  const connect: Record<string, number> = Object.fromEntries(CONNECT_KINDS.map((k) => [k, 0]));
  let billable = 0;
  for (const { value: s } of snap.services) {
    names.add(s.Service);
    const kind = s.Kind ?? '';
    if (kind !== '' && kind in connect) connect[kind]! += 1;
    if (kind === '' && (s.Connect as { Native?: unknown } | null)?.Native === true) connect['connect-native']! += 1;
    // Proxies and gateways are infrastructure, and the servers' own `consul` service is not billed.
    if (kind === '' && s.Service !== 'consul') billable += 1;
  }
  return {
    Services: names.size,
    ServiceInstances: snap.services.length,
    ConnectServiceInstances: connect,
    BillableServiceInstances: billable,
    Nodes: snap.nodes.length,
  };
}
