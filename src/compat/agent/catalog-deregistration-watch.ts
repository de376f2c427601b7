// The owner learns of a catalog deregistration (DESIGN.md, "Agents": the catalog entry of a
// service belongs to the agent that registered it; a deregistration anywhere reaches the owner,
// so it sticks). Genuine Consul's anti-entropy re-registers such a service at the next full sync,
// which users experience as "some services must be deregistered three times, some never". Here
// the agent watches the catalog records of its own node: when one of its services or checks is
// deleted by anyone else (PUT /v1/catalog/deregister, a txn), it drops the entry from its local
// state and its data dir, so no later sync or restart brings it back.
//
// Deletions that are not a deregistration of the entry are told apart:
// - the agent's own deregistrations (anti-entropy pushing a local removal) are recorded with the
//   revision they were written at, before the store can report them;
// - a deregistration of the whole node deletes the node record in the same transaction: the
//   agent restores its node with everything on it, as Consul does (the node record, recreated
//   at or after the deletion's revision, shows it).
//
// A deregistration the agent did not see because it was not running (or died before handling
// it) is found at its next start: the watch's progress (the store revision up to which every
// deletion of its node's records was handled) is kept in the data dir, and at start the records
// of its node at that revision are compared with today's. What was there and is gone, while the
// node record itself was not deleted in between, was deregistered through the catalog meanwhile:
// the agent drops it before its first sync instead of registering it again.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventType, type Backend, type Event, type WatchHandle } from '../../adapters/backend.js';
import { rangeRequest } from '../../adapters/requests.js';
import { nodeChecksPrefix, nodeKey, nodeServicesPrefix } from '../catalog-records.js';
import { prefixEnd, SYSTEM, SystemPrefix } from '../system-keys.js';
import type { AgentCatalog, DeregisterRequest } from './agent-catalog.js';
import type { AgentLog } from './agent-log.js';
import { CONSUL_SERVICE_ID, SERF_CHECK_ID } from './health-check.js';
import type { LocalState } from './local-state.js';

export interface DeregistrationOwner {
  state: LocalState;
  log: AgentLog;
  /** Drops a service (and its checks) from the local state and, unless it comes from a config file, the data dir. */
  dropService(id: string): void;
  dropCheck(id: string): void;
}

/** While a deregistration of ours is in flight its revision is not known yet: any deletion of that key counts as ours. */
const PENDING = Number.POSITIVE_INFINITY;
const RESTART_DELAY_MS = 1000;

/** What the data dir keeps of the watch: the store it watched and the revision handled up to. */
interface WatchProgress {
  store: string;
  revision: number;
}

/** Service and check IDs (lower-cased, as the catalog keys them) deregistered while the agent was away. */
export interface DeletedWhileAway {
  services: string[];
  checks: string[];
  /** The revision the comparison was made at: the live watch starts right after it. */
  revision: number;
}

export class CatalogDeregistrationWatch {
  /** Key (as the store names it) -> the revision of the agent's own latest deletion of it. */
  private readonly ownDeletions = new Map<string, number>();
  private handles: WatchHandle[] = [];
  /** The revision the services' and the checks' watch have reported up to: an own deletion at or below its watch's has been seen and is forgotten. */
  private watchedUpTo: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private savedRevision = 0;
  /** The store the progress belongs to (its cluster ID). */
  private storeId = '';

  constructor(
    private readonly backend: Backend,
    private readonly catalog: AgentCatalog,
    private readonly nodeName: () => string,
    private readonly owner: DeregistrationOwner,
    /** Where the watch's progress is kept between runs (absent: nothing is kept, as in -dev). */
    private readonly progressFile?: string,
  ) {}

  /** The catalog the agent writes through: its own deregistrations are recorded so they are not mistaken for someone else's. */
  ownCatalog(): AgentCatalog {
    return {
      register: (req) => this.catalog.register(req),
      getNode: (node) => this.catalog.getNode(node),
      nodeServices: (node) => this.catalog.nodeServices(node),
      nodeChecks: (node) => this.catalog.nodeChecks(node),
      deregister: (req) => this.deregisterAsOwner(req),
    };
  }

  /** Starts watching (from just after `fromRevision` when given, else from now). */
  start(fromRevision = 0): void {
    this.stopped = false;
    this.watch(fromRevision > 0 ? fromRevision + 1 : 0);
  }

