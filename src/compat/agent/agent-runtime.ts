// The agent itself (Consul's agent.Agent, single-agent shape): its local services and checks, the
// runners that execute those checks, persistence in the data dir, maintenance mode, and
// anti-entropy into the catalog under this agent's node. Created by the CLI's agent wiring (and by
// the test face) with the ConsulCore and this agent's identity; the HTTP routes call it.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConsulCore } from '../consul-core.js';
import type { AgentCatalog } from './agent-catalog.js';
import { AgentError, agentInternal, agentNotFound } from './agent-error.js';
import { AgentLog } from './agent-log.js';
import { AntiEntropy, type NodeIdentity } from './anti-entropy.js';
import { CatalogDeregistrationWatch } from './catalog-deregistration-watch.js';
import { AliasCheck, type AliasSource } from './checks/alias-check.js';
import { DEFAULT_OUTPUT_MAX, type CheckNotify, type CheckRunner } from './checks/check-runner.js';
import { DockerCheck } from './checks/docker-check.js';
import { GrpcCheck } from './checks/grpc-check.js';
import { H2pingCheck } from './checks/h2ping-check.js';
import { HttpCheck } from './checks/http-check.js';
import { ScriptCheck } from './checks/script-check.js';
import { StatusHandler } from './checks/status-handler.js';
import { TcpCheck } from './checks/tcp-check.js';
import { TtlCheck } from './checks/ttl-check.js';
import { UdpCheck } from './checks/udp-check.js';
import {
  checkTypeName,
  checkTypeProblem,
  isScriptCheck,
  type CheckDefinition,
  type CheckType,
  type ServiceDefinition,
  type ServiceRecord,
} from './definitions.js';
import { formatGoDuration } from './go-duration.js';
import {
  CONSUL_SERVICE_ID,
  DEFAULT_NODE_MAINT_REASON,
  DEFAULT_SERVICE_MAINT_REASON,
  NODE_MAINTENANCE_CHECK_ID,
  SERF_CHECK_ALIVE_OUTPUT,
  SERF_CHECK_ID,
  SERF_CHECK_NAME,
  SERVICE_MAINTENANCE_PREFIX,
  type HealthCheckRecord,
} from './health-check.js';
import { LocalState, type ConfigSource } from './local-state.js';
import { AgentPersistence } from './persistence.js';

/** The identity the runtime needs (a structural subset of the gateway's AgentIdentity). */
export interface AgentRuntimeIdentity {
  nodeName: string;
  nodeId: string;
  datacenter: string;
  advertiseAddr: string;
  server: boolean;
  ports: { serfLan: number; server: number };
  consulVersion: string;
}

/** Config-file definitions (the CLI parses them with parseServiceDefinition / parseCheckDefinition). */
export interface AgentDefinitions {
  services: ServiceDefinition[];
  checks: CheckDefinition[];
}

export interface AgentRuntimeOptions {
  logger: Logger;
  /** Where services, checks and TTL states are persisted; absent = nothing persisted (Consul's dev mode). */
  dataDir?: string;
  /** Script checks from the API and from config files (Consul's enable_script_checks). */
  enableScriptChecks?: boolean;
  /** Script checks from config files only (Consul's enable_local_script_checks). */
  enableLocalScriptChecks?: boolean;
  /** Consul's check_update_interval (default 5 min): how long an output-only change may wait before the catalog sees it. */
  checkUpdateIntervalMs?: number;
  /** Full anti-entropy sync period (Consul: about a minute for a small cluster). */
  antiEntropyIntervalMs?: number;
  /** How often critical checks are examined for deregister_critical_service_after (Consul: 30 s). */
  checkReapIntervalMs?: number;
  /** The smallest deregister_critical_service_after honoured (Consul: 1 min). */
  checkDeregisterIntervalMinMs?: number;
  /** Node metadata (Consul's node_meta). */
  nodeMeta?: Record<string, string>;
  /** Services and checks of the config files, registered at start with source 'local'. */
  definitions?: AgentDefinitions;
  /** The CLI's reload: re-reads the configuration and calls runtime.reload(definitions). */
  onReload?: () => Promise<void>;
  /** The CLI's graceful leave: shuts the agent down after answering. */
  onLeave?: () => Promise<void>;
  /** The catalog to sync into (default: the core's catalog). */
  catalog?: AgentCatalog;
}

