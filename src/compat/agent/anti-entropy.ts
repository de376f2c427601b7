// Anti-entropy (Consul's agent/ae + local state sync): the agent owns every service and check
// registered on its node. Changes are pushed to the catalog as they happen, and a periodic full
// sync compares the catalog's view of the node with the agent's state: what is missing or
// different is written again, what the agent does not know is removed. So a catalog registration
// on the agent's node disappears, as in Consul. A catalog-side deregistration of an agent-owned
// service is NOT undone here, unlike Consul: the agent learns of it first and drops the entry
// (catalog-deregistration-watch.ts). The serfHealth check and the server's `consul` service are
// owned by the servers and left alone.
import type { CheckInput, ServiceInput } from '../catalog-decode.js';
import type { AgentCatalog, CatalogServiceRecord, CheckRecord } from './agent-catalog.js';
import type { AgentLog } from './agent-log.js';
import type { ServiceRecord } from './definitions.js';
import { CONSUL_SERVICE_ID, SERF_CHECK_ID, type HealthCheckRecord } from './health-check.js';
import type { LocalState } from './local-state.js';

export interface NodeIdentity {
  id: string;
  node: string;
  address: string;
  datacenter: string;
  taggedAddresses: Record<string, string>;
  meta: Record<string, string>;
}

export function serviceInput(s: ServiceRecord): ServiceInput {
  return {
    Kind: s.Kind ?? '',
    ID: s.ID,
    Service: s.Service,
    Tags: [...s.Tags],
    Address: s.Address,
    TaggedAddresses: s.TaggedAddresses ?? null,
    Meta: { ...s.Meta },
    Port: s.Port,
    SocketPath: s.SocketPath ?? '',
    Weights: { ...s.Weights },
    EnableTagOverride: s.EnableTagOverride,
    Proxy: null,
    Connect: s.Connect ? { Native: s.Connect.Native } : null,
    Locality: s.Locality ?? null,
  };
}

export function checkInput(c: HealthCheckRecord): CheckInput {
  return {
    Node: c.Node,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status as CheckInput['Status'],
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    Type: c.Type,
    Interval: c.Interval ?? '',
    Timeout: c.Timeout ?? '',
    ExposedPort: c.ExposedPort,
    Definition: c.Definition,
  };
}

function sameService(local: ServiceRecord, remote: CatalogServiceRecord): boolean {
  const a = serviceInput(local);
  const b = {
    Kind: remote.Kind ?? '',
    ID: remote.ID,
    Service: remote.Service,
    Tags: remote.Tags ?? [],
    Address: remote.Address,
    TaggedAddresses: remote.TaggedAddresses && Object.keys(remote.TaggedAddresses).length > 0 ? remote.TaggedAddresses : null,
    Meta: remote.Meta ?? {},
    Port: remote.Port,
    SocketPath: remote.SocketPath ?? '',
    Weights: remote.Weights,
    EnableTagOverride: remote.EnableTagOverride,
  };
  const { Proxy: _p, Connect: _c, Locality: _l, ...aCore } = a;
  return JSON.stringify(aCore) === JSON.stringify(b);
}

function sameCheck(local: HealthCheckRecord, remote: CheckRecord): boolean {
  return (
    local.Name === remote.Name &&
    local.Status === remote.Status &&
    local.Notes === remote.Notes &&
    local.Output === remote.Output &&
    local.ServiceID === remote.ServiceID &&
    local.Type === remote.Type &&
    JSON.stringify(local.Definition) === JSON.stringify(remote.Definition ?? {})
  );
}

/** Records that the catalog holds this registration as of `revision` (the store revision of a write). */
function seenInCatalog(entry: { catalogRevision?: number }, revision: unknown): void {
  if (typeof revision === 'number' && revision > (entry.catalogRevision ?? 0)) entry.catalogRevision = revision;
}

/**
 * The record read from the catalog says when it was last written: that is the registration the
 * catalog holds, whatever was remembered before (a write's answered revision can be a store's
 * stale header after the store was replaced, and would hide every later deletion).
 */
