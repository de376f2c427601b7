// The QueryCatalog that prepared queries and DNS read, over the catalog (catalog.ts): one snapshot
// per lookup, instances shown exactly as /v1/health/service shows them (the catalog's own JSON
// shapes), so an execute answer and a health answer agree field for field.
//
// The stale flavour is what Consul's DNS uses (dns_config.allow_stale, on by default): the member's
// own copy of the catalog, read without a round trip to the leader, so names still resolve on a
// member that has lost its leader. Its three ranges are pinned to one revision, so the snapshot is
// consistent even though it is not one transaction.
import type { Backend } from '../adapters/backend.js';
import { rangeRequest } from '../adapters/requests.js';
import { instancesOf, type Catalog, type CatalogSnapshot, type ServiceInstance } from './catalog.js';
import { decodeCheck, decodeNode, decodeService, healthCheckView, nodeKey, nodeServiceView, nodeView } from './catalog-records.js';
import type { CatalogNodeView, QueryCatalog, ServiceEntryView } from './query-catalog.js';
import { prefixEnd, SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

function entryOf(inst: ServiceInstance): ServiceEntryView {
  return {
    Node: nodeView(inst.node) as unknown as CatalogNodeView,
    Service: nodeServiceView(inst.service) as unknown as ServiceEntryView['Service'],
    Checks: inst.checks.map((c) => healthCheckView(c) as unknown as ServiceEntryView['Checks'][number]),
  };
}

/** The catalog at one revision from this member's own store (serializable reads). */
async function staleSnapshot(backend: Backend): Promise<CatalogSnapshot> {
  const read = (prefix: string, revision: number) => {
    const key = systemKey(prefix);
    return backend.range(rangeRequest(key, { keyspace: SYSTEM, rangeEnd: prefixEnd(key), serializable: true, revision }));
  };
  const nodes = await read(SystemPrefix.node, 0);
  const revision = nodes.header.revision;
  const [services, checks] = await Promise.all([read(SystemPrefix.service, revision), read(SystemPrefix.check, revision)]);
  return {
    revision,
    nodes: nodes.kvs.map(decodeNode),
    services: services.kvs.map(decodeService),
    checks: checks.kvs.map(decodeCheck),
    coordinates: [],
  };
}

/** Every instance of a snapshot, grouped by lower-cased service name (built once per snapshot). */
function groupByService(snap: CatalogSnapshot): Map<string, ServiceEntryView[]> {
  const groups = new Map<string, ServiceEntryView[]>();
  for (const inst of instancesOf(snap, '', () => true)) {
    const key = inst.service.value.Service.toLowerCase();
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(entryOf(inst));
  }
  return groups;
}

/**
 * The catalog as prepared queries and DNS read it. With `staleFrom`, reads come from that
 * backend's local copy (Consul's stale DNS reads); otherwise from the catalog's consistent snapshot.
 */
export function catalogQuerySource(catalog: Catalog, staleFrom?: Backend): QueryCatalog {
  // A stale snapshot is reused while the store's revision stands still: a burst of DNS questions
  // reads and decodes the catalog once, and any write (which moves the revision) retires it.
  let cached: { revision: number; snap: Promise<CatalogSnapshot>; byService?: Map<string, ServiceEntryView[]> } | undefined;
  const stale = (backend: Backend): Promise<CatalogSnapshot> => {
    const revision = backend.header().revision;
    if (cached && cached.revision === revision) return cached.snap;
    const snap = staleSnapshot(backend);
    cached = { revision, snap };
    snap.catch(() => {
      if (cached?.snap === snap) cached = undefined;
    });
    return snap;
  };
  const snapshot = staleFrom ? () => stale(staleFrom) : () => catalog.snapshot();
  return {
    async serviceEntries(service: string): Promise<ServiceEntryView[]> {
      const snap = await snapshot();
      if (!staleFrom) return instancesOf(snap, service).map(entryOf);
      const current = cached;
      if (current && (await current.snap) === snap) {
        current.byService ??= groupByService(snap);
        // A copy: callers filter and shuffle what they get.
        return [...(current.byService.get(service.toLowerCase()) ?? [])];
      }
      return instancesOf(snap, service).map(entryOf);
    },
    async allServiceEntries(): Promise<ServiceEntryView[]> {
      return instancesOf(await snapshot(), '', () => true).map(entryOf);
    },
    async node(name: string): Promise<CatalogNodeView | undefined> {
      let n;
      if (staleFrom) {
        const res = await staleFrom.range(rangeRequest(nodeKey(name), { keyspace: SYSTEM, serializable: true }));
        n = res.kvs[0] ? decodeNode(res.kvs[0]) : undefined;
      } else n = await catalog.getNode(name);
      return n ? (nodeView(n) as unknown as CatalogNodeView) : undefined;
    },
    async nodes(): Promise<CatalogNodeView[]> {
      return (await snapshot()).nodes.map((n) => nodeView(n) as unknown as CatalogNodeView);
    },
    async serviceNames(): Promise<string[]> {
      return [...new Set((await snapshot()).services.map((s) => s.value.Service))];
    },
  };
}
