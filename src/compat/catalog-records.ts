// The catalog's stored records and the JSON shapes Consul answers with.
//
// Records live in the system keyspace (system-keys.ts), JSON-encoded:
//   node/<node>                  NodeRecord
//   service/<node>/<service id>  ServiceRecord
//   check/<node>/<check id>      CheckRecord
// Consul's state store looks nodes, services and checks up case-insensitively (its memdb indexes
// lower-case the node name, service ID and check ID), so the key segments are lower-cased while
// the record keeps the spelling it was registered with. A '/' or '%' in a node name is
// percent-escaped so that the node segment always ends at the first '/'.
//
// CreateIndex / ModifyIndex of every shape are the record's create / mod revisions.
import type { KeyValue } from '../adapters/backend.js';
import { SystemPrefix, systemKey } from './system-keys.js';

export type CheckStatus = 'passing' | 'warning' | 'critical';
export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

/** A catalog node as stored (Consul's structs.Node without its indexes). Absent maps are null, as Go's nil maps encode. */
export interface NodeRecord {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  /** Set only when registered with one (Consul omits it when empty). */
  Locality?: { Region: string; Zone: string };
}

export interface ServiceAddress {
  Address: string;
  Port: number;
}

export interface Weights {
  Passing: number;
  Warning: number;
}

/** A service instance as stored (Consul's structs.NodeService plus the owning node's name). */
export interface ServiceRecord {
  /** The node the instance is registered on, as spelled at registration. */
  Node: string;
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[] | null;
  Address: string;
  TaggedAddresses: Record<string, ServiceAddress> | null;
  Meta: Record<string, string> | null;
  Port: number;
  SocketPath: string;
  Weights: Weights;
  EnableTagOverride: boolean;
  /** Consul's ConnectProxyConfig as given (mesh is off: kept and echoed, never acted on). */
  Proxy: Record<string, unknown> | null;
  /** Consul's ServiceConnect as given. */
  Connect: Record<string, unknown> | null;
  Locality: { Region: string; Zone: string } | null;
}

/** Consul's HealthCheckDefinition (every field omitted when empty). */
export type CheckDefinitionShape = Record<string, unknown>;

/** A health check as stored (Consul's structs.HealthCheck without its indexes). */
export interface CheckRecord {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[] | null;
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: CheckDefinitionShape;
}

/** A record with the revisions that become its CreateIndex / ModifyIndex. */
export interface Stored<T> {
  value: T;
  createIndex: number;
  modifyIndex: number;
}

// ---- keys ----