  /**
   * The node's services and checks deleted from the catalog since the revision the last run had
   * handled (see the header). Nothing when there is no saved progress, when the store is another
   * one, when the node record was deleted or made again since (a whole-node deregistration: the
   * agent restores its node as Consul does), or when that revision is compacted away (logged).
   */
  async deletedWhileAway(): Promise<DeletedWhileAway> {
    const node = this.nodeName();
    const now = await this.backend.range({ ...rangeRequest(nodeKey(node)), keyspace: SYSTEM });
    const revision = now.header.revision;
    this.storeId = now.header.clusterId.toString(16);
    const none = { services: [], checks: [], revision };
    const saved = this.loadProgress();
    if (!saved || saved.store !== this.storeId || saved.revision <= 0 || saved.revision > revision) return none;
    this.savedRevision = saved.revision;
    const record = now.kvs[0];
    if (!record || record.createRevision > saved.revision) return none;
    const keysAt = async (prefix: Buffer, at: number): Promise<Set<string>> => {
      const res = await this.backend.range({ ...rangeRequest(prefix, { rangeEnd: prefixEnd(prefix), keysOnly: true, revision: at, serializable: at > 0 }), keyspace: SYSTEM });
      return new Set(res.kvs.map((kv) => kv.key.subarray(prefix.length).toString('utf8')));
    };
    try {
      const servicePrefix = nodeServicesPrefix(node);
      const checkPrefix = nodeChecksPrefix(node);
      const [servicesThen, checksThen, servicesNow, checksNow] = await Promise.all([
        keysAt(servicePrefix, saved.revision),
        keysAt(checkPrefix, saved.revision),
        keysAt(servicePrefix, revision),
        keysAt(checkPrefix, revision),
      ]);
      return {
        services: [...servicesThen].filter((id) => !servicesNow.has(id)),
        checks: [...checksThen].filter((id) => !checksNow.has(id)),
        revision,
      };
    } catch (err) {
      this.owner.log.warn('cannot tell which catalog deregistrations happened while the agent was stopped; its services are registered again', { error: err instanceof Error ? err.message : String(err), since: saved.revision });
      return none;
    }
  }

