// redis:// --backend URLs: Redis as the store (src/adapters/redis.ts).
//
//   redis://[[user]:password@]host:port[/db]
//   rediss://...                                   TLS (the system's trust store unless told)
//   redis-sentinel://[[user]:password@]host:port[,host:port...]/mastername[/db]
//   redis-cluster://[[user]:password@]host:port[,host:port...]
// Options (any form): ?cacert=FILE&cert=FILE&key=FILE&insecure-skip-tls-verify=true (named as
// etcdctl names its TLS flags, as in the etcd URL; any of them turns TLS on), &namespace=NAME (the
// hash tag every key of this store carries, default "dcsgw": several stores can share one Redis),
// &sentinel-password=PASSWORD (Sentinel's own, when it differs from the data nodes'),
// &min-replicas=N[&replica-timeout-ms=MS] (a write is acknowledged only once N replicas have it:
// Redis WAIT after every write, etcd's "request timed out" when they do not within MS, default 5000).
// redis-sentinel+tls:// / rediss-sentinel:// and rediss-cluster:// are the TLS spellings.
import type { Logger } from 'pino';
import type { AutoCompactionConfig } from '../native/node/auto-compactor.js';
import { BackendUrlError } from './backend-url-error.js';

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify?: boolean;
}

export interface RedisBackendOptions {
  mode: 'single' | 'sentinel' | 'cluster';
  /** The server (single), the sentinels, or the cluster's seed nodes. */
  nodes: RedisNode[];
  /** The Sentinel master group's name. */
  masterName?: string;
  db?: number;
  username?: string;
  password?: string;
  sentinelPassword?: string;
  tls?: RedisTls;
  /** The hash tag of every key (default "dcsgw"). */
  namespace?: string;
  /** Replicas that must have a write before it is acknowledged (Redis WAIT). */
  minReplicas?: number;
  replicaTimeoutMs?: number;
  /** The URL without its password, for logs and the member list. */
  display: string;
  /** etcd's --auto-compaction-mode / --auto-compaction-retention (set by the command line, not the URL). */
  autoCompaction?: AutoCompactionConfig;
  logger?: Logger;
}

export type RedisTarget = { kind: 'redis'; options: RedisBackendOptions; display: string };

const FORMS =
  'redis://[user:password@]host:port[/db], rediss://..., redis-sentinel://host:port[,host:port...]/mastername[/db] or redis-cluster://host:port[,host:port...]';
const PARAMS = new Set(['cacert', 'cert', 'key', 'insecure-skip-tls-verify', 'namespace', 'sentinel-password', 'min-replicas', 'replica-timeout-ms']);
const SCHEMES: Record<string, { mode: RedisBackendOptions['mode']; tls: boolean }> = {
  redis: { mode: 'single', tls: false },
  rediss: { mode: 'single', tls: true },
  'redis-sentinel': { mode: 'sentinel', tls: false },
  'rediss-sentinel': { mode: 'sentinel', tls: true },
  'redis-cluster': { mode: 'cluster', tls: false },
  'rediss-cluster': { mode: 'cluster', tls: true },
};

function parseNode(text: string, url: string): RedisNode {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\[\],]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new BackendUrlError(`--backend ${url}: "${text}" is not host:port`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}

function parseDb(text: string, url: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new BackendUrlError(`--backend ${url}: "${text}" is not a database number`);
  return Number(text);
}

