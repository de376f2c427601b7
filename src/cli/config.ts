// From argv + ETCD_* environment to a validated server configuration, the way etcd 3.4's etcdmain
// does it: the same precedence (command line over environment, and a conflict is fatal), the same
// defaults, and the same error texts and exit codes, so scripts written for etcd behave the same.
import { parseFlags, parseGoBool, parseGoInt, parseGoDuration, checkValue, flagToEnv, FlagError, HelpRequested } from './flag-set.js';
import { ETCD_FLAGS, HONOURED_FLAGS } from './etcd-flags.js';
import { takeConsulListenFlags, withConsulListenFlags, type ConsulListenFlags } from './consul-listen.js';
import { USAGE_LINE } from './usage-text.js';
import { renderZap, type EtcdLogEvent, type EtcdLogLevel, type LoggerFormat } from './etcd-log.js';
import { tlsFlagsOf, type TlsFlags } from './tls/tls-flags.js';
import type { EtcdAuthOptions } from '../gateway/etcd/auth/auth-options.js';
import { bcryptCostOf } from '../gateway/etcd/auth/auth-flags.js';
import { ConfigFileError, ConfigFileUrlError, readEtcdConfigFile } from './etcd-config-file.js';

export interface InitialMember {
  name: string;
  peerURLs: string[];
}

export interface ServeConfig {
  name: string;
  dataDir: string;
  listenClientUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  advertisePeerUrls: string[];
  /** In --initial-cluster order; a name given twice collects its URLs (as etcd's URLsMap). */
  initialCluster: InitialMember[];
  initialClusterToken: string;
  initialClusterState: 'new' | 'existing';
  snapshotCount: number;
  heartbeatMs: number;
  electionMs: number;
  quotaBackendBytes: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  autoCompaction?: { mode: 'periodic' | 'revision'; retention: string };
  logger: LoggerFormat;
  logLevel: string;
  logOutputs: string[];
  watchProgressNotifyIntervalMs: number;
  /** --auth-token-ttl (seconds) of the simple auth tokens. */
  authTokenTtlSeconds: number;
  /** --bcrypt-cost and --auth-token (absent: etcd's defaults). */
  authOptions?: EtcdAuthOptions;
  listenMetricsUrls: string[];
  /** Client and peer TLS flags (auto-tls is resolved at start-up: cli/tls/tls-setup.ts). */
  tls: TlsFlags;
  /** The raw value of every flag after command line + environment (for the "starting" log line). */
  raw: ReadonlyMap<string, string>;
  /** --force-new-cluster: a member with a data dir restarts as a one-member cluster. */
  forceNewCluster: boolean;
  /** --strict-reconfig-check (default true). */
  strictReconfigCheck: boolean;
  /** dcsgw's Consul face beside etcd (--consul-http-addr / --consul-dns-addr); absent: no Consul face. */
  consulListen?: ConsulListenFlags;
}

export type CliRequest =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; config: ServeConfig; notes: EtcdLogEvent[] };

/** The CLI must stop: print `stdout` / `stderr` as they are and exit with `exitCode`. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly stderr: string,
    readonly stdout = '',
  ) {
    super(stderr.trim() || `exit ${exitCode}`);
    this.name = 'CliExit';
  }
}

/** A configuration error found after the logger format is known (etcd logs it as critical, exit 1). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Where lines printed before the logger exists go (etcd: capnslog on stderr). */
export type EarlyPrinter = (level: EtcdLogLevel, pkg: string, text: string) => void;

/** etcd 3.4 prints this (raw, on stderr) whenever it sets up the capnslog logger. */
export const CAPNSLOG_DEPRECATION = "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n";

export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

function verifyError(text: string, early: EarlyPrinter, extra: string[] = []): CliExit {
  early('error', 'etcdmain', `error verifying flags, ${text}. See 'etcd --help'.`);
  for (const line of extra) early('error', 'etcdmain', line);
  return new CliExit(1, '');
}

