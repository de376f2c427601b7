// Where a migration reads or writes: a store reachable through the Backend interface (etcd://,
// consul://, redis://, which openBackend() opens) or a file: `file:dump.json` in `consul kv export`
// format, or `file:snap.db` as an etcd v3 snapshot (a bbolt file, as `etcdctl snapshot save` writes).
import { parseBackendUrl, type BackendTarget } from '../../adapters/backend-url.js';

export type Endpoint =
  | { kind: 'backend'; url: string; target: BackendTarget; display: string }
  | { kind: 'json'; path: string; display: string }
  | { kind: 'snapshot'; path: string; display: string };

export class EndpointError extends Error {}

const FORMS = 'etcd://host:port, consul://host:port, redis://host:port, file:dump.json (consul kv export format) or file:snap.db (etcd snapshot)';

export function parseEndpoint(text: string): Endpoint {
  if (/^file:/i.test(text)) {
    const path = text.slice(5).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new EndpointError(`${text}: no file name given; use ${FORMS}`);
    const kind = /\.json$/i.test(path) ? 'json' : 'snapshot';
    return { kind, path, display: text };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme || !/^(etcds?|consuls?|redis|rediss|redis-sentinel|redis-cluster|rediss-sentinel|rediss-cluster|redis-sentinel\+tls)$/.test(scheme)) {
    throw new EndpointError(`${text}: not a store URL; use ${FORMS}`);
  }
  let target: BackendTarget;
  try {
    target = parseBackendUrl(text);
  } catch (err) {
    throw new EndpointError((err as Error).message.replace(/^--backend /, ''));
  }
  return { kind: 'backend', url: text, target, display: target.display };
}

/** One destination transaction's caps: the store's own (etcd 128 ops / 1.5 MiB, Consul 64 / 512 KiB). */
export interface BatchLimits {
  maxOps: number;
  maxBytes: number;
}

/** What each kind of destination accepts in one transaction, with room left for the request's framing. */
export function batchLimitsOf(endpoint: Endpoint): BatchLimits {
  if (endpoint.kind !== 'backend') return { maxOps: 1024, maxBytes: 8 * 1024 * 1024 };
  switch (endpoint.target.kind) {
    case 'etcd':
      // etcd: --max-txn-ops 128, --max-request-bytes 1.5 MiB (the gRPC message, keys and values with their framing)
      return { maxOps: 128, maxBytes: 1.5 * 1024 * 1024 - 16 * 1024 };
    case 'consul':
      // Consul: 64 operations per /v1/txn, 512 KiB per request body (base64 values grow by 4/3)
      return { maxOps: 64, maxBytes: Math.floor(((512 * 1024 - 16 * 1024) * 3) / 4) };
    case 'redis':
      return { maxOps: 512, maxBytes: 8 * 1024 * 1024 };
  }
}
