// The QueryCatalog that prepared queries and DNS read, over the catalog (catalog.ts): one snapshot
// per lookup, instances shown exactly as /v1/health/service shows them (the catalog's own JSON
// shapes), so an execute answer and a health answer agree field for field.
import { instancesOf, type Catalog, type ServiceInstance } from './catalog.js';
import { healthCheckView, nodeServiceView, nodeView } from './catalog-records.js';
import type { CatalogNodeView, QueryCatalog, ServiceEntryView } from './query-catalog.js';

function entryOf(inst: ServiceInstance): ServiceEntryView {
  return {
    Node: nodeView(inst.node) as unknown as CatalogNodeView,
    Service: nodeServiceView(inst.service) as unknown as ServiceEntryView['Service'],
    Checks: inst.checks.map((c) => healthCheckView(c) as unknown as ServiceEntryView['Checks'][number]),
  };
}

export function catalogQuerySource(catalog: Catalog): QueryCatalog {
  return {
    async serviceEntries(service: string): Promise<ServiceEntryView[]> {
      return instancesOf(await catalog.snapshot(), service).map(entryOf);
    },
    async allServiceEntries(): Promise<ServiceEntryView[]> {
      return instancesOf(await catalog.snapshot(), '', () => true).map(entryOf);
    },
    async node(name: string): Promise<CatalogNodeView | undefined> {
      const n = await catalog.getNode(name);
      return n ? (nodeView(n) as unknown as CatalogNodeView) : undefined;
    },
    async nodes(): Promise<CatalogNodeView[]> {
      const snap = await catalog.snapshot();
      return snap.nodes.map((n) => nodeView(n) as unknown as CatalogNodeView);
    },
    async serviceNames(): Promise<string[]> {
      const snap = await catalog.snapshot();
      return [...new Set(snap.services.map((s) => s.value.Service))];
    },
  };
}
