// redis:// --backend URLs: Redis as the store (issue 8). Not built yet: refused with a clear error
// until the Redis adapter lands.
import { BackendUrlError } from './backend-url-error.js';

export type RedisTarget = { kind: 'redis'; options: Record<string, never>; display: string };

export function parseRedisUrl(url: string): RedisTarget {
  throw new BackendUrlError(`--backend ${url}: the Redis backend is not built yet; use etcd://host:port[,host:port...]`);
}