function readInCatalog(entry: { catalogRevision?: number }, modifyIndex: number | undefined): void {
  if (typeof modifyIndex === 'number' && modifyIndex > 0) entry.catalogRevision = modifyIndex;
}

export class AntiEntropy {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly state: LocalState,
    private readonly catalog: AgentCatalog,
    private readonly identity: () => NodeIdentity,
    private readonly log: AgentLog,
    private readonly fullSyncIntervalMs: number,
    /** Registers the node itself (with its serfHealth check); idempotent. */
    private readonly ensureNode: () => Promise<void>,
  ) {
    this.unsubscribe = state.onSyncNeeded(() => this.trigger());
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
  }

  /** Requests a sync soon (coalesced with any already pending). */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.loop(false));
  }

  /** Pushes the agent's pending changes now (Consul's SyncChanges) and resolves when they are written. */
  async syncChanges(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.loop(false);
    await this.running;
  }

  /** Runs a full sync now and resolves when it (and anything queued behind it) is done. */
  async syncFull(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.loop(true);
    await this.running;
  }

  /** Resolves when no sync is running or queued. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // Consul staggers its full syncs so agents do not sync together.
    const delay = this.fullSyncIntervalMs / 2 + Math.random() * (this.fullSyncIntervalMs / 2);
    this.timer = setTimeout(() => {
      void this.syncFull().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private async loop(full: boolean): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.syncOnce(full);
        } catch (err) {
          // The write is kept locally; the next sync tries again (Consul logs and retries the same way).
          this.log.error('failed to sync changes', { error: err instanceof Error ? err.message : String(err) });
        }
        full = false;
      } while (this.again && !this.stopped);
    } finally {
      this.running = undefined;
    }
  }

  private async syncOnce(full: boolean): Promise<void> {
    if (this.stopped) return;
    const me = this.identity();
    // A node deregistered through the catalog comes back, as Consul's syncNodeInfo restores it.
    if (full || !(await this.catalog.getNode(me.node))) await this.ensureNode();
    if (full) await this.compareWithCatalog(me);
    await this.pushDeletions(me);
    await this.pushChanges(me);
  }

  /**
   * The full sync's comparison (Consul's updateSyncState): entries of this node the agent does not
   * own are removed, and a local entry the catalog lacks or shows differently is marked out of sync.
   */
  private async compareWithCatalog(me: NodeIdentity): Promise<void> {
    const [remoteServices, remoteChecks] = await Promise.all([this.catalog.nodeServices(me.node), this.catalog.nodeChecks(me.node)]);
    const servicesById = new Map(remoteServices.map((s) => [s.value.ID, s.value]));
    const checksById = new Map(remoteChecks.map((c) => [c.value.CheckID, c.value]));
    const serviceRevision = new Map(remoteServices.map((s) => [s.value.ID, s.modifyIndex]));
    const checkRevision = new Map(remoteChecks.map((c) => [c.value.CheckID, c.modifyIndex]));

    for (const local of this.state.services.values()) {
      const remote = servicesById.get(local.service.ID);
      // Tags edited in the catalog survive on a service that allows it (EnableTagOverride).
      if (local.service.EnableTagOverride && remote && JSON.stringify(remote.Tags ?? []) !== JSON.stringify(local.service.Tags)) {
        local.service = { ...local.service, Tags: [...(remote.Tags ?? [])] };
      }
      if (!remote || !sameService(local.service, remote)) local.inSync = false;
      else readInCatalog(local, serviceRevision.get(local.service.ID));
    }
    for (const c of this.state.checks.values()) {
      const remote = checksById.get(c.check.CheckID);
      if (!remote) c.inSync = false;
      else readInCatalog(c, checkRevision.get(c.check.CheckID));
      if (remote && !sameCheck(c.check, remote)) {
        // An output-only change waiting for check_update_interval stays unwritten until then.
        if (!(c.deferredSync && sameCheck({ ...c.check, Output: remote.Output }, remote))) c.inSync = false;
      }
    }

    for (const id of servicesById.keys()) {
      if (id === CONSUL_SERVICE_ID || this.state.services.has(id)) continue;
      await this.catalog.deregister({ Node: me.node, ServiceID: id, CheckID: '', Datacenter: me.datacenter });
      this.state.deletedServices.delete(id);
      this.log.info('Deregistered service', { service: id });
    }
    for (const [id, remote] of checksById) {
      if (id === SERF_CHECK_ID || this.state.checks.has(id)) continue;
      // A check of a service removed just above went with it.
      if (remote.ServiceID && !this.state.services.has(remote.ServiceID) && servicesById.has(remote.ServiceID)) continue;
      await this.catalog.deregister({ Node: me.node, ServiceID: '', CheckID: id, Datacenter: me.datacenter });
      this.state.deletedChecks.delete(id);
      this.log.info('Deregistered check', { check: id });
    }
  }

  /** Services and checks removed locally since the last sync (Consul's Deleted entries). */
  private async pushDeletions(me: NodeIdentity): Promise<void> {
    for (const id of [...this.state.deletedServices]) {
      if (this.state.services.has(id)) {
        this.state.deletedServices.delete(id);
        continue;
      }
      await this.catalog.deregister({ Node: me.node, ServiceID: id, CheckID: '', Datacenter: me.datacenter });
      this.state.deletedServices.delete(id);
      this.log.info('Deregistered service', { service: id });
    }
    for (const id of [...this.state.deletedChecks]) {
      if (this.state.checks.has(id)) {
        this.state.deletedChecks.delete(id);
        continue;
      }
      await this.catalog.deregister({ Node: me.node, ServiceID: '', CheckID: id, Datacenter: me.datacenter });
      this.state.deletedChecks.delete(id);
      this.log.info('Deregistered check', { check: id });
    }
  }

  /** Every local entry out of sync is written (a service together with its checks, as Consul's syncService). */
  private async pushChanges(me: NodeIdentity): Promise<void> {
    const node = { ID: me.id, Node: me.node, Address: me.address, Datacenter: me.datacenter, TaggedAddresses: me.taggedAddresses, NodeMeta: me.meta, SkipNodeUpdate: true };
    const written = new Set<string>();
    for (const local of [...this.state.services.values()]) {
      const checks = this.state.checksOfService(local.service.ID);
      if (local.inSync && checks.every((c) => c.inSync)) continue;
      const serviceVersion = local.service;
      const checkVersions = checks.map((c) => ({ entry: c, status: c.check.Status, output: c.check.Output }));
      const revision = await this.catalog.register({ ...node, Service: serviceInput(local.service), Checks: checks.map((c) => checkInput(c.check)) });
      this.log.info('Synced service', { service: serviceVersion.ID });
      seenInCatalog(local, revision);
      for (const c of checks) seenInCatalog(c, revision);
      // Only what was written is in sync: a change that raced the write stays pending.
      if (this.state.services.get(serviceVersion.ID)?.service === serviceVersion) local.inSync = true;
      for (const v of checkVersions) {
        written.add(v.entry.check.CheckID);
        if (v.entry.check.Status === v.status && v.entry.check.Output === v.output) v.entry.inSync = true;
      }
    }
    for (const c of [...this.state.checks.values()]) {
      if (c.inSync || written.has(c.check.CheckID)) continue;
      if (c.check.ServiceID && !this.state.services.has(c.check.ServiceID)) continue;
      const status = c.check.Status;
      const output = c.check.Output;
      const revision = await this.catalog.register({ ...node, Service: null, Checks: [checkInput(c.check)] });
      this.log.info('Synced check', { check: c.check.CheckID });
      seenInCatalog(c, revision);
      if (c.check.Status === status && c.check.Output === output) c.inSync = true;
    }
  }
}
