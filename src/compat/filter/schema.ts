// What each filtering endpoint lets a `filter` expression select: the Go structs Consul filters
// (with their bexpr-visible fields), described as types. A selector is checked against its
// endpoint's schema before anything is evaluated, so a misspelt field is an error rather than a
// silently empty answer, as go-bexpr's type-checked filters do.

export type FieldType =
  | { kind: 'string' }
  | { kind: 'int' }
  | { kind: 'float' }
  | { kind: 'bool' }
  | { kind: 'map'; value: FieldType }
  | { kind: 'slice'; elem: FieldType }
  | { kind: 'struct'; fields: Record<string, FieldType> };

const str: FieldType = { kind: 'string' };
const int: FieldType = { kind: 'int' };
const bool: FieldType = { kind: 'bool' };
const strMap: FieldType = { kind: 'map', value: str };
const strSlice: FieldType = { kind: 'slice', elem: str };
const struct = (fields: Record<string, FieldType>): FieldType => ({ kind: 'struct', fields });

const serviceAddress = struct({ Address: str, Port: int });
const weights = struct({ Passing: int, Warning: int });
const upstream = struct({
  DestinationType: str,
  DestinationNamespace: str,
  DestinationPartition: str,
  DestinationPeer: str,
  DestinationName: str,
  Datacenter: str,
  LocalBindAddress: str,
  LocalBindPort: int,
  LocalBindSocketPath: str,
  LocalBindSocketMode: str,
  MeshGateway: struct({ Mode: str }),
  CentrallyConfigured: bool,
});
const proxy = struct({
  DestinationServiceName: str,
  DestinationServiceID: str,
  LocalServiceAddress: str,
  LocalServicePort: int,
  LocalServiceSocketPath: str,
  Mode: str,
  Upstreams: { kind: 'slice', elem: upstream },
  MeshGateway: struct({ Mode: str }),
  Expose: struct({
    Checks: bool,
    Paths: { kind: 'slice', elem: struct({ ListenerPort: int, Path: str, LocalPathPort: int, Protocol: str, ParsedFromCheck: bool }) },
  }),
  TransparentProxy: struct({ OutboundListenerPort: int, DialedDirectly: bool }),
});
const connect = struct({ Native: bool });

/** structs.Node (/v1/catalog/nodes). */
export const NODE_SCHEMA = struct({
  ID: str,
  Node: str,
  Address: str,
  Datacenter: str,
  TaggedAddresses: strMap,
  Meta: strMap,
});

/** structs.NodeService (/v1/catalog/node/:node Services, /v1/catalog/node-services, /v1/agent/services). */
export const NODE_SERVICE_SCHEMA = struct({
  Kind: str,
  ID: str,
  Service: str,
  Tags: strSlice,
  Address: str,
  TaggedAddresses: { kind: 'map', value: serviceAddress },
  Meta: strMap,
  Port: int,
  SocketPath: str,
  Weights: weights,
  EnableTagOverride: bool,
  Proxy: proxy,
  Connect: connect,
  PeerName: str,
});

/** structs.ServiceNode (/v1/catalog/service/:name, /v1/catalog/services, /v1/catalog/connect/:name). */
export const SERVICE_NODE_SCHEMA = struct({
  ID: str,
  Node: str,
  Address: str,
  Datacenter: str,
  TaggedAddresses: strMap,
  NodeMeta: strMap,
  ServiceKind: str,
  ServiceID: str,
  ServiceName: str,
  ServiceTags: strSlice,
  ServiceAddress: str,
  ServiceTaggedAddresses: { kind: 'map', value: serviceAddress },
  ServiceWeights: weights,
  ServiceMeta: strMap,
  ServicePort: int,
  ServiceSocketPath: str,
  ServiceEnableTagOverride: bool,
  ServiceProxy: proxy,
  ServiceConnect: connect,
  PeerName: str,
});

/** structs.HealthCheck (/v1/health/node, /checks, /state; /v1/agent/checks). */
export const HEALTH_CHECK_SCHEMA = struct({
  Node: str,
  CheckID: str,
  Name: str,
  Status: str,
  Notes: str,
  Output: str,
  ServiceID: str,
  ServiceName: str,
  ServiceTags: strSlice,
  Type: str,
  Interval: str,
  Timeout: str,
  ExposedPort: int,
  PeerName: str,
});

/** structs.CheckServiceNode (/v1/health/service/:name, /connect, /ingress). */
export const CHECK_SERVICE_NODE_SCHEMA = struct({
  Node: NODE_SCHEMA,
  Service: NODE_SERVICE_SCHEMA,
  Checks: { kind: 'slice', elem: HEALTH_CHECK_SCHEMA },
});

/** serf's Member as /v1/agent/members lists it (Tags is a map, Status an int). */
export const MEMBER_SCHEMA = struct({
  Name: str,
  Addr: str,
  Port: int,
  Tags: strMap,
  Status: int,
  ProtocolMin: int,
  ProtocolMax: int,
  ProtocolCur: int,
  DelegateMin: int,
  DelegateMax: int,
  DelegateCur: int,
});