interface AddServiceOptions {
  source: ConfigSource;
  replaceExistingChecks: boolean;
  persist: boolean;
}

const DEFAULT_CHECK_UPDATE_INTERVAL_MS = 5 * 60_000;
const DEFAULT_ANTI_ENTROPY_MS = 60_000;
const DEFAULT_REAP_INTERVAL_MS = 30_000;
const DEFAULT_DEREGISTER_MIN_MS = 60_000;

export class AgentRuntime {
  readonly state: LocalState;
  /** The agent's log events (also streamed by /v1/agent/monitor). */
  readonly log: AgentLog;
  readonly startedAt = Date.now();
  private readonly runners = new Map<string, CheckRunner>();
  private readonly ttls = new Map<string, TtlCheck>();
  private readonly persistence: AgentPersistence | undefined;
  private readonly catalog: AgentCatalog;
  private antiEntropy: AntiEntropy | undefined;
  /** Follows catalog deregistrations of this agent's entries so they stick (DESIGN.md, "Agents"). */
  private readonly deregistrations: CatalogDeregistrationWatch;
  private reapTimer: NodeJS.Timeout | undefined;
  private configServiceIds = new Set<string>();
  private configCheckIds = new Set<string>();
  private started = false;
  private registeredNode = false;
  /** The start in progress: an agent write answered meanwhile waits for it before syncing (its service must be in the catalog when the answer arrives). */
  private starting: Promise<void> | undefined;
  private readonly nodeMeta: Record<string, string>;

  constructor(
    readonly core: ConsulCore,
    readonly identity: AgentRuntimeIdentity,
    readonly options: AgentRuntimeOptions,
  ) {
    this.state = new LocalState(options.checkUpdateIntervalMs ?? DEFAULT_CHECK_UPDATE_INTERVAL_MS);
    this.log = new AgentLog(options.logger);
    if (options.dataDir) this.persistence = new AgentPersistence(options.dataDir);
    this.deregistrations = new CatalogDeregistrationWatch(
      core.backend,
      options.catalog ?? catalogOfCore(core),
      () => this.identity.nodeName,
      {
        state: this.state,
        log: this.log,
        dropService: (id) => this.dropDeregisteredService(id),
        dropCheck: (id) => this.dropDeregisteredCheck(id),
      },
      options.dataDir ? join(options.dataDir, 'catalog-watch.json') : undefined,
    );
    this.catalog = this.deregistrations.ownCatalog();
    this.nodeMeta = { 'consul-network-segment': '', 'consul-version': identity.consulVersion, ...(options.nodeMeta ?? {}) };
  }

  /** The node's metadata as /v1/agent/self's Meta and the catalog show it. */
  get metadata(): Record<string, string> {
    return { ...this.nodeMeta };
  }

  /** Registers the node (with serfHealth), restores persisted and configured services and checks, starts the checks and anti-entropy. */
  async start(): Promise<void> {
    if (this.started) return this.starting;
    this.started = true;
    this.starting = this.startOnce();
    return this.starting;
  }

  /** True once this agent's node (with serfHealth) is in the catalog. */
  get nodeRegistered(): boolean {
    return this.registeredNode;
  }

