// Decoding /v1/catalog/register and /v1/catalog/deregister bodies (and the Node / Service / Check
// objects of /v1/txn) as Consul's decoder does: field names match case-insensitively, with
// snake_case spellings accepted (`node_meta`, `service_id`, `tagged_addresses`); a value of the
// wrong JSON type fails with Go's encoding/json text. Map contents (Meta, NodeMeta,
// TaggedAddresses) are user data and keep their keys as sent.
import type { CheckDefinitionShape, CheckStatus, ServiceAddress, Weights } from './catalog-records.js';

/** A decode failure; the HTTP layer answers 400 "Request decode failed: <message>". */
export class CatalogDecodeError extends Error {}

type Json = unknown;

function jsonTypeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

const fold = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/** Case-insensitive field access to one JSON object, failing with Go's type-mismatch text. */
export class BodyFields {
  private readonly byName = new Map<string, Json>();

  private constructor(
    obj: Record<string, Json>,
    private readonly structName: string,
  ) {
    for (const [k, v] of Object.entries(obj)) {
      const n = fold(k);
      // An exact lower-case spelling does not override an earlier match; the first wins otherwise.
      if (!this.byName.has(n)) this.byName.set(n, v);
    }
  }

  static of(raw: Json, structName: string): BodyFields {
    if (raw === null || raw === undefined) return new BodyFields({}, structName);
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new CatalogDecodeError(`json: cannot unmarshal ${jsonTypeName(raw)} into Go value of type structs.${structName}`);
    }
    return new BodyFields(raw as Record<string, Json>, structName);
  }

  raw(...names: string[]): Json {
    for (const n of names) {
      const v = this.byName.get(fold(n));
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }

  has(...names: string[]): boolean {
    return this.raw(...names) !== undefined;
  }

  private fail(field: string, v: Json, goType: string): never {
    throw new CatalogDecodeError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${this.structName}.${field} of type ${goType}`);
  }

  string(field: string, ...aliases: string[]): string {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return '';
    if (typeof v !== 'string') this.fail(field, v, 'string');
    return v;
  }

  bool(field: string): boolean {
    const v = this.raw(field);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(field, v, 'bool');
    return v;
  }

  int(field: string): number {
    const v = this.raw(field);
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, v, 'int');
    return v;
  }

  stringArray(field: string): string[] | null {
    const v = this.raw(field);
    if (v === undefined) return null;
    if (!Array.isArray(v)) this.fail(field, v, '[]string');
    return v.map((item) => {
      if (typeof item !== 'string') this.fail(field, item, 'string');
      return item;
    });
  }

  stringMap(field: string, ...aliases: string[]): Record<string, string> | null {
    const v = this.raw(field, ...aliases);
    if (v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, v, 'map[string]string');
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Record<string, Json>)) {
      if (typeof item !== 'string') this.fail(field, item, 'string');
      out[k] = item;
    }
    return out;
  }

  object(field: string): BodyFields | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, v, 'struct');
    return new BodyFields(v as Record<string, Json>, field);
  }

  /** A free-form object kept as sent (Proxy, Connect). */
  freeObject(field: string): Record<string, unknown> | null {
    const v = this.raw(field);
    if (v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, v, 'struct');
    return v as Record<string, unknown>;
  }

  array(field: string): Json[] | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(field, v, 'slice');
    return v;
  }
}

// ---- the request types ----

/** The Service of a catalog registration (Consul's NodeService input). */
export interface ServiceInput {
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[] | null;
  Address: string;
  TaggedAddresses: Record<string, ServiceAddress> | null;
  Meta: Record<string, string> | null;
  Port: number;
  SocketPath: string;
  /** null = not given (the catalog defaults it to Passing 1 / Warning 1). */
  Weights: Weights | null;
  EnableTagOverride: boolean;
  Proxy: Record<string, unknown> | null;
  Connect: Record<string, unknown> | null;
  Locality: { Region: string; Zone: string } | null;
}

/** A check of a catalog registration (Consul's HealthCheck input). */
export interface CheckInput {
  Node: string;
  CheckID: string;
  Name: string;
  /** '' = not given (stored as critical, Consul's default). */
  Status: CheckStatus | '';
  Notes: string;
  Output: string;
  ServiceID: string;
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: CheckDefinitionShape;
}

/** PUT /v1/catalog/register. */
export interface RegisterRequest {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  NodeMeta: Record<string, string> | null;
  Service: ServiceInput | null;
  /** Check and Checks together, in that order. */
  Checks: CheckInput[];
  SkipNodeUpdate: boolean;
  /** The node's locality (optional: absent = none). */
  Locality?: { Region: string; Zone: string };
}

/** PUT /v1/catalog/deregister. */
export interface DeregisterRequest {
  Node: string;
  ServiceID: string;
  CheckID: string;
  Datacenter: string;
}

// Definition members Consul's HealthCheckDefinition carries, by their JSON names, with their kinds.
const DEFINITION_FIELDS: ReadonlyArray<[string, 'string' | 'bool' | 'duration' | 'header' | 'strings' | 'int']> = [
  ['HTTP', 'string'],
  ['TLSServerName', 'string'],
  ['TLSSkipVerify', 'bool'],
  ['Header', 'header'],
  ['Method', 'string'],
  ['Body', 'string'],
  ['DisableRedirects', 'bool'],
  ['TCP', 'string'],
  ['TCPUseTLS', 'bool'],
  ['UDP', 'string'],
  ['H2PING', 'string'],
  ['H2PingUseTLS', 'bool'],
  ['OSService', 'string'],
  ['Interval', 'duration'],
  ['OutputMaxSize', 'int'],
  ['Timeout', 'duration'],
  ['DeregisterCriticalServiceAfter', 'duration'],
  ['ScriptArgs', 'strings'],
  ['DockerContainerID', 'string'],
  ['Shell', 'string'],
  ['GRPC', 'string'],
  ['GRPCUseTLS', 'bool'],
  ['AliasNode', 'string'],
  ['AliasService', 'string'],
  ['TTL', 'duration'],
];

/** A duration field: a Go duration string, or nanoseconds as a number (formatted back as Go prints it). */
const DURATION_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };

/** Go's time.ParseDuration in nanoseconds (undefined when Go refuses it). */
export function parseGoDurationNs(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!/^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_NS[part[2]!]!;
  return text.startsWith('-') ? -total : total;
}

/**
 * A duration of a check definition as Consul stores it: decoded into a time.Duration (a Go
 * duration string, or nanoseconds as a number; Consul's decoder fixes up both) and shown again as
 * Go prints it ("10000ms" comes back "10s").
 */
function durationText(v: unknown, field: string): string {
  if (typeof v === 'string') {
    if (v === '') return '';
    const ns = parseGoDurationNs(v);
    if (ns === undefined) throw new CatalogDecodeError(`time: invalid duration ${JSON.stringify(v)}`);
    return formatGoDurationNs(ns);
  }
  if (typeof v === 'number') return formatGoDurationNs(v);
  throw new CatalogDecodeError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field HealthCheckDefinition.${field} of type time.Duration`);
}