/** Once etcd has set up a zap logger, flag errors are zap warnings instead of capnslog lines. */
function zapVerifyError(text: string, rawStderr: (t: string) => void, extra: { msg: string }[] = []): CliExit {
  rawStderr(renderZap('warn', 'etcdmain/etcd.go:66', 'failed to verify flags', { error: text }));
  for (const e of extra) rawStderr(renderZap('warn', 'etcdmain/etcd.go:73', e.msg, { error: text }));
  return new CliExit(1, '');
}

function splitList(raw: string): string[] {
  return raw === '' ? [] : raw.split(',');
}

/** etcd's types.NewURLsMap: "a=http://x:1,b=http://y:2". */
export function parseInitialCluster(raw: string): InitialMember[] {
  const byName = new Map<string, InitialMember>();
  for (const part of splitList(raw)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new StartupError(`error setting up initial cluster: URL address does not have the form "host:port": ${part}`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    const bad = checkValue({ name: 'initial-cluster', kind: 'urls', defaultValue: '' }, url);
    if (bad) throw new StartupError(`error setting up initial cluster: ${bad}`);
    const member = byName.get(name) ?? { name, peerURLs: [] };
    member.peerURLs.push(url);
    byName.set(name, member);
  }
  return [...byName.values()];
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((u, i) => u === y[i]);
}

function note(level: EtcdLogLevel, pkg: string, text: string, caller: string, msg: string, fields?: Record<string, unknown>): EtcdLogEvent {
  return fields ? { level, pkg, text, caller, msg, fields } : { level, pkg, text, caller, msg };
}

/**
 * Resolves argv + env. Throws CliExit for flag errors (already printed through `early` when etcd
 * prints them as log lines) and StartupError for errors etcd reports after its logger is set up.
 */
export function resolveCli(argv: readonly string[], env: NodeJS.ProcessEnv, early: EarlyPrinter, rawStderr: (text: string) => void = () => undefined): CliRequest {
  let parsed;
  try {
    parsed = parseFlags(withConsulListenFlags(ETCD_FLAGS), argv);
  } catch (err) {
    if (err instanceof HelpRequested) return { kind: 'help' };
    if (err instanceof FlagError) throw new CliExit(err.exitCode, `${err.message}\n${err.usage ? USAGE_LINE : ''}`);
    throw err;
  }
  if (parsed.rest.length > 0) throw verifyError(`'${parsed.rest[0]}' is not a valid flag`, early);
  if (parseGoBool(parsed.set.get('version') ?? 'false')) return { kind: 'version' };

  const consulListen = takeConsulListenFlags(parsed.set, env);
  // --config-file (or ETCD_CONFIG_FILE): the file replaces the command line and the environment.
  const configFile = parsed.set.get('config-file') || env.ETCD_CONFIG_FILE || '';
  if (configFile !== '') return resolveConfigFile(configFile, consulListen, early, rawStderr);

  // ETCD_* variables fill what the command line left unset (etcd's pkg/flags.SetFlagsFromEnv).
  const values = new Map(parsed.set);
  const usedEnv = new Set<string>();
  let envError: string | undefined;
  for (const spec of ETCD_FLAGS.values()) {
    const key = flagToEnv(spec.name);
    const val = env[key];
    if (val === undefined || val === '') continue;
    usedEnv.add(key);
    if (parsed.set.has(spec.name)) {
      early('fatal', 'pkg/flags', `conflicting environment variable "${key}" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`);
      throw new CliExit(1, '');
    }
    const why = checkValue(spec, val);
    if (why !== undefined) {
      envError = `invalid value "${val}" for ${key}: ${why}`; // etcd reports it after its environment warnings
      continue;
    }
    early('info', 'pkg/flags', `recognized and used environment variable ${key}=${val}`);
    values.set(spec.name, val);
  }
  for (const [key, val] of Object.entries(env)) {
    if (key.startsWith('ETCD_') && !usedEnv.has(key)) early('warn', 'pkg/flags', `unrecognized environment variable ${key}=${val ?? ''}`);
  }
  if (envError !== undefined) throw verifyError(envError, early);
  return validated(values, consulListen, early, rawStderr);
}

/** The --config-file path: etcd logs where it loaded from, as capnslog unless the file set zap and was valid. */
function resolveConfigFile(path: string, consulListen: ConsulListenFlags | undefined, early: EarlyPrinter, rawStderr: (text: string) => void): CliRequest {
  const loading = `Loading server configuration from ${JSON.stringify(path)}. Other configuration command line flags and environment variables will be ignored if provided.`;
  let values: Map<string, string>;
  let proxyError: ConfigFileError | undefined;
  try {
    ({ values, proxyError } = readEtcdConfigFile(path));
  } catch (err) {
    if (err instanceof ConfigFileUrlError) throw new CliExit(1, `${err.line}\n`);
    if (err instanceof ConfigFileError) {
      early('info', 'etcdmain', loading);
      throw verifyError(err.message, early);
    }
    throw err;
  }
  values.set('config-file', path);
  return validated(values, consulListen, early, rawStderr, {
    lateError: proxyError?.message,
    announce(valid: boolean, logger: string) {
      if (valid && logger === 'zap') {
        rawStderr(renderZap('info', 'etcdmain/config.go:312', 'loaded server configuration, other configuration command line flags and environment variables will be ignored if provided', { path }));
      } else early('info', 'etcdmain', loading);
    },
  });
}

/** How validation reports the configuration file it came from (absent: the command line). */
interface FileOrigin {
  /** An error etcd finds only once the rest is valid. */
  lateError?: string;
  /** Called once, before the first error or on success, with the logger the file chose. */
  announce(valid: boolean, logger: string): void;
}

/** etcdmain's configuration checks and defaults over the resolved settings (flags + env, or a file). */
function validated(values: Map<string, string>, consulListen: ConsulListenFlags | undefined, early: EarlyPrinter, rawStderr: (text: string) => void, file?: FileOrigin): CliRequest {
  const isSet = (name: string): boolean => values.has(name);
  const get = (name: string): string => values.get(name) ?? ETCD_FLAGS.get(name)!.defaultValue;
  const num = (name: string): number => parseGoInt(get(name), true) ?? 0;
  const bool = (name: string): boolean => parseGoBool(get(name)) ?? false;

  // etcdmain's configuration checks, in its order and words
  const loggerFormat = get('logger');
  if (loggerFormat !== 'zap' && loggerFormat !== 'capnslog') {
    file?.announce(false, loggerFormat);
    throw verifyError(`unknown logger option "${loggerFormat}"`, early);
  }
  if (loggerFormat === 'capnslog') rawStderr(CAPNSLOG_DEPRECATION);
  // a file's errors are capnslog lines whatever logger it names: etcd keeps its default config until the file is valid
  const fail = (text: string): CliExit => {
    if (file) {
      file.announce(false, loggerFormat);
      return verifyError(text, early);
    }
    return loggerFormat === 'zap' ? zapVerifyError(text, rawStderr) : verifyError(text, early);
  };
  // from a file, etcd's default advertise-client-urls stay set: only the command line needs both
  if (!file && isSet('listen-client-urls') && !isSet('advertise-client-urls')) {
    const text = '--advertise-client-urls is required when --listen-client-urls is set explicitly';
    if (loggerFormat === 'zap') throw zapVerifyError(text, rawStderr, [{ msg: 'advertise client URLs are not set' }]);
    throw verifyError(text, early, ['When listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.']);
  }
  const heartbeatMs = num('heartbeat-interval');
  const electionMs = num('election-timeout');
  if (5 * heartbeatMs > electionMs) {
    throw fail(`--election-timeout[${electionMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatMs}ms]`);
  }
  if (electionMs > 50000) throw fail(`--election-timeout[${electionMs}ms] is too long, and should be set less than 50000ms`);
  const compactionMode = get('auto-compaction-mode');
  if (compactionMode !== 'periodic' && compactionMode !== 'revision') throw fail(`unknown auto-compaction-mode "${compactionMode}"`);

  const notes: EtcdLogEvent[] = [];
  const name = get('name');
  let dataDir = get('data-dir');
  if (dataDir === '') {
    dataDir = `${name}.etcd`;
    notes.push(note('warn', 'etcdmain', `no data-dir provided, using default data-dir ./${dataDir}`, 'etcdmain/etcd.go:119', "'data-dir' was empty; using default", { 'data-dir': dataDir }));
  }
  const advertisePeerUrls = splitList(get('initial-advertise-peer-urls'));
  // etcd's UpdateDefaultClusterFromName: the default initial cluster means "just this member"
  const explicitCluster = isSet('initial-cluster') && get('initial-cluster') !== ETCD_FLAGS.get('initial-cluster')!.defaultValue;
  const initialClusterRaw = explicitCluster ? get('initial-cluster') : advertisePeerUrls.map((u) => `${name}=${u}`).join(',');
  values.set('initial-cluster', initialClusterRaw);

  const config: ServeConfig = {
    name,
    dataDir,
    listenClientUrls: splitList(get('listen-client-urls')),
    advertiseClientUrls: splitList(get('advertise-client-urls')),
    listenPeerUrls: splitList(get('listen-peer-urls')),
    advertisePeerUrls,
    initialCluster: [],
    initialClusterToken: get('initial-cluster-token'),
    initialClusterState: get('initial-cluster-state') === 'existing' ? 'existing' : 'new',
    snapshotCount: num('snapshot-count'),
    heartbeatMs,
    electionMs,
    quotaBackendBytes: num('quota-backend-bytes') <= 0 ? DEFAULT_QUOTA_BYTES : num('quota-backend-bytes'),
    maxRequestBytes: num('max-request-bytes'),
    maxTxnOps: num('max-txn-ops'),
    logger: loggerFormat,
    logLevel: bool('debug') ? 'debug' : get('log-level'),
    logOutputs: splitList(get('log-outputs')),
    watchProgressNotifyIntervalMs: parseGoDuration(get('experimental-watch-progress-notify-interval')) ?? 600_000,
    authTokenTtlSeconds: num('auth-token-ttl'),
    authOptions: { bcryptCost: bcryptCostOf(num('bcrypt-cost'), notes), authToken: get('auth-token') },
    listenMetricsUrls: splitList(get('listen-metrics-urls')),
    tls: tlsFlagsOf(get, bool),
    forceNewCluster: bool('force-new-cluster'),
    strictReconfigCheck: bool('strict-reconfig-check'),
    raw: values,
    consulListen,
  };
  const retention = get('auto-compaction-retention');
  if (retention !== '0' && retention !== '') config.autoCompaction = { mode: compactionMode, retention };

  for (const flag of values.keys()) {
    if (!HONOURED_FLAGS.has(flag)) {
      notes.push(note('warn', 'dcsgw', `--${flag} is accepted for compatibility with etcd and ignored`, 'cli/config.ts', 'flag accepted for compatibility with etcd and ignored', { flag: `--${flag}` }));
    }
  }
  if (file?.lateError !== undefined) throw fail(file.lateError);
  file?.announce(true, loggerFormat);
  return { kind: 'serve', config, notes };
}

/**
 * The checks etcd makes once its logger is up (it logs them as critical and exits 1):
 * the initial cluster, this member in it.
 * TLS is set up by cli/tls/tls-setup.ts.
 */
export function checkCluster(config: ServeConfig): void {
  const raw = config.raw;
  config.initialCluster = parseInitialCluster(raw.get('initial-cluster') ?? '');
  const self = config.initialCluster.find((m) => m.name === config.name);
  if (!self) throw new StartupError(`couldn't find local name "${config.name}" in the initial cluster configuration`);
  if (!sameUrls(self.peerURLs, config.advertisePeerUrls)) {
    const want = [...config.advertisePeerUrls].sort().join(',');
    const have = [...self.peerURLs].sort().join(',');
    throw new StartupError(
      `--initial-cluster has ${config.name}=${have} but missing from --initial-advertise-peer-urls=${want} (resolved urls: "${want}" != "${have}")`,
    );
  }
}
