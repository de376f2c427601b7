// Where an agent's configuration comes from and how the pieces combine, as Consul's loader does:
// every -config-file / -config-dir argument in command-line order (a directory gives its .json and
// .hcl files in lexical order; other files there are skipped), each parsed by its extension (or
// -config-format), then merged in order with Consul's rule: objects merge key by key, lists are
// appended (services, checks, retry_join...), free-form maps (node_meta...) and plain values are
// replaced by the later source.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseHcl, HclSyntaxError } from '../../compat/hcl/hcl.js';

export type ConfigValue = unknown;
export type ConfigObject = Record<string, unknown>;

/** One configuration fragment and where it came from (for error messages). */
export interface ConfigSource {
  name: string;
  data: ConfigObject;
}

/** A configuration problem Consul reports before start-up (printed after "==> ", exit 1). */
export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

/**
 * Every top-level key Consul 1.22's configuration decoder knows (its Config struct and the
 * deprecated keys it still maps), plus `service`/`check` which normalisation folds into lists.
 */
const KNOWN_TOP_LEVEL = new Set([
  'acl', 'addresses', 'advertise_addr', 'advertise_addr_ipv4', 'advertise_addr_ipv6', 'advertise_addr_wan', 'advertise_addr_wan_ipv4',
  'advertise_addr_wan_ipv6', 'advertise_reconnect_timeout', 'auto_config', 'autopilot', 'bind_addr', 'bootstrap', 'bootstrap_expect', 'cache',
  'check', 'check_output_max_size', 'check_update_interval', 'checks', 'client_addr', 'cloud', 'config_entries', 'auto_encrypt', 'connect',
  'dns_config', 'domain', 'alt_domain', 'recursors', 'data_dir', 'datacenter', 'default_query_time', 'disable_anonymous_signature',
  'disable_coordinates', 'disable_host_node_id', 'disable_http_unprintable_char_filter', 'disable_keyring_file', 'disable_remote_exec',
  'disable_update_check', 'discard_check_output', 'discovery_max_stale', 'enable_agent_tls_for_checks', 'enable_central_service_config',
  'enable_debug', 'enable_script_checks', 'enable_local_script_checks', 'enable_syslog', 'encrypt', 'encrypt_verify_incoming',
  'encrypt_verify_outgoing', 'experiments', 'gossip_lan', 'gossip_wan', 'http_config', 'leave_on_terminate', 'license_path', 'limits', 'locality',
  'log_level', 'log_sublevels', 'log_json', 'log_file', 'log_rotate_duration', 'log_rotate_bytes', 'log_rotate_max_files', 'max_query_time',
  'node_id', 'node_meta', 'node_name', 'peering', 'performance', 'pid_file', 'ports', 'primary_datacenter', 'primary_gateways',
  'primary_gateways_interval', 'protocol', 'raft_protocol', 'raft_snapshot_threshold', 'raft_snapshot_interval', 'raft_trailing_logs',
  'reconnect_timeout', 'reconnect_timeout_wan', 'rejoin_after_leave', 'auto_reload_config', 'retry_interval', 'retry_interval_wan',
  'retry_join', 'retry_max', 'retry_max_wan', 'retry_join_wan', 'serf_lan_allowed_cidrs', 'serf_wan_allowed_cidrs', 'serf_lan', 'serf_wan',
  'server', 'server_name', 'service', 'services', 'session_ttl_min', 'skip_leave_on_interrupt', 'syslog_facility', 'tls', 'tagged_addresses',
  'telemetry', 'translate_wan_addrs', 'xds', 'ui', 'ui_content_path', 'ui_dir', 'ui_config', 'unix_sockets', 'watches', 'rpc', 'raft_logstore',
  'use_streaming_backend', 'snapshot_agent', 'ae_interval', 'check_deregister_interval_min', 'check_reap_interval', 'consul', 'revision',
  'segment_limit', 'segment_name_limit', 'sync_coordinate_interval_min', 'sync_coordinate_rate_target', 'version', 'version_prerelease',
  'version_metadata', 'build_date', 'audit', 'read_replica', 'non_voting_server', 'segment', 'segments', 'partition', 'license_poll_base_time',
  'license_poll_max_time', 'license_update_base_time', 'license_update_max_time', 'reporting',
  // deprecated, still mapped by Consul
  'acl_agent_master_token', 'acl_agent_token', 'acl_token', 'acl_enable_key_list_policy', 'acl_master_token', 'acl_replication_token',
  'enable_acl_replication', 'acl_datacenter', 'acl_default_policy', 'acl_down_policy', 'acl_ttl', 'ca_file', 'ca_path', 'cert_file', 'key_file',
  'tls_cipher_suites', 'tls_min_version', 'verify_incoming', 'verify_incoming_https', 'verify_incoming_rpc', 'verify_outgoing',
  'verify_server_hostname', 'tls_prefer_server_cipher_suites', 'start_join', 'start_join_wan', 'raft_boltdb',
  // dcsgw's own: -dev recorded for /v1/agent/self
  'dev',
]);

/** Top-level keys of a parsed source that Consul's decoder would not know (sorted). */
export function unknownTopLevelKeys(data: ConfigObject): string[] {
  return Object.keys(data).filter((k) => !KNOWN_TOP_LEVEL.has(k)).sort();
}

/** Dotted paths whose values are free-form maps: a later non-empty map replaces the earlier one. */
const REPLACED_MAPS = new Set(['node_meta', 'http_config.response_headers', 'dns_config.service_ttl', 'telemetry.prometheus_retention_time_map']);

