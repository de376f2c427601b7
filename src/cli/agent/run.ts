// `dcsgw agent [consul agent flags]`: a Consul server agent, wired as `consul agent` starts: flags
// and configuration files -> start-up banner -> its serf LAN port and server port, and its native
// store in <data-dir>/dcsgw, formed with the other servers (-bootstrap, -bootstrap-expect with
// -join / -retry-join; src/native/cluster) -> the etcd v3 face beside it (-etcd-port) -> Consul
// HTTP and DNS -> "Consul agent running!"; and Consul's signal handling: SIGINT/SIGTERM stop every
// listener and the store, with Consul's lines and exit codes (a server leaves gracefully — out of
// the raft configuration and the member list — only when configured to). A -dev agent stays a
// server of its own, without cluster ports.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNativeBackend, type NativeBackend } from '../../adapters/native.js';
import { CONSUL_VERSION, type AgentIdentity } from '../../gateway/consul/context.js';
import { ConsulListenError, formatHostPort, isAddressInUse, startConsulFace, type ConsulFaceHandle } from '../../gateway/consul/start.js';
import { startEtcdServer, type EtcdServer } from '../../gateway/etcd/server.js';
import { resolveIdentity, saveIdentity } from '../identity.js';
import { localMember } from '../../compat/agent/agent-self.js';
import { parseGoDurationNs } from '../../compat/agent/go-duration.js';
import { startServerCluster, type ServerCluster } from '../../native/cluster/server-cluster.js';
import { setUpAgentEncryption, type AgentEncryption } from '../../native/cluster/transport-tls-agent.js';
import { resolveGossipKey } from '../../native/cluster/transport-tls-gossip.js';
import { keyringDataDir, withGossipKeyring } from './gossip-keyring-access.js';
import { listenFormingHttp, type FormingHttp } from '../../native/cluster/forming-http.js';
import { readMembers } from '../../native/cluster/member-record.js';
import type { SerfMember } from '../../compat/agent/agent-self.js';
import { CLUSTER_VERSION, ETCD_VERSION } from '../version.js';
import { startingBanner } from './banner.js';
import { AgentConfigError } from './config-sources.js';
import { Hclog, logFds } from './hclog.js';
import { resolveNodeId } from './node-id.js';
import { buildRuntimeConfig, type AgentRuntimeConfig } from './runtime-config.js';
import { definitionsOf, parseAgentCommandLine, runAgentProcess, runClientAgent, selectsClientAgent, urlHost } from './run-client.js';

/** The cluster token the agent's one-member store is created with (its IDs derive from it). */
const AGENT_CLUSTER_TOKEN = 'dcsgw-consul-agent';
const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
const ETCD_MAX_TXN_OPS = 128;
const QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

const print = (fd: number, text: string): void => void writeSync(fd, text);

export interface RunningAgent {
  readonly config: AgentRuntimeConfig;
  readonly backend: NativeBackend;
  /** The server's cluster part (absent for -dev): membership, server port, leader duties. */
  readonly cluster: ServerCluster | undefined;
  /** Graceful leave of the cluster (raft configuration and member list); then stop() ends the agent. */
  leave(): Promise<void>;
  readonly face: ConsulFaceHandle;
  readonly etcd: EtcdServer | undefined;
  /** Stops every listener and the store (idempotent). */
  stop(): Promise<void>;
  /**
   * Consul's reload (SIGHUP, PUT /v1/agent/reload): the configuration is read again from the same
   * command line and files; the services and checks of the files are applied (what disappeared is
   * removed). Other settings keep their start-up values. Throws with the configuration error.
   */
  reload(): Promise<void>;
}

