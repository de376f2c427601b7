// What prepared queries and the DNS interface read from the catalog, and the health filter they
// share. The entries are the objects /v1/health/service/:name answers (Node, Service, Checks), passed
// through untouched to an execute answer, so both endpoints show the same instance the same way;
// only the fields named here are read.
export interface CatalogNodeView {
  Node: string;
  Address: string;
  Datacenter?: string;
  TaggedAddresses?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
  [field: string]: unknown;
}

export interface CatalogServiceView {
  ID: string;
  Service: string;
  Tags?: string[] | null;
  Address?: string;
  Port?: number;
  Meta?: Record<string, string> | null;
  Weights?: { Passing: number; Warning: number } | null;
  [field: string]: unknown;
}

export interface CatalogCheckView {
  CheckID: string;
  Status: string;
  ServiceID?: string;
  ServiceName?: string;
  [field: string]: unknown;
}

/** One instance of a service with its node and every check that bears on it (the node's and its own). */
export interface ServiceEntryView {
  Node: CatalogNodeView;
  Service: CatalogServiceView;
  Checks: CatalogCheckView[];
}

export interface QueryCatalog {
  /** Every instance of the service (name matched case-insensitively, as Consul's index does), unfiltered. */
  serviceEntries(service: string): Promise<ServiceEntryView[]>;
  /** The node of that name (case-insensitive), if registered. */
  node(name: string): Promise<CatalogNodeView | undefined>;
  nodes(): Promise<CatalogNodeView[]>;
  /** The names of every registered service. */
  serviceNames(): Promise<string[]>;
  /** Every instance of every service, read at one revision (reverse lookups scan these). */
  allServiceEntries(): Promise<ServiceEntryView[]>;
}

export const HEALTH_PASSING = 'passing';
export const HEALTH_CRITICAL = 'critical';

/**
 * Consul's CheckServiceNodes.FilterIgnore: drops an instance when any of its checks is critical, or
 * (onlyPassing) is anything but passing; checks whose ID is in `ignore` do not count.
 */
export function healthyEntries<E extends ServiceEntryView>(entries: E[], onlyPassing: boolean, ignore: readonly string[] = []): E[] {
  const ignored = new Set(ignore);
  return entries.filter((e) =>
    e.Checks.every((c) => {
      if (ignored.has(c.CheckID)) return true;
      return onlyPassing ? c.Status === HEALTH_PASSING : c.Status !== HEALTH_CRITICAL;
    }),
  );
}

/** The aggregated status of an instance's checks (Consul's HealthChecks.AggregatedStatus, maintenance aside). */
export function aggregatedStatus(checks: readonly CatalogCheckView[]): string {
  let warning = false;
  for (const c of checks) {
    if (c.Status === HEALTH_CRITICAL) return HEALTH_CRITICAL;
    if (c.Status === 'warning') warning = true;
  }
  return warning ? 'warning' : HEALTH_PASSING;
}

/** Fisher-Yates shuffle in place (Consul shuffles instances so load spreads). */
export function shuffleInPlace<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}
