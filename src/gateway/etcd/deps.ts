// What every service is built from. The CLI (through server.ts) fills it once per client port set.
import type pino from 'pino';
import type { Backend } from '../../adapters/backend.js';
import type { EtcdAuthOptions } from './auth/auth-options.js';
import type { EtcdMetrics } from './metrics.js';

export interface ServiceDeps {
  backend: Backend;
  /** --max-request-bytes: proposals above it are refused; watch responses above it are fragmented. */
  maxRequestBytes: number;
  /** --max-txn-ops. */
  maxTxnOps: number;
  logger: pino.Logger;
  versions: { server: string; cluster: string };
  memberName: string;
  metrics: EtcdMetrics;
  /** How often watchers created with progress_notify get an empty response (etcd: 10 minutes). */
  watchProgressIntervalMs: number;
  /** --auth-token-ttl in seconds (simple tokens; default 300). */
  authTokenTtlSeconds?: number;
  /** --bcrypt-cost and the token provider (--auth-token). */
  authOptions?: EtcdAuthOptions;
}

export const DEFAULT_WATCH_PROGRESS_INTERVAL_MS = 10 * 60 * 1000;
