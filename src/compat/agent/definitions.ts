// Service and check definitions as a Consul agent accepts them: the body of
// PUT /v1/agent/service/register and /v1/agent/check/register, and the `service`/`services`/
// `check`/`checks` blocks of a config file (the CLI's config loader calls the same parsers).
// Decoding is case-insensitive with Consul's snake_case aliases (json-fields.ts); validation
// answers with Consul's texts.
import { isIP } from 'node:net';
import { parseGoDurationNs } from './go-duration.js';
import { DefinitionError, JsonFields } from './json-fields.js';

export { DefinitionError } from './json-fields.js';

export type HealthStatus = 'passing' | 'warning' | 'critical' | 'maintenance';
export const VALID_STATUSES: readonly string[] = ['passing', 'warning', 'critical'];

/** How a check is run (Consul's CheckType). Durations are nanoseconds, as Go's time.Duration. */
export interface CheckType {
  checkId: string;
  name: string;
  /** Initial status ('' = critical, Consul's default). */
  status: string;
  notes: string;
  scriptArgs: string[];
  http: string;
  header: Record<string, string[]>;
  method: string;
  body: string;
  disableRedirects: boolean;
  tcp: string;
  tcpUseTls: boolean;
  udp: string;
  grpc: string;
  grpcUseTls: boolean;
  h2ping: string;
  h2pingUseTls: boolean;
  osService: string;
  dockerContainerId: string;
  shell: string;
  aliasNode: string;
  aliasService: string;
  tlsServerName: string;
  tlsSkipVerify: boolean;
  intervalNs: number;
  timeoutNs: number;
  ttlNs: number;
  deregisterCriticalServiceAfterNs: number;
  successBeforePassing: number;
  failuresBeforeWarning: number;
  failuresBeforeCritical: number;
  outputMaxSize: number;
}

/** A check registered on its own (/v1/agent/check/register or a config `check`). */
export interface CheckDefinition extends CheckType {
  serviceId: string;
  token: string;
}

export interface ServiceWeights {
  Passing: number;
  Warning: number;
}

/** A service instance as the agent holds it and as the catalog stores it (Consul's NodeService, JSON names). */
export interface ServicePort {
  Name: string;
  Port: number;
  Default: boolean;
}

export interface ServiceRecord {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  /** Named ports of a multi-port service. */
  Ports?: ServicePort[];
  Address: string;
  SocketPath?: string;
  TaggedAddresses?: Record<string, { Address: string; Port: number }>;
  Weights: ServiceWeights;
  EnableTagOverride: boolean;
  Connect?: { Native: boolean };
  Locality?: { Region: string; Zone: string };
}

export interface ServiceDefinition {
  service: ServiceRecord;
  /** Check + Checks, empty ones dropped (Consul ignores a check object with no fields set). */
  checks: CheckType[];
  token: string;
  /** Whether the body carried Weights (they are validated only then). */
  weightsGiven: boolean;
}

function emptyCheckType(): CheckType {
  return {
    checkId: '',
    name: '',
    status: '',
    notes: '',
    scriptArgs: [],
    http: '',
    header: {},
    method: '',
    body: '',
    disableRedirects: false,
    tcp: '',
    tcpUseTls: false,
    udp: '',
    grpc: '',
    grpcUseTls: false,
    h2ping: '',
    h2pingUseTls: true,
    osService: '',
    dockerContainerId: '',
    shell: '',
    aliasNode: '',
    aliasService: '',
    tlsServerName: '',
    tlsSkipVerify: false,
    intervalNs: 0,
    timeoutNs: 0,
    ttlNs: 0,
    deregisterCriticalServiceAfterNs: 0,
    successBeforePassing: 0,
    failuresBeforeWarning: 0,
    failuresBeforeCritical: 0,
    outputMaxSize: 0,
  };
}

const CHECK_TYPE_FIELDS = [
  'CheckID', 'ID', 'Name', 'Status', 'Notes', 'ScriptArgs', 'Args', 'HTTP', 'Header', 'Method', 'Body', 'DisableRedirects',
  'TCP', 'TCPUseTLS', 'UDP', 'Interval', 'AliasNode', 'AliasService', 'DockerContainerID', 'Shell', 'GRPC', 'GRPCUseTLS',
  'H2PING', 'H2PingUseTLS', 'OSService', 'TLSServerName', 'TLSSkipVerify', 'Timeout', 'TTL', 'SuccessBeforePassing',
  'FailuresBeforeWarning', 'FailuresBeforeCritical', 'ProxyHTTP', 'ProxyGRPC', 'DeregisterCriticalServiceAfter',
  'OutputMaxSize', 'ServiceID', 'Token', 'Namespace', 'Partition',
] as const;

const SERVICE_FIELDS = [
  'Kind', 'ID', 'Name', 'Tags', 'Address', 'TaggedAddresses', 'Meta', 'Port', 'Ports', 'SocketPath', 'Check', 'Checks', 'Weights',
  'Token', 'EnableTagOverride', 'Locality', 'Proxy', 'Connect', 'Namespace', 'Partition',
] as const;

