// `dcsgw --backend URL [etcd flags]`: the etcd face (client URLs) and the Consul face over a store
// that is not dcsgw's own — so far a genuine etcd cluster (src/adapters/backend-url.ts lists the
// URL forms). There is no local raft, WAL or peer port: the data, its revisions and its members are
// the genuine cluster's, and dcsgw is a gateway in front of it.
//
// The flag is taken off the command line (./backend-arg.ts) before etcd's flags are parsed (it is dcsgw's own, like
// --consul-http-addr: not an ETCD_* variable, not in etcd's usage), or read from DCSGW_BACKEND.
import { backendKindName, openBackend, type OpenedBackend } from '../adapters/open-backend.js';
import { BackendUrlError, parseBackendUrl } from '../adapters/backend-url.js';
import { isEmptyTlsInfo } from '../gateway/tls/tls-info.js';
import { startEtcdServer, type EtcdServer } from '../gateway/etcd/server.js';
import { StartupError, type ServeConfig } from './config.js';
import type { EtcdLog, EtcdLogEvent } from './etcd-log.js';
import { startConsulBesideEtcd } from './etcd-mode-consul.js';
import { ETCD_VERSION, CLUSTER_VERSION } from './version.js';

/** How long start-up waits for some endpoint of the backend to answer before it gives up. */
const BACKEND_READY_TIMEOUT_MS = 30_000;


export interface RunningGateway {
  readonly backend: OpenedBackend;
  readonly server: EtcdServer;
  stop(): Promise<void>;
}

function ev(level: EtcdLogEvent['level'], text: string, msg: string, fields: Record<string, unknown>): EtcdLogEvent {
  return { level, pkg: 'dcsgw', text, caller: 'cli/backend-flag.ts', msg, fields };
}

/** What is not built yet in front of another store: refused with a clear error rather than ignored. */
function refuseStoreOnlyOptions(config: ServeConfig): void {
  if (!isEmptyTlsInfo(config.tls.client) || config.tls.clientAutoTls || config.listenClientUrls.some((u) => u.startsWith('https:'))) {
    throw new StartupError('--backend: TLS on the client port is not supported with --backend yet (the backend URL takes its own TLS options)');
  }
}

/** Starts the faces over the backend named by `url`; resolves once the client port listens. */
export async function serveOverBackend(config: ServeConfig, url: string, notes: readonly EtcdLogEvent[], log: EtcdLog): Promise<RunningGateway> {
  for (const n of notes) log.emit(n);
  let target;
  try {
    target = parseBackendUrl(url);
  } catch (err) {
    if (err instanceof BackendUrlError) throw new StartupError(err.message);
    throw err;
  }
  refuseStoreOnlyOptions(config);
  // a store that keeps its own history (Redis) honours etcd's --auto-compaction-* as etcd does
  if (target.kind === 'redis') {
    if (config.autoCompaction) target.options.autoCompaction = config.autoCompaction;
    target.options.logger = log.logger;
  }
  const backend = openBackend(target);
  const kind = backendKindName(target);
  log.emit(ev('info', `connecting to the ${kind} backend ${target.display}`, 'connecting to backend', { backend: target.display }));
  try {
    await backend.ready(BACKEND_READY_TIMEOUT_MS);
  } catch (err) {
    await backend.close();
    throw new StartupError(`--backend ${target.display}: cannot reach the ${kind} store: ${(err as Error).message}`);
  }
  const status = await backend.status();
  const ids = { memberId: status.header.memberId, clusterId: status.header.clusterId };
  log.emit(
    ev('info', `serving over the ${kind} backend ${target.display} (cluster ${ids.clusterId.toString(16)}, etcd ${status.version})`, 'serving over backend', {
      backend: target.display,
      'cluster-id': ids.clusterId.toString(16),
      'backend-version': status.version,
    }),
  );
  let server: EtcdServer;
  try {
    server = await startEtcdServer({
      backend,
      listenClientUrls: config.listenClientUrls,
      maxRequestBytes: config.maxRequestBytes,
      maxTxnOps: config.maxTxnOps,
      logger: log.logger,
      versions: { server: ETCD_VERSION, cluster: CLUSTER_VERSION },
      memberName: config.name,
      watchProgressIntervalMs: config.watchProgressNotifyIntervalMs,
      authTokenTtlSeconds: config.authTokenTtlSeconds,
    });
  } catch (err) {
    await backend.close();
    throw err;
  }
  let consul: Awaited<ReturnType<typeof startConsulBesideEtcd>>;
  try {
    consul = await startConsulBesideEtcd(config, backend, ids, log);
  } catch (err) {
    await server.close().catch(() => undefined);
    await backend.close();
    throw err;
  }
  for (const a of server.addresses) {
    const address = `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
    log.emit({ level: 'info', pkg: 'embed', text: 'ready to serve client requests', caller: 'embed/serve.go:103', msg: 'ready to serve client requests' });
    log.emit({ level: 'notice', pkg: 'embed', text: `serving insecure client requests on ${address}, this is strongly discouraged!`, caller: 'embed/serve.go:145', msg: 'serving client traffic insecurely; this is strongly discouraged!', fields: { address } });
  }
  let stopped = false;
  return {
    backend,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      await consul?.stop().catch(() => undefined);
      await server.close().catch(() => undefined);
      await backend.close();
    },
  };
}