/** Go's time.Duration.String() for a count of nanoseconds. */
export function formatGoDurationNs(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let rest = Math.abs(Math.trunc(ns));
  let text: string;
  if (rest < 1000) text = `${rest}ns`;
  else if (rest < 1e6) text = `${trimFloat(rest / 1e3)}µs`;
  else if (rest < 1e9) text = `${trimFloat(rest / 1e6)}ms`;
  else {
    const h = Math.floor(rest / 3.6e12);
    rest -= h * 3.6e12;
    const m = Math.floor(rest / 6e10);
    rest -= m * 6e10;
    const s = trimFloat(rest / 1e9);
    text = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${text}` : text;
}

function trimFloat(x: number): string {
  return String(Number(x.toFixed(9)));
}

function decodeDefinition(f: BodyFields | undefined): CheckDefinitionShape {
  const out: CheckDefinitionShape = {};
  if (!f) return out;
  for (const [name, kind] of DEFINITION_FIELDS) {
    const v = f.raw(name);
    if (v === undefined) continue;
    switch (kind) {
      case 'string': {
        const s = f.string(name);
        if (s) out[name] = s;
        break;
      }
      case 'bool':
        if (f.bool(name)) out[name] = true;
        break;
      case 'int': {
        const n = f.int(name);
        if (n) out[name] = n;
        break;
      }
      case 'duration': {
        const d = durationText(v, name);
        if (d && d !== '0s' && d !== '0') out[name] = d;
        break;
      }
      case 'strings': {
        const a = f.stringArray(name);
        if (a && a.length > 0) out[name] = a;
        break;
      }
      case 'header': {
        if (typeof v !== 'object' || Array.isArray(v)) throw new CatalogDecodeError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field HealthCheckDefinition.Header of type map[string][]string`);
        if (Object.keys(v as object).length > 0) out[name] = v;
        break;
      }
    }
  }
  return out;
}

