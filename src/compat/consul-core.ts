// The Consul semantics over one Backend, built once (DESIGN.md: "Consul semantics live once, in
// src/compat/"): every Consul front end (HTTP, DNS, the agent's check runner) reaches the store
// through this object, so the same semantics work on the native store and on every adapter.
import type { Backend } from '../adapters/backend.js';
import { IndexTracker } from './index-tracker.js';
import { ConsulKv } from './kv.js';
import { SessionReaper } from './session-reaper.js';
import { Sessions } from './sessions.js';
import { Catalog } from './catalog.js';
import { Coordinates } from './coordinates.js';
import { UserEvents } from './events.js';
import { PreparedQueries } from './prepared-queries.js';
import { catalogQuerySource } from './query-catalog-source.js';
import { ConnectCa } from './connect-ca.js';

export interface ConsulCoreOptions {
  /** The datacenter this agent is in (Consul's default: dc1). */
  datacenter: string;
}

export class ConsulCore {
  readonly tracker: IndexTracker;
  readonly kv: ConsulKv;
  /** Nodes, services and health checks (catalog.ts). */
  readonly catalog: Catalog;
  /** Network coordinates (coordinates.ts). */
  readonly coordinates: Coordinates;
  /** User events (events.ts). */
  readonly events: UserEvents;
  /** Prepared queries (/v1/query, <name>.query.consul): prepared-queries.ts. */
  readonly queries: PreparedQueries;
  /** Sessions (sessions.ts) and the leader's reaper that ends them (session-reaper.ts). */
  readonly sessions: Sessions;
  readonly sessionReaper: SessionReaper;
  /** The built-in Connect CA's roots (connect-ca.ts). */
  readonly connectCa: ConnectCa;

  constructor(
    readonly backend: Backend,
    readonly options: ConsulCoreOptions,
  ) {
    this.tracker = new IndexTracker(backend);
    this.kv = new ConsulKv(backend, this.tracker);
    this.catalog = new Catalog(backend, options.datacenter);
    this.coordinates = new Coordinates(backend);
    this.events = new UserEvents(backend);
    this.sessions = new Sessions(backend, this.tracker, this.catalog);
    this.sessionReaper = new SessionReaper(backend, this.sessions, this.catalog, undefined, {
      alsoOnSweep: () => this.kv.collectStaleMetadata(),
    });
    this.queries = new PreparedQueries(backend, this.tracker, options.datacenter);
    this.queries.catalog = catalogQuerySource(this.catalog);
    this.connectCa = new ConnectCa(backend);
  }

  close(): void {
    this.sessionReaper.close();
    this.catalog.close();
    this.tracker.close();
  }
}
