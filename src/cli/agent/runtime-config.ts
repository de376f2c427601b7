// From `dcsgw agent`'s flags and configuration files to the settings the agent runs with, in
// Consul's order of sources: its defaults, the -dev defaults, list values given by flags, the
// config files in order, the other flag values, then -hcl fragments. Consul's checks on the result
// are made here with its error texts; what dcsgw cannot do yet is refused with an error that says so.
import { hostname, networkInterfaces } from 'node:os';
import { aclSettingsOf } from '../../compat/acl/settings.js';
import { parseCheckDefinition, parseServiceDefinition, DefinitionError } from '../../compat/agent/definitions.js';
import { AgentConfigError, loadConfigPaths, mergeConfigs, parseConfigText, unknownTopLevelKeys, type ConfigFormat, type ConfigObject, type ConfigSource } from './config-sources.js';
import { parseGoAtoi, parseGoDurationMs, type ParsedAgentFlags } from './flags.js';
import { AgentTlsConfigError, agentTlsSettings, type AgentTlsSettings } from '../../gateway/consul/tls/agent-tls-settings.js';
import { checkAgentTls } from '../../gateway/consul/tls/https-tls.js';

export type HclogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'OFF';

export interface AgentPorts {
  http: number;
  https: number;
  dns: number;
  grpc: number;
  grpcTls: number;
  serfLan: number;
  serfWan: number;
  server: number;
  /** dcsgw's etcd v3 client port beside the agent. */
  etcd: number;
}

export interface AgentRuntimeConfig {
  devMode: boolean;
  server: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
  /** '' in -dev mode (a temporary directory is used and removed at exit). */
  dataDir: string;
  nodeName: string;
  /** '' = read or create data-dir/node-id. */
  nodeId: string;
  datacenter: string;
  primaryDatacenter: string;
  /** With its trailing dot ("consul."). */
  domain: string;
  bindAddr: string;
  advertiseAddr: string;
  advertiseAddrWan: string;
  clientAddrs: string[];
  /** The HTTP / DNS addresses (addresses.http / addresses.dns, else the client address). */
  httpAddrs: string[];
  /** addresses.https, else the client address. */
  httpsAddrs: string[];
  dnsAddrs: string[];
  /** The tls block and the deprecated TLS keys, merged as Consul's builder does (files checked). */
  tls: AgentTlsSettings;
  ports: AgentPorts;
  /** True when ports.etcd / -etcd-port was set (a taken port then fails start-up). */
  etcdPortExplicit: boolean;
  logLevel: HclogLevel;
  logJson: boolean;
  logFile: string;
  pidFile: string;
  uiEnabled: boolean;
  recursors: string[];
  dnsConfig: ConfigObject;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  disableHostNodeId: boolean;
  /** session_ttl_min in milliseconds (Consul's default 10s). */
  sessionTtlMinMs: number;
  raftMultiplier: number;
  leaveOnTerminate: boolean;
  skipLeaveOnInterrupt: boolean;
  startJoin: string[];
  retryJoin: string[];
  encrypt: string;
  aclEnabled: boolean;
  nodeMeta: Record<string, string>;
  /** Raw service / check definitions from the config files, validated. */
  services: unknown[];
  checks: unknown[];
  /** The merged configuration (what /v1/agent/self reports as its configuration). */
  merged: ConfigObject;
  /** Lines the agent logs once its logger is up (warnings about accepted-but-unused settings...). */
  notes: Array<{ level: 'WARN' | 'INFO'; message: string; fields?: Record<string, unknown> }>;
}

/** Consul's defaults (agent/config/default.go) for what dcsgw reads. */
function defaults(): ConfigObject {
  return {
    bind_addr: '0.0.0.0',
    client_addr: '127.0.0.1',
    datacenter: 'dc1',
    domain: 'consul.',
    log_level: 'INFO',
    session_ttl_min: '10s',
    disable_host_node_id: true,
    performance: { raft_multiplier: 5 },
    ports: { dns: 8600, http: 8500, https: -1, grpc: -1, grpc_tls: 8503, serf_lan: 8301, serf_wan: 8302, server: 8300, etcd: 2379 },
  };
}

