// `--backend` URLs: where dcsgw keeps its data when it is not its own native store.
//
//   etcd://[user:password@]host:port[,host:port...][?cacert=FILE&cert=FILE&key=FILE&insecure-skip-tls-verify=true]
//   etcds://...   (TLS without client options: the system's trust store)
//
// Several hosts are the members of one genuine etcd cluster, tried in order (failover). TLS options
// are named as etcdctl names its flags. consul:// and redis:// URLs are parsed by their own
// adapters' files (consul-url.ts, redis-url.ts); anything else is refused with the forms allowed.
import type { EtcdBackendOptions } from './etcd.js';
import { BackendUrlError } from './backend-url-error.js';
import { parseConsulUrl, type ConsulTarget } from './consul-url.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

export { BackendUrlError } from './backend-url-error.js';

export type EtcdTarget = { kind: 'etcd'; options: EtcdBackendOptions; display: string };
export type BackendTarget = EtcdTarget | ConsulTarget | RedisTarget;

const FORMS = 'etcd://host:port[,host:port...] (with optional user:password@ and ?cacert=&cert=&key=), or etcds://...';
const TLS_PARAMS = new Set(['cacert', 'cert', 'key', 'insecure-skip-tls-verify']);

function parseHostPort(text: string, url: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\[\]]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new BackendUrlError(`--backend ${url}: "${text}" is not host:port`);
  return `${m[1]}:${m[2]}`;
}

export function parseBackendUrl(url: string): BackendTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'consul' || scheme === 'consuls') return parseConsulUrl(url);
  if (scheme?.startsWith('redis')) return parseRedisUrl(url);
  if (scheme !== 'etcd' && scheme !== 'etcds') throw new BackendUrlError(`--backend ${url}: unsupported backend URL; use ${FORMS}`);
  return parseEtcdUrl(url, scheme);
}

function parseEtcdUrl(url: string, scheme: string): EtcdTarget {
  let rest = url.slice(scheme.length + 3);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  let credentials: EtcdBackendOptions['credentials'];
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon <= 0) throw new BackendUrlError(`--backend ${url}: credentials must be user:password@`);
    credentials = { user: decodeURIComponent(userinfo.slice(0, colon)), password: decodeURIComponent(userinfo.slice(colon + 1)) };
  }
  if (rest === '') throw new BackendUrlError(`--backend ${url}: no host:port given`);
  const endpoints = rest.split(',').map((h) => parseHostPort(h.trim(), url));
  const params = new URLSearchParams(query);
  for (const name of params.keys()) {
    if (!TLS_PARAMS.has(name)) throw new BackendUrlError(`--backend ${url}: unknown option "${name}" (known: ${[...TLS_PARAMS].join(', ')})`);
  }
  const options: EtcdBackendOptions = { endpoints };
  if (credentials) options.credentials = credentials;
  const cacert = params.get('cacert') ?? undefined;
  const cert = params.get('cert') ?? undefined;
  const key = params.get('key') ?? undefined;
  if ((cert === undefined) !== (key === undefined)) throw new BackendUrlError(`--backend ${url}: cert and key go together`);
  const skip = params.get('insecure-skip-tls-verify');
  if (scheme === 'etcds' || cacert || cert || skip === 'true') {
    options.tls = {
      ...(cacert ? { caFile: cacert } : {}),
      ...(cert ? { certFile: cert } : {}),
      ...(key ? { keyFile: key } : {}),
      ...(skip === 'true' ? { insecureSkipVerify: true } : {}),
    };
  }
  // the display form never shows the password
  const display = `${scheme}://${credentials ? `${credentials.user}:***@` : ''}${endpoints.join(',')}${query ? `?${query}` : ''}`;
  return { kind: 'etcd', options, display };
}
