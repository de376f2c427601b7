// `dcsgw [etcd flags]`: one member of a native dcsgw cluster, wired as etcd's embed package does:
// configuration -> peer transport (more than one member) -> native backend -> etcd client front
// end, with etcd's log lines at the same moments, and a graceful stop on SIGTERM / SIGINT.
import { cpus } from 'node:os';
import { createNativeBackend, type NativeBackend } from '../adapters/native.js';
import { etcdMetrics } from '../gateway/etcd/metrics.js';
import { startEtcdServer, type EtcdServer } from '../gateway/etcd/server.js';
import { tokenProviderOf } from '../gateway/etcd/auth/auth-flags.js';
import { createPeerTransport, type PeerTransport } from '../native/transport/peer-transport.js';
import type { Transport } from '../native/transport/api.js';
import { CAPNSLOG_DEPRECATION, checkCluster, StartupError, type ServeConfig } from './config.js';
import { clientTlsOptions, fileTlsSource, type TlsRejection } from '../gateway/tls/server-tls.js';
import { isEmptyTlsInfo } from '../gateway/tls/tls-info.js';
import { ClientListenerError, clientTlsStartedEvent, peerTlsOf, rejectedConnectionEvent, setUpClientTls, setUpPeerTls } from './tls/tls-setup.js';
import { createEtcdLog, type EtcdLog, type EtcdLogEvent } from './etcd-log.js';
import { identityFile, resolveIdentity, saveIdentity } from './identity.js';
import { importEtcdRestore, isGenuineEtcdDataDir } from './etcd-restore-import.js';
import { existsSync } from 'node:fs';
import { idToHex } from './ids.js';
import { fetchRemoteCluster, findSelf } from './join.js';
import { listenMetrics, type MetricsListener } from './metrics-listener.js';
import type { startConsulBesideEtcd } from './etcd-mode-consul.js';
import { ETCD_VERSION, CLUSTER_VERSION, GIT_SHA_LINE, GO_VERSION_LINE } from './version.js';

export interface RunningServer {
  readonly backend: NativeBackend;
  readonly server: EtcdServer;
  stop(): Promise<void>;
}

function ev(level: EtcdLogEvent['level'], pkg: string, text: string, caller: string, msg: string, fields?: Record<string, unknown>): EtcdLogEvent {
  return fields ? { level, pkg, text, caller, msg, fields } : { level, pkg, text, caller, msg };
}

function hostPort(url: string): string {
  return new URL(url).host;
}