/** What -dev adds (Consul's DevSource). */
function devDefaults(): ConfigObject {
  return {
    bind_addr: '127.0.0.1',
    client_addr: '127.0.0.1',
    bootstrap: true,
    server: true,
    log_level: 'DEBUG',
    disable_anonymous_signature: true,
    disable_keyring_file: true,
    enable_debug: true,
    ui_config: { enabled: true },
    connect: { enabled: true },
    performance: { raft_multiplier: 1 },
    ports: { grpc: 8502, grpc_tls: 8503 },
  };
}

/** Each flag's place in the configuration (Consul's FlagValues fields). */
const FLAG_PATHS: Record<string, string> = {
  advertise: 'advertise_addr',
  'advertise-wan': 'advertise_addr_wan',
  'allow-write-http-from': 'http_config.allow_write_http_from',
  'alt-domain': 'alt_domain',
  'auto-reload-config': 'auto_reload_config',
  bind: 'bind_addr',
  bootstrap: 'bootstrap',
  'bootstrap-expect': 'bootstrap_expect',
  check_output_max_size: 'check_output_max_size',
  client: 'client_addr',
  'data-dir': 'data_dir',
  datacenter: 'datacenter',
  'default-query-time': 'default_query_time',
  'disable-host-node-id': 'disable_host_node_id',
  'disable-keyring-file': 'disable_keyring_file',
  'dns-port': 'ports.dns',
  domain: 'domain',
  'enable-local-script-checks': 'enable_local_script_checks',
  'enable-script-checks': 'enable_script_checks',
  encrypt: 'encrypt',
  'etcd-port': 'ports.etcd',
  'grpc-port': 'ports.grpc',
  'grpc-tls-port': 'ports.grpc_tls',
  'http-port': 'ports.http',
  'https-port': 'ports.https',
  join: 'start_join',
  'join-wan': 'start_join_wan',
  'log-file': 'log_file',
  'log-json': 'log_json',
  'log-level': 'log_level',
  'log-rotate-bytes': 'log_rotate_bytes',
  'log-rotate-duration': 'log_rotate_duration',
  'log-rotate-max-files': 'log_rotate_max_files',
  'max-query-time': 'max_query_time',
  node: 'node_name',
  'node-id': 'node_id',
  'node-meta': 'node_meta',
  'non-voting-server': 'read_replica',
  'pid-file': 'pid_file',
  'primary-gateway': 'primary_gateways',
  protocol: 'protocol',
  'raft-protocol': 'raft_protocol',
  'read-replica': 'read_replica',
  recursor: 'recursors',
  rejoin: 'rejoin_after_leave',
  'retry-interval': 'retry_interval',
  'retry-interval-wan': 'retry_interval_wan',
  'retry-join': 'retry_join',
  'retry-join-wan': 'retry_join_wan',
  'retry-max': 'retry_max',
  'retry-max-wan': 'retry_max_wan',
  segment: 'segment',
  'serf-lan-allowed-cidrs': 'serf_lan_allowed_cidrs',
  'serf-lan-bind': 'serf_lan',
  'serf-lan-port': 'ports.serf_lan',
  'serf-wan-allowed-cidrs': 'serf_wan_allowed_cidrs',
  'serf-wan-bind': 'serf_wan',
  'serf-wan-port': 'ports.serf_wan',
  server: 'server',
  'server-port': 'ports.server',
  syslog: 'enable_syslog',
  ui: 'ui_config.enabled',
  'ui-content-path': 'ui_config.content_path',
  'ui-dir': 'ui_config.dir',
};

function setPath(obj: ConfigObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as ConfigObject;
  }
  cur[parts.at(-1)!] = value;
}

/** The command line as what it selects: config paths, -dev, -hcl fragments, and two config fragments. */
export interface FlagConfig {
  dev: boolean;
  configPaths: string[];
  configFormat: ConfigFormat | undefined;
  hcl: string[];
  /** List values given by flags: Consul puts them BEFORE the files, so files append to them. */
  slices: ConfigObject;
  /** Every other flag value: after the files, so a flag overrides a file. */
  values: ConfigObject;
}

