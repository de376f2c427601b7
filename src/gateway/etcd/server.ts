// The etcd client port(s): every etcd v3 service on the project's gRPC server, the JSON gateway and
// /health /version /metrics on the same listener, one listener per --listen-client-urls entry.
import type pino from 'pino';
import type { Backend } from '../../adapters/backend.js';
import { listenClientPort, type ClientPort } from '../grpc/client-port.js';
import { GrpcServer } from '../grpc/server.js';
import { guardGatewayCommonName } from '../tls/gateway-cn-guard.js';
import type { TlsRejection, TlsSource } from '../tls/server-tls.js';
import { authBackendOf } from './auth/auth-gate.js';
import type { EtcdAuthOptions } from './auth/auth-options.js';
import { binaryCodec, jsonCodecOf } from './codec/index.js';
import { DEFAULT_WATCH_PROGRESS_INTERVAL_MS, type ServiceDeps } from './deps.js';
import { createJsonGateway } from './gateway.js';
import { createHttpHandler } from './http.js';
import { collectProcessMetrics, etcdMetrics, type EtcdMetrics } from './metrics.js';
import { leaderAware } from './leader.js';
import { registerGrpc } from './register.js';
import { allEtcdMethods } from './services/index.js';

export interface EtcdServerOptions {
  backend: Backend;
  /** e.g. ['http://127.0.0.1:2379', 'https://127.0.0.1:2379']: the same address in both schemes is one listener serving both. */
  listenClientUrls: string[];
  /** The key pair (and client-certificate checks) of https:// client URLs (etcd's --cert-file ...). */
  clientTls?: TlsSource;
  /** A connection refused at the TLS layer (etcd logs "rejected connection"). */
  onTlsReject?: (r: TlsRejection) => void;
  /** --max-request-bytes (etcd default 1.5 MiB). */
  maxRequestBytes: number;
  /** --max-txn-ops (etcd default 128). */
  maxTxnOps: number;
  logger: pino.Logger;
  versions: { server: string; cluster: string };
  memberName: string;
  /** Defaults to the process-wide registry that /metrics serves. */
  metrics?: EtcdMetrics;
  /** Progress notifications for progress_notify watchers (etcd: 10 min). */
  watchProgressIntervalMs?: number;
  /** --auth-token-ttl (seconds; default 300). */
  authTokenTtlSeconds?: number;
  /** --bcrypt-cost, --auth-token. */
  authOptions?: EtcdAuthOptions;
}

export interface EtcdServer {
  /** The bound addresses, one per listener in listenClientUrls order (useful with port 0); which schemes each serves. */
  readonly addresses: { host: string; port: number; secure: boolean; insecure: boolean }[];
  close(): Promise<void>;
}

/** grpc-go's allowance above --max-request-bytes for a received message (etcd: 512 KiB). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

function parseClientUrl(raw: string): { scheme: 'http' | 'https'; host: string; port: number } {
  const u = new URL(raw);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`dcsgw: unsupported client URL scheme: ${raw}`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
  return { scheme, host, port };
}

export async function startEtcdServer(opts: EtcdServerOptions): Promise<EtcdServer> {
  const metrics = opts.metrics ?? etcdMetrics;
  if (metrics === etcdMetrics) collectProcessMetrics(metrics);
  metrics.serverVersion.labels(opts.versions.server).set(1);
  metrics.clusterVersion.labels(opts.versions.cluster).set(1);
  const deps: ServiceDeps = {
    backend: opts.backend,
    maxRequestBytes: opts.maxRequestBytes,
    maxTxnOps: opts.maxTxnOps,
    logger: opts.logger,
    versions: opts.versions,
    memberName: opts.memberName,
    metrics,
    watchProgressIntervalMs: opts.watchProgressIntervalMs ?? DEFAULT_WATCH_PROGRESS_INTERVAL_MS,
    ...(opts.authTokenTtlSeconds !== undefined ? { authTokenTtlSeconds: opts.authTokenTtlSeconds } : {}),
    ...(opts.authOptions !== undefined ? { authOptions: opts.authOptions } : {}),
  };
  const methods = allEtcdMethods(deps);
  const maxReceiveMessageBytes = opts.maxRequestBytes + GRPC_OVERHEAD_BYTES;
  const grpc = new GrpcServer({ maxReceiveMessageBytes, logger: opts.logger });
  const leader = leaderAware(opts.backend);
  leader?.onLeaderChange((id) => {
    metrics.hasLeader.set(id !== 0n ? 1 : 0);
    if (id !== 0n) metrics.leaderChanges.inc();
  });
  registerGrpc(grpc, methods, (name) => binaryCodec(name), metrics, leader);
  const gateway = createJsonGateway(methods, (name) => jsonCodecOf(name), {
    maxReceiveMessageBytes,
    protoSize: (name, msg) => binaryCodec(name).encode(msg).length,
  });
  const plainHttp = createHttpHandler(deps, gateway);
  const auth = authBackendOf(opts.backend);
  const http = opts.clientTls?.clientCertAuth ? guardGatewayCommonName(plainHttp, () => auth?.authQueries()?.status().enabled === true) : plainHttp;

  const ports: ClientPort[] = [];
  const schemes: { secure: boolean; insecure: boolean }[] = [];
  // etcd serves its client listeners once the member has published itself (ReadyNotify)
  const servingAfter = opts.backend.ready();
  // etcd keys its listeners by host:port: http:// and https:// on one address share one listener
  const byAddress = new Map<string, { host: string; port: number; secure: boolean; insecure: boolean; urls: string[] }>();
  for (const raw of opts.listenClientUrls) {
    const { scheme, host, port } = parseClientUrl(raw);
    const key = port === 0 ? `${raw}#${byAddress.size}` : `${host}|${port}`; // port 0: each its own listener
    const entry = byAddress.get(key) ?? { host, port, secure: false, insecure: false, urls: [] };
    if (scheme === 'https') entry.secure = true;
    else entry.insecure = true;
    entry.urls.push(raw);
    byAddress.set(key, entry);
  }
  try {
    for (const a of byAddress.values()) {
      ports.push(
        await listenClientPort({
          host: a.host,
          port: a.port,
          grpc,
          http1: http,
          scheme: a.secure ? 'https' : 'http',
          alsoInsecure: a.secure && a.insecure,
          ...(opts.clientTls ? { tlsSource: opts.clientTls } : {}),
          ...(opts.onTlsReject ? { onTlsReject: opts.onTlsReject } : {}),
          servingAfter,
        }),
      );
      schemes.push({ secure: a.secure, insecure: a.insecure });
      for (const url of a.urls) opts.logger.info({ url }, 'serving etcd client requests');
    }
  } catch (err) {
    await Promise.all(ports.map((p) => p.close(0)));
    await grpc.close(0);
    throw err;
  }
  return {
    addresses: ports.map((p, i) => ({ host: p.host, port: p.port, ...(schemes[i] as { secure: boolean; insecure: boolean }) })),
    async close() {
      await Promise.all(ports.map((p) => p.close()));
      await grpc.close();
    },
  };
}