function readCheckType(f: JsonFields): CheckType {
  f.rejectUnknown(CHECK_TYPE_FIELDS);
  const c = emptyCheckType();
  c.checkId = f.string('CheckID', 'ID');
  c.name = f.string('Name');
  c.status = f.string('Status');
  c.notes = f.string('Notes');
  c.scriptArgs = f.stringArray('ScriptArgs', 'Args') ?? [];
  c.http = f.string('HTTP');
  c.header = f.headerMap('Header') ?? {};
  c.method = f.string('Method');
  c.body = f.string('Body');
  c.disableRedirects = f.bool('DisableRedirects');
  c.tcp = f.string('TCP');
  c.tcpUseTls = f.bool('TCPUseTLS');
  c.udp = f.string('UDP');
  c.grpc = f.string('GRPC');
  c.grpcUseTls = f.bool('GRPCUseTLS');
  c.h2ping = f.string('H2PING');
  // Consul defaults h2ping_use_tls to true: only an explicit false turns TLS off.
  c.h2pingUseTls = f.has('H2PingUseTLS') ? f.bool('H2PingUseTLS') : true;
  c.osService = f.string('OSService');
  c.dockerContainerId = f.string('DockerContainerID');
  c.shell = f.string('Shell');
  c.aliasNode = f.string('AliasNode');
  c.aliasService = f.string('AliasService');
  c.tlsServerName = f.string('TLSServerName');
  c.tlsSkipVerify = f.bool('TLSSkipVerify');
  c.intervalNs = f.durationNs('Interval', parseGoDurationNs);
  c.timeoutNs = f.durationNs('Timeout', parseGoDurationNs);
  c.ttlNs = f.durationNs('TTL', parseGoDurationNs);
  c.deregisterCriticalServiceAfterNs = f.durationNs('DeregisterCriticalServiceAfter', parseGoDurationNs);
  c.successBeforePassing = f.int('SuccessBeforePassing');
  c.failuresBeforeWarning = f.int('FailuresBeforeWarning');
  c.failuresBeforeCritical = f.int('FailuresBeforeCritical');
  c.outputMaxSize = f.int('OutputMaxSize');
  return c;
}

function isEmptyCheck(c: CheckType): boolean {
  return JSON.stringify(c) === JSON.stringify(emptyCheckType());
}

/** Decodes an AgentCheckRegistration / config `check` block. Throws DefinitionError (Go's decode text). */
export function parseCheckDefinition(raw: unknown): CheckDefinition {
  const f = JsonFields.of(raw, 'CheckDefinition');
  return { ...readCheckType(f), serviceId: f.string('ServiceID'), token: f.string('Token') };
}

/** Decodes an AgentServiceRegistration / config `service` block. Throws DefinitionError. */
export function parseServiceDefinition(raw: unknown): ServiceDefinition {
  const f = JsonFields.of(raw, 'ServiceDefinition').rejectUnknown(SERVICE_FIELDS);
  const name = f.string('Name');
  const service: ServiceRecord = {
    ID: f.string('ID') || name,
    Service: name,
    Tags: f.stringArray('Tags') ?? [],
    Meta: f.stringMap('Meta') ?? {},
    Port: f.int('Port'),
    Address: f.string('Address'),
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: f.bool('EnableTagOverride'),
  };
  const kind = f.string('Kind');
  // Every kind but the typical one ("") is a mesh role (proxy, gateways): refused, not half-served.
  if (kind) throw new DefinitionError(`service kind ${JSON.stringify(kind)} needs the service mesh, which dcsgw does not support`);
  const ports = f.array('Ports');
  if (ports && ports.length > 0) {
    service.Ports = ports.map((item) => {
      const p = JsonFields.of(item, 'ServicePort').rejectUnknown(['Name', 'Port', 'Default']);
      return { Name: p.string('Name'), Port: p.int('Port'), Default: p.bool('Default') };
    });
  }
  const socketPath = f.string('SocketPath');
  if (socketPath) service.SocketPath = socketPath;
  const tagged = f.object('TaggedAddresses');
  if (tagged) {
    const out: Record<string, { Address: string; Port: number }> = {};
    const rawTagged = f.raw('TaggedAddresses') as Record<string, unknown>;
    for (const key of Object.keys(rawTagged)) {
      const a = JsonFields.of(rawTagged[key], 'ServiceAddress').rejectUnknown(['Address', 'Port']);
      out[key] = { Address: a.string('Address'), Port: a.int('Port') };
    }
    if (Object.keys(out).length > 0) service.TaggedAddresses = out;
  }
  const weights = f.object('Weights')?.rejectUnknown(['Passing', 'Warning']);
  if (weights) service.Weights = { Passing: weights.int('Passing'), Warning: weights.int('Warning') };
  const connect = f.object('Connect')?.rejectUnknown(['Native', 'SidecarService', 'Proxy']);
  if (connect) {
    if (connect.has('SidecarService')) throw new DefinitionError('service mesh (Connect sidecar_service) is not supported by dcsgw');
    if (connect.bool('Native')) service.Connect = { Native: true };
  }
  const proxy = f.object('Proxy');
  if (proxy && Object.keys(f.raw('Proxy') as object).length > 0) throw new DefinitionError('service mesh (Proxy) is not supported by dcsgw');
  const locality = f.object('Locality')?.rejectUnknown(['Region', 'Zone']);
  if (locality) service.Locality = { Region: locality.string('Region'), Zone: locality.string('Zone') };

  const checks: CheckType[] = [];
  const single = f.object('Check');
  if (single) {
    const c = readCheckType(single);
    if (!isEmptyCheck(c)) checks.push(c);
  }
  for (const item of f.array('Checks') ?? []) {
    const c = readCheckType(JsonFields.of(item, 'CheckType'));
    if (!isEmptyCheck(c)) checks.push(c);
  }
  return { service, checks, token: f.string('Token'), weightsGiven: weights !== undefined };
}

