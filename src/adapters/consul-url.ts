// consul:// --backend URLs: a genuine Consul cluster as the store (issue 8). Not built yet: refused
// with a clear error until the Consul adapter lands.
import { BackendUrlError } from './backend-url-error.js';

export type ConsulTarget = { kind: 'consul'; options: Record<string, never>; display: string };

export function parseConsulUrl(url: string): ConsulTarget {
  throw new BackendUrlError(`--backend ${url}: the Consul backend is not built yet; use etcd://host:port[,host:port...]`);
}
