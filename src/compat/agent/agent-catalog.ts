// What the agent needs from the catalog (src/compat/catalog.ts, core.catalog): Consul's Catalog.Register and
// Catalog.Deregister, and the node's current services and checks to compare against. Declared
// here so anti-entropy depends on this narrow surface only.
import type { DeregisterRequest, RegisterRequest } from '../catalog-decode.js';
import type { CheckRecord, NodeRecord, ServiceRecord as CatalogServiceRecord, Stored } from '../catalog-records.js';

export type { DeregisterRequest, RegisterRequest } from '../catalog-decode.js';
export type { CheckRecord, NodeRecord, CatalogServiceRecord, Stored };

export interface AgentCatalog {
  register(req: RegisterRequest): Promise<unknown>;
  deregister(req: DeregisterRequest): Promise<unknown>;
  getNode(node: string): Promise<Stored<NodeRecord> | undefined>;
  nodeServices(node: string): Promise<Stored<CatalogServiceRecord>[]>;
  nodeChecks(node: string): Promise<Stored<CheckRecord>[]>;
}