// ---- validation (Consul's texts) ----

export function isScriptCheck(c: CheckType): boolean {
  return c.scriptArgs.length > 0;
}
export function isAliasCheck(c: CheckType): boolean {
  return c.aliasNode !== '' || c.aliasService !== '';
}

/** Consul's CheckType.Type(): what /v1/agent/checks reports in `Type`. */
export function checkTypeName(c: CheckType): string {
  const interval = c.intervalNs > 0;
  if (c.grpc && interval) return 'grpc';
  if (c.http && interval) return 'http';
  if (c.ttlNs > 0) return 'ttl';
  if (c.tcp && interval) return 'tcp';
  if (c.udp && interval) return 'udp';
  if (isAliasCheck(c)) return 'alias';
  if (isScriptCheck(c) && c.dockerContainerId && interval) return 'docker';
  if (isScriptCheck(c) && interval) return 'script';
  if (c.h2ping && interval) return 'h2ping';
  if (c.osService && interval) return 'os_service';
  return '';
}

/** Consul's CheckType.Validate(); undefined when valid. */
export function checkTypeProblem(c: CheckType): string | undefined {
  const intervalCheck = isScriptCheck(c) || !!c.http || !!c.tcp || !!c.udp || !!c.grpc || !!c.h2ping || !!c.osService;
  if (c.intervalNs > 0 && c.ttlNs > 0) return 'Interval and TTL cannot both be specified';
  if (intervalCheck && c.intervalNs <= 0) return 'Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks';
  if (intervalCheck && isAliasCheck(c)) return 'Interval cannot be set for Alias checks';
  if (isAliasCheck(c) && c.ttlNs > 0) return 'TTL must be not be set for Alias checks';
  if (!intervalCheck && !isAliasCheck(c) && c.ttlNs <= 0) return 'TTL must be > 0 for TTL checks';
  if (c.outputMaxSize < 0) return 'MaxOutputMaxSize must be positive';
  return undefined;
}

const META_MAX_PAIRS = 64;
const META_KEY_MAX = 128;
const META_VALUE_MAX = 512;
const META_KEY_FORMAT = /^[a-zA-Z0-9_-]+$/;

/** Consul's ValidateServiceMetadata; undefined when valid. */
export function serviceMetaProblem(meta: Record<string, string>): string | undefined {
  const keys = Object.keys(meta);
  // Consul's shared metadata validator names nodes even when it checks a service.
  if (keys.length > META_MAX_PAIRS) return `Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`;
  for (const k of keys) {
    const v = meta[k]!;
    let why: string | undefined;
    if (k === '') why = 'Key cannot be blank';
    else if (!META_KEY_FORMAT.test(k)) why = 'Key contains invalid characters';
    else if (k.length > META_KEY_MAX) why = `Key is too long (limit: ${META_KEY_MAX} characters)`;
    else if (k.startsWith('consul-')) why = "Key prefix 'consul-' is reserved for internal use";
    else if (v.length > META_VALUE_MAX) why = `Value is too long (limit: ${META_VALUE_MAX} characters)`;
    if (why) return `Couldn't load metadata pair ('${k}', '${v}'): ${why}`;
  }
  return undefined;
}

/** Consul's ValidateWeights; undefined when valid. */
export function weightsProblem(w: ServiceWeights): string | undefined {
  if (w.Passing < 1) return 'Passing must be greater than 0';
  if (w.Warning < 0) return 'Warning must be greater or equal than 0';
  if (w.Passing > 65535 || w.Warning > 65535) return 'DNS Weight must be between 0 and 65535';
  return undefined;
}

/** An address that means "any" (0.0.0.0, ::, [::]) is not an address a service can be reached at. */
export function isAnyAddress(addr: string): boolean {
  const a = addr.replace(/^\[|\]$/g, '');
  const family = isIP(a);
  if (family === 4) return a.split('.').every((o) => Number(o) === 0);
  if (family === 6) return a.replace(/[:0]/g, '') === '';
  return false;
}
