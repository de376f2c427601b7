// A Consul agent named by a `dcsgw conformance` URL: consul://host:port (HTTP) or consuls://host:port
// (HTTPS). The scenarios use the HTTP API only, as any Consul client does.
import { TargetUrlError } from '../etcd/live-target.js';

export interface ConsulConformanceTarget {
  /** http(s)://host:port */
  baseUrl: string;
  display: string;
}

export function parseConsulTarget(url: string, flag: string): ConsulConformanceTarget {
  const m = /^(consuls?):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]@?]+):(\d{1,5})\/?$/i.exec(url);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) throw new TargetUrlError(`${flag} ${url}: use consul://host:port or consuls://host:port`);
  const scheme = m[1]!.toLowerCase() === 'consuls' ? 'https' : 'http';
  return { baseUrl: `${scheme}://${m[2]}:${m[3]}`, display: `${m[1]!.toLowerCase()}://${m[2]}:${m[3]}` };
}
