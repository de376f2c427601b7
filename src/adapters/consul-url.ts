// consul:// and consuls:// --backend URLs: a genuine Consul cluster as the store (issue 8).
//
//   consul://host:8500[,host:8500...][?token=T&dc=DC]
//   consuls://host:8501[,...][?cacert=FILE&cert=FILE&key=FILE&insecure-skip-tls-verify=true&token=T&dc=DC]
//
// Several hosts are agents of one Consul cluster (servers or client agents), tried in order: the
// adapter talks to the first that answers and moves to the next when it cannot connect. `token` is
// the ACL token (sent as X-Consul-Token, never shown in the display form), `dc` the datacenter
// (Consul's ?dc=). TLS options are named as etcdctl and the etcd URLs of backend-url.ts name them;
// consuls:// alone uses the system's trust store.
import { BackendUrlError } from './backend-url-error.js';
import type { ConsulBackendOptions } from './consul-http.js';

export type ConsulTarget = { kind: 'consul'; options: ConsulBackendOptions; display: string };

const KNOWN = new Set(['token', 'dc', 'cacert', 'cert', 'key', 'insecure-skip-tls-verify']);
const TLS_ONLY = ['cacert', 'cert', 'key', 'insecure-skip-tls-verify'];

function parseHostPort(text: string, url: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\[\]@]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new BackendUrlError(`--backend ${url}: "${text}" is not host:port`);
  return `${m[1]}:${m[2]}`;
}

export function parseConsulUrl(url: string): ConsulTarget {
  const scheme = /^([a-z]+):\/\//i.exec(url)![1]!.toLowerCase();
  let rest = url.slice(scheme.length + 3);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest.includes('@')) throw new BackendUrlError(`--backend ${url}: Consul takes an ACL token, not user:password@: use ?token=`);
  if (rest === '') throw new BackendUrlError(`--backend ${url}: no host:port given`);
  const agents = rest.split(',').map((h) => parseHostPort(h.trim(), url));
  const params = new URLSearchParams(query);
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) throw new BackendUrlError(`--backend ${url}: unknown option "${name}" (known: ${[...KNOWN].join(', ')})`);
  }
  const tls = scheme === 'consuls';
  if (!tls) {
    const misplaced = TLS_ONLY.find((n) => params.has(n));
    if (misplaced) throw new BackendUrlError(`--backend ${url}: "${misplaced}" needs consuls:// (HTTPS)`);
  }
  const cert = params.get('cert') ?? undefined;
  const key = params.get('key') ?? undefined;
  if ((cert === undefined) !== (key === undefined)) throw new BackendUrlError(`--backend ${url}: cert and key go together`);
  const options: ConsulBackendOptions = { agents };
  const token = params.get('token');
  if (token) options.token = token;
  const dc = params.get('dc');
  if (dc) options.datacenter = dc;
  if (tls) {
    const cacert = params.get('cacert') ?? undefined;
    const skip = params.get('insecure-skip-tls-verify');
    options.tls = {
      ...(cacert ? { caFile: cacert } : {}),
      ...(cert ? { certFile: cert } : {}),
      ...(key ? { keyFile: key } : {}),
      ...(skip === 'true' ? { insecureSkipVerify: true } : {}),
    };
  }
  // the display form never shows the token
  const shown = new URLSearchParams(query);
  if (shown.has('token')) shown.set('token', '***');
  const qs = shown.toString().replace(/%2F/gi, '/').replace(/\*\*\*/g, '***');
  const display = `${scheme}://${agents.join(',')}${qs ? `?${qs.replace(/%2A%2A%2A/g, '***')}` : ''}`;
  return { kind: 'consul', options, display };
}