export function flagConfig(parsed: ParsedAgentFlags): FlagConfig {
  const out: FlagConfig = { dev: false, configPaths: [], configFormat: undefined, hcl: [], slices: {}, values: {} };
  const lists = new Map<string, string[]>();
  const meta: Record<string, string> = {};
  for (const [name, raw] of parsed.occurrences) {
    if (name === 'dev') {
      out.dev = raw === 'true' || raw === '1' || raw === 't' || raw === 'T' || raw === 'TRUE' || raw === 'True';
      continue;
    }
    if (name === 'config-file' || name === 'config-dir') {
      out.configPaths.push(raw);
      continue;
    }
    if (name === 'config-format') {
      if (raw !== 'json' && raw !== 'hcl') throw new AgentConfigError(`-config-format must be either 'hcl' or 'json'`);
      out.configFormat = raw;
      continue;
    }
    if (name === 'hcl') {
      out.hcl.push(raw);
      continue;
    }
    const path = FLAG_PATHS[name];
    if (!path) continue;
    if (name === 'node-meta') {
      // "key:value"; without a colon the whole text is the key with an empty value, as Consul's flag takes it
      const i = raw.indexOf(':');
      if (i < 0) meta[raw] = '';
      else meta[raw.slice(0, i)] = raw.slice(i + 1);
      continue;
    }
    const spec = ['allow-write-http-from', 'join', 'join-wan', 'primary-gateway', 'recursor', 'retry-join', 'retry-join-wan', 'serf-lan-allowed-cidrs', 'serf-wan-allowed-cidrs'];
    if (spec.includes(name)) {
      lists.set(path, [...(lists.get(path) ?? []), raw]);
      continue;
    }
    const bool = ['true', '1', 't', 'T', 'TRUE', 'True'].includes(raw) ? true : ['false', '0', 'f', 'F', 'FALSE', 'False'].includes(raw) ? false : undefined;
    const intVal = parseGoAtoi(raw);
    const isBoolFlag = ['auto-reload-config', 'bootstrap', 'disable-host-node-id', 'disable-keyring-file', 'enable-local-script-checks', 'enable-script-checks', 'log-json', 'non-voting-server', 'read-replica', 'rejoin', 'server', 'syslog', 'ui'].includes(name);
    const isIntFlag = /-port$|^bootstrap-expect$|^check_output_max_size$|^log-rotate-(bytes|max-files)$|^protocol$|^raft-protocol$|^retry-max/.test(name);
    setPath(out.values, path, isBoolFlag ? bool : isIntFlag ? intVal : raw);
  }
  for (const [path, list] of lists) setPath(out.slices, path, list);
  if (Object.keys(meta).length > 0) out.values.node_meta = meta;
  return out;
}

function get(obj: ConfigObject, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as ConfigObject)[p];
  }
  return cur;
}

function str(obj: ConfigObject, path: string, fallback = ''): string {
  const v = get(obj, path);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new AgentConfigError(`${path}: expected type 'string', got unconvertible type '${goType(v)}', value: '${String(v)}'`);
  return v;
}

function goType(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object' && v !== null) return 'map[string]interface {}';
  return 'string';
}

/** Consul's weakly-typed decode: "true"/"1" strings are accepted for booleans, as its mapstructure hook does. */
function bool(obj: ConfigObject, path: string, fallback = false): boolean {
  const v = get(obj, path);
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', 'false', '1', '0', 't', 'f', 'T', 'F', 'TRUE', 'FALSE', 'True', 'False'].includes(v)) return ['true', '1', 't', 'T', 'TRUE', 'True'].includes(v);
  if (typeof v === 'number') return v !== 0;
  throw new AgentConfigError(`${path}: cannot parse '${path}' as bool: got '${String(v)}'`);
}

function int(obj: ConfigObject, path: string, fallback: number): number {
  const v = get(obj, path);
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && parseGoAtoi(v) !== undefined) return parseGoAtoi(v)!;
  throw new AgentConfigError(`${path}: cannot parse '${path}' as int: strconv.ParseInt: parsing ${JSON.stringify(String(v))}: invalid syntax`);
}

function list(obj: ConfigObject, path: string): string[] {
  const v = get(obj, path);
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  throw new AgentConfigError(`${path}: source data must be an array or slice, got ${goType(v)}`);
}