function decodeStatus(f: BodyFields): CheckStatus | '' {
  // Consul's catalog stores whatever status string it is given (only the agent's check update
  // validates it). An unknown one is kept and shown as sent: it is not passing (?passing drops it),
  // not critical (DNS and session bindings treat only critical as failed) and aggregates to "",
  // exactly as Consul's readers treat it.
  return f.string('Status') as CheckStatus | '';
}

export function decodeCheckInput(raw: unknown): CheckInput {
  const f = BodyFields.of(raw, 'HealthCheck');
  return {
    Node: f.string('Node'),
    CheckID: f.string('CheckID', 'ID'),
    Name: f.string('Name'),
    Status: decodeStatus(f),
    Notes: f.string('Notes'),
    Output: f.string('Output'),
    ServiceID: f.string('ServiceID'),
    Type: f.string('Type'),
    // The check's own Interval / Timeout are plain strings in Consul (what the agent reports); only the Definition's are durations.
    Interval: typeof f.raw('Interval') === 'string' ? f.string('Interval') : f.has('Interval') ? durationText(f.raw('Interval'), 'Interval') : '',
    Timeout: typeof f.raw('Timeout') === 'string' ? f.string('Timeout') : f.has('Timeout') ? durationText(f.raw('Timeout'), 'Timeout') : '',
    ExposedPort: f.int('ExposedPort'),
    Definition: decodeDefinition(f.object('Definition')),
  };
}

// ConnectProxyConfig's members in Go's field order (what Consul shows, each omitted when empty
// except Mode, MeshGateway and Expose). Service mesh is off: the block is kept and shown as given
// (Upstreams, Config and the nested blocks verbatim), never acted on.
const PROXY_FIELDS = [
  'EnvoyExtensions',
  'DestinationServiceName',
  'DestinationServiceID',
  'LocalServiceAddress',
  'LocalServicePort',
  'LocalServiceSocketPath',
  'Mode',
  'Config',
  'Upstreams',
  'MeshGateway',
  'Expose',
  'TransparentProxy',
  'AccessLogs',
] as const;
const PROXY_OBJECTS = new Set(['Config', 'MeshGateway', 'Expose', 'TransparentProxy', 'AccessLogs']);
const PROXY_LISTS = new Set(['EnvoyExtensions', 'Upstreams']);