/** Keys whose value is a list of objects even when written once as a block or object. */
const LIST_OF_OBJECTS = new Set(['services', 'checks', 'watches']);

/** Blocks written once per key (HCL's repeated blocks collapse into one object for these). */
function isPlainObject(v: unknown): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Brings a parsed file to the shape the builder reads: top-level keys in lower case (Consul's
 * decoder matches field names case-insensitively), the singular `service`/`check` appended to
 * `services`/`checks`, and a block that HCL turned into a one-element list back to an object.
 */
export function normaliseConfig(raw: ConfigObject): ConfigObject {
  const out: ConfigObject = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = k.toLowerCase();
    if (key === 'service' || key === 'check') {
      const list = key === 'service' ? 'services' : 'checks';
      const items = Array.isArray(v) ? v : [v];
      out[list] = [...((out[list] as unknown[] | undefined) ?? []), ...items];
      continue;
    }
    if (LIST_OF_OBJECTS.has(key)) {
      const items = Array.isArray(v) ? v : [v];
      out[key] = [...((out[key] as unknown[] | undefined) ?? []), ...items];
      continue;
    }
    out[key] = isPlainObject(v) ? lowerBlock(v) : Array.isArray(v) && v.length > 0 && v.every(isPlainObject) && !LIST_OF_OBJECTS.has(key) ? collapseBlocks(v) : v;
  }
  return out;
}

/** Nested config blocks (ports, addresses, acl, performance...) use snake_case keys too. */
function lowerBlock(v: ConfigObject): ConfigObject {
  const out: ConfigObject = {};
  for (const [k, inner] of Object.entries(v)) out[k.toLowerCase()] = isPlainObject(inner) ? lowerBlock(inner) : inner;
  return out;
}

/** `ports { } ports { }` in one HCL file: one object, later keys winning. */
function collapseBlocks(v: ConfigObject[]): ConfigObject | ConfigObject[] {
  // Only blocks of known single-object settings collapse; a list of objects in a value
  // (e.g. retry_join_ec2 tags) is left as written.
  return v.reduce<ConfigObject>((acc, b) => ({ ...acc, ...lowerBlock(b) }), {});
}

function mergeValue(a: unknown, b: unknown, path: string): unknown {
  if (b === undefined) return a;
  if (a === undefined) return b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isPlainObject(a) && isPlainObject(b)) {
    if (REPLACED_MAPS.has(path)) return Object.keys(b).length > 0 ? b : a;
    const out: ConfigObject = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeValue(a[k], v, path ? `${path}.${k}` : k);
    return out;
  }
  return b;
}

/** Consul's Merge over the sources in order. */
export function mergeConfigs(sources: readonly ConfigObject[]): ConfigObject {
  let acc: ConfigObject = {};
  for (const s of sources) acc = mergeValue(acc, s, '') as ConfigObject;
  return acc;
}

export type ConfigFormat = 'json' | 'hcl';

/** Parses one file's text in the given format. */
export function parseConfigText(name: string, text: string, format: ConfigFormat): ConfigObject {
  // Consul skips a file with nothing in it (the Go client's reload tests start an agent with an
  // empty .json file and fill it before /v1/agent/reload).
  if (text.trim() === '') return {};
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new AgentConfigError(`failed to parse ${name}: ${(err as Error).message}`);
    }
    if (!isPlainObject(parsed)) throw new AgentConfigError(`failed to parse ${name}: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type config.Config`);
    return normaliseConfig(parsed);
  }
  try {
    return normaliseConfig(parseHcl(text) as ConfigObject);
  } catch (err) {
    if (err instanceof HclSyntaxError) throw new AgentConfigError(`failed to parse ${name}: ${err.message}`);
    throw err;
  }
}

function formatOf(path: string, forced: ConfigFormat | undefined): ConfigFormat | undefined {
  if (forced) return forced;
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.hcl') return 'hcl';
  return undefined;
}

/**
 * Reads every -config-file / -config-dir path in order. `warn` receives Consul's note for a
 * file in a config dir that is skipped for its extension.
 */
export function loadConfigPaths(paths: readonly string[], forced: ConfigFormat | undefined, warn: (text: string) => void): ConfigSource[] {
  const out: ConfigSource[] = [];
  for (const path of paths) {
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw new AgentConfigError(`Error loading ${path}: ${describeFsError(err, path)}`);
    }
    if (st.isDirectory()) {
      const names = readdirSync(path).sort();
      for (const name of names) {
        const file = join(path, name);
        let fst;
        try {
          fst = statSync(file);
        } catch {
          continue;
        }
        if (fst.isDirectory()) continue;
        const format = formatOf(file, forced);
        if (!format) {
          warn(`skipping file ${file}, extension must be .hcl or .json, or config format must be set`);
          continue;
        }
        out.push({ name: file, data: parseConfigText(file, readFileSync(file, 'utf8'), format) });
      }
      continue;
    }
    const format = formatOf(path, forced);
    if (!format) throw new AgentConfigError(`Error loading ${path}: file extension must be .hcl or .json, or config format must be set`);
    out.push({ name: path, data: parseConfigText(path, readFileSync(path, 'utf8'), format) });
  }
  return out;
}

function describeFsError(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `stat ${path}: no such file or directory`;
  if (code === 'EACCES') return `open ${path}: permission denied`;
  return (err as Error).message;
}
