// An etcd cluster named by a `dcsgw conformance` URL: etcd://host:port[,host:port...] (plaintext)
// or etcds://... / ?cacert=&cert=&key= (TLS, named as etcdctl names its flags), parsed by the same
// parser as `--backend` so one cluster is written the same way everywhere.
import { BackendUrlError, parseBackendUrl } from '../../../adapters/backend-url.js';

export interface EtcdConformanceTarget {
  /** `http(s)://host:port` of every member given, in order. */
  endpoints: string[];
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** The URL as shown in reports. */
  display: string;
}

export class TargetUrlError extends Error {}

export function parseEtcdTarget(url: string, flag: string): EtcdConformanceTarget {
  let parsed;
  try {
    parsed = parseBackendUrl(url);
  } catch (err) {
    if (err instanceof BackendUrlError) throw new TargetUrlError(err.message.replace(/^--backend /, `${flag} `));
    throw err;
  }
  if (parsed.kind !== 'etcd') throw new TargetUrlError(`${flag} ${url}: not an etcd URL`);
  const o = parsed.options;
  // the corpus expects a cluster with auth disabled (it checks the answers of one)
  if (o.credentials) throw new TargetUrlError(`${flag} ${url}: conformance runs against a cluster with authentication disabled; remove user:password@`);
  if (o.tls?.insecureSkipVerify) throw new TargetUrlError(`${flag} ${url}: insecure-skip-tls-verify is not supported by conformance; give ?cacert=FILE`);
  const scheme = o.tls ? 'https' : 'http';
  const target: EtcdConformanceTarget = { endpoints: o.endpoints.map((hp) => `${scheme}://${hp}`), display: parsed.display };
  if (o.tls) {
    target.tls = {
      ...(o.tls.caFile ? { caFile: o.tls.caFile } : {}),
      ...(o.tls.certFile ? { certFile: o.tls.certFile } : {}),
      ...(o.tls.keyFile ? { keyFile: o.tls.keyFile } : {}),
    };
  }
  return target;
}
