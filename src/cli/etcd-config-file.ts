// etcd's --config-file (or ETCD_CONFIG_FILE): a YAML file in place of the command line, read as
// etcd 3.4 reads it. etcd converts the YAML to JSON and decodes that into its Go config structs, so
// a value of the wrong JSON type is an error in Go's words (a number where a string is expected is
// refused: `auto-compaction-retention: 1` must be quoted), durations are integers of nanoseconds,
// YAML 1.1 scalars apply (`off` is a boolean), null leaves the default, unknown keys are ignored,
// and the first error in document order is the one reported.
//
// The file's settings come back as the same name -> value map the command line produces, so the
// rest of start-up (checks, defaults, TLS) is shared with the flag path.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { checkValue } from './flag-set.js';

/** Go's type of each setting, as etcd 3.4 declares it (embed.Config, configJSON, configProxy). */
type GoType = 'string' | 'bool' | 'uint' | 'uint32' | 'uint64' | 'int' | 'int64' | 'time.Duration' | '[]string';

interface Setting {
  type: GoType;
  /** The command-line flag it stands for (absent: the key itself). */
  flag?: string;
  /** Go struct the field belongs to, as json errors name it. */
  struct?: 'configYAML' | 'configProxy';
  /** URL lists etcd parses itself after decoding (and exits on, with its own line). */
  urls?: string;
}

const S = (type: GoType, extra: Omit<Setting, 'type'> = {}): Setting => ({ type, ...extra });

const SETTINGS: Record<string, Setting> = {
  name: S('string'),
  'data-dir': S('string'),
  'wal-dir': S('string'),
  'snapshot-count': S('uint64'),
  'max-snapshots': S('uint'),
  'max-wals': S('uint'),
  'heartbeat-interval': S('uint'),
  'election-timeout': S('uint'),
  'initial-election-tick-advance': S('bool'),
  'backend-batch-interval': S('time.Duration'),
  'backend-batch-limit': S('int'),
  'quota-backend-bytes': S('int64'),
  'max-txn-ops': S('uint'),
  'max-request-bytes': S('uint'),
  'max-concurrent-streams': S('uint32'),
  'cipher-suites': S('[]string'),
  'initial-cluster-state': S('string'),
  'discovery-srv': S('string'),
  'discovery-srv-name': S('string'),
  'discovery-proxy': S('string'),
  discovery: S('string'),
  'initial-cluster': S('string'),
  'initial-cluster-token': S('string'),
  'strict-reconfig-check': S('bool'),
  'enable-v2': S('bool'),
  'auto-compaction-mode': S('string'),
  'auto-compaction-retention': S('string'),
  'grpc-keepalive-min-time': S('time.Duration'),
  'grpc-keepalive-interval': S('time.Duration'),
  'grpc-keepalive-timeout': S('time.Duration'),
  'pre-vote': S('bool'),
  'auth-token': S('string'),
  'bcrypt-cost': S('uint'),
  'auth-token-ttl': S('uint'),
  'experimental-initial-corrupt-check': S('bool'),
  'experimental-corrupt-check-time': S('time.Duration'),
  'experimental-enable-v2v3': S('string'),
  'experimental-backend-bbolt-freelist-type': S('string'),
  'experimental-enable-lease-checkpoint': S('bool'),
  'experimental-compaction-batch-limit': S('int'),
  'experimental-watch-progress-notify-interval': S('time.Duration'),
  'experimental-warning-apply-duration': S('time.Duration'),
  'force-new-cluster': S('bool'),
  'enable-pprof': S('bool'),
  metrics: S('string'),
  'listen-metrics-urls': S('string', { urls: 'listen-metrics-urls' }),
  logger: S('string'),
  'log-level': S('string'),
  'log-outputs': S('[]string'),
  debug: S('bool'),
  'log-package-levels': S('string'),
  'listen-peer-urls': S('string', { urls: 'listen-peer-urls' }),
  'listen-client-urls': S('string', { urls: 'listen-client-urls' }),
  'initial-advertise-peer-urls': S('string', { urls: 'initial-advertise-peer-urls' }),
  // etcd's own message names this one "advertise-peer-urls"
  'advertise-client-urls': S('string', { urls: 'advertise-peer-urls' }),
  cors: S('string'),
  'host-whitelist': S('string'),
  'proxy-failure-wait': S('uint', { struct: 'configProxy' }),
  'proxy-refresh-interval': S('uint', { struct: 'configProxy' }),
  'proxy-dial-timeout': S('uint', { struct: 'configProxy' }),
  'proxy-write-timeout': S('uint', { struct: 'configProxy' }),
  'proxy-read-timeout': S('uint', { struct: 'configProxy' }),
  proxy: S('string', { struct: 'configProxy' }),
  'discovery-fallback': S('string', { struct: 'configProxy' }),
};

