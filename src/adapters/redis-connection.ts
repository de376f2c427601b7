// ioredis clients for a parsed redis:// target (./redis-url.ts): one server, a Sentinel-managed
// master, or a Redis Cluster. The adapter needs two per store: one for requests, and one that sits
// in XREAD BLOCK for the change stream (a blocked connection answers nothing else). Scripts are
// sent by SHA and loaded on NOSCRIPT, so a restarted or failed-over Redis just gets them again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisBackendOptions } from './redis-url.js';
import type { Arg, Reply } from './redis-codec.js';

export type RedisClient = Redis | Cluster;

function tlsOptions(o: RedisBackendOptions): ConnectionOptions | undefined {
  if (!o.tls) return undefined;
  return {
    ...(o.tls.caFile ? { ca: readFileSync(o.tls.caFile) } : {}),
    ...(o.tls.certFile ? { cert: readFileSync(o.tls.certFile) } : {}),
    ...(o.tls.keyFile ? { key: readFileSync(o.tls.keyFile) } : {}),
    ...(o.tls.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
  };
}

const lastErrors = new WeakMap<RedisClient, Error>();

/** The newest connection error of a client (refused, TLS alert, WRONGPASS...), to say why it is not ready. */
export function lastConnectionError(client: RedisClient): Error | undefined {
  return lastErrors.get(client);
}

/** A new client for the target; it connects in the background and reconnects by itself. */
export function createRedisClient(o: RedisBackendOptions, purpose: 'requests' | 'stream'): RedisClient {
  const client = newClient(o, purpose);
  // connection errors are retried by ioredis; they are kept (not printed) and surface in the
  // requests that fail for them
  client.on('error', (err: Error) => lastErrors.set(client, err));
  return client;
}

function newClient(o: RedisBackendOptions, purpose: 'requests' | 'stream'): RedisClient {
  const tls = tlsOptions(o);
  const common: RedisOptions = {
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(tls ? { tls } : {}),
    connectionName: `dcsgw-${purpose}`,
    // a request waits through a reconnect (Redis restart, Sentinel failover) rather than failing at once
    maxRetriesPerRequest: purpose === 'stream' ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  if (o.mode === 'cluster') {
    return new Cluster(
      o.nodes.map((n) => ({ host: n.host, port: n.port })),
      { redisOptions: common },
    );
  }
  if (o.mode === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: o.nodes.map((n) => ({ host: n.host, port: n.port })),
      name: o.masterName!,
      ...(o.db !== undefined ? { db: o.db } : {}),
      ...(o.sentinelPassword !== undefined ? { sentinelPassword: o.sentinelPassword } : o.password !== undefined ? { sentinelPassword: o.password } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    });
  }
  return new Redis({ ...common, host: o.nodes[0]!.host, port: o.nodes[0]!.port, ...(o.db !== undefined ? { db: o.db } : {}) });
}

/** The scripts of one store, run by SHA with a fallback to loading them. */
export class ScriptRunner {
  private readonly shas = new Map<string, string>();

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  private sha(source: string): string {
    let s = this.shas.get(source);
    if (!s) {
      s = createHash('sha1').update(source).digest('hex');
      this.shas.set(source, s);
    }
    return s;
  }

  async run(source: string, args: Arg[]): Promise<Reply> {
    const sha = this.sha(source);
    try {
      return (await this.client.callBuffer('EVALSHA', sha, 1, this.prefix, ...args)) as Reply;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return (await this.client.callBuffer('EVAL', source, 1, this.prefix, ...args)) as Reply;
    }
  }
}
