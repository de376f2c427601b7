// A health check as Consul's JSON shows it (/v1/agent/checks, and the catalog's health tables):
// the same record is held by the agent's local state and pushed into the catalog by anti-entropy.
export interface HealthCheckRecord {
  Node: string;
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval?: string;
  Timeout?: string;
  ExposedPort: number;
  Definition: Record<string, unknown>;
}

/** The check every node has, owned by the servers (Consul's serf reconciliation), not by the agent. */
export const SERF_CHECK_ID = 'serfHealth';
export const SERF_CHECK_NAME = 'Serf Health Status';
export const SERF_CHECK_ALIVE_OUTPUT = 'Agent alive and reachable';
/** The service every server registers for itself, also owned by the servers. */
export const CONSUL_SERVICE_ID = 'consul';

export const NODE_MAINTENANCE_CHECK_ID = '_node_maintenance';
export const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:';
export const DEFAULT_NODE_MAINT_REASON = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
export const DEFAULT_SERVICE_MAINT_REASON =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

/** Consul's aggregated status: maintenance > critical > warning > passing (no checks = passing). */
export function aggregatedStatus(checks: readonly { CheckID: string; Status: string }[]): string {
  let warning = false;
  let critical = false;
  let maintenance = false;
  for (const c of checks) {
    if (c.CheckID === NODE_MAINTENANCE_CHECK_ID || c.CheckID.startsWith(SERVICE_MAINTENANCE_PREFIX)) maintenance = true;
    else if (c.Status === 'critical') critical = true;
    else if (c.Status === 'warning') warning = true;
  }
  if (maintenance) return 'maintenance';
  if (critical) return 'critical';
  if (warning) return 'warning';
  return 'passing';
}