/** client-transport-security / peer-transport-security: etcd copies just these five. */
const SECURITY: Record<string, { type: GoType; client: string; peer: string }> = {
  'cert-file': { type: 'string', client: 'cert-file', peer: 'peer-cert-file' },
  'key-file': { type: 'string', client: 'key-file', peer: 'peer-key-file' },
  'client-cert-auth': { type: 'bool', client: 'client-cert-auth', peer: 'peer-client-cert-auth' },
  'trusted-ca-file': { type: 'string', client: 'trusted-ca-file', peer: 'peer-trusted-ca-file' },
  'auto-tls': { type: 'bool', client: 'auto-tls', peer: 'peer-auto-tls' },
};

/** etcd could not take the file: reported as "error verifying flags, <message>" (exit 1). */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

/** A URL list etcd refuses after decoding: it prints `line` raw on stderr and exits 1. */
export class ConfigFileUrlError extends Error {
  constructor(readonly line: string) {
    super(line);
    this.name = 'ConfigFileUrlError';
  }
}

const RANGES: Partial<Record<GoType, [bigint, bigint]>> = {
  uint: [0n, 2n ** 64n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  'time.Duration': [-(2n ** 63n), 2n ** 63n - 1n],
};

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'object';
}

function typeError(what: string, struct: string, field: string, type: GoType): ConfigFileError {
  return new ConfigFileError(`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${type}`);
}

/** Go's encoding/json decoding one value into a field of `type`; returns the flag-style text. */
function decode(value: unknown, type: GoType, struct: string, field: string): string {
  const mismatch = () => typeError(jsonKind(value), struct, field, type);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw mismatch();
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch();
      return String(value);
    case '[]string':
      if (!Array.isArray(value)) throw mismatch();
      return value
        .map((item) => {
          if (item === null) return '';
          if (typeof item !== 'string') throw typeError(jsonKind(item), struct, field, 'string');
          return item;
        })
        .join(',');
    default: {
      if (typeof value !== 'number') throw mismatch();
      const [min, max] = RANGES[type]!;
      const literal = String(value);
      if (!Number.isInteger(value) || BigInt(value) < min || BigInt(value) > max) throw typeError(`number ${literal}`, struct, field, type);
      return type === 'time.Duration' ? `${literal}ns` : literal;
    }
  }
}

/** The YAML document as plain values, with YAML 1.1's scalars (as Go's yaml.v2 reads them). */
function loadYaml(text: string): unknown {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
    throw new ConfigFileError(`error converting YAML to JSON: yaml: ${line ? `line ${line}: ` : ''}${reason}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/**
 * Reads the file and returns the settings it gives, by flag name, in the command line's text form
 * (durations as Go duration strings, lists comma-joined). Throws ConfigFileError /
 * ConfigFileUrlError with etcd's messages.
 */
export interface EtcdConfigFile {
  values: Map<string, string>;
  /** etcdmain decodes its proxy settings after the server's configuration is validated: an error there comes last. */
  proxyError?: ConfigFileError;
}

export function readEtcdConfigFile(path: string): EtcdConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ConfigFileError(`open ${path}: ${why}`);
  }
  const doc = loadYaml(text);
  const values = new Map<string, string>();
  if (doc === null || doc === undefined) return { values };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigFileError(`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(doc)} into Go value of type embed.configYAML`);
  }
  // etcd decodes the file twice: into embed's struct first, then (after validating it) the proxy
  // settings into etcdmain's; within each, the first error in document order wins.
  const entries = Object.entries(doc as Record<string, unknown>);
  let proxyError: ConfigFileError | undefined;
  for (const pass of ['configYAML', 'configProxy'] as const) {
    for (const [key, value] of entries) {
      if (value === null || value === undefined) continue;
      const security = key === 'client-transport-security' ? 'client' : key === 'peer-transport-security' ? 'peer' : undefined;
      if (security) {
        if (pass !== 'configYAML') continue;
        if (typeof value !== 'object' || Array.isArray(value)) throw typeError(jsonKind(value), 'configYAML', key, 'embed.securityConfig' as GoType);
        for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
          const spec = SECURITY[sub];
          if (!spec || subValue === null || subValue === undefined) continue;
          values.set(spec[security], decode(subValue, spec.type, 'securityConfig', `${key}.${sub}`));
        }
        continue;
      }
      const spec = SETTINGS[key];
      if (!spec || (spec.struct ?? 'configYAML') !== pass) continue;
      if (pass === 'configYAML') {
        values.set(spec.flag ?? key, decode(value, spec.type, pass, key));
        continue;
      }
      try {
        values.set(spec.flag ?? key, decode(value, spec.type, pass, key));
      } catch (err) {
        if (!(err instanceof ConfigFileError)) throw err;
        proxyError ??= err;
      }
    }
  }
  // etcd parses the URL lists after decoding, in this order, and exits on the first bad one
  for (const key of ['listen-peer-urls', 'listen-client-urls', 'initial-advertise-peer-urls', 'advertise-client-urls', 'listen-metrics-urls']) {
    const spec = SETTINGS[key]!;
    const raw = values.get(key);
    if (raw === undefined || raw === '') continue;
    const why = checkValue({ name: key, kind: 'urls', defaultValue: '' }, raw);
    if (why !== undefined) throw new ConfigFileUrlError(`unexpected error setting up ${spec.urls}: ${why}`);
  }
  return proxyError ? { values, proxyError } : { values };
}