/** Go's time.ParseDuration over a config value (numbers are nanoseconds, as Go's decoder treats them). */
function durationMs(obj: ConfigObject, path: string, fallback: number): number {
  const v = get(obj, path);
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v / 1e6;
  if (typeof v === 'string') {
    const ms = parseGoDurationMs(v);
    if (ms === undefined) throw new AgentConfigError(`${path}: time: invalid duration "${v}"`);
    return ms;
  }
  throw new AgentConfigError(`${path}: time: invalid duration "${String(v)}"`);
}

const LOG_LEVELS: Record<string, HclogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', err: 'ERROR', error: 'ERROR', off: 'OFF' };

/** "0.0.0.0" picks the first non-loopback IPv4 address, as Consul advertises a private address. */
function advertiseFor(bind: string, notes: AgentRuntimeConfig['notes']): string {
  if (bind !== '0.0.0.0' && bind !== '::' && bind !== '[::]') return bind;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  notes.push({ level: 'WARN', message: 'No private IPv4 address found; advertising 127.0.0.1' });
  return '127.0.0.1';
}

/** Consul splits client_addr and addresses.* on spaces (several addresses, one listener each). */
function addrList(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}

export interface BuildOptions {
  /** Logged as a warning by the caller (a skipped file in a config dir). */
  warn?: (text: string) => void;
}

/** Builds the runtime configuration; throws AgentConfigError with Consul's texts. */
export function buildRuntimeConfig(parsed: ParsedAgentFlags, opts: BuildOptions = {}): AgentRuntimeConfig {
  if (parsed.rest.length > 0) throw new AgentConfigError(`Unexpected extra arguments: [${parsed.rest.join(' ')}]`);
  const flags = flagConfig(parsed);
  const sources: ConfigSource[] = [{ name: 'default', data: defaults() }];
  if (flags.dev) sources.push({ name: 'dev', data: devDefaults() });
  sources.push({ name: 'flags.slices', data: flags.slices });
  sources.push(...loadConfigPaths(flags.configPaths, flags.configFormat, opts.warn ?? (() => undefined)));
  sources.push({ name: 'flags.values', data: flags.values });
  flags.hcl.forEach((text, i) => sources.push({ name: `flags-${i}.hcl`, data: parseConfigText(`flags-${i}.hcl`, text, 'hcl') }));
  const warn = opts.warn ?? (() => undefined);
  for (const src of sources.slice(flags.dev ? 3 : 2)) {
    // Consul refuses a file with a key it does not know; dcsgw names it and goes on, so a
    // configuration written for a newer Consul still starts (the key has no effect here)
    for (const key of unknownTopLevelKeys(src.data)) warn(`dcsgw: ${src.name}: unknown configuration key "${key}" ignored`);
  }
  const merged = mergeConfigs(sources.map((s) => s.data));
  // /v1/agent/self's DebugConfig reports DevMode from here
  if (flags.dev) merged.dev = true;
  const etcdPortExplicit = sources.slice(1).some((s) => get(s.data, 'ports.etcd') !== undefined);
  return fromMerged(merged, flags.dev, etcdPortExplicit);
}

/** Every definition must parse; the first that does not fails the start as Consul's "Error loading <what> definition". */
function vetDefinitions(definitions: readonly unknown[], parse: (raw: unknown) => unknown, what: 'service' | 'check'): void {
  for (const d of definitions) {
    try {
      parse(d);
    } catch (err) {
      if (err instanceof DefinitionError) throw new AgentConfigError(`Error loading ${what} definition: ${err.message}`);
      throw err;
    }
  }
}