  private async startOnce(): Promise<void> {
    await this.registerNodeUntilDone();
    this.registeredNode = true;
    if (this.options.definitions) this.applyDefinitions(this.options.definitions);
    this.restorePersisted();
    // deregistrations through the catalog while this agent was stopped stick too (catalog-deregistration-watch.ts)
    const away = await this.deregistrations.deletedWhileAway();
    this.dropDeletedWhileAway(away.services, away.checks);
    const fullSyncMs = this.options.antiEntropyIntervalMs ?? DEFAULT_ANTI_ENTROPY_MS;
    this.antiEntropy = new AntiEntropy(this.state, this.catalog, () => this.nodeIdentity(), this.log, fullSyncMs, () => this.registerNode());
    this.antiEntropy.start();
    await this.antiEntropy.syncFull();
    this.deregistrations.start(away.revision);
    const reapMs = this.options.checkReapIntervalMs ?? DEFAULT_REAP_INTERVAL_MS;
    this.reapTimer = setInterval(() => this.reapServices(), reapMs);
    this.reapTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.reapTimer) clearInterval(this.reapTimer);
    this.deregistrations.stop();
    this.antiEntropy?.stop();
    await this.antiEntropy?.settled();
    for (const r of this.runners.values()) r.stop();
    this.runners.clear();
    this.ttls.clear();
    this.state.close();
    this.started = false;
    this.starting = undefined;
  }

  /** Writes the pending local changes to the catalog (what an agent endpoint does before answering, as Consul's syncChanges). */
  async syncChanges(): Promise<void> {
    if (!this.antiEntropy && this.starting) await this.starting.catch(() => undefined);
    await this.antiEntropy?.syncChanges();
  }

  /**
   * The servers answer again after an outage (a client agent's server link calls it). `storeReplaced`:
   * they answer as a store that lost what it had (revisions started over): the catalog revisions
   * remembered for this agent's entries mean nothing there, and the watch of its node's records
   * (which resumes after the last revision it saw) would wait past the new store's deletions, so
   * both start over before the full sync registers everything again.
   */
  async resyncWithServers(storeReplaced: boolean): Promise<void> {
    if (!this.antiEntropy) return;
    if (storeReplaced) {
      for (const s of this.state.services.values()) delete s.catalogRevision;
      for (const c of this.state.checks.values()) delete c.catalogRevision;
      this.deregistrations.stop();
      this.deregistrations.start();
    }
    await this.antiEntropy.syncFull();
  }

  /** A full anti-entropy pass now: the catalog's view of this node is made the agent's (tests; the periodic sync does the same). */
  async syncNow(): Promise<void> {
    await this.antiEntropy?.syncFull();
  }

  /** PUT /v1/agent/reload: the CLI's hook re-reads the config; without one there is nothing to reload. */
  async triggerReload(): Promise<void> {
    if (this.options.onReload) await this.options.onReload();
  }

  /** The new config-file definitions: what disappeared from the config is removed, the rest (re)registered. */
  reload(defs: AgentDefinitions): void {
    const keepServices = new Set(defs.services.map((d) => d.service.ID));
    const keepChecks = new Set(defs.checks.map((d) => d.checkId || d.name));
    for (const id of this.configServiceIds) if (!keepServices.has(id) && this.state.services.get(id)?.source === 'local') this.removeService(id, false);
    for (const id of this.configCheckIds) if (!keepChecks.has(id) && this.state.checks.get(id)?.source === 'local') this.removeCheck(id, false);
    this.applyDefinitions(defs);
  }

  /** PUT /v1/agent/leave: the CLI shuts the agent down; in-process (tests) the runtime just stops. */
  async leave(): Promise<void> {
    if (this.options.onLeave) await this.options.onLeave();
    else await this.stop();
  }

  // ---- services ----

  /** Consul's AddService: validates script permission, registers the service and its checks, persists. */
  addService(def: ServiceDefinition, opts: AddServiceOptions): void {
    const svc = def.service;
    for (const ct of def.checks) this.vetCheckType(ct, opts.source);
    // Statuses survive a re-registration (Consul snapshots the checks before replacing them).
    const snapshot = new Map([...this.state.checks.values()].map((c) => [c.check.CheckID, { status: c.check.Status, output: c.check.Output }]));
    const existing = this.state.services.get(svc.ID);
    this.state.addService(svc, opts.source, def.token);
    const newIds = new Set<string>();
    def.checks.forEach((ct, i) => {
      let checkId = ct.checkId;
      if (checkId === '') checkId = def.checks.length > 1 ? `service:${svc.ID}:${i + 1}` : `service:${svc.ID}`;
      newIds.add(checkId);
      const check = this.healthCheckOf(ct, checkId, ct.name || `Service '${svc.Service}' check`, svc);
      const prev = snapshot.get(checkId);
      if (prev) {
        check.Status = prev.status;
        check.Output = prev.output;
      }
      this.installCheck(check, ct, opts.source, def.token, opts.persist);
    });
    if (existing && opts.replaceExistingChecks) {
      for (const c of this.state.checksOfService(svc.ID)) {
        if (!newIds.has(c.check.CheckID) && !c.check.CheckID.startsWith(SERVICE_MAINTENANCE_PREFIX)) this.removeCheck(c.check.CheckID, opts.persist);
      }
    }
    if (opts.source === 'local') this.configServiceIds.add(svc.ID);
    if (opts.persist && opts.source === 'remote') this.persistence?.saveService({ Service: svc, Token: def.token, Source: 'remote' });
  }

  /** Consul's RemoveService: the service and every check of it. */
  removeService(id: string, persist = true): void {
    if (!this.state.services.has(id)) throw agentNotFound(`Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
    for (const c of this.state.checksOfService(id)) this.removeCheck(c.check.CheckID, persist);
    this.state.removeService(id);
    if (persist) this.persistence?.removeService(id);
    this.configServiceIds.delete(id);
  }

  // ---- checks ----

  /** Consul's AddCheck for a standalone check definition. */
  addCheck(def: CheckDefinition, source: ConfigSource, persist = true): void {
    const problem = checkTypeProblem(def);
    if (problem) throw new AgentError(400, `Invalid check: ${problem}`);
    let svc: ServiceRecord | undefined;
    if (def.serviceId) {
      svc = this.state.services.get(def.serviceId)?.service;
      if (!svc) throw agentNotFound(`ServiceID ${JSON.stringify(def.serviceId)} does not exist`);
    }
    this.vetCheckType(def, source);
    const checkId = def.checkId || def.name;
    const check = this.healthCheckOf(def, checkId, def.name, svc);
    const prev = this.state.checks.get(checkId);
    if (prev) {
      // Re-registering a check keeps its current status (Consul restores it to avoid a flap).
      check.Status = prev.check.Status;
      check.Output = prev.check.Output;
    }
    this.installCheck(check, def, source, def.token, persist);
    if (source === 'local') this.configCheckIds.add(checkId);
  }

  removeCheck(id: string, persist = true): void {
    this.runners.get(id)?.stop();
    this.runners.delete(id);
    this.ttls.delete(id);
    this.state.removeCheck(id);
    if (persist) this.persistence?.removeCheck(id);
    this.configCheckIds.delete(id);
  }

  /** pass/warn/fail/update of a TTL check. */
  updateTtlCheck(id: string, status: string, output: string): void {
    const ttl = this.ttls.get(id);
    if (!ttl) throw agentInternal(`CheckID ${JSON.stringify(id)} does not have associated TTL`);
    const stored = ttl.setStatus(status, output);
    const c = this.state.checks.get(id);
    if (this.persistence && c?.checkType) {
      this.persistence.saveCheckState({
        CheckID: id,
        Status: status,
        Output: stored,
        Expires: Math.floor((Date.now() + c.checkType.ttlNs / 1e6) / 1000),
      });
    }
  }

  // ---- maintenance ----

  enableServiceMaintenance(serviceId: string, reason: string): void {
    const svc = this.state.services.get(serviceId)?.service;
    if (!svc) throw agentNotFound(`No service registered with ID ${JSON.stringify(serviceId)}`);
    const checkId = SERVICE_MAINTENANCE_PREFIX + serviceId;
    if (this.state.checks.has(checkId)) return;
    const check: HealthCheckRecord = {
      ...this.blankCheck(checkId, 'Service Maintenance Mode'),
      Notes: reason || DEFAULT_SERVICE_MAINT_REASON,
      ServiceID: svc.ID,
      ServiceName: svc.Service,
      ServiceTags: [...svc.Tags],
      Type: 'maintenance',
    };
    this.state.addCheck(check, undefined, 'remote', '');
    this.persistence?.saveCheck({ Check: check, Token: '', Source: 'remote' });
    this.log.info('Service entered maintenance mode', { service: serviceId });
  }

  disableServiceMaintenance(serviceId: string): void {
    if (!this.state.services.has(serviceId)) throw agentNotFound(`No service registered with ID ${JSON.stringify(serviceId)}`);
    const checkId = SERVICE_MAINTENANCE_PREFIX + serviceId;
    if (!this.state.checks.has(checkId)) return;
    this.removeCheck(checkId);
    this.log.info('Service left maintenance mode', { service: serviceId });
  }

  enableNodeMaintenance(reason: string): void {
    if (this.state.checks.has(NODE_MAINTENANCE_CHECK_ID)) return;
    const check: HealthCheckRecord = {
      ...this.blankCheck(NODE_MAINTENANCE_CHECK_ID, 'Node Maintenance Mode'),
      Notes: reason || DEFAULT_NODE_MAINT_REASON,
      Type: 'maintenance',
    };
    this.state.addCheck(check, undefined, 'remote', '');
    this.persistence?.saveCheck({ Check: check, Token: '', Source: 'remote' });
    this.log.info('Node entered maintenance mode');
  }

  disableNodeMaintenance(): void {
    if (!this.state.checks.has(NODE_MAINTENANCE_CHECK_ID)) return;
    this.removeCheck(NODE_MAINTENANCE_CHECK_ID);
    this.log.info('Node left maintenance mode');
  }

  /** Check runners by kind, for /v1/agent/self's Stats. */
  runnerCounts(): { monitors: number; ttls: number } {
    let monitors = 0;
    for (const r of this.runners.values()) if (r instanceof ScriptCheck) monitors++;
    return { monitors, ttls: this.ttls.size };
  }

  nodeIdentity(): NodeIdentity {
    const addr = this.identity.advertiseAddr;
    const v6 = addr.includes(':');
    const tagged: Record<string, string> = v6
      ? { lan: addr, lan_ipv6: addr, wan: addr, wan_ipv6: addr }
      : { lan: addr, lan_ipv4: addr, wan: addr, wan_ipv4: addr };
    return {
      id: this.identity.nodeId,
      node: this.identity.nodeName,
      address: addr,
      datacenter: this.identity.datacenter,
      taggedAddresses: tagged,
      meta: this.metadata,
    };
  }

  // ---- internals ----

  private vetCheckType(ct: CheckType, source: ConfigSource): void {
    const problem = checkTypeProblem(ct);
    if (problem) throw new AgentError(400, `Invalid check: ${problem}`);
    // Consul's OSService client exists only on Windows; elsewhere creating it fails with this text.
    if (checkTypeName(ct) === 'os_service') throw agentInternal('not implemented');
    if (!isScriptCheck(ct)) return;
    if (source === 'local' && !this.options.enableLocalScriptChecks && !this.options.enableScriptChecks) {
      throw agentInternal("Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true");
    }
    if (source === 'remote' && !this.options.enableScriptChecks) {
      throw agentInternal("Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true");
    }
  }

  private blankCheck(checkId: string, name: string): HealthCheckRecord {
    return {
      Node: this.identity.nodeName,
      CheckID: checkId,
      Name: name,
      Status: 'critical',
      Notes: '',
      Output: '',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
      Type: '',
      ExposedPort: 0,
      Definition: {},
    };
  }

  private healthCheckOf(ct: CheckType, checkId: string, name: string, svc: ServiceRecord | undefined): HealthCheckRecord {
    const check = this.blankCheck(checkId, name);
    check.Status = ct.status || 'critical';
    check.Notes = ct.notes;
    check.Type = checkTypeName(ct);
    check.Interval = formatGoDuration(ct.intervalNs);
    check.Timeout = formatGoDuration(ct.timeoutNs);
    if (svc) {
      check.ServiceID = svc.ID;
      check.ServiceName = svc.Service;
      check.ServiceTags = [...svc.Tags];
    }
    return check;
  }

  /** Adds the check to the state, starts its runner, persists it. */
  private installCheck(check: HealthCheckRecord, ct: CheckType, source: ConfigSource, token: string, persist: boolean): void {
    const id = check.CheckID;
    this.runners.get(id)?.stop();
    this.runners.delete(id);
    this.ttls.delete(id);
    if (ct.ttlNs > 0 && this.persistence) {
      const saved = this.persistence.loadCheckState(id);
      if (saved) {
        check.Status = saved.Status;
        check.Output = saved.Output;
      }
    }
    this.state.addCheck(check, ct, source, token);
    const runner = this.runnerFor(id, ct);
    this.runners.set(id, runner);
    runner.start();
    if (persist && source === 'remote') this.persistence?.saveCheck({ Check: check, ChkType: ct, Token: token, Source: 'remote' });
  }

  private runnerFor(id: string, ct: CheckType): CheckRunner {
    const direct: CheckNotify = (status, output) => {
      const before = this.state.checks.get(id)?.check.Status;
      this.state.updateCheck(id, status, output);
      if (before !== undefined && before !== status) {
        if (status === 'critical') this.log.warn('Check is now critical', { check: id });
        else if (status === 'warning') this.log.warn('Check is now warning', { check: id });
        else this.log.debug('Check status updated', { check: id, status });
      }
    };
    const outputMax = ct.outputMaxSize > 0 ? Math.min(ct.outputMaxSize, DEFAULT_OUTPUT_MAX) : DEFAULT_OUTPUT_MAX;
    // failures_before_warning defaults to failures_before_critical.
    const handler = new StatusHandler(direct, ct.successBeforePassing, ct.failuresBeforeWarning || ct.failuresBeforeCritical, ct.failuresBeforeCritical);
    const kind = checkTypeName(ct);
    switch (kind) {
      case 'ttl': {
        const ttl = new TtlCheck(direct, ct.ttlNs / 1e6, outputMax);
        this.ttls.set(id, ttl);
        return ttl;
      }
      case 'http':
        return new HttpCheck(handler.update, {
          url: ct.http,
          method: ct.method,
          header: ct.header,
          body: ct.body,
          tlsServerName: ct.tlsServerName,
          tlsSkipVerify: ct.tlsSkipVerify,
          disableRedirects: ct.disableRedirects,
          intervalNs: ct.intervalNs,
          timeoutMs: ct.timeoutNs / 1e6,
          outputMax,
        });
      case 'tcp':
        return new TcpCheck(handler.update, ct.tcp, ct.intervalNs, ct.timeoutNs / 1e6, ct.tcpUseTls ? { skipVerify: ct.tlsSkipVerify, serverName: ct.tlsServerName } : undefined);
      case 'h2ping':
        return new H2pingCheck(handler.update, {
          target: ct.h2ping,
          useTls: ct.h2pingUseTls,
          tlsSkipVerify: ct.tlsSkipVerify,
          tlsServerName: ct.tlsServerName,
          intervalNs: ct.intervalNs,
          timeoutMs: ct.timeoutNs / 1e6,
        });
      case 'udp':
        return new UdpCheck(handler.update, ct.udp, ct.intervalNs, ct.timeoutNs / 1e6);
      case 'grpc':
        return new GrpcCheck(handler.update, {
          target: ct.grpc,
          useTls: ct.grpcUseTls,
          tlsSkipVerify: ct.tlsSkipVerify,
          tlsServerName: ct.tlsServerName,
          intervalNs: ct.intervalNs,
          timeoutMs: ct.timeoutNs / 1e6,
        });
      case 'script':
        return new ScriptCheck(handler.update, ct.scriptArgs, ct.intervalNs, ct.timeoutNs / 1e6, outputMax);
      case 'alias': {
        const node = ct.aliasNode === this.identity.nodeName ? '' : ct.aliasNode;
        return new AliasCheck(direct, id, node, ct.aliasService, this.aliasSource());
      }
      case 'docker':
        return new DockerCheck(handler.update, ct.dockerContainerId, ct.scriptArgs, ct.intervalNs, outputMax);
      default:
        // Unreachable: vetCheckType admits only the kinds above.
        throw new AgentError(400, `Invalid check: check type ${JSON.stringify(kind)} is not supported`);
    }
  }

  private aliasSource(): AliasSource {
    return {
      localChecks: () => [...this.state.checks.values()].map((c) => c.check),
      localServiceExists: (id) => this.state.services.has(id),
      onLocalChange: (listener) => this.state.onSyncNeeded(listener),
      remoteNodeChecks: async (node) => (await this.catalog.nodeChecks(node)).map((c) => ({ ...c.value, ServiceTags: c.value.ServiceTags ?? [] })),
      remoteServiceExists: async (node, id) => (await this.catalog.nodeServices(node)).some((s) => s.value.ID === id),
    };
  }

  private applyDefinitions(defs: AgentDefinitions): void {
    for (const d of defs.services) {
      try {
        this.addService(d, { source: 'local', replaceExistingChecks: false, persist: false });
      } catch (err) {
        this.log.error('Failed to register service', { service: d.service.Service, error: err instanceof Error ? err.message : String(err) });
      }
    }
    for (const d of defs.checks) {
      try {
        this.addCheck(d, 'local', false);
      } catch (err) {
        this.log.error('Failed to register check', { check: d.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private restorePersisted(): void {
    if (!this.persistence) return;
    for (const p of this.persistence.loadServices()) {
      // A service in the config file wins over a persisted copy (Consul loads config first).
      if (this.state.services.has(p.Service.ID)) continue;
      this.state.addService(p.Service, 'remote', p.Token);
    }
    for (const p of this.persistence.loadChecks()) {
      const check: HealthCheckRecord = { ...p.Check, Node: this.identity.nodeName };
      if (this.state.checks.has(check.CheckID)) continue;
      if (check.ServiceID && !this.state.services.has(check.ServiceID)) {
        this.persistence.removeCheck(check.CheckID); // orphan: its service is gone
        continue;
      }
      if (!p.ChkType) {
        // Maintenance: nothing runs it.
        this.state.addCheck(check, undefined, 'remote', p.Token);
        continue;
      }
      const svc = check.ServiceID ? this.state.services.get(check.ServiceID)?.service : undefined;
      // Active checks start over from their initial status, as after a Consul restart.
      check.Status = p.ChkType.status || 'critical';
      check.Output = '';
      if (svc) {
        check.ServiceName = svc.Service;
        check.ServiceTags = [...svc.Tags];
      }
      try {
        this.installCheck(check, p.ChkType, 'remote', p.Token, false);
      } catch (err) {
        this.log.error('failed restoring persisted check', { check: check.CheckID, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /**
   * The start's node registration is retried until it is written: an agent started while its
   * cluster has no leader (servers restarted in any order, a client before its servers) registers
   * itself as soon as there is one, instead of never (Consul's agent keeps syncing the same way).
   */
  private async registerNodeUntilDone(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.registerNode();
        if (attempt > 0) this.log.info('registered this node after waiting for the servers', { attempts: attempt + 1 });
        return;
      } catch (err) {
        if (!this.started) throw err;
        if (attempt === 0) this.log.warn('failed to register this node, retrying until the servers answer', { error: err instanceof Error ? err.message : String(err) });
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 2000)).unref());
        if (!this.started) throw err;
      }
    }
  }

  /** The catalog entry of this node, with the servers' own serfHealth check (and the `consul` service of a server). */
  private async registerNode(): Promise<void> {
    const me = this.nodeIdentity();
    const serverPort = this.identity.ports.server > 0 ? this.identity.ports.server : 8300;
    await this.catalog.register({
      ID: me.id,
      Node: me.node,
      Address: me.address,
      Datacenter: me.datacenter,
      TaggedAddresses: me.taggedAddresses,
      NodeMeta: me.meta,
      Service: this.identity.server
        ? {
            Kind: '',
            ID: CONSUL_SERVICE_ID,
            Service: 'consul',
            Tags: [],
            Address: '',
            TaggedAddresses: null,
            Meta: {
              non_voter: 'false',
              raft_version: '3',
              read_replica: 'false',
              serf_protocol_current: '2',
              serf_protocol_max: '5',
              serf_protocol_min: '1',
              version: this.identity.consulVersion,
            },
            Port: serverPort,
            SocketPath: '',
            Weights: { Passing: 1, Warning: 1 },
            EnableTagOverride: false,
            Proxy: null,
            Connect: null,
            Locality: null,
          }
        : null,
      Checks: [
        {
          Node: me.node,
          CheckID: SERF_CHECK_ID,
          Name: SERF_CHECK_NAME,
          Status: 'passing',
          Notes: '',
          Output: SERF_CHECK_ALIVE_OUTPUT,
          ServiceID: '',
          Type: '',
          Interval: '',
          Timeout: '',
          ExposedPort: 0,
          Definition: {},
        },
      ],
      SkipNodeUpdate: false,
    });
  }

  /** Resolves when every catalog deregistration seen so far has been applied to the local state (tests). */
  async deregistrationsSettled(): Promise<void> {
    await this.deregistrations.settled();
  }

  /**
   * A service of this agent was deregistered through the catalog: it leaves the local state and
   * the data dir. A config file's service is back at the next reload or restart, as its file says.
   */
  private dropDeregisteredService(id: string): void {
    const entry = this.state.services.get(id);
    if (!entry) return;
    this.removeService(id, entry.source !== 'local');
    if (entry.source === 'local') this.log.warn('Service deregistered through the catalog is defined in a configuration file: it returns at the next reload or restart', { service: id });
  }

  private dropDeletedWhileAway(services: string[], checks: string[]): void {
    for (const id of services) {
      const local = [...this.state.services.keys()].find((k) => k.toLowerCase() === id);
      if (local === undefined || local === CONSUL_SERVICE_ID) continue;
      this.log.info('Service deregistered through the catalog while the agent was stopped: dropped from the local state so anti-entropy does not restore it', { service: local });
      this.dropDeregisteredService(local);
    }
    for (const id of checks) {
      const local = [...this.state.checks.values()].find((c) => c.check.CheckID.toLowerCase() === id);
      if (!local || local.check.CheckID === SERF_CHECK_ID) continue;
      this.log.info('Check deregistered through the catalog while the agent was stopped: dropped from the local state so anti-entropy does not restore it', { check: local.check.CheckID });
      this.dropDeregisteredCheck(local.check.CheckID);
    }
  }

  private dropDeregisteredCheck(id: string): void {
    const entry = this.state.checks.get(id);
    if (!entry) return;
    this.removeCheck(id, entry.source !== 'local');
    if (entry.source === 'local') this.log.warn('Check deregistered through the catalog is defined in a configuration file: it returns at the next reload or restart', { check: id });
  }

  /** deregister_critical_service_after: a service whose check stayed critical that long is removed. */
  private reapServices(): void {
    const minMs = this.options.checkDeregisterIntervalMinMs ?? DEFAULT_DEREGISTER_MIN_MS;
    const now = Date.now();
    for (const c of [...this.state.checks.values()]) {
      const after = c.checkType?.deregisterCriticalServiceAfterNs ?? 0;
      if (after <= 0 || c.criticalSince === undefined || !c.check.ServiceID) continue;
      const limitMs = Math.max(after / 1e6, minMs);
      if (now - c.criticalSince < limitMs) continue;
      if (!this.state.services.has(c.check.ServiceID)) continue;
      this.log.info('Check for service has been critical for too long; deregistered service', { service: c.check.ServiceID, check: c.check.CheckID });
      try {
        this.removeService(c.check.ServiceID);
      } catch {
        // already gone
      }
    }
  }
}

function catalogOfCore(core: ConsulCore): AgentCatalog {
  return core.catalog;
}
