// Consul's prepared queries over the Backend: definitions stored in the system keyspace at
// query/<uuid> (their CreateIndex / ModifyIndex are the record's create / mod revisions, their table
// 'prepared-queries'), resolved by ID, by name or by the longest template prefix, and executed
// against the catalog with Consul's filters (health, node and service metadata, tags), order
// (shuffle, then the Near node first) and limit. The HTTP route (/v1/query) and the DNS interface
// (<name>.query.consul) both go through this one object.
import { randomUUID } from 'node:crypto';
import type { Backend, KeyValue } from '../adapters/backend.js';
import { CompareResult, CompareTarget } from '../adapters/backend.js';
import { rangeRequest, putRequest } from '../adapters/requests.js';
import type { IndexTracker } from './index-tracker.js';
import {
  aggregatedStatus,
  healthyEntries,
  shuffleInPlace,
  type QueryCatalog,
  type ServiceEntryView,
} from './query-catalog.js';
import {
  decodeDefinition,
  emptyDefinition,
  validateDefinition,
  type PreparedQuery,
  type PreparedQueryDefinition,
  type QueryDNSOptions,
} from './query-definition.js';
import { queryNotFound, queryRejected } from './query-errors.js';
import { isTemplate, renderTemplate, templateProblem } from './query-template.js';
import { prefixEnd, SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

export interface ExecuteOptions {
  /** ?limit: keep at most this many instances (0 = all). */
  limit?: number;
  /** ?near: sort near this node (overrides the query's Near); "_agent" = the agent's node. */
  near?: string;
  /** The agent answering (its node stands for "_agent"). */
  agentNode: string;
  /** The client's address, for Near "_ip" (DNS passes the asking client's IP). */
  sourceIp?: string;
  /** ?connect: only Connect-capable instances. */
  connect?: boolean;
  /** The catalog to read instead of this object's own (DNS reads a stale one, as Consul's DNS does). */
  catalog?: QueryCatalog;
  /** Read the query definitions from this member's own copy (?stale, and DNS with allow_stale). */
  stale?: boolean;
}

export interface ExecuteResult {
  query: PreparedQuery;
  Service: string;
  Nodes: ServiceEntryView[];
  DNS: QueryDNSOptions;
  Datacenter: string;
  PeerName: string;
  Failovers: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** go-memdb's UUID index refuses a lookup key that is not a UUID with one of these texts. */
function uuidIndexProblem(id: string): string | undefined {
  if (id.length !== 36) return 'UUID must be 36 characters';
  const hyphens = id.split('-').length - 1;
  if (hyphens > 4) return `UUID should have maximum of 4 "-"; got ${hyphens}`;
  const hex = id.replaceAll('-', '');
  if (hex.length % 2 !== 0) return 'Input (without hyphens) must be even length';
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad) {
    const cp = bad[0].codePointAt(0)!;
    return `Invalid UUID: encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${bad[0]}'`;
  }
  return undefined;
}

const QUERY_PREFIX = systemKey(SystemPrefix.query);
/** How often a write re-checks after losing a race with another write to the queries. */
const WRITE_ATTEMPTS = 5;

export class PreparedQueries {
  /** The catalog the queries run against (set by ConsulCore once the catalog exists). */
  catalog: QueryCatalog | undefined;
  /** Create / update / delete run one at a time here, so the name-uniqueness check and the write cannot interleave. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly backend: Backend,
    private readonly tracker: IndexTracker,
    private readonly datacenter: string,
  ) {}

  /** The 'prepared-queries' table index (X-Consul-Index of list and get). */
  index(): number {
    return this.tracker.index('prepared-queries');
  }

  // ---- writes ----

  /** POST /v1/query: stores a new query and returns its generated ID. */
  create(body: Buffer | undefined): Promise<string> {
    const def = decodeDefinition(body);
    return this.serialized(async () => {
      if (def.ID !== '') throw queryRejected('ID must be empty when creating a new prepared query');
      def.ID = randomUUID();
      validateDefinition(def);
      await this.writeChecked(def);
      return def.ID;
    });
  }

  /** PUT /v1/query/:id: replaces the definition (the ID comes from the URL; an empty body is an empty definition). */
  update(id: string, body: Buffer | undefined): Promise<void> {
    const def = body && body.length > 0 ? decodeDefinition(body) : emptyDefinition();
    def.ID = id;
    return this.serialized(async () => {
      await this.mustExistForWrite(id);
      validateDefinition(def);
      await this.writeChecked(def, true);
    });
  }

  /** DELETE /v1/query/:id. */
  delete(id: string): Promise<void> {
    return this.serialized(async () => {
      await this.mustExistForWrite(id);
      await this.backend.deleteRange({ keyspace: SYSTEM, key: this.keyOf(id), rangeEnd: Buffer.alloc(0), prevKv: false });
    });
  }

  // ---- reads ----

  /** GET /v1/query: every query, in ID order. `stale` reads this member's own copy (no leader needed). */
  async list(stale = false): Promise<PreparedQuery[]> {
    return (await this.listAt(stale)).queries;
  }

  /** Every query and the store revision they were read at. */
  private async listAt(stale = false): Promise<{ revision: number; queries: PreparedQuery[] }> {
    const res = await this.backend.range(rangeRequest(QUERY_PREFIX, { keyspace: SYSTEM, rangeEnd: prefixEnd(QUERY_PREFIX), serializable: stale }));
    const queries: PreparedQuery[] = [];
    for (const kv of res.kvs) {
      const q = this.decode(kv);
      if (q && (await this.sessionAlive(q, stale))) queries.push(q);
    }
    return { revision: res.header.revision, queries };
  }

  /** GET /v1/query/:id (by ID only, as Consul). */
  async get(id: string, stale = false): Promise<PreparedQuery> {
    const problem = uuidIndexProblem(id);
    if (problem) throw queryRejected(`failed prepared query lookup: ${problem}`);
    const q = await this.read(id, stale);
    if (!q) throw queryNotFound();
    return q;
  }

  /**
   * Consul's PreparedQueryResolve: an ID (a template cannot be reached by ID), else an exact name,
   * else the template with the longest name prefix of `idOrName`, rendered for it. Undefined when
   * nothing matches.
   */
  async resolve(idOrName: string, stale = false): Promise<PreparedQuery | undefined> {
    if (idOrName === '') throw queryRejected('Missing query ID');
    if (UUID_RE.test(idOrName)) {
      const byId = await this.read(idOrName, stale);
      if (byId) {
        if (isTemplate(byId)) throw queryRejected('prepared query templates can only be resolved up by name, not by ID');
        return byId;
      }
    }
    const all = await this.list(stale);
    const lower = idOrName.toLowerCase();
    const exact = all.find((q) => q.Name !== '' && q.Name.toLowerCase() === lower);
    if (exact) return this.prepare(exact, idOrName);
    let best: PreparedQuery | undefined;
    for (const q of all) {
      if (!isTemplate(q) || !lower.startsWith(q.Name.toLowerCase())) continue;
      if (!best || q.Name.length > best.Name.length) best = q;
    }
    return best ? this.prepare(best, idOrName) : undefined;
  }

  /** GET /v1/query/:id/explain: the query a name resolves to, rendered. */
  async explain(idOrName: string, stale = false): Promise<PreparedQuery> {
    const q = await this.resolve(idOrName, stale);
    if (!q) throw queryNotFound();
    return q;
  }

  /** GET /v1/query/:id/execute and <name>.query.consul. */
  async execute(idOrName: string, opts: ExecuteOptions): Promise<ExecuteResult> {
    const query = await this.resolve(idOrName, opts.stale ?? false);
    if (!query) throw queryNotFound();
    const svc = query.Service;
    let nodes: ServiceEntryView[] = [];
    // Consul without service mesh has no Connect-capable instances, and no peers to import from.
    if (!svc.Connect && !opts.connect && svc.Peer === '') {
      const catalog = opts.catalog ?? this.requireCatalog();
      nodes = healthyEntries(await catalog.serviceEntries(svc.Service), svc.OnlyPassing, svc.IgnoreCheckIDs ?? []);
      if (svc.NodeMeta && Object.keys(svc.NodeMeta).length > 0) nodes = nodes.filter((e) => satisfiesMeta(e.Node.Meta, svc.NodeMeta!));
      if (svc.ServiceMeta && Object.keys(svc.ServiceMeta).length > 0) nodes = nodes.filter((e) => satisfiesMeta(e.Service.Meta, svc.ServiceMeta!));
      if (svc.Tags && svc.Tags.length > 0) nodes = nodes.filter((e) => satisfiesTags(e.Service.Tags ?? [], svc.Tags!));
    }
    shuffleInPlace(nodes);
    await this.nearFirst(nodes, opts.near || svc.Near, opts);
    if (opts.limit && opts.limit > 0 && nodes.length > opts.limit) nodes = nodes.slice(0, opts.limit);
    // Failover: this gateway serves one datacenter and no peers, so every datacenter a query names
    // is unknown (skipped without an attempt, as Consul skips unknown ones) and every peer target
    // is an attempt that finds nothing.
    const failovers = nodes.length === 0 ? (svc.Failover.Targets ?? []).filter((t) => t.Peer !== '').length : 0;
    return {
      query,
      Service: svc.Service,
      Nodes: nodes,
      DNS: query.DNS,
      Datacenter: svc.Peer !== '' ? '' : this.datacenter,
      PeerName: svc.Peer,
      Failovers: failovers,
    };
  }

  /** The SRV weight of an instance (Consul's findWeight: the service's Weights by its aggregated status). */
  static weightOf(entry: ServiceEntryView): number {
    const own = entry.Checks.filter((c) => !c.ServiceName || c.ServiceName === entry.Service.Service);
    const status = aggregatedStatus(own);
    const w = entry.Service.Weights ?? { Passing: 1, Warning: 1 };
    if (status === 'warning') return w.Warning;
    if (status === 'passing') return w.Passing;
    return 0;
  }

  // ---- internals ----

  private requireCatalog(): QueryCatalog {
    if (!this.catalog) throw queryRejected('catalog is not available on this agent');
    return this.catalog;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** The record of an ID: UUIDs compare by value, so any spelling of the hex digits finds the same query. */
  private keyOf(id: string): Buffer {
    return systemKey(SystemPrefix.query, id.toLowerCase());
  }

  private encode(def: PreparedQueryDefinition): Buffer {
    return Buffer.from(JSON.stringify(def), 'utf8');
  }

  private decode(kv: KeyValue): PreparedQuery | undefined {
    try {
      const def = JSON.parse(kv.value.toString('utf8')) as PreparedQueryDefinition;
      return { ...def, CreateIndex: kv.createRevision, ModifyIndex: kv.modRevision };
    } catch {
      return undefined; // not a record this code wrote; never fatal to a read
    }
  }

  private async read(id: string, stale = false): Promise<PreparedQuery | undefined> {
    const res = await this.backend.range(rangeRequest(this.keyOf(id), { keyspace: SYSTEM, serializable: stale }));
    const kv = res.kvs[0];
    const q = kv ? this.decode(kv) : undefined;
    return q && (await this.sessionAlive(q, stale)) ? q : undefined;
  }

  /**
   * A query bound to a session goes when the session goes (Consul deletes it with the session).
   * The session's record is checked on read, and a query whose session is gone is deleted then.
   */
  private async sessionAlive(q: PreparedQuery, stale: boolean): Promise<boolean> {
    if (q.Session === '') return true;
    const res = await this.backend.range(
      rangeRequest(systemKey(SystemPrefix.session, q.Session), { keyspace: SYSTEM, countOnly: true, serializable: stale }),
    );
    if (res.count > 0) return true;
    // The clean-up is a write; a stale reader (maybe without a leader) leaves it to the next consistent read.
    if (!stale) await this.backend.deleteRange({ keyspace: SYSTEM, key: this.keyOf(q.ID), rangeEnd: Buffer.alloc(0), prevKv: false });
    return false;
  }

  private async mustExistForWrite(id: string): Promise<PreparedQuery> {
    const problem = uuidIndexProblem(id);
    if (problem) throw queryRejected(`Prepared Query lookup failed: failed prepared query lookup: ${problem}`);
    const existing = await this.read(id);
    if (!existing) throw queryRejected(`Cannot modify non-existent prepared query: '${id}'`);
    return existing;
  }

  /**
   * Stores `def` after Consul's integrity checks, in one txn that also requires no query to have
   * changed since the checks read them: another member's concurrent write (a name taken meanwhile)
   * makes the txn fail, and the checks run again against what is there now.
   */
  private async writeChecked(def: PreparedQueryDefinition, replacing = false): Promise<void> {
    const key = this.keyOf(def.ID);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      // An update whose query was deleted meanwhile fails as an update of a missing query does.
      if (replacing && attempt > 0) await this.mustExistForWrite(def.ID);
      const revision = await this.checkIntegrity(def);
      const exists = replacing
        ? [{ keyspace: SYSTEM, key, rangeEnd: Buffer.alloc(0), target: CompareTarget.VERSION, result: CompareResult.GREATER, version: 0 }]
        : [];
      const res = await this.backend.txn({
        compare: [
          ...exists,
          {
            keyspace: SYSTEM,
            key: QUERY_PREFIX,
            rangeEnd: prefixEnd(QUERY_PREFIX),
            target: CompareTarget.MOD,
            result: CompareResult.LESS,
            modRevision: revision + 1,
          },
        ],
        success: [{ requestPut: putRequest(key, this.encode(def), { keyspace: SYSTEM }) }],
        failure: [],
      });
      if (res.succeeded) return;
    }
    throw queryRejected('raft apply failed: prepared queries changed too often to apply this change, try again');
  }

  /**
   * The checks Consul's state store makes when a query is set (its errors come back wrapped by the
   * Raft apply). Resolves with the revision the queries were read at.
   */
  private async checkIntegrity(def: PreparedQueryDefinition): Promise<number> {
    const { revision, queries: all } = await this.listAt();
    const others = all.filter((q) => q.ID.toLowerCase() !== def.ID.toLowerCase());
    const fail = (msg: string): never => {
      throw queryRejected(`raft apply failed: ${msg}`);
    };
    if (def.Name !== '') {
      if (others.some((q) => q.Name.toLowerCase() === def.Name.toLowerCase())) fail(`name '${def.Name}' aliases an existing query name`);
    } else if (isTemplate(def) && others.some((q) => isTemplate(q) && q.Name === '')) {
      fail('a query template with an empty name already exists');
    }
    if (UUID_RE.test(def.Name) && all.some((q) => q.ID.toLowerCase() === def.Name.toLowerCase())) fail(`name '${def.Name}' aliases an existing query ID`);
    if (def.Session !== '') {
      const problem = uuidIndexProblem(def.Session);
      if (problem) fail(`invalid session: ${problem}`);
      const res = await this.backend.range(rangeRequest(systemKey(SystemPrefix.session, def.Session), { keyspace: SYSTEM, countOnly: true }));
      if (res.count === 0) fail(`invalid session ${JSON.stringify(def.Session)}`);
    }
    const tpl = templateProblem(def);
    if (tpl) fail(`failed compiling template: ${tpl}`);
    return revision;
  }

  private prepare(q: PreparedQuery, name: string): PreparedQuery {
    if (!isTemplate(q)) return q;
    try {
      return renderTemplate(q, name);
    } catch (err) {
      throw queryRejected((err as Error).message);
    }
  }

  /** Consul's Near handling without coordinates: the named node, if among the first ten, moves to the front. */
  private async nearFirst(nodes: ServiceEntryView[], near: string, opts: ExecuteOptions): Promise<void> {
    let target = near;
    if (target === '_agent') target = opts.agentNode;
    else if (target === '_ip') {
      target = '';
      const catalog = opts.catalog ?? this.catalog;
      if (opts.sourceIp && catalog) {
        const hit = (await catalog.nodes()).find((n) => n.Address === opts.sourceIp);
        if (hit) target = hit.Node;
      }
    }
    if (!target) return;
    const want = target.toLowerCase();
    for (let i = 0; i < nodes.length && i < 10; i++) {
      if (nodes[i]!.Node.Node.toLowerCase() === want) {
        [nodes[0], nodes[i]] = [nodes[i]!, nodes[0]!];
        return;
      }
    }
  }
}

/** Consul's SatisfiesMetaFilters: every filter pair must be present with the same value. */
function satisfiesMeta(meta: Record<string, string> | null | undefined, filters: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(filters)) if (!meta || meta[k] !== v) return false;
  return true;
}

/** Consul's tagFilter: every listed tag present and no "!tag" present, case-insensitively. */
function satisfiesTags(tags: readonly string[], filters: readonly string[]): boolean {
  const have = new Set(tags.map((t) => t.toLowerCase()));
  for (const f of filters) {
    const t = f.toLowerCase();
    if (t.startsWith('!')) {
      if (have.has(t.slice(1))) return false;
    } else if (!have.has(t)) return false;
  }
  return true;
}
