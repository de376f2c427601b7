// Where an agent's configuration comes from and how the pieces combine, as Consul's loader does:
// every -config-file / -config-dir argument in command-line order (a directory gives its .json and
// .hcl files in lexical order; other files there are skipped), each parsed by its extension (or
// -config-format), then merged in order with Consul's rule: objects merge key by key, lists are
// appended (services, checks, retry_join...), free-form maps (node_meta...) and plain values are
// replaced by the later source.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseHcl, HclSyntaxError } from './hcl.js';

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
