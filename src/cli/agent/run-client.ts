// `dcsgw agent` as an agent that keeps no replicated data: a Consul client agent (no -server), or
// any agent given `-backend=URL` (issue 8: the Consul face and agent runtime over a store that is
// not this agent's own, e.g. a genuine etcd cluster). Its HTTP/DNS face and etcd face forward every
// read and write to the store (the servers, through the remote backend; or the -backend store);
// it keeps its own services and checks (persisted in its data dir, re-registered after a
// restart), runs those checks itself and pushes their changes to the catalog by anti-entropy. It
// runs none of the leader-only routines (the session reaper): those belong to the servers (with
// -backend, an agent started with -server is that server). It never gives up on its servers: it
// serves while they are away and resyncs everything when they answer again.
import { mkdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { Backend } from '../../adapters/backend.js';
import { createRemoteBackend, type RemoteBackend } from '../../adapters/remote.js';
import { setUpAgentEncryption, type AgentEncryption } from '../../native/cluster/transport-tls-agent.js';
import { keyringDataDir, withGossipKeyring } from './gossip-keyring-access.js';
import { BackendUrlError, parseBackendUrl } from '../../adapters/backend-url.js';
import { backendKindName, openBackend, type OpenedBackend } from '../../adapters/open-backend.js';
import type { AgentCatalog } from '../../compat/agent/agent-catalog.js';
import type { AgentDefinitions } from '../../compat/agent/agent-runtime.js';
import { localMember, type SerfMember } from '../../compat/agent/agent-self.js';
import type { AgentCluster } from '../../compat/agent/join.js';
import { AgentMembership } from '../../native/cluster/membership.js';
import { asSerfMember, isServer, MemberStatus, readMembers, serverRpcAddress } from '../../native/cluster/member-record.js';
import { parseCheckDefinition, parseServiceDefinition } from '../../compat/agent/definitions.js';
import { patientCatalog, ServerLink, type ServerProbe } from '../../compat/agent/server-link.js';
import { CONSUL_VERSION, type AgentIdentity } from '../../gateway/consul/context.js';
import { ConsulListenError, formatHostPort, isAddressInUse, startConsulFace, type ConsulFaceHandle, type FaceRuntimeOptions } from '../../gateway/consul/start.js';
import { startEtcdServer, type EtcdServer } from '../../gateway/etcd/server.js';
import { takeBackendFlag } from '../backend-arg.js';
import { CliExit } from '../config.js';
import { CLUSTER_VERSION, ETCD_VERSION } from '../version.js';
import { startingBanner } from './banner.js';
import { AgentConfigError } from './config-sources.js';
import { AgentFlagError, AgentHelpRequested, agentHelpText, goFlagDefaults, parseAgentFlags, parseGoDurationMs, type ParsedAgentFlags } from './flags.js';
import { Hclog, logFds } from './hclog.js';
import { resolveNodeId } from './node-id.js';
import { buildRuntimeConfig, type AgentRuntimeConfig } from './runtime-config.js';

const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
const ETCD_MAX_TXN_OPS = 128;
/** How often the servers are probed: a client notices them back within about this long. */
const SERVER_PROBE_MS = 1000;
/** Consul's retry_interval default. */
const DEFAULT_RETRY_INTERVAL_MS = 30_000;

const print = (fd: number, text: string): void => void writeSync(fd, text);

/**
 * True when `dcsgw agent argv` is run by this file: a -backend URL is given, or the configuration
 * (flags and files) makes a client agent. Silent: a command line that does not parse goes to the
 * server path, which reports the error as Consul does.
 */
export function selectsClientAgent(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  let rest: string[];
  try {
    const taken = takeBackendFlag(argv, env);
    if (taken.backend !== undefined) return true;
    rest = taken.argv;
  } catch {
    return true; // -backend without its value: this file reports it
  }
  if (rest.some((a) => a === '-h' || a === '-help' || a === '--help')) return false;
  try {
    const cfg = buildRuntimeConfig(parseAgentFlags(rest));
    return !cfg.server;
  } catch {
    return false;
  }
}

export interface RunningClientAgent {
  readonly config: AgentRuntimeConfig;
  readonly backend: Backend;
  readonly face: ConsulFaceHandle;
  readonly etcd: EtcdServer | undefined;
  /** Consul's reload: the services and checks of the configuration files are applied again. */
  reload(): Promise<void>;
  /** Graceful leave (Consul's leave): the node leaves the member list and the catalog; stop() ends the agent. */
  leave(): Promise<void>;
  stop(): Promise<void>;
}

export type ClientAgentHooks = AgentProcessHooks;

export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The configuration files' services and checks, decoded by the agent's own definition parser. */
export function definitionsOf(cfg: AgentRuntimeConfig): AgentDefinitions {
  return { services: cfg.services.map((s) => parseServiceDefinition(s)), checks: cfg.checks.map((c) => parseCheckDefinition(c)) };
}

function identityOf(cfg: AgentRuntimeConfig, nodeId: string): AgentIdentity {
  return {
    nodeName: cfg.nodeName,
    nodeId,
    datacenter: cfg.datacenter,
    domain: cfg.domain,
    advertiseAddr: cfg.advertiseAddr,
    server: cfg.server,
    ports: { http: cfg.ports.http, dns: cfg.ports.dns, serfLan: cfg.ports.serfLan, server: cfg.server ? cfg.ports.server : -1, etcd: cfg.ports.etcd },
    consulVersion: CONSUL_VERSION,
    config: cfg.merged,
    devMode: cfg.devMode,
  };
}

/** How the link decides the servers are there: Status answers with a leader (the cluster ID names the store). */
async function probeStore(backend: Backend): Promise<ServerProbe> {
  const st = await backend.status();
  if (st.leader === 0n) return { ok: false, error: 'No cluster leader' };
  return { ok: true, storeId: st.header.clusterId.toString(16), revision: st.header.revision };
}

/** A Go duration setting of the configuration (Consul's hidden ae_interval, check_reap_interval, ... that its own test agents shorten). */
function durationSetting(cfg: AgentRuntimeConfig, key: string): number | undefined {
  const raw = cfg.merged[key];
  return typeof raw === 'string' ? parseGoDurationMs(raw) : undefined;
}

function retryIntervalMs(cfg: AgentRuntimeConfig): number {
  const raw = cfg.merged.retry_interval;
  if (typeof raw === 'string') return parseGoDurationMs(raw) ?? DEFAULT_RETRY_INTERVAL_MS;
  return DEFAULT_RETRY_INTERVAL_MS;
}

/** A client agent's place in the cluster: its serf LAN membership and the remote backend to the servers it learns. */
interface ClientCluster {
  backend: RemoteBackend;
  view: AgentCluster;
  /** Agent-to-agent encryption (TLS to the servers, auto_encrypt, the gossip key). */
  encryption: AgentEncryption;
  leave(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Joins the cluster as a client: binds the serf LAN port, joins through -join / -retry-join (and
 * keeps trying, forever, whenever no server answers: AgentMembership), and forwards every store
 * request to the servers it learns through their server RPC (createRemoteBackend follows the list).
 */
async function joinAsClient(cfg: AgentRuntimeConfig, self: SerfMember, log: Hclog): Promise<ClientCluster> {
  let remote: RemoteBackend | undefined;
  let known = new Map<string, string>();
  // before the serf port listens: the gossip key puts it on TLS
  const encryption = setUpAgentEncryption(cfg, { server: false, dataDir: keyringDataDir(cfg.merged, cfg.dataDir), warn: (t) => log.warn('agent', t) });
  const membership = new AgentMembership({
    self,
    bindHost: cfg.bindAddr,
    startJoin: cfg.startJoin,
    retryJoin: cfg.retryJoin,
    retryIntervalMs: retryIntervalMs(cfg),
    retryMax: Number(cfg.merged.retry_max ?? 0) || 0,
    heartbeatMs: 1000,
    log,
    onServers: (servers) => {
      const now = new Map(servers.filter(isServer).map((m) => [m.Name, `${m.Name} (Addr: tcp/${serverRpcAddress(m)}) (DC: ${cfg.datacenter})`]));
      remote?.setServers(servers.filter(isServer).map(serverRpcAddress));
      for (const [name, text] of now) if (!known.has(name)) log.info('agent.client', 'adding server', { server: text });
      for (const [name, text] of known) if (!now.has(name)) log.info('agent.client', 'removing server', { server: text });
      known = now;
    },
  });
  remote = createRemoteBackend({ servers: [], logger: log.pino.child({ module: 'agent.client' }, { level: 'warn' }), ...(encryption.tls.dialsTls ? { dial: encryption.tls.dial } : {}) });
  try {
    await membership.listen();
  } catch (err) {
    await remote.close().catch(() => undefined);
    const where = formatHostPort(cfg.bindAddr, self.Port);
    throw new Error(`Failed to start Consul client: Failed to start LAN Serf: listen tcp ${where}: ${isAddressInUse(err) ? 'bind: address already in use' : (err as Error).message}`);
  }
  log.info('agent.client.serf.lan', `serf: EventMemberJoin: ${self.Name} ${self.Addr}`);
  if (cfg.startJoin.length > 0) {
    await membership.join(cfg.startJoin).catch((err: Error) => log.warn('agent', '(LAN) couldn\'t join', { number_of_nodes: 0, error: err.message }));
  }
  membership.start();
  // auto_encrypt: the certificate is obtained in the background (the agent stays stoppable while
  // the servers refuse); until then its requests to the servers get verify_incoming's refusal
  void encryption.obtainCertificate(remote, self.Name, (level, text, fields) => log.log(level === 'info' ? 'INFO' : 'WARN', 'agent.auto_config', text, fields));
  const backend = remote;
  return {
    backend,
    view: {
      async members(wan) {
        let list: SerfMember[];
        try {
          list = (await readMembers(backend, true)).map(asSerfMember);
        } catch {
          list = [];
        }
        if (!list.some((m) => m.Name === self.Name)) list.push({ ...self, Status: MemberStatus.Alive });
        if (!wan) return list;
        // a client is not in the WAN pool (Consul answers its servers' view, which a client only relays)
        return list.filter(isServer).map((m) => ({ ...m, Name: `${m.Name}.${cfg.datacenter}`, Port: Number(m.Tags.wan_join_port ?? '8302') }));
      },
      join: (addrs) => membership.join(addrs),
      forceLeave: (node, prune) => membership.forceLeave(node, prune),
      knownServers: () => membership.servers().length,
    },
    encryption,
    leave: () => membership.leave(),
    close: async () => {
      encryption.close();
      await membership.close();
    },
  };
}

/** The parsed command line, or the exit code after Consul's output for help and flag errors (server and client agents). */
export function parseAgentCommandLine(argv: readonly string[]): ParsedAgentFlags | number {
  // The consul CLI framework answers -h / -help / --help anywhere before "--" with the command's help.
  const beforeDashDash = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (beforeDashDash.some((a) => a === '-h' || a === '-help' || a === '--help')) {
    print(1, agentHelpText());
    return 0;
  }
  try {
    return parseAgentFlags(argv);
  } catch (err) {
    if (err instanceof AgentHelpRequested) {
      print(1, agentHelpText());
      return 0;
    }
    if (err instanceof AgentFlagError) {
      print(2, `${err.message}\n${goFlagDefaults()}`);
      print(2, `==> error parsing flags: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** Starts the agent; resolves with it, or with an exit code when nothing runs (help, bad flags or config, failed start). */
export async function startClientAgent(argvIn: readonly string[], env: NodeJS.ProcessEnv = process.env, hooks: ClientAgentHooks = {}): Promise<RunningClientAgent | number> {
  let argv: string[];
  let backendUrl: string | undefined;
  try {
    ({ argv, backend: backendUrl } = takeBackendFlag(argvIn, env));
  } catch (err) {
    if (!(err instanceof CliExit)) throw err;
    print(2, err.stderr);
    return err.exitCode;
  }
  const parsed = parseAgentCommandLine(argv);
  if (typeof parsed === 'number') return parsed;

  const skipped: string[] = [];
  let cfg: AgentRuntimeConfig;
  let target;
  try {
    cfg = buildRuntimeConfig(parsed, { warn: (t) => skipped.push(t) });
    if (cfg.devMode) throw new AgentConfigError('-dev runs its own store: it cannot be combined with -backend');
    if (backendUrl !== undefined) {
      try {
        target = parseBackendUrl(backendUrl);
      } catch (err) {
        if (err instanceof BackendUrlError) throw new AgentConfigError(err.message.replace(/^--backend/, '-backend'));
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof AgentConfigError) {
      print(2, `==> ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const log = new Hclog({ level: cfg.logLevel, json: cfg.logJson, fds: logFds(cfg.logFile) });
  let nodeId: string;
  try {
    mkdirSync(cfg.dataDir, { recursive: true });
    nodeId = resolveNodeId(cfg.nodeId, cfg.dataDir);
  } catch (err) {
    print(2, `==> ${err instanceof AgentConfigError ? err.message : `Error creating data dir: ${(err as Error).message}`}\n`);
    return 1;
  }
  if (!cfg.logJson) print(1, startingBanner(cfg, nodeId));
  for (const t of skipped) log.warn('agent.config', t);
  for (const n of cfg.notes) {
    // over a -backend store there is no raft cluster to bootstrap: the server-cluster notes do not apply
    if (target && n.message.startsWith('dcsgw: a server without -bootstrap')) continue;
    log.log(n.level, 'agent', n.message, n.fields);
  }
  if (target && cfg.startJoin.length + cfg.retryJoin.length > 0) {
    log.warn('agent', 'dcsgw: -join / -retry-join are not used with -backend: the agent reaches its store through the backend URL', { addresses: [...cfg.startJoin, ...cfg.retryJoin].join(',') });
  }

  // -backend: the store named; else a client agent of a cluster: the servers it learns by joining
  let backend: OpenedBackend;
  let cluster: ClientCluster | undefined;
  try {
    if (target) {
      backend = openBackend(target);
    } else {
      cluster = await joinAsClient(cfg, localMember(identityOf(cfg, nodeId)), log);
      backend = cluster.backend;
    }
  } catch (err) {
    log.error('agent', 'Error starting agent', { error: (err as Error).message });
    log.info('agent', 'Exit code', { code: 1 });
    return 1;
  }
  const storeName = target ? `the ${backendKindName(target)} store ${target.display}` : 'the servers';
  const module = cfg.server ? 'agent.server' : 'agent.client';
  // a cluster's membership logs joining and the servers it learns; over a -backend store the link says it
  const storeLog = target !== undefined;

  let face: ConsulFaceHandle | undefined;
  let etcd: EtcdServer | undefined;
  let stopped = false;
  const joinLog = { failures: 0 };
  const link = new ServerLink({
    probe: () => probeStore(backend),
    intervalMs: SERVER_PROBE_MS,
    events: {
      onJoined: () => {
        if (!storeLog) return;
        log.info('agent', `(LAN) joined: number_of_nodes=1`);
        log.info('agent', 'Join cluster completed. Synced with initial agents', { cluster: 'LAN', num_agents: 1 });
        log.info(module, 'adding server', { server: storeName });
      },
      onJoinFailed: (error, attempt) => {
        joinLog.failures = attempt;
        if (!storeLog) return;
        // Consul logs a failed join at each retry interval, not at every probe
        const every = Math.max(1, Math.round(retryIntervalMs(cfg) / SERVER_PROBE_MS));
        if (attempt === 1 || attempt % every === 0) {
          log.warn('agent.router.manager', 'No servers available');
          log.warn('agent', 'Join cluster failed, will retry', { cluster: 'LAN', retry_interval: `${retryIntervalMs(cfg) / 1000}s`, error });
        }
      },
      onLost: (error) => {
        log.warn(module, storeLog ? 'removing server' : 'no server answers', { server: storeName, error });
        log.warn('agent.router.manager', 'No servers available');
      },
      onRegained: (reason) => {
        if (storeLog) log.info(module, 'adding server', { server: storeName });
        // everything of this agent goes to the catalog again: a server that lost it, or a new store, has it back at once
        log.info('agent', reason === 'store-replaced' ? 'servers answer as a different store: syncing this node again' : 'servers reachable again: syncing this node', {});
        void face?.runtime.resyncWithServers(reason === 'store-replaced').catch(() => undefined);
      },
    },
  });

  const reloadConfig = async (): Promise<void> => {
    log.info('agent', 'Reloading configuration...');
    let next: AgentRuntimeConfig;
    try {
      next = buildRuntimeConfig(parsed, { warn: (t) => log.warn('agent.config', t) });
    } catch (err) {
      log.error('agent', 'Reload config failed', { error: (err as Error).message });
      throw err;
    }
    face?.runtime.reload(definitionsOf(next));
    // Consul reloads its TLS configurator with the rest: rotated certificates serve the next connection
    face?.reloadHttpsTls(next.tls.https);
    // and the agent's TLS to the servers (docs/agent-encryption.md)
    cluster?.encryption.reload(next);
  };

  const clientHost = cfg.clientAddrs[0]!;
  const etcdUrl = `http://${urlHost(clientHost)}:${cfg.ports.etcd > 0 ? cfg.ports.etcd : 2379}`;
  const cleanup = async (): Promise<void> => {
    link.stop();
    await face?.stop().catch(() => undefined);
    await etcd?.close().catch(() => undefined);
    await cluster?.close().catch(() => undefined);
    await backend.close().catch(() => undefined);
  };
  try {
    log.info('agent', `dcsgw: this agent keeps no replicated data: reads and writes go to ${storeName}`, target ? { backend: target.display } : {});
    if (cfg.ports.etcd > 0) {
      try {
        etcd = await startEtcdServer({
          backend,
          listenClientUrls: [etcdUrl],
          maxRequestBytes: ETCD_MAX_REQUEST_BYTES,
          maxTxnOps: ETCD_MAX_TXN_OPS,
          logger: log.pino.child({ module: 'agent.etcd' }, { level: cfg.logLevel === 'TRACE' || cfg.logLevel === 'DEBUG' ? 'debug' : 'warn' }),
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
    // The runtime's catalog is the core's (made inside startConsulFace), with the node's first
    // registration waiting for the servers: the link starts only once the face is up, so no call
    // reaches the core before it exists.
    const coreCatalog = (): AgentCatalog => {
      if (!face) throw new Error('No known Consul servers');
      return face.core.catalog;
    };
    const lazyCatalog: AgentCatalog = {
      register: (req) => coreCatalog().register(req),
      deregister: (req) => coreCatalog().deregister(req),
      getNode: (node) => coreCatalog().getNode(node),
      nodeServices: (node) => coreCatalog().nodeServices(node),
      nodeChecks: (node) => coreCatalog().nodeChecks(node),
    };
    const runtime: FaceRuntimeOptions & { catalog: AgentCatalog } = {
      dataDir: cfg.dataDir,
      enableScriptChecks: cfg.enableScriptChecks,
      enableLocalScriptChecks: cfg.enableLocalScriptChecks,
      nodeMeta: cfg.nodeMeta,
      definitions: definitionsOf(cfg),
      onReload: async () => reloadConfig(),
      onLeave: async () => {
        setTimeout(() => hooks.onLeaveRequested?.(), 20).unref();
      },
      catalog: patientCatalog(lazyCatalog, link, SERVER_PROBE_MS),
      ...(durationSetting(cfg, 'ae_interval') !== undefined ? { antiEntropyIntervalMs: durationSetting(cfg, 'ae_interval') } : {}),
      ...(durationSetting(cfg, 'check_reap_interval') !== undefined ? { checkReapIntervalMs: durationSetting(cfg, 'check_reap_interval') } : {}),
      ...(durationSetting(cfg, 'check_deregister_interval_min') !== undefined ? { checkDeregisterIntervalMinMs: durationSetting(cfg, 'check_deregister_interval_min') } : {}),
    };
    face = await startConsulFace(
      backend,
      { ...identityOf(cfg, nodeId), ...(cluster ? { cluster: cluster.view, ...withGossipKeyring(cluster.encryption.gossipKey) } : {}) },
      {
        ...(cfg.ports.dns > 0 ? { dns: { host: cfg.dnsAddrs[0]!, port: cfg.ports.dns } } : {}),
        ...(cfg.ports.http > 0 ? { http: { host: cfg.httpAddrs[0]!, port: cfg.ports.http } } : {}),
        ...(cfg.ports.https > 0 ? { https: { host: cfg.httpsAddrs[0]!, port: cfg.ports.https, tls: cfg.tls.https, autoTls: cfg.tls.autoEncrypt } } : {}),
        recursors: cfg.recursors,
        runtime,
      },
      log.pino.child({ module: 'agent.http' }),
    );
  } catch (err) {
    await cleanup();
    const text = err instanceof ConsulListenError ? err.message : (err as Error).message;
    log.error('agent', 'Error starting agent', { error: text });
    log.info('agent', 'Exit code', { code: 1 });
    return 1;
  }
  if (!cfg.server) face.core.sessionReaper.close();

  if (face.dns) {
    const where = formatHostPort(face.dns.address.host, face.dns.address.port);
    log.info('agent', 'Started DNS server', { address: where, network: 'udp' });
    log.info('agent', 'Started DNS server', { address: where, network: 'tcp' });
  }
  if (face.http) log.info('agent', 'Started HTTP server', { address: formatHostPort(face.http.address.host, face.http.address.port), network: 'tcp' });
  if (face.https) log.info('agent', 'Started HTTPS server', { address: formatHostPort(face.https.address.host, face.https.address.port), network: 'tcp' });
  if (etcd) for (const a of etcd.addresses) log.info('agent', 'dcsgw: started etcd v3 API', { address: formatHostPort(a.host, a.port), network: 'tcp' });
  if (cfg.pidFile) {
    try {
      writeFileSync(cfg.pidFile, String(process.pid));
    } catch (err) {
      await cleanup();
      log.error('agent', 'Error starting agent', { error: `Could not write pid file: ${(err as Error).message}` });
      return 1;
    }
  }
  log.info('agent', 'started state syncer');
  log.info('agent', 'Consul agent running!');
  if (target) {
    log.info('agent', 'Joining cluster...', { cluster: 'LAN' });
    log.info('agent', '(LAN) joining', { lan_addresses: JSON.stringify([target.display]) });
  }
  link.start();
  face.runtimeStarted.then(() => !stopped && log.info('agent', 'Synced node info')).catch(() => undefined);

  const readyFace = face;
  const running: RunningClientAgent = {
    config: cfg,
    backend,
    face: readyFace,
    etcd,
    reload: reloadConfig,
    async leave() {
      // Consul: the servers deregister a member that left. Over a store without membership the agent does it itself.
      if (cluster) {
        log.info('agent.client', 'client starting leave');
        await cluster.leave();
        return;
      }
      try {
        if (link.up) await readyFace.core.catalog.deregister({ Node: cfg.nodeName, ServiceID: '', CheckID: '', Datacenter: cfg.datacenter } as never);
        log.info(module, 'deregistered node: reason=left', { node: cfg.nodeName });
      } catch (err) {
        log.warn('agent', 'leave: the node could not be removed from the catalog', { error: (err as Error).message });
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      log.info('agent', 'Requesting shutdown');
      link.stop();
      if (readyFace.dns) {
        const where = formatHostPort(readyFace.dns.address.host, readyFace.dns.address.port);
        log.info('agent', 'Stopping server', { protocol: 'DNS', address: where, network: 'tcp' });
        log.info('agent', 'Stopping server', { protocol: 'DNS', address: where, network: 'udp' });
      }
      if (readyFace.http) log.info('agent', 'Stopping server', { address: formatHostPort(readyFace.http.address.host, readyFace.http.address.port), network: 'tcp', protocol: 'http' });
      if (readyFace.https) log.info('agent', 'Stopping server', { address: formatHostPort(readyFace.https.address.host, readyFace.https.address.port), network: 'tcp', protocol: 'https' });
      log.info('agent', 'Waiting for endpoints to shut down');
      await readyFace.stop().catch(() => undefined);
      await etcd?.close().catch(() => undefined);
      log.info('agent', 'Endpoints down');
      await cluster?.close().catch(() => undefined);
      await backend.close().catch(() => undefined);
      log.info('agent', 'shutdown complete');
      if (cfg.pidFile) {
        try {
          unlinkSync(cfg.pidFile);
        } catch {
          // already gone
        }
      }
    },
  };
  return running;
}

const GO_SIGNAL_NAME: Partial<Record<NodeJS.Signals, string>> = { SIGINT: 'interrupt', SIGTERM: 'terminated', SIGHUP: 'hangup' };

/** What the agent command's signal handling needs of a started agent (server or client). */
export interface SignalledAgent {
  readonly config: AgentRuntimeConfig;
  /** Consul's reload (SIGHUP). */
  reload(): Promise<void>;
  /** Consul's graceful leave (out of the member list; a server also out of the raft configuration); the agent keeps running. */
  leave(): Promise<void>;
  stop(): Promise<void>;
}

export interface AgentProcessHooks {
  /** PUT /v1/agent/leave answered: the command leaves, stops and exits 0. */
  onLeaveRequested?: () => void;
}

/**
 * `dcsgw agent` as a process, for a server (run.ts) or a client (this file): a signal during the
 * start is honoured once the agent is up (Consul cancels its start); then SIGHUP reloads,
 * SIGINT/SIGTERM leave gracefully when Consul would (SIGINT unless skip_leave_on_interrupt, SIGTERM
 * with leave_on_terminate; exit 0) or just stop (exit 1), a second signal exits at once (exit 1).
 * `beforeLeave` adds the role's own line before a leave. Resolves with the exit code.
 */
export async function runAgentProcess<A extends SignalledAgent>(
  start: (hooks: AgentProcessHooks) => Promise<A | number>,
  beforeLeave: (agent: A, log: Hclog) => void = () => undefined,
): Promise<number> {
  let early: NodeJS.Signals | undefined;
  const onEarly = (sig: NodeJS.Signals): void => {
    early ??= sig;
  };
  process.on('SIGINT', onEarly);
  process.on('SIGTERM', onEarly);
  let leaveRequested: (() => void) | undefined;
  const started = await start({ onLeaveRequested: () => leaveRequested?.() });
  process.off('SIGINT', onEarly);
  process.off('SIGTERM', onEarly);
  if (typeof started === 'number') return started;
  const agent = started;
  const cfg = agent.config;
  const log = new Hclog({ level: cfg.logLevel, json: cfg.logJson, fds: logFds(cfg.logFile) });
  return await new Promise<number>((resolve) => {
    let leaving = false;
    const finish = (code: number): void => {
      log.info('agent', 'Exit code', { code });
      resolve(code);
    };
    const onSignal = (sig: NodeJS.Signals): void => {
      const name = GO_SIGNAL_NAME[sig] ?? sig;
      if (sig === 'SIGHUP') {
        log.info('agent', 'Caught', { signal: name });
        void agent.reload().catch(() => undefined);
        return;
      }
      if (leaving) {
        log.info('agent', 'Caught second signal, Exiting', { signal: name });
        finish(1);
        return;
      }
      leaving = true;
      log.info('agent', 'Caught', { signal: name });
      const graceful = (sig === 'SIGINT' && !cfg.skipLeaveOnInterrupt) || (sig === 'SIGTERM' && cfg.leaveOnTerminate);
      if (!graceful) {
        log.info('agent', 'Graceful shutdown disabled. Exiting');
        void agent.stop().finally(() => finish(1));
        return;
      }
      log.info('agent', 'Gracefully shutting down agent...');
      beforeLeave(agent, log);
      void agent
        .leave()
        .then(() => log.info('agent', 'Graceful exit completed'))
        .then(() => agent.stop())
        .finally(() => finish(0));
    };
    leaveRequested = () => {
      if (leaving) return;
      leaving = true;
      beforeLeave(agent, log);
      void agent
        .leave()
        .then(() => agent.stop())
        .finally(() => finish(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    process.on('SIGPIPE', () => undefined);
    if (early) onSignal(early);
  });
}

/** The whole command for a client agent (or an agent over -backend): runs until a signal stops it. */
export async function runClientAgent(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runAgentProcess((hooks) => startClientAgent(argv, env, hooks));
}