  private loadProgress(): WatchProgress | undefined {
    if (!this.progressFile) return undefined;
    try {
      const p = JSON.parse(readFileSync(this.progressFile, 'utf8')) as WatchProgress;
      return typeof p.revision === 'number' && typeof p.store === 'string' ? p : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records that every deletion up to `revision` has been handled (after handle() ran for them). */
  private saveProgress(revision: number): void {
    if (!this.progressFile || revision <= this.savedRevision) return;
    this.savedRevision = revision;
    this.storeId = this.backend.header().clusterId.toString(16);
    try {
      mkdirSync(dirname(this.progressFile), { recursive: true, mode: 0o700 });
      writeFileSync(`${this.progressFile}.tmp`, JSON.stringify({ store: this.storeId, revision } satisfies WatchProgress), { mode: 0o600 });
      renameSync(`${this.progressFile}.tmp`, this.progressFile);
    } catch (err) {
      this.owner.log.warn('cannot save the catalog watch progress', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  stop(): void {
    this.stopped = true;
    // a store that started over saves its own (lower) revisions from the next start on, and the
    // revisions of the agent's own deletions there say nothing about the next store's
    this.savedRevision = 0;
    this.ownDeletions.clear();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const h of this.handles) h.cancel();
    this.handles = [];
  }

  /** Resolves when every deletion reported so far has been handled (tests). */
  async settled(): Promise<void> {
    await this.queue;
  }

  private async deregisterAsOwner(req: DeregisterRequest): Promise<unknown> {
    const keys = this.keysOf(req);
    for (const k of keys) this.ownDeletions.set(k, PENDING);
    try {
      const revision = await this.catalog.deregister(req);
      for (const k of keys) this.ownDeletions.set(k, typeof revision === 'number' ? revision : this.backend.header().revision);
      return revision;
    } catch (err) {
      for (const k of keys) this.ownDeletions.set(k, this.backend.header().revision);
      throw err;
    }
  }

  /** The keys a deregistration of ours deletes (a service's checks go with it). */
  private keysOf(req: DeregisterRequest): string[] {
    const keys: string[] = [];
    if (req.ServiceID !== '') {
      keys.push(nodeServicesPrefix(req.Node).toString('utf8') + req.ServiceID.toLowerCase());
      for (const c of this.owner.state.checks.values()) {
        if (c.check.ServiceID === req.ServiceID) keys.push(nodeChecksPrefix(req.Node).toString('utf8') + c.check.CheckID.toLowerCase());
      }
    } else if (req.CheckID !== '') {
      keys.push(nodeChecksPrefix(req.Node).toString('utf8') + req.CheckID.toLowerCase());
    }
    return keys;
  }

  private watch(startRevision = 0): void {
    const node = this.nodeName();
    this.watchedUpTo = [0, 0];
    for (const [slot, prefix] of [nodeServicesPrefix(node), nodeChecksPrefix(node)].entries()) {
      const handle = this.backend.watch(
        { keyspace: SYSTEM, key: prefix, rangeEnd: prefixEnd(prefix), startRevision, prevKv: false, filters: [] },
        {
          onEvents: (events, revision) => {
            const deletions = events.filter((e) => e.type === EventType.DELETE);
            if (deletions.length > 0) this.queue = this.queue.then(() => this.handle(deletions)).catch((err: unknown) => this.owner.log.error('failed to follow a catalog deregistration', { error: String(err) }));
            this.watchedUpTo[slot] = revision;
            this.queue = this.queue.then(() => {
              this.forgetSeenOwnDeletions();
              // both watches have reported up to here and their deletions are handled
              this.saveProgress(Math.min(...this.watchedUpTo));
            });
          },
          onCompacted: () => this.restart('compacted'),
          onCanceled: (reason) => this.restart(reason),
        },
      );
      this.handles.push(handle);
    }
  }

  /** A watch the store ended is opened again (deletions in between are missed: the next one is seen). */
  private restart(reason: string): void {
    if (this.stopped) return;
    for (const h of this.handles) h.cancel();
    this.handles = [];
    this.owner.log.warn('catalog deregistration watch ended; watching again', { reason });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.stopped && this.handles.length === 0) this.watch();
    }, RESTART_DELAY_MS);
    this.restartTimer.unref();
  }

  /**
   * Only a registration the catalog had before the deletion is dropped: one made again through
   * the agent since (not written yet, or written after it) is the user's newer intent and stays.
   */
  private deletesCurrentRegistration(entry: { catalogRevision?: number }, deletedAt: number): boolean {
    return entry.catalogRevision !== undefined && entry.catalogRevision < deletedAt;
  }

  private forgetSeenOwnDeletions(): void {
    const [services = 0, checks = 0] = this.watchedUpTo;
    for (const [key, revision] of this.ownDeletions) {
      if (revision <= (key.startsWith(SystemPrefix.service) ? services : checks)) this.ownDeletions.delete(key);
    }
  }

  private async handle(deletions: Event[]): Promise<void> {
    if (this.stopped) return;
    const node = this.nodeName();
    const servicePrefix = nodeServicesPrefix(node).toString('utf8');
    const checkPrefix = nodeChecksPrefix(node).toString('utf8');
    const foreign = deletions.filter((e) => {
      const key = e.kv.key.toString('utf8');
      const own = this.ownDeletions.get(key);
      if (own !== undefined && own >= e.kv.modRevision) return false;
      return true;
    });
    if (foreign.length === 0) return;
    // Part of a deregistration of the whole node: the node record is gone or was made again since.
    const record = await this.catalog.getNode(node);
    const services: Array<{ id: string; revision: number }> = [];
    const checks: Array<{ id: string; revision: number }> = [];
    for (const e of foreign) {
      if (!record || record.createIndex >= e.kv.modRevision) continue;
      const key = e.kv.key.toString('utf8');
      if (key.startsWith(servicePrefix)) services.push({ id: key.slice(servicePrefix.length), revision: e.kv.modRevision });
      else if (key.startsWith(checkPrefix)) checks.push({ id: key.slice(checkPrefix.length), revision: e.kv.modRevision });
    }
    for (const { id, revision } of services) {
      const local = [...this.owner.state.services.keys()].find((k) => k.toLowerCase() === id);
      if (local === undefined || local === CONSUL_SERVICE_ID) continue;
      if (!this.deletesCurrentRegistration(this.owner.state.services.get(local)!, revision)) continue;
      this.owner.log.info('Service deregistered through the catalog: dropped from the local state so anti-entropy does not restore it', { service: local, index: revision });
      this.owner.dropService(local);
    }
    for (const { id, revision } of checks) {
      const local = [...this.owner.state.checks.values()].find((c) => c.check.CheckID.toLowerCase() === id);
      if (!local || local.check.CheckID === SERF_CHECK_ID) continue;
      if (!this.deletesCurrentRegistration(local, revision)) continue;
      this.owner.log.info('Check deregistered through the catalog: dropped from the local state so anti-entropy does not restore it', { check: local.check.CheckID, index: revision });
      this.owner.dropCheck(local.check.CheckID);
    }
  }
}