export function parseRedisUrl(url: string): RedisTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase() ?? '';
  const kind = SCHEMES[scheme === 'redis-sentinel+tls' ? 'rediss-sentinel' : scheme];
  if (!kind) throw new BackendUrlError(`--backend ${url}: unsupported Redis URL; use ${FORMS}`);
  let rest = url.slice(scheme.length + 3);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon < 0) throw new BackendUrlError(`--backend ${url}: credentials must be [user]:password@`);
    if (colon > 0) username = decodeURIComponent(userinfo.slice(0, colon));
    password = decodeURIComponent(userinfo.slice(colon + 1));
  }
  const slash = rest.indexOf('/');
  const hostPart = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = (slash >= 0 ? rest.slice(slash + 1) : '').replace(/\/$/, '');
  if (hostPart === '') throw new BackendUrlError(`--backend ${url}: no host:port given`);
  const nodes = hostPart.split(',').map((h) => parseNode(h.trim(), url));
  const options: RedisBackendOptions = { mode: kind.mode, nodes, display: '' };
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;

  const segments = path === '' ? [] : path.split('/');
  if (kind.mode === 'single') {
    if (nodes.length > 1) throw new BackendUrlError(`--backend ${url}: one host:port for redis:// (several are redis-sentinel:// or redis-cluster://)`);
    if (segments.length > 1) throw new BackendUrlError(`--backend ${url}: the path is the database number only`);
    if (segments.length === 1) options.db = parseDb(segments[0]!, url);
  } else if (kind.mode === 'sentinel') {
    if (segments.length === 0 || segments[0] === '') throw new BackendUrlError(`--backend ${url}: name the master: redis-sentinel://host:port[,host:port...]/mastername`);
    if (segments.length > 2) throw new BackendUrlError(`--backend ${url}: the path is /mastername[/db]`);
    options.masterName = decodeURIComponent(segments[0]!);
    if (segments.length === 2) options.db = parseDb(segments[1]!, url);
  } else if (segments.length > 0) {
    throw new BackendUrlError(`--backend ${url}: Redis Cluster has no databases or names in the path (database 0 only)`);
  }

  const params = new URLSearchParams(query);
  for (const name of params.keys()) {
    if (!PARAMS.has(name)) throw new BackendUrlError(`--backend ${url}: unknown option "${name}" (known: ${[...PARAMS].join(', ')})`);
  }
  const cacert = params.get('cacert') ?? undefined;
  const cert = params.get('cert') ?? undefined;
  const key = params.get('key') ?? undefined;
  if ((cert === undefined) !== (key === undefined)) throw new BackendUrlError(`--backend ${url}: cert and key go together`);
  const skip = params.get('insecure-skip-tls-verify') === 'true';
  if (kind.tls || cacert || cert || skip) {
    options.tls = {
      ...(cacert ? { caFile: cacert } : {}),
      ...(cert ? { certFile: cert } : {}),
      ...(key ? { keyFile: key } : {}),
      ...(skip ? { insecureSkipVerify: true } : {}),
    };
  }
  const namespace = params.get('namespace');
  if (namespace !== null) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(namespace)) throw new BackendUrlError(`--backend ${url}: namespace must be 1-64 of A-Z a-z 0-9 _ . : -`);
    options.namespace = namespace;
  }
  const sentinelPassword = params.get('sentinel-password');
  if (sentinelPassword !== null) {
    if (kind.mode !== 'sentinel') throw new BackendUrlError(`--backend ${url}: sentinel-password is for redis-sentinel:// URLs`);
    options.sentinelPassword = sentinelPassword;
  }
  const minReplicas = params.get('min-replicas');
  if (minReplicas !== null) {
    if (!/^[1-9]\d{0,2}$/.test(minReplicas)) throw new BackendUrlError(`--backend ${url}: min-replicas must be a number of replicas (1 or more)`);
    // WAIT covers the writes of the connection it is sent on; a cluster client spreads its connections
    if (kind.mode === 'cluster') throw new BackendUrlError(`--backend ${url}: min-replicas is for redis:// and redis-sentinel:// URLs`);
    options.minReplicas = Number(minReplicas);
  }
  const replicaTimeout = params.get('replica-timeout-ms');
  if (replicaTimeout !== null) {
    if (minReplicas === null) throw new BackendUrlError(`--backend ${url}: replica-timeout-ms goes with min-replicas`);
    if (!/^[1-9]\d{0,6}$/.test(replicaTimeout)) throw new BackendUrlError(`--backend ${url}: replica-timeout-ms must be milliseconds (1 or more)`);
    options.replicaTimeoutMs = Number(replicaTimeout);
  }
  // the display form never shows a password
  const shownQuery = [...params.entries()].map(([k, v]) => `${k}=${k === 'sentinel-password' ? '***' : v}`).join('&');
  const credentials = password !== undefined ? `${username ?? ''}:***@` : '';
  const display = `${scheme}://${credentials}${hostPart}${path ? `/${path}` : ''}${shownQuery ? `?${shownQuery}` : ''}`;
  options.display = display;
  return { kind: 'redis', options, display };
}
