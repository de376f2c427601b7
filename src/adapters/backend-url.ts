// `--backend` URLs: where dcsgw keeps its data when it is not its own native store.
//
//   etcd://[user:password@]host:port[,host:port...][?cacert=FILE&cert=FILE&key=FILE&insecure-skip-tls-verify=true]
//   etcds://...   (TLS without client options: the system's trust store)
//
// Several hosts are the members of one genuine etcd cluster, tried in order (failover). TLS options
// are named as etcdctl names its flags. consul:// and redis:// are recognised and refused with a
// clear "not built yet" (issue 8's later adapters); anything else is refused with the forms allowed.
import type { EtcdBackendOptions } from './etcd.js';

export class BackendUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUrlError';
  }
}

export type BackendTarget = { kind: 'etcd'; options: EtcdBackendOptions; display: string };

const FORMS = 'etcd://host:port[,host:port...] (with optional user:password@ and ?cacert=&cert=&key=), or etcds://...';
const TLS_PARAMS = new Set(['cacert', 'cert', 'key', 'insecure-skip-tls-verify']);

function parseHostPort(text: string, url: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\[\]]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new BackendUrlError(`--backend ${url}: "${text}" is not host:port`);
  return `${m[1]}:${m[2]}`;
}

export function parseBackendUrl(url: string): BackendTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'consul' || scheme === 'redis' || scheme === 'rediss') {
    throw new BackendUrlError(`--backend ${url}: the ${scheme === 'consul' ? 'Consul' : 'Redis'} backend is not built yet; only ${FORMS} is supported so far`);
  }
  if (scheme !== 'etcd' && scheme !== 'etcds') throw new BackendUrlError(`--backend ${url}: unsupported backend URL; use ${FORMS}`);
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
