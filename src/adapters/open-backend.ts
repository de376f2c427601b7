// One place that turns a parsed --backend URL into a Backend: the CLI (`dcsgw --backend`,
// `dcsgw agent -backend`), `dcsgw migrate`, `dcsgw mirror` and `dcsgw conformance` all open their
// stores here, so a new adapter is one more case in this switch.
import type { Backend } from './backend.js';
import type { BackendTarget } from './backend-url.js';
import { createConsulBackend } from './consul.js';
import { createEtcdBackend } from './etcd.js';
import { createRedisBackend } from './redis.js';

/** A Backend whose ready() takes the time to wait for the store to answer. */
export type OpenedBackend = Backend & { ready(timeoutMs?: number): Promise<void> };

export function openBackend(target: BackendTarget): OpenedBackend {
  switch (target.kind) {
    case 'etcd':
      return createEtcdBackend(target.options);
    case 'redis':
      return createRedisBackend(target.options);
    case 'consul':
      return createConsulBackend(target.options);
  }
}

/** How start-up lines name the kind of store behind a URL. */
export function backendKindName(target: BackendTarget): string {
  return { etcd: 'etcd', consul: 'Consul', redis: 'Redis' }[target.kind];
}