/** The key segment of a node name: lower-cased (Consul's lookups ignore case), '/' and '%' escaped. */
export function nodeSegment(node: string): string {
  return node.toLowerCase().replace(/%/g, '%25').replace(/\//g, '%2F');
}

export const nodeKey = (node: string): Buffer => systemKey(SystemPrefix.node, nodeSegment(node));
export const serviceKey = (node: string, serviceId: string): Buffer =>
  systemKey(SystemPrefix.service, `${nodeSegment(node)}/${serviceId.toLowerCase()}`);
export const checkKey = (node: string, checkId: string): Buffer =>
  systemKey(SystemPrefix.check, `${nodeSegment(node)}/${checkId.toLowerCase()}`);
/** Prefix of every service instance on a node. */
export const nodeServicesPrefix = (node: string): Buffer => systemKey(SystemPrefix.service, `${nodeSegment(node)}/`);
/** Prefix of every check on a node. */
export const nodeChecksPrefix = (node: string): Buffer => systemKey(SystemPrefix.check, `${nodeSegment(node)}/`);

// ---- codecs ----

export function encodeRecord(value: NodeRecord | ServiceRecord | CheckRecord): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function decodeStored<T>(kv: KeyValue): Stored<T> {
  return { value: JSON.parse(kv.value.toString('utf8')) as T, createIndex: kv.createRevision, modifyIndex: kv.modRevision };
}
export const decodeNode = (kv: KeyValue): Stored<NodeRecord> => decodeStored<NodeRecord>(kv);
export const decodeService = (kv: KeyValue): Stored<ServiceRecord> => decodeStored<ServiceRecord>(kv);
export const decodeCheck = (kv: KeyValue): Stored<CheckRecord> => decodeStored<CheckRecord>(kv);

/** Whether two records are the same data (Consul skips the write, and so the index bump, when a registration changes nothing). */
export function sameRecord(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// ---- Consul's JSON shapes ----

/** structs.Node as /v1/catalog/nodes, /v1/health/service's Node and /v1/catalog/node's Node show it. */
export interface NodeView {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  Locality?: { Region: string; Zone: string };
  CreateIndex: number;
  ModifyIndex: number;
}

export function nodeView(n: Stored<NodeRecord>): NodeView {
  const r = n.value;
  const v: NodeView = {
    ID: r.ID,
    Node: r.Node,
    Address: r.Address,
    Datacenter: r.Datacenter,
    TaggedAddresses: r.TaggedAddresses,
    Meta: r.Meta,
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
  if (!r.Locality) return v;
  // Go's field order: Locality sits between Meta and the indexes.
  const { CreateIndex, ModifyIndex, ...rest } = v;
  return { ...rest, Locality: r.Locality, CreateIndex, ModifyIndex };
}

/** The proxy block as Consul shows it on every service: the given members in Go's order, with Mode, MeshGateway and Expose always there. */
function proxyView(p: Record<string, unknown> | null): Record<string, unknown> {
  const given = p ?? {};
  const out: Record<string, unknown> = {};
  const copy = (k: string) => {
    if (given[k] !== undefined) out[k] = given[k];
  };
  for (const k of ['EnvoyExtensions', 'DestinationServiceName', 'DestinationServiceID', 'LocalServiceAddress', 'LocalServicePort', 'LocalServiceSocketPath']) copy(k);
  out.Mode = given.Mode ?? '';
  copy('Config');
  copy('Upstreams');
  out.MeshGateway = given.MeshGateway ?? {};
  out.Expose = given.Expose ?? {};
  copy('TransparentProxy');
  copy('AccessLogs');
  return out;
}

/** structs.NodeService as /v1/health/service's Service, /v1/catalog/node's Services and the agent show it. */
export type NodeServiceView = Record<string, unknown> & {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Meta: Record<string, string> | null;
  Port: number;
  Weights: Weights;
  EnableTagOverride: boolean;
  CreateIndex: number;
  ModifyIndex: number;
};

export function nodeServiceView(s: Stored<ServiceRecord>): NodeServiceView {
  const r = s.value;
  const out: Record<string, unknown> = {};
  if (r.Kind) out.Kind = r.Kind;
  out.ID = r.ID;
  out.Service = r.Service;
  out.Tags = r.Tags ?? [];
  out.Address = r.Address;
  if (r.TaggedAddresses && Object.keys(r.TaggedAddresses).length > 0) out.TaggedAddresses = r.TaggedAddresses;
  out.Meta = r.Meta;
  out.Port = r.Port;
  if (r.SocketPath) out.SocketPath = r.SocketPath;
  out.Weights = r.Weights;
  out.EnableTagOverride = r.EnableTagOverride;
  if (r.Locality) out.Locality = r.Locality;
  out.Proxy = proxyView(r.Proxy);
  out.Connect = r.Connect ?? {};
  out.CreateIndex = s.createIndex;
  out.ModifyIndex = s.modifyIndex;
  return out as NodeServiceView;
}

/** structs.ServiceNode as /v1/catalog/service/:name shows it (node fields, then the service flattened as Service*). */
export type CatalogServiceView = Record<string, unknown> & {
  Node: string;
  Address: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServicePort: number;
  CreateIndex: number;
  ModifyIndex: number;
};

export function catalogServiceView(node: Stored<NodeRecord>, s: Stored<ServiceRecord>): CatalogServiceView {
  const n = node.value;
  const r = s.value;
  const out: Record<string, unknown> = {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses,
    NodeMeta: n.Meta,
    ServiceKind: r.Kind,
    ServiceID: r.ID,
    ServiceName: r.Service,
    ServiceTags: r.Tags ?? [],
    ServiceAddress: r.Address,
  };
  if (r.TaggedAddresses && Object.keys(r.TaggedAddresses).length > 0) out.ServiceTaggedAddresses = r.TaggedAddresses;
  out.ServiceWeights = r.Weights;
  out.ServiceMeta = r.Meta;
  out.ServicePort = r.Port;
  out.ServiceSocketPath = r.SocketPath;
  out.ServiceEnableTagOverride = r.EnableTagOverride;
  out.ServiceProxy = proxyView(r.Proxy);
  out.ServiceConnect = r.Connect ?? {};
  out.ServiceLocality = r.Locality;
  out.CreateIndex = s.createIndex;
  out.ModifyIndex = s.modifyIndex;
  return out as CatalogServiceView;
}

/** structs.HealthCheck as every health endpoint shows it (ServiceTags [] rather than null, as Consul's HTTP layer fixes up). */
export interface HealthCheckView {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: CheckDefinitionShape;
  CreateIndex: number;
  ModifyIndex: number;
}

export function healthCheckView(c: Stored<CheckRecord>): HealthCheckView {
  const r = c.value;
  return {
    Node: r.Node,
    CheckID: r.CheckID,
    Name: r.Name,
    Status: r.Status,
    Notes: r.Notes,
    Output: r.Output,
    ServiceID: r.ServiceID,
    ServiceName: r.ServiceName,
    ServiceTags: r.ServiceTags ?? [],
    Type: r.Type,
    Interval: r.Interval,
    Timeout: r.Timeout,
    ExposedPort: r.ExposedPort,
    Definition: r.Definition,
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}