function lookup(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const p of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** Whether ports.<name> was set in the configuration or by a flag (a taken port then fails start-up). */
function portExplicit(merged: Record<string, unknown>, name: string): boolean {
  const v = lookup(merged, `ports.${name}`);
  const defaults: Record<string, number> = { serf_lan: 8301, server: 8300 };
  return v !== undefined && Number(v) !== defaults[name];
}


/** The agent's identity as the Consul endpoints report it. */
function agentIdentity(cfg: AgentRuntimeConfig, nodeId: string): AgentIdentity {
  return {
    nodeName: cfg.nodeName,
    nodeId,
    datacenter: cfg.datacenter,
    domain: cfg.domain,
    advertiseAddr: cfg.advertiseAddr,
    server: cfg.server,
    ports: { http: cfg.ports.http, dns: cfg.ports.dns, serfLan: cfg.ports.serfLan, server: cfg.ports.server, etcd: cfg.ports.etcd },
    consulVersion: CONSUL_VERSION,
    config: cfg.merged,
    devMode: cfg.devMode,
  };
}

export interface AgentHooks {
  /** PUT /v1/agent/leave answered: the command shuts the agent down and exits 0. */
  onLeaveRequested?: () => void;
}


/**
 * Parses, configures and starts the agent. Resolves with the running agent, or with an exit code
 * when the command ends before anything runs (help, a flag or configuration error, a failed start).
 */
export async function startAgent(argv: readonly string[], hooks: AgentHooks = {}): Promise<RunningAgent | number> {
  const parsed = parseAgentCommandLine(argv);
  if (typeof parsed === 'number') return parsed;

  const skippedFiles: string[] = [];
  let cfg: AgentRuntimeConfig;
  try {
    cfg = buildRuntimeConfig(parsed, { warn: (t) => skippedFiles.push(t) });
  } catch (err) {
    if (err instanceof AgentConfigError) {
      print(2, `==> ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const log = new Hclog({ level: cfg.logLevel, json: cfg.logJson, fds: logFds(cfg.logFile) });
  let dataDir = cfg.dataDir;
  const tempDir = cfg.devMode && dataDir === '' ? mkdtempSync(join(tmpdir(), 'dcsgw-agent-dev-')) : undefined;
  if (tempDir) dataDir = tempDir;
  const removeTemp = (): void => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };

  let nodeId: string;
  try {
    mkdirSync(dataDir, { recursive: true });
    nodeId = resolveNodeId(cfg.nodeId, cfg.devMode && tempDir ? undefined : dataDir);
  } catch (err) {
    removeTemp();
    print(2, `==> ${err instanceof AgentConfigError ? err.message : `Error creating data dir: ${(err as Error).message}`}\n`);
    return 1;
  }

  if (!cfg.logJson) print(1, startingBanner(cfg, nodeId));
  if (tempDir) log.debug('agent', 'dcsgw: -dev keeps its data in a temporary directory, removed at exit', { path: tempDir });
  for (const t of skippedFiles) log.warn('agent.config', t);
  for (const n of cfg.notes) log.log(n.level, 'agent', n.message, n.fields);

  const reloadConfig = async (): Promise<void> => {
    log.info('agent', 'Reloading configuration...');
    let next: AgentRuntimeConfig;
    try {
      next = buildRuntimeConfig(parsed, { warn: (t) => log.warn('agent.config', t) });
    } catch (err) {
      const text = (err as Error).message;
      log.error('agent', 'Reload config failed', { error: text });
      throw err;
    }
    face?.runtime.reload(definitionsOf(next));
    // Consul reloads its TLS configurator with the rest: rotated certificates serve the next connection
    face?.reloadHttpsTls(next.tls.https);
    // and the server port's and agent-to-agent dials' (docs/agent-encryption.md)
    encryption?.reload(next);
  };

  const serverAddr = `${urlHost(cfg.advertiseAddr)}:${cfg.ports.server > 0 ? cfg.ports.server : 8300}`;
  const clientHost = cfg.clientAddrs[0]!;
  const etcdUrl = `http://${urlHost(clientHost)}:${cfg.ports.etcd > 0 ? cfg.ports.etcd : 2379}`;
  const storeDir = join(dataDir, 'dcsgw');
  const pino = log.pino;

  let backend: NativeBackend | undefined;
  let etcd: EtcdServer | undefined;
  let face: ConsulFaceHandle | undefined;
  const cleanup = async (): Promise<void> => {
    await face?.stop().catch(() => undefined);
    await etcd?.close().catch(() => undefined);
    if (cluster) await cluster.close().catch(() => undefined);
    else await backend?.close().catch(() => undefined);
  };
  let cluster: ServerCluster | undefined;
  let encryption: AgentEncryption | undefined;
  let devGossipKey: Buffer | undefined;
  let faceBackend: NativeBackend | undefined;
  try {
    // Consul's raft timings scale with performance.raft_multiplier (1 = fastest, 5 = production default)
    const heartbeatMs = 20 * Math.max(1, cfg.raftMultiplier);
    const storeLogger = pino.child({ module: 'agent.server.raft' }, { level: cfg.logLevel === 'TRACE' || cfg.logLevel === 'DEBUG' ? 'debug' : 'warn' });
    if (cfg.devMode) {
      const identity = resolveIdentity(storeDir, cfg.nodeName, [{ name: cfg.nodeName, peerURLs: [`http://${serverAddr}`] }], AGENT_CLUSTER_TOKEN);
      log.info('agent.server.raft', 'initial configuration', { index: 1, servers: `[{Suffrage:Voter ID:${nodeId} Address:${serverAddr}}]` });
      backend = await createNativeBackend({
        name: cfg.nodeName,
        dataDir: storeDir,
        memberId: identity.memberId,
        clusterId: identity.clusterId,
        initialCluster: identity.members,
        initialClusterState: 'new',
        advertiseClientURLs: [etcdUrl],
        advertisePeerURLs: [`http://${serverAddr}`],
        snapshotCount: 100_000,
        heartbeatMs,
        electionMs: 10 * heartbeatMs,
        quotaBackendBytes: QUOTA_BYTES,
        // the store's own lines are etcd's words: shown at -log-level debug, else only its warnings
        logger: storeLogger,
      });
      saveIdentity(storeDir, identity);
      faceBackend = backend;
      // a dev agent has no serf port, but its keyring answers /v1/operator/keyring as a one-member pool
      devGossipKey = resolveGossipKey(cfg.encrypt, keyringDataDir(cfg.merged, dataDir), (t) => log.warn('agent', t));
    } else {
      const durationMs = (key: string, fallback: number): number => {
        const raw = lookup(cfg.merged, key);
        if (typeof raw === 'number') return raw / 1e6;
        if (typeof raw === 'string' && raw !== '') return (parseGoDurationNs(raw) ?? fallback * 1e6) / 1e6;
        return fallback;
      };
      const probeIntervalMs = durationMs('gossip_lan.probe_interval', 1000);
      const suspicionMult = Number(lookup(cfg.merged, 'gossip_lan.suspicion_mult') ?? 4) || 4;
      const singleServer = cfg.bootstrap || (cfg.bootstrapExpect === 0 && cfg.startJoin.length + cfg.retryJoin.length === 0);
      // while the servers find each other, the HTTP address answers as a server without a leader
      let forming: FormingHttp | undefined;
      let formingMembers: () => SerfMember[] = () => [{ ...localMember(agentIdentity(cfg, nodeId)) }];
      if (!singleServer && cfg.ports.http > 0 && !cfg.httpAddrs[0]!.startsWith('unix://')) {
        forming = await listenFormingHttp(cfg.httpAddrs[0]!, cfg.ports.http, () => formingMembers());
      }
      cluster = await startServerCluster({
        onMembership: (m) => {
          formingMembers = () => [m.self, ...m.servers().filter((x) => x.Name !== m.self.Name)];
        },
        self: localMember(agentIdentity(cfg, nodeId)),
        nodeId,
        datacenter: cfg.datacenter,
        bindAddr: cfg.bindAddr,
        advertiseAddr: cfg.advertiseAddr,
        serverPort: cfg.ports.server > 0 ? cfg.ports.server : 8300,
        bootstrap: singleServer,
        bootstrapExpect: cfg.bootstrapExpect,
        startJoin: cfg.startJoin,
        retryJoin: cfg.retryJoin,
        retryIntervalMs: durationMs('retry_interval', 30_000),
        retryMax: Number(lookup(cfg.merged, 'retry_max') ?? 0) || 0,
        storeDir,
        advertiseClientURLs: [etcdUrl],
        heartbeatMs,
        electionMs: 10 * heartbeatMs,
        probeIntervalMs,
        failAfterMs: probeIntervalMs * suspicionMult + durationMs('gossip_lan.probe_timeout', 500),
        reconnectTimeoutMs: durationMs('reconnect_timeout', 72 * 3600_000),
        tombstoneTimeoutMs: 24 * 3600_000,
        log,
        logger: pino.child({ module: 'agent.server.rpc' }),
        storeLogger,
        // a single server on default ports may share a host with others (tests, several agents)
        portsOptional: singleServer && !portExplicit(cfg.merged, 'serf_lan') && !portExplicit(cfg.merged, 'server'),
        quotaBackendBytes: QUOTA_BYTES,
        encryption: (encryption = setUpAgentEncryption(cfg, { server: true, dataDir: keyringDataDir(cfg.merged, dataDir), warn: (t) => log.warn('agent', t) })),
      });
      await forming?.close();
      backend = cluster.native;
      faceBackend = cluster.backend;
    }

    if (cfg.ports.etcd > 0) {
      try {
        etcd = await startEtcdServer({
          backend: faceBackend,
          listenClientUrls: [etcdUrl],
          maxRequestBytes: ETCD_MAX_REQUEST_BYTES,
          maxTxnOps: ETCD_MAX_TXN_OPS,
          logger: pino.child({ module: 'agent.etcd' }, { level: cfg.logLevel === 'TRACE' || cfg.logLevel === 'DEBUG' ? 'debug' : 'warn' }),
          versions: { server: ETCD_VERSION, cluster: CLUSTER_VERSION },
          memberName: cfg.nodeName,
        });
      } catch (err) {
        const where = formatHostPort(clientHost, cfg.ports.etcd);
        if (!cfg.etcdPortExplicit && isAddressInUse(err)) {
          log.warn('agent', 'dcsgw: the default etcd port is taken; running without the etcd v3 API (set -etcd-port to choose another)', { address: where, error: 'bind: address already in use' });
        } else {
          throw new Error(`listen tcp ${where}: ${isAddressInUse(err) ? 'bind: address already in use' : (err as Error).message}`);
        }
      }
    }

    face = await startConsulFace(
      faceBackend,
      { ...agentIdentity(cfg, nodeId), ...(cluster ? { cluster: cluster.view } : {}), ...withGossipKeyring(encryption?.gossipKey ?? devGossipKey) },
      {
        ...(cfg.ports.dns > 0 ? { dns: { host: cfg.dnsAddrs[0]!, port: cfg.ports.dns } } : {}),
        ...(cfg.ports.http > 0 ? { http: { host: cfg.httpAddrs[0]!, port: cfg.ports.http } } : {}),
        ...(cfg.ports.https > 0 ? { https: { host: cfg.httpsAddrs[0]!, port: cfg.ports.https, tls: cfg.tls.https, autoTls: cfg.tls.autoEncrypt } } : {}),
        recursors: cfg.recursors,
        runtime: {
          ...(cfg.devMode && tempDir ? {} : { dataDir }),
          enableScriptChecks: cfg.enableScriptChecks,
          enableLocalScriptChecks: cfg.enableLocalScriptChecks,
          nodeMeta: cfg.nodeMeta,
          definitions: definitionsOf(cfg),
          onReload: async () => reloadConfig(),
          onLeave: async () => {
            // answered first, then the agent goes down (Consul: leave, then shutdown; exit 0)
            setTimeout(() => hooks.onLeaveRequested?.(), 20).unref();
          },
        },
      },
      pino.child({ module: 'agent.http' }),
    );
  } catch (err) {
    await cleanup();
    const text = err instanceof ConsulListenError ? err.message : (err as Error).message;
    log.error('agent', 'Error starting agent', { error: text });
    log.info('agent', 'Exit code', { code: 1 });
    removeTemp();
    return 1;
  }

  for (const s of face.skipped) log.warn('agent', `dcsgw: no ${s.listener === 'http' ? 'HTTP' : 'DNS'} server: ${s.reason}`, { address: s.address });
  if (face.dns) {
    const where = formatHostPort(face.dns.address.host, face.dns.address.port);
    log.info('agent', 'Started DNS server', { address: where, network: 'udp' });
    log.info('agent', 'Started DNS server', { address: where, network: 'tcp' });
  }
  if (face.http) {
    const { host, port } = face.http.address;
    log.info('agent', 'Started HTTP server', host.startsWith('unix://') ? { address: host.slice('unix://'.length), network: 'unix' } : { address: formatHostPort(host, port), network: 'tcp' });
  }
  if (face.https) log.info('agent', 'Started HTTPS server', { address: formatHostPort(face.https.address.host, face.https.address.port), network: 'tcp' });
  if (etcd) for (const a of etcd.addresses) log.info('agent', 'dcsgw: started etcd v3 API', { address: formatHostPort(a.host, a.port), network: 'tcp' });

  if (cfg.pidFile) {
    try {
      writeFileSync(cfg.pidFile, String(process.pid));
    } catch (err) {
      await cleanup();
      log.error('agent', 'Error starting agent', { error: `Could not write pid file: ${(err as Error).message}` });
      removeTemp();
      return 1;
    }
  }
  log.info('agent', 'started state syncer');
  // Consul has loaded the services and checks of its config files when it says it is running: wait
  // for the runtime (a single server elects itself within a few heartbeats)
  // (a server of a cluster without quorum yet says it is running after a short wait: its runtime
  // keeps retrying the registration and finishes once there is a leader)
  await Promise.race([
    face.runtimeStarted.catch((err: unknown) => log.error('agent', 'failed to register this node and its services', { error: (err as Error).message })),
    new Promise((r) => setTimeout(r, 5000).unref()),
  ]);
  log.info('agent', 'Consul agent running!');

  let stopped = false;
  const readyBackend = backend;
  // Consul's lines for leadership changes, as this server sees them
  const memberName = async (id: bigint): Promise<string> => {
    const store = cluster?.native ?? readyBackend;
    const m = (await store.memberList(false).catch(() => undefined))?.members.find((x) => x.id === id);
    if (m?.name) return m.name;
    // a server that just joined may not have the leader's name yet: the member list knows its address
    const host = m?.peerURLs[0] ? new URL(m.peerURLs[0]).hostname : '';
    const rec = host ? (await readMembers(store, true).catch(() => [])).find((r) => r.Addr === host && r.Tags.role === 'consul') : undefined;
    return rec?.Name ?? id.toString(16);
  };
  let wasLeader = false;
  const onLeader = (lead: bigint): void => {
    if (stopped) return;
    if (lead !== 0n && lead === (cluster?.native ?? readyBackend).memberId) {
      wasLeader = true;
      log.info('agent.server.raft', 'entering leader state', { leader: `Node at ${serverAddr} [Leader]` });
      log.info('agent.server', 'cluster leadership acquired');
      log.info('agent.server', 'New leader elected', { payload: cfg.nodeName });
      return;
    }
    if (wasLeader) {
      wasLeader = false;
      log.info('agent.server', 'cluster leadership lost');
    }
    if (lead !== 0n) void memberName(lead).then((name) => !stopped && log.info('agent.server', 'New leader elected', { payload: name }));
  };
  readyBackend.onLeaderChange(onLeader);
  cluster?.onStoreReplaced((b) => b.onLeaderChange(onLeader));
  const lead = readyBackend.raftStatus?.().lead ?? 0n;
  if (lead !== 0n) onLeader(lead);
  cluster?.startLeaderDuties();
  face.runtimeStarted.then(() => !stopped && log.info('agent', 'Synced node info')).catch(() => undefined);

  const running: RunningAgent = {
    config: cfg,
    reload: reloadConfig,
    backend: readyBackend,
    cluster,
    face,
    etcd,
    async leave() {
      await cluster?.leave().catch((err: unknown) => log.error('agent', 'leave failed', { error: (err as Error).message }));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      log.info('agent', 'Requesting shutdown');
      if (face?.dns) {
        const where = formatHostPort(face.dns.address.host, face.dns.address.port);
        log.info('agent', 'Stopping server', { protocol: 'DNS', address: where, network: 'tcp' });
        log.info('agent', 'Stopping server', { protocol: 'DNS', address: where, network: 'udp' });
      }
      if (face?.http) log.info('agent', 'Stopping server', { address: formatHostPort(face.http.address.host, face.http.address.port), network: 'tcp', protocol: 'http' });
      if (face?.https) log.info('agent', 'Stopping server', { address: formatHostPort(face.https.address.host, face.https.address.port), network: 'tcp', protocol: 'https' });
      log.info('agent', 'Waiting for endpoints to shut down');
      await face?.stop().catch(() => undefined);
      await etcd?.close().catch(() => undefined);
      log.info('agent', 'Endpoints down');
      log.info('agent.server', 'shutting down server');
      if (cluster) await cluster.close().catch(() => undefined);
      else await readyBackend.close().catch(() => undefined);
      log.info('agent', 'consul server down');
      log.info('agent', 'shutdown complete');
      if (cfg.pidFile) {
        try {
          unlinkSync(cfg.pidFile);
        } catch {
          // already gone
        }
      }
      removeTemp();
    },
  };
  return running;
}


/** The whole `dcsgw agent` command: runs until a signal stops it; resolves with the exit code. */
export async function runAgent(argv: readonly string[]): Promise<number> {
  // a client agent (no -server) or an agent over -backend=URL keeps no replicated data: run-client.ts
  if (selectsClientAgent(argv)) return runClientAgent(argv);
  // the signals as Consul handles them (run-client.ts's runAgentProcess, shared with client agents);
  // a server alone has no cluster to tell, so it says it leaves here
  return runAgentProcess(
    (hooks) => startAgent(argv, hooks),
    (agent, log) => {
      if (!agent.cluster) log.info('agent.server', 'server starting leave');
    },
  );
}