/** `etcdPortExplicit`: ports.etcd was given by a flag or a file (a taken port then fails start-up). */
export function fromMerged(merged: ConfigObject, devMode: boolean, etcdPortExplicit = false): AgentRuntimeConfig {
  const notes: AgentRuntimeConfig['notes'] = [];
  const server = bool(merged, 'server');
  const bootstrap = bool(merged, 'bootstrap');
  const bootstrapExpect = int(merged, 'bootstrap_expect', 0);
  const dataDir = str(merged, 'data_dir');
  if (!devMode && dataDir === '') throw new AgentConfigError('data_dir cannot be empty');
  if (bootstrapExpect < 0) throw new AgentConfigError('bootstrap_expect cannot be negative');
  if (bootstrap && !server) throw new AgentConfigError("'bootstrap = true' requires 'server = true'");
  if (bootstrapExpect > 0 && !server) throw new AgentConfigError("'bootstrap_expect > 0' requires 'server = true'");
  if (bootstrap && bootstrapExpect > 0) throw new AgentConfigError("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive");

  const datacenter = str(merged, 'datacenter', 'dc1').toLowerCase();
  if (datacenter === '') throw new AgentConfigError('datacenter cannot be empty');
  if (!/^[a-z0-9_-]+$/.test(datacenter)) throw new AgentConfigError('datacenter can only contain lowercase alphanumeric, - or _ characters.');
  let domain = str(merged, 'domain', 'consul.');
  if (!domain.endsWith('.')) domain += '.';

  const levelRaw = str(merged, 'log_level', 'INFO');
  const logLevel = LOG_LEVELS[levelRaw.toLowerCase()];
  if (!logLevel) throw new AgentConfigError(`Invalid log level: ${levelRaw}. Valid log levels are: [TRACE DEBUG INFO WARN ERR ERROR]`);

  const bindAddr = str(merged, 'bind_addr', '0.0.0.0');
  const advertiseAddr = str(merged, 'advertise_addr') || advertiseFor(bindAddr, notes);
  const clientAddrs = addrList(str(merged, 'client_addr', '127.0.0.1'));
  if (clientAddrs.length === 0) throw new AgentConfigError('client_addr cannot be empty');
  const httpAddrs = addrList(str(merged, 'addresses.http'));
  const dnsAddrs = addrList(str(merged, 'addresses.dns'));
  const httpsAddrs = addrList(str(merged, 'addresses.https'));
  for (const [key, list] of [['client_addr', clientAddrs], ['addresses.http', httpAddrs], ['addresses.dns', dnsAddrs], ['bind_addr', [bindAddr]], ['advertise_addr', [advertiseAddr]]] as const) {
    if (list.some((a) => a.includes('{{'))) throw new AgentConfigError(`${key}: go-sockaddr templates are not supported by dcsgw yet; give an IP address`);
    if (list.length > 1) notes.push({ level: 'WARN', message: `dcsgw: ${key} lists several addresses; dcsgw listens on the first one only`, fields: { address: list[0] } });
  }

  const ports: AgentPorts = {
    http: int(merged, 'ports.http', 8500),
    https: int(merged, 'ports.https', -1),
    dns: int(merged, 'ports.dns', 8600),
    grpc: int(merged, 'ports.grpc', -1),
    grpcTls: int(merged, 'ports.grpc_tls', 8503),
    serfLan: int(merged, 'ports.serf_lan', 8301),
    serfWan: int(merged, 'ports.serf_wan', 8302),
    server: int(merged, 'ports.server', 8300),
    etcd: int(merged, 'ports.etcd', 2379),
  };
  // Consul: a port <= 0 disables that listener (reported as -1)
  for (const name of ['http', 'https', 'dns', 'grpc', 'grpcTls', 'etcd'] as const) {
    if (ports[name] <= 0) ports[name] = -1;
    else if (ports[name] > 65535) throw new AgentConfigError(`ports.${name}: invalid port ${ports[name]}`);
  }

  // ACLs (acl block and the legacy acl_* keys): settings checked here, enforced by the Consul face
  let aclEnabled: boolean;
  try {
    aclEnabled = aclSettingsOf(merged, '', '').enabled;
  } catch (err) {
    throw new AgentConfigError(`acl: ${(err as Error).message}`);
  }

  const startJoin = list(merged, 'start_join');
  const retryJoin = list(merged, 'retry_join');
  // Consul's builder warnings for bootstrap_expect (the servers form the cluster: src/native/cluster)
  if (bootstrapExpect > 0) notes.push({ level: 'WARN', message: `bootstrap_expect > 0: expecting ${bootstrapExpect} servers` });
  if (bootstrapExpect === 2) notes.push({ level: 'WARN', message: 'bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table' });
  else if (bootstrapExpect > 2 && bootstrapExpect % 2 === 0) notes.push({ level: 'WARN', message: 'bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum fault tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table' });
  if (devMode && startJoin.length + retryJoin.length > 0) {
    notes.push({ level: 'WARN', message: 'dcsgw: -join / -retry-join addresses are ignored: a -dev agent is a server of its own, without cluster ports', fields: { addresses: [...startJoin, ...retryJoin].join(',') } });
  }
  if (server && !bootstrap && bootstrapExpect === 0 && !devMode && startJoin.length + retryJoin.length === 0) {
    notes.push({ level: 'WARN', message: 'dcsgw: a server without -bootstrap, -bootstrap-expect or an address to join bootstraps itself as a single-server cluster' });
  }
  let tls: AgentTlsSettings;
  try {
    tls = agentTlsSettings(merged);
    // Consul loads the key pairs and CAs when it builds its TLS configurator, before it starts anything
    checkAgentTls(tls);
  } catch (err) {
    if (err instanceof AgentTlsConfigError) throw new AgentConfigError(err.message);
    throw err;
  }
  for (const w of tls.warnings) notes.push({ level: 'WARN', message: w });
  const encrypt = str(merged, 'encrypt');
  const watches = get(merged, 'watches');
  if (Array.isArray(watches) && watches.length > 0) {
    notes.push({ level: 'WARN', message: 'dcsgw: the watches of the agent configuration are not run: agent watches are not supported yet (consul watch against this agent works)', fields: { count: watches.length } });
  }
  const bootstrapEntries = get(merged, 'config_entries.bootstrap');
  if (Array.isArray(bootstrapEntries) && bootstrapEntries.length > 0) {
    notes.push({ level: 'WARN', message: 'dcsgw: config_entries.bootstrap is ignored: config entries are not supported yet', fields: { count: bootstrapEntries.length } });
  }

  const services = (get(merged, 'services') as unknown[] | undefined) ?? [];
  const checks = (get(merged, 'checks') as unknown[] | undefined) ?? [];
  vetDefinitions(services, parseServiceDefinition, 'service');
  vetDefinitions(checks, parseCheckDefinition, 'check');

  const nodeMetaRaw = get(merged, 'node_meta');
  const nodeMeta: Record<string, string> = {};
  if (nodeMetaRaw && typeof nodeMetaRaw === 'object' && !Array.isArray(nodeMetaRaw)) for (const [k, v] of Object.entries(nodeMetaRaw)) nodeMeta[k] = String(v);

  const nodeId = str(merged, 'node_id').toLowerCase();
  const uiEnabled = bool(merged, 'ui_config.enabled', bool(merged, 'ui'));
  const dnsConfig = (get(merged, 'dns_config') as ConfigObject | undefined) ?? {};
  return {
    devMode,
    server: server || devMode,
    bootstrap: bootstrap || bootstrapExpect === 1,
    bootstrapExpect,
    dataDir,
    nodeName: str(merged, 'node_name') || hostname(),
    nodeId,
    datacenter,
    primaryDatacenter: str(merged, 'primary_datacenter') || datacenter,
    domain,
    bindAddr,
    advertiseAddr,
    advertiseAddrWan: str(merged, 'advertise_addr_wan') || advertiseAddr,
    clientAddrs,
    httpAddrs: httpAddrs.length ? httpAddrs : clientAddrs,
    httpsAddrs: httpsAddrs.length ? httpsAddrs : clientAddrs,
    tls,
    dnsAddrs: dnsAddrs.length ? dnsAddrs : clientAddrs,
    ports,
    etcdPortExplicit,
    logLevel,
    logJson: bool(merged, 'log_json'),
    logFile: str(merged, 'log_file'),
    pidFile: str(merged, 'pid_file'),
    uiEnabled,
    recursors: list(merged, 'recursors'),
    dnsConfig,
    enableScriptChecks: bool(merged, 'enable_script_checks'),
    enableLocalScriptChecks: bool(merged, 'enable_local_script_checks') || bool(merged, 'enable_script_checks'),
    disableHostNodeId: bool(merged, 'disable_host_node_id', true),
    sessionTtlMinMs: durationMs(merged, 'session_ttl_min', 10_000),
    raftMultiplier: int(merged, 'performance.raft_multiplier', devMode ? 1 : 5),
    leaveOnTerminate: bool(merged, 'leave_on_terminate', !server),
    skipLeaveOnInterrupt: bool(merged, 'skip_leave_on_interrupt', server),
    startJoin,
    retryJoin,
    encrypt,
    aclEnabled,
    nodeMeta,
    services,
    checks,
    merged,
    notes,
  };
}
