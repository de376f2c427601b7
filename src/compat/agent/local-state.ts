// The agent's own services and checks (Consul's agent/local State): what this agent registered,
// the live status of each check, and which entries the catalog has not seen yet. Anti-entropy
// (anti-entropy.ts) reads it to push changes; hash-based blocking queries wait on its changes.
import type { CheckType, ServiceRecord } from './definitions.js';
import type { HealthCheckRecord } from './health-check.js';

/** Where an entry came from: a config file (not persisted; reloaded) or the HTTP API (persisted). */
export type ConfigSource = 'local' | 'remote';

export interface LocalService {
  service: ServiceRecord;
  source: ConfigSource;
  token: string;
  inSync: boolean;
  /**
   * The store revision at which the catalog last received (or was seen to hold) this registration;
   * absent while it has never reached the catalog. A catalog deletion older than it concerns an
   * earlier registration (catalog-deregistration-watch.ts).
   */
  catalogRevision?: number;
}

export interface LocalCheck {
  check: HealthCheckRecord;
  /** How it runs; absent for checks nothing runs (maintenance). */
  checkType?: CheckType;
  source: ConfigSource;
  token: string;
  inSync: boolean;
  /** When the check last turned critical (ms since epoch), for deregister_critical_service_after. */
  criticalSince?: number;
  /** An output-only change waiting for check_update_interval before it is synced. */
  deferredSync?: NodeJS.Timeout;
  /** As LocalService.catalogRevision. */
  catalogRevision?: number;
}

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class LocalState {
  readonly services = new Map<string, LocalService>();
  readonly checks = new Map<string, LocalCheck>();
  /** Removed locally, not yet removed from the catalog (Consul's Deleted flag). */
  readonly deletedServices = new Set<string>();
  readonly deletedChecks = new Set<string>();
  /** Bumped on every change; hash blocking and tests wait on it. */
  private version = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<() => void>();

  constructor(
    /** Output-only changes are synced at most this often (Consul's check_update_interval; 0 = immediately). */
    private readonly checkUpdateIntervalMs: number,
  ) {}

  /** Called after every change that the catalog should see (anti-entropy triggers a sync). */
  onSyncNeeded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  currentVersion(): number {
    return this.version;
  }

  addService(service: ServiceRecord, source: ConfigSource, token: string): void {
    this.services.set(service.ID, { service, source, token, inSync: false });
    this.deletedServices.delete(service.ID);
    // A service's checks carry its name and tags: refresh them.
    for (const c of this.checks.values()) {
      if (c.check.ServiceID === service.ID) {
        c.check.ServiceName = service.Service;
        c.check.ServiceTags = [...service.Tags];
        c.inSync = false;
      }
    }
    this.changed();
  }

  removeService(id: string): boolean {
    if (!this.services.delete(id)) return false;
    this.deletedServices.add(id);
    this.changed();
    return true;
  }

  addCheck(check: HealthCheckRecord, checkType: CheckType | undefined, source: ConfigSource, token: string): void {
    const previous = this.checks.get(check.CheckID);
    if (previous?.deferredSync) clearTimeout(previous.deferredSync);
    const entry: LocalCheck = { check, source, token, inSync: false };
    if (checkType) entry.checkType = checkType;
    if (check.Status === 'critical') entry.criticalSince = previous?.criticalSince ?? Date.now();
    this.checks.set(check.CheckID, entry);
    this.deletedChecks.delete(check.CheckID);
    this.changed();
  }

  removeCheck(id: string): boolean {
    const c = this.checks.get(id);
    if (!c) return false;
    if (c.deferredSync) clearTimeout(c.deferredSync);
    this.checks.delete(id);
    this.deletedChecks.add(id);
    this.changed();
    return true;
  }

  /** A check runner's (or TTL update's) new status and output; idempotent. */
  updateCheck(id: string, status: string, output: string): void {
    const c = this.checks.get(id);
    if (!c) return;
    if (status === 'critical') c.criticalSince ??= Date.now();
    else delete c.criticalSince;
    if (c.check.Status === status && c.check.Output === output) return;
    if (this.checkUpdateIntervalMs > 0 && c.check.Status === status) {
      // Output-only change: visible locally at once, written to the catalog later (Consul's
      // check_update_interval, half the interval plus a random stagger up to the interval).
      c.check.Output = output;
      if (!c.deferredSync) {
        const delay = Math.min(this.checkUpdateIntervalMs / 2 + Math.random() * this.checkUpdateIntervalMs, 2 ** 31 - 1);
        c.deferredSync = setTimeout(() => {
          delete c.deferredSync;
          c.inSync = false;
          this.changed();
        }, delay);
        c.deferredSync.unref();
      }
      this.bump();
      return;
    }
    c.check.Status = status;
    c.check.Output = output;
    c.inSync = false;
    this.changed();
  }

  /** The checks of a service (node checks excluded). */
  checksOfService(serviceId: string): LocalCheck[] {
    return [...this.checks.values()].filter((c) => c.check.ServiceID === serviceId);
  }

  /** Resolves at the next change after `version`, or after timeoutMs. */
  waitForChange(version: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.version !== version || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const w: Waiter = {
        resolve: () => {
          clearTimeout(w.timer);
          this.waiters.delete(w);
          signal?.removeEventListener('abort', w.resolve);
          resolve();
        },
        timer: setTimeout(() => w.resolve(), timeoutMs),
      };
      signal?.addEventListener('abort', w.resolve, { once: true });
      this.waiters.add(w);
    });
  }

  close(): void {
    for (const c of this.checks.values()) if (c.deferredSync) clearTimeout(c.deferredSync);
    for (const w of [...this.waiters]) w.resolve();
  }

  private bump(): void {
    this.version++;
    for (const w of [...this.waiters]) w.resolve();
  }

  private changed(): void {
    this.bump();
    for (const l of this.listeners) l();
  }
}