/** Starts the member; resolves once the client port listens. Throws StartupError on etcd's fatal configuration errors. */
export async function serve(config: ServeConfig, notes: readonly EtcdLogEvent[], log: EtcdLog = createEtcdLog({ format: config.logger, level: config.logLevel, outputs: config.logOutputs })): Promise<RunningServer> {
  const capn = config.logger === 'capnslog';
  if (capn) {
    for (const line of [`etcd Version: ${ETCD_VERSION}`, GIT_SHA_LINE, GO_VERSION_LINE, `Go OS/Arch: ${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`, `setting maximum number of CPUs to ${cpus().length}, total number of available CPUs is ${cpus().length}`]) {
      log.emit(ev('info', 'etcdmain', line, 'etcdmain/etcd.go:73', line));
    }
  }
  for (const n of notes) log.emit(n);
  if (capn) process.stderr.write(CAPNSLOG_DEPRECATION);
  const tlsInput = { dataDir: config.dataDir, listenPeerUrls: config.listenPeerUrls, listenClientUrls: config.listenClientUrls, listenMetricsUrls: config.listenMetricsUrls, flags: config.tls, zap: !capn };
  const peerTls = setUpPeerTls(tlsInput, (e) => log.emit(e));
  const clientTls = setUpClientTls(tlsInput, (e) => log.emit(e));
  const onTlsReject = (r: TlsRejection): void => log.emit(rejectedConnectionEvent(r, !capn));
  checkCluster(config);
  // etcd builds its token provider with the server: bad --auth-token options stop it here
  const tokenEvents: EtcdLogEvent[] = [];
  const token = tokenProviderOf(config.authOptions?.authToken ?? 'simple', tokenEvents);
  for (const e of tokenEvents) log.emit(e);
  if ('error' in token) throw new StartupError(token.error);

  if (!existsSync(identityFile(config.dataDir)) && isGenuineEtcdDataDir(config.dataDir)) {
    // `etcdctl snapshot restore` output: converted once into dcsgw's layout (the genuine files are kept beside)
    const imported = await importEtcdRestore(config.dataDir);
    const text = `started from etcdctl snapshot restore output in ${config.dataDir} (member ${imported.summary['local-member-id']}, cluster ${imported.summary['cluster-id']}, ${imported.summary['key-revisions']} key revisions; the genuine files are in ${imported.summary['genuine-files']})`;
    log.emit(ev('info', 'dcsgw', text, 'cli/etcd-restore-import.ts', 'imported etcdctl snapshot restore output', imported.summary));
  }
  let identity = resolveIdentity(config.dataDir, config.name, config.initialCluster, config.initialClusterToken);
  if (config.initialClusterState === 'existing' && !identity.fromDataDir) {
    // a member added with `member add`: the cluster chose its ID
    const remote = await fetchRemoteCluster(config.name, config.initialCluster, 2000, isEmptyTlsInfo(peerTls) ? undefined : () => clientTlsOptions(peerTls));
    const me = findSelf(remote, config.advertisePeerUrls);
    identity = {
      memberId: me.id,
      clusterId: remote.clusterId,
      members: remote.members.map((m) => ({ id: m.id, name: m.id === me.id ? config.name : m.name, peerURLs: m.peerURLs })),
      fromDataDir: false,
    };
  }
  const memberHex = idToHex(identity.memberId);
  const clusterHex = idToHex(identity.clusterId);
  const memberDir = `${config.dataDir}/member`;
  log.emit(
    ev('info', 'embed', `name = ${config.name}`, 'embed/etcd.go:305', 'starting an etcd server', {
      'etcd-version': ETCD_VERSION,
      'dcsgw-runtime': `node ${process.version}`,
      'max-cpu-available': cpus().length,
      'member-initialized': identity.fromDataDir,
      name: config.name,
      'data-dir': config.dataDir,
      'member-dir': memberDir,
      'heartbeat-interval': `${config.heartbeatMs}ms`,
      'election-timeout': `${config.electionMs}ms`,
      'snapshot-count': config.snapshotCount,
      'initial-advertise-peer-urls': config.advertisePeerUrls,
      'listen-peer-urls': config.listenPeerUrls,
      'advertise-client-urls': config.advertiseClientUrls,
      'listen-client-urls': config.listenClientUrls,
      'initial-cluster': config.raw.get('initial-cluster'),
      'initial-cluster-state': config.initialClusterState,
      'initial-cluster-token': config.initialClusterToken,
      'quota-backend-bytes': config.quotaBackendBytes,
      'max-request-bytes': config.maxRequestBytes,
    }),
  );
  if (capn) {
    for (const line of [
      `data dir = ${config.dataDir}`,
      `member dir = ${memberDir}`,
      `heartbeat = ${config.heartbeatMs}ms`,
      `election = ${config.electionMs}ms`,
      `snapshot count = ${config.snapshotCount}`,
      `advertise client URLs = ${config.advertiseClientUrls.join(',')}`,
    ]) {
      log.emit(ev('info', 'embed', line, 'embed/etcd.go:305', line));
    }
  }
  log.emit(
    ev('info', 'etcdserver', `starting member ${memberHex} in cluster ${clusterHex}`, 'etcdserver/raft.go:536', 'starting local member', {
      'local-member-id': memberHex,
      'cluster-id': clusterHex,
    }),
  );

  // Like etcd, a single member listens on its peer URLs too: `member add` can grow it later.
  const transport: PeerTransport | undefined =
    config.listenPeerUrls.length > 0
      ? createPeerTransport({
          memberId: identity.memberId,
          clusterId: identity.clusterId,
          listenPeerUrls: config.listenPeerUrls,
          logger: log.logger,
          metricsRegistry: etcdMetrics.registry,
          ...(isEmptyTlsInfo(peerTls) ? {} : { tls: peerTlsOf(peerTls, config.tls.peerSkipClientSanVerify, onTlsReject) }),
        })
      : undefined;
  const backend = await createNativeBackend({
    name: config.name,
    dataDir: config.dataDir,
    memberId: identity.memberId,
    clusterId: identity.clusterId,
    initialCluster: identity.members,
    initialClusterState: config.initialClusterState,
    advertiseClientURLs: config.advertiseClientUrls,
    advertisePeerURLs: config.advertisePeerUrls,
    snapshotCount: config.snapshotCount,
    heartbeatMs: config.heartbeatMs,
    ...(config.forceNewCluster ? { forceNewCluster: true } : {}),
    strictReconfigCheck: config.strictReconfigCheck,
    electionMs: config.electionMs,
    quotaBackendBytes: config.quotaBackendBytes,
    ...(config.autoCompaction ? { autoCompaction: config.autoCompaction } : {}),
    ...(transport ? { transport } : {}),
    logger: log.logger,
  });
  saveIdentity(config.dataDir, identity);
  transport?.serveMembers(async () => (await backend.memberList(false)).members);
  const clientTlsLine = clientTlsStartedEvent(clientTls, config.tls);
  if (clientTlsLine) log.emit(clientTlsLine);
  for (const u of config.listenPeerUrls) {
    if (transport) log.emit(ev('info', 'embed', `listening for peers on ${hostPort(u)}`, 'embed/etcd.go:587', 'serving peer traffic', { address: hostPort(u) }));
  }

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
      authOptions: { ...config.authOptions, tokenProvider: token.spec },
      ...(isEmptyTlsInfo(clientTls) ? {} : { clientTls: fileTlsSource(clientTls), onTlsReject }),
    });
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }

  let metricsListener: MetricsListener | undefined;
  if (config.listenMetricsUrls.length > 0) {
    try {
      // /health is asked of the client port: over plaintext when it has an http:// URL, else over TLS
      const healthUrl = config.listenClientUrls.find((u) => u.startsWith('http:')) ?? config.listenClientUrls[0] ?? config.advertiseClientUrls[0]!;
      const metricsTls = isEmptyTlsInfo(clientTls) ? undefined : { source: fileTlsSource(clientTls), dial: () => clientTlsOptions(clientTls) };
      metricsListener = await listenMetrics(config.listenMetricsUrls, etcdMetrics.registry, healthUrl, metricsTls);
    } catch (err) {
      await server.close().catch(() => undefined);
      await backend.close().catch(() => undefined);
      throw err;
    }
    for (const u of config.listenMetricsUrls) log.emit(ev('info', 'embed', `listening for metrics on ${u}`, 'embed/etcd.go:704', 'serving metrics', { address: u }));
  }

  // dcsgw's Consul face over the same store (--consul-http-addr / --consul-dns-addr)
  let consul: Awaited<ReturnType<typeof startConsulBesideEtcd>>;
  try {
    // the Consul face's modules are loaded only when it is on (an etcd-only member starts faster)
    consul = config.consulListen ? await (await import('./etcd-mode-consul.js')).startConsulBesideEtcd(config, backend, identity, log) : undefined;
  } catch (err) {
    await metricsListener?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    await backend.close().catch(() => undefined);
    throw err;
  }

  let stopped = false;
  // etcd logs these once the member has published itself through raft (a leader exists).
  backend
    .ready()
    .then(() => {
      if (stopped) return;
      const attrs = `{Name:${config.name} ClientURLs:[${config.advertiseClientUrls.join(' ')}]}`;
      // the native node already logs these two in zap's words; capnslog needs etcd's text
      if (capn) log.emit(
        ev('info', 'etcdserver', `published ${attrs} to cluster ${clusterHex}`, 'etcdserver/server.go:2069', 'published local member to cluster through raft', {
          'local-member-id': memberHex,
          'local-member-attributes': attrs,
          'request-path': `/0/members/${memberHex}/attributes`,
          'cluster-id': clusterHex,
          'publish-timeout': '7s',
        }),
      );
      if (capn) log.emit(ev('notice', 'etcdserver/membership', 'set the initial cluster version to 3.4', 'membership/cluster.go:558', 'set initial cluster version', { 'cluster-id': clusterHex, 'local-member-id': memberHex, 'cluster-version': '3.4' }));
      log.emit(ev('info', 'etcdserver/api', 'enabled capabilities for version 3.4', 'api/capability.go:76', 'enabled capabilities for version', { 'cluster-version': '3.4' }));
      // etcd 3.4 prints this in capnslog only; 3.5's zap logger prints it too, and scripts written for 3.5 wait for it
      log.emit(ev('info', 'embed', 'ready to serve client requests', 'embed/serve.go:103', 'ready to serve client requests'));
      for (const a of server.addresses) {
        const address = `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
        if (a.insecure) log.emit(ev('notice', 'embed', `serving insecure client requests on ${address}, this is strongly discouraged!`, 'embed/serve.go:145', 'serving client traffic insecurely; this is strongly discouraged!', { address }));
        if (a.secure) log.emit(ev('info', 'embed', `serving client requests on ${address}`, 'embed/serve.go:201', 'serving client traffic securely', { address }));
      }
    })
    .catch(() => undefined);

  return {
    backend,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      const fields = { name: config.name, 'data-dir': config.dataDir, 'advertise-peer-urls': config.advertisePeerUrls, 'advertise-client-urls': config.advertiseClientUrls };
      log.emit(ev('info', 'embed', 'closing etcd server', 'embed/etcd.go:371', 'closing etcd server', fields));
      await transferLeadership(backend, transport, identity.memberId, config.electionMs, log).catch(() => undefined);
      await metricsListener?.close().catch(() => undefined);
      await consul?.stop().catch(() => undefined);
      await server.close().catch(() => undefined);
      await backend.close().catch(() => undefined);
      log.emit(ev('info', 'embed', 'closed etcd server', 'embed/etcd.go:375', 'closed etcd server', fields));
    },
  };
}

/**
 * etcd hands leadership to a connected follower before a graceful stop, so the cluster has a new
 * leader within a few heartbeats instead of waiting out an election timeout.
 */
async function transferLeadership(backend: NativeBackend, transport: Transport | undefined, self: bigint, electionMs: number, log: EtcdLog): Promise<void> {
  if (!backend.isLeader()) return;
  const selfHex = idToHex(self);
  const { members } = await backend.memberList(false);
  const voters = members.filter((m) => !m.isLearner && m.id !== self);
  if (voters.length === 0) {
    log.emit(
      ev('info', 'etcdserver', 'skipped leadership transfer for single voting member cluster', 'etcdserver/server.go:1507', 'skipped leadership transfer for single voting member cluster', {
        'local-member-id': selfHex,
        'current-leader-member-id': selfHex,
      }),
    );
    return;
  }
  const target = voters.find((m) => transport?.isActive(m.id));
  if (!target) return;
  const targetHex = idToHex(target.id);
  const ids = { 'local-member-id': selfHex, 'current-leader-member-id': selfHex, 'transferee-member-id': targetHex };
  log.emit(ev('info', 'etcdserver', `${selfHex} starts leadership transfer from ${selfHex} to ${targetHex}`, 'etcdserver/server.go:1478', 'leadership transfer starting', ids));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('leader transfer took too long')), 2 * electionMs);
  });
  try {
    await Promise.race([backend.moveLeader(target.id), timeout]);
    log.emit(ev('info', 'etcdserver', `${selfHex} finished leadership transfer from ${selfHex} to ${targetHex}`, 'etcdserver/server.go:1490', 'leadership transfer finished', ids));
  } catch (err) {
    log.emit(ev('warn', 'etcdserver', `failed to transfer leadership (${(err as Error).message})`, 'etcdserver/server.go:1495', 'failed to transfer leadership', { ...ids, error: (err as Error).message }));
  } finally {
    clearTimeout(timer);
  }
}

/** Logs a fatal configuration error as etcd does in each format. */
export function logStartupError(log: EtcdLog, err: StartupError | Error): void {
  // etcd finds an unreadable client key pair only when it serves the listener: zap says so differently
  if (err instanceof ClientListenerError && log.format === 'zap') return log.emit(ev('fatal', 'etcdmain', err.message, 'etcdmain/etcd.go:290', 'listener failed', { error: err.message }));
  if (log.format === 'zap') log.emit(ev('warn', 'etcdmain', err.message, 'etcdmain/etcd.go:176', 'failed to start etcd', { error: err.message }));
  else log.emit(ev('fatal', 'etcdmain', err.message, 'etcdmain/etcd.go:176', err.message));
}