/** The Proxy block with Consul's member names (matched case-insensitively) in Go's order; unknown members dropped as Go's decoder drops them. */
function decodeProxy(f: BodyFields): Record<string, unknown> | null {
  const raw = f.freeObject('Proxy');
  if (!raw) return null;
  const p = BodyFields.of(raw, 'ConnectProxyConfig');
  const out: Record<string, unknown> = {};
  for (const name of PROXY_FIELDS) {
    const v = p.raw(name);
    if (v === undefined || v === '' || v === 0) continue;
    if (name === 'LocalServicePort') out[name] = p.int(name);
    else if (PROXY_OBJECTS.has(name)) out[name] = p.freeObject(name);
    else if (PROXY_LISTS.has(name)) out[name] = p.array(name);
    else out[name] = p.string(name);
  }
  return out;
}

/** The Connect block: only Native is meaningful with mesh off (a sidecar registration is refused by the agent, not here). */
function decodeConnect(f: BodyFields): Record<string, unknown> | null {
  const c = f.object('Connect');
  if (!c) return null;
  return c.bool('Native') ? { Native: true } : {};
}

export function decodeServiceInput(raw: unknown): ServiceInput {
  const f = BodyFields.of(raw, 'NodeService');
  let tagged: Record<string, ServiceAddress> | null = null;
  const rawTagged = f.raw('TaggedAddresses');
  if (rawTagged !== undefined) {
    if (typeof rawTagged !== 'object' || Array.isArray(rawTagged)) {
      throw new CatalogDecodeError(`json: cannot unmarshal ${jsonTypeName(rawTagged)} into Go struct field NodeService.TaggedAddresses of type map[string]structs.ServiceAddress`);
    }
    tagged = {};
    for (const [k, v] of Object.entries(rawTagged as Record<string, unknown>)) {
      const a = BodyFields.of(v, 'ServiceAddress');
      tagged[k] = { Address: a.string('Address'), Port: a.int('Port') };
    }
  }
  const w = f.object('Weights');
  const loc = f.object('Locality');
  return {
    Kind: f.string('Kind'),
    ID: f.string('ID'),
    Service: f.string('Service', 'Name'),
    Tags: f.stringArray('Tags'),
    Address: f.string('Address'),
    TaggedAddresses: tagged,
    Meta: f.stringMap('Meta'),
    Port: f.int('Port'),
    SocketPath: f.string('SocketPath'),
    Weights: w ? { Passing: w.int('Passing'), Warning: w.int('Warning') } : null,
    EnableTagOverride: f.bool('EnableTagOverride'),
    Proxy: decodeProxy(f),
    Connect: decodeConnect(f),
    Locality: loc ? { Region: loc.string('Region'), Zone: loc.string('Zone') } : null,
  };
}

/** Decodes a parsed /v1/catalog/register body. Throws CatalogDecodeError. */
export function decodeRegisterRequest(raw: unknown): RegisterRequest {
  const f = BodyFields.of(raw, 'RegisterRequest');
  const checks: CheckInput[] = [];
  if (f.has('Check')) checks.push(decodeCheckInput(f.raw('Check')));
  for (const c of f.array('Checks') ?? []) checks.push(decodeCheckInput(c));
  const req: RegisterRequest = {
    ID: f.string('ID'),
    Node: f.string('Node'),
    Address: f.string('Address'),
    Datacenter: f.string('Datacenter'),
    TaggedAddresses: f.stringMap('TaggedAddresses'),
    NodeMeta: f.stringMap('NodeMeta'),
    Service: f.has('Service') ? decodeServiceInput(f.raw('Service')) : null,
    Checks: checks,
    SkipNodeUpdate: f.bool('SkipNodeUpdate'),
  };
  const loc = f.object('Locality');
  if (loc) req.Locality = { Region: loc.string('Region'), Zone: loc.string('Zone') };
  return req;
}

/** Decodes a parsed /v1/catalog/deregister body. Throws CatalogDecodeError. */
export function decodeDeregisterRequest(raw: unknown): DeregisterRequest {
  const f = BodyFields.of(raw, 'DeregisterRequest');
  return { Node: f.string('Node'), ServiceID: f.string('ServiceID'), CheckID: f.string('CheckID'), Datacenter: f.string('Datacenter') };
}
