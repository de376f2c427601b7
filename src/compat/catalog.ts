// Consul's catalog (nodes, service instances, health checks) on the Backend interface.
//
// PUBLIC API (other parts of the Consul face build on it; keep it stable):
//   core.catalog.register(req)            /v1/catalog/register semantics: node + service + checks in one txn
//                                         (RegisterRequest from decodeRegisterRequest, catalog-decode.ts)
//   core.catalog.deregister(req)          a node with everything on it, a service with its checks, or one check
//   core.catalog.updateCheck(n, id, s, o) set one check's Status/Output (the agent's check runner, TTL updates)
//   core.catalog.snapshot()               every node, service and check (and coordinate) at one revision
//   core.catalog.getNode(node) / nodeServices(node) / nodeChecks(node) / getCheck(node, id) / checkStatus(node, id)
//   core.catalog.healthyInstances(service, {tag, passingOnly})   for DNS: instances without a critical check
//   instancesOf(snapshot, service) / checksOfInstance / hasTags / matchesNodeMeta   pure queries over a snapshot
//   core.catalog.serviceIndex(name) / waitForServiceChange(...)   Consul's per-service index and blocking
//   SERF_CHECK_ID                         'serfHealth', the node check every agent registers
// and, for /v1/txn's Node/Service/Check verbs, the key and record helpers of catalog-records.ts and
// the plan functions below (planRegister / planDeregister return the compares and ops of one txn so
// a caller can merge them into a bigger one). Names of nodes, service IDs and check IDs match
// case-insensitively, as in Consul's state store.
//
// Semantics follow Consul's catalog endpoint and state store: errors carry Consul's texts (they
// reach the client as HTTP 500 with the text as body, as Consul's RPC errors do); a registration
// that changes nothing writes nothing (so no index moves and no blocking query wakes); a check
// bound to a service takes that service's name and tags; deregistering a node removes its
// services, checks and coordinates, deregistering a service removes its checks.
import type { Backend, Compare, KeyValue, RangeRequest, RangeResponse, RequestOp } from '../adapters/backend.js';
import { CompareResult, CompareTarget } from '../adapters/backend.js';
import { EMPTY_BYTES, rangeRequest } from '../adapters/requests.js';
import type { CheckInput, DeregisterRequest, RegisterRequest, ServiceInput } from './catalog-decode.js';
import {
  type CheckRecord,
  type CheckStatus,
  type NodeRecord,
  type ServiceRecord,
  type Stored,
  checkKey,
  decodeCheck,
  decodeNode,
  decodeService,
  encodeRecord,
  nodeChecksPrefix,
  nodeKey,
  nodeSegment,
  nodeServicesPrefix,
  sameRecord,
  serviceKey,
} from './catalog-records.js';
import { ServiceIndexes } from './catalog-service-index.js';
import { SYSTEM, SystemPrefix, prefixEnd, systemKey } from './system-keys.js';

export type { CheckStatus, NodeRecord, ServiceRecord, CheckRecord, Stored } from './catalog-records.js';
import type { Weights } from './catalog-records.js';
export type { RegisterRequest, DeregisterRequest, ServiceInput, CheckInput } from './catalog-decode.js';

/** A catalog write Consul refuses: `message` is Consul's text; HTTP answers it with `status` (Consul's RPC errors are 500). */
/**
 * The weights a service is stored with: Consul keeps the given ones only when they are valid
 * (Passing >= 1, Warning >= 0, both below 65536) and {Passing: 1, Warning: 1} otherwise — the Go
 * client always sends Weights, as {0, 0} when its user set none (its TestAPI_ClientTxn reads {1, 1}
 * back).
 */
function validWeights(w: Weights | null | undefined): Weights {
  if (w && w.Passing >= 1 && w.Warning >= 0 && w.Passing < 65536 && w.Warning < 65536) return { Passing: w.Passing, Warning: w.Warning };
  return { ...DEFAULT_WEIGHTS };
}

export class CatalogError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

/** Every catalog record at one store revision. Lists are in key order (node name, then service / check ID, case-folded), as Consul's indexes iterate. */
export interface CatalogSnapshot {
  revision: number;
  nodes: Stored<NodeRecord>[];
  services: Stored<ServiceRecord>[];
  checks: Stored<CheckRecord>[];
  /** Raw coordinate records (coordinates.ts decodes them); only when asked for. */
  coordinates: KeyValue[];
}

/** One instance of a service with its node and every check that applies to it (node checks first, then the service's). */
export interface ServiceInstance {
  node: Stored<NodeRecord>;
  service: Stored<ServiceRecord>;
  checks: Stored<CheckRecord>[];
}

/** The compares and ops of one catalog write, to run alone or inside a bigger txn. */
export interface CatalogPlan {
  compare: Compare[];
  ops: RequestOp[];
}

const MAX_ATTEMPTS = 16;
/** The node health check every Consul agent registers for its node. */
export const SERF_CHECK_ID = 'serfHealth';
const DEFAULT_WEIGHTS = { Passing: 1, Warning: 1 } as const;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']);

const putOp = (key: Buffer, value: Buffer): RequestOp => ({
  requestPut: { keyspace: SYSTEM, key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false },
});
const deleteOp = (key: Buffer, rangeEnd: Buffer = EMPTY_BYTES): RequestOp => ({
  requestDeleteRange: { keyspace: SYSTEM, key, rangeEnd, prevKv: false },
});
/** The key's mod revision is still `modRevision` (0 = still absent). */
const unchanged = (key: Buffer, modRevision: number): Compare => ({
  keyspace: SYSTEM,
  result: CompareResult.EQUAL,
  target: CompareTarget.MOD,
  key,
  rangeEnd: EMPTY_BYTES,
  modRevision,
});
/** No key under the prefix was written after `revision` (a key created since would fail it too). */
const rangeUnchangedSince = (prefix: Buffer, revision: number): Compare => ({
  keyspace: SYSTEM,
  result: CompareResult.LESS,
  target: CompareTarget.MOD,
  key: prefix,
  rangeEnd: prefixEnd(prefix),
  modRevision: revision + 1,
});

/** A RangeRequest over every system key under `prefix`. */
const prefixRead = (prefix: Buffer): RangeRequest => rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) });
const keyRead = (key: Buffer): RangeRequest => rangeRequest(key, { keyspace: SYSTEM });

/**
 * Several ranges read at one store revision without a transaction (a read-only txn would be a
 * raft proposal on some backends): the first range fixes the revision (linearizable unless
 * `stale`, Consul's ?stale), the others read that same revision from the local MVCC history.
 */
export async function readAtOneRevision(backend: Backend, reads: RangeRequest[], stale = false): Promise<{ revision: number; results: RangeResponse[] }> {
  for (let attempt = 0; ; attempt++) {
    const first = await backend.range({ ...reads[0]!, serializable: stale });
    const revision = first.header.revision;
    try {
      const rest = await Promise.all(reads.slice(1).map((r) => backend.range({ ...r, serializable: true, revision })));
      return { revision, results: [first, ...rest] };
    } catch (err) {
      // The revision was compacted away between the reads: read again at a newer one.
      if (attempt < 3 && err instanceof Error && /compacted/.test(err.message)) continue;
      throw err;
    }
  }
}

/** Consul's check type name from a check's definition (CheckType.Type()). */
export function checkTypeOf(def: Record<string, unknown>): string {
  const interval = typeof def.Interval === 'string' && def.Interval !== '' && def.Interval !== '0s';
  if (def.GRPC && interval) return 'grpc';
  if (def.HTTP && interval) return 'http';
  if (def.TTL) return 'ttl';
  if (def.TCP && interval) return 'tcp';
  if (def.UDP && interval) return 'udp';
  if (def.AliasNode || def.AliasService) return 'alias';
  if (Array.isArray(def.ScriptArgs) && def.ScriptArgs.length > 0 && def.DockerContainerID && interval) return 'docker';
  if (Array.isArray(def.ScriptArgs) && def.ScriptArgs.length > 0 && interval) return 'script';
  if (def.H2PING && interval) return 'h2ping';
  if (def.OSService && interval) return 'os_service';
  return '';
}

const META_MAX_KEY_PAIRS = 64;
const META_KEY_MAX_LENGTH = 128;
const META_VALUE_MAX_LENGTH = 512;
const META_KEY_FORMAT = /^[a-zA-Z0-9_-]+$/;
const META_RESERVED_PREFIX = 'consul-';

/** Consul's metadata rules (structs.validateMetadata, as a service's Meta is checked on the way in); undefined = valid. */
export function metadataError(meta: Record<string, string> | null): string | undefined {
  if (!meta) return undefined;
  const entries = Object.entries(meta);
  // (Consul's shared validator names node metadata here whatever it checks.)
  if (entries.length > META_MAX_KEY_PAIRS) return `Node metadata cannot contain more than ${META_MAX_KEY_PAIRS} key/value pairs`;
  for (const [key, value] of entries) {
    let why: string | undefined;
    if (key === '') why = 'Key cannot be blank';
    else if (!META_KEY_FORMAT.test(key)) why = 'Key contains invalid characters';
    else if (key.length > META_KEY_MAX_LENGTH) why = `Key is too long (limit: ${META_KEY_MAX_LENGTH} characters)`;
    else if (key.startsWith(META_RESERVED_PREFIX)) why = `Key prefix '${META_RESERVED_PREFIX}' is reserved for internal use`;
    else if (value.length > META_VALUE_MAX_LENGTH) why = `Value is too long (limit: ${META_VALUE_MAX_LENGTH} characters)`;
    if (why) return `Couldn't load metadata pair ('${key}', '${value}'): ${why}`;
  }
  return undefined;
}

/** Consul's Catalog.Register argument checks (texts as Consul's RPC returns them). */
function validateRegister(req: RegisterRequest): void {
  if (req.Node === '') throw new CatalogError('Must provide node');
  if (req.Address === '' && !req.SkipNodeUpdate) throw new CatalogError('Must provide address if SkipNodeUpdate is not set');
  if (req.ID !== '' && !UUID_RE.test(req.ID)) {
    throw new CatalogError(`Bad node ID: ${req.ID.length !== 36 ? `uuid string is wrong length` : 'uuid is improperly formatted'}`);
  }
  const s = req.Service;
  if (s) {
    if (s.ID !== '' && s.Service === '') throw new CatalogError('Must provide service name with ID');
    if (ANY_ADDRESS.has(s.Address)) throw new CatalogError('Invalid service address');
    if (s.Kind === 'connect-proxy' && (s.Proxy === null || !s.Proxy.DestinationServiceName)) {
      throw new CatalogError('Proxy.DestinationServiceName must be non-empty for Connect proxy services');
    }
    if (s.Kind !== '' && s.Kind !== 'typical' && !['connect-proxy', 'mesh-gateway', 'terminating-gateway', 'ingress-gateway', 'api-gateway'].includes(s.Kind)) {
      throw new CatalogError(`Invalid service kind: ${JSON.stringify(s.Kind)}`);
    }
  }
  // A check of another node in the same request: Consul refuses it with this text when it vets a
  // registration (with ACLs on); registering checks across nodes in one request is not built.
  for (const c of req.Checks) {
    const node = c.Node === '' ? req.Node : c.Node;
    if (node.toLowerCase() !== req.Node.toLowerCase()) {
      throw new CatalogError(`Node '${node}' for check '${c.CheckID === '' ? c.Name : c.CheckID}' doesn't match register request node '${req.Node}'`);
    }
  }
}

function serviceRecordOf(node: string, s: ServiceInput): ServiceRecord {
  return {
    Node: node,
    Kind: s.Kind === 'typical' ? '' : s.Kind,
    ID: s.ID === '' ? s.Service : s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Address: s.Address,
    TaggedAddresses: s.TaggedAddresses,
    Meta: s.Meta,
    Port: s.Port,
    SocketPath: s.SocketPath,
    Weights: validWeights(s.Weights),
    EnableTagOverride: s.EnableTagOverride,
    Proxy: s.Proxy,
    Connect: s.Connect,
    Locality: s.Locality,
  };
}

function checkRecordOf(node: string, c: CheckInput, service: ServiceRecord | undefined): CheckRecord {
  return {
    Node: node,
    CheckID: c.CheckID === '' ? c.Name : c.CheckID,
    Name: c.Name,
    Status: c.Status === '' ? 'critical' : c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: service ? service.ID : c.ServiceID,
    ServiceName: service ? service.Service : '',
    ServiceTags: service ? service.Tags : null,
    Type: c.Type !== '' ? c.Type : checkTypeOf(c.Definition),
    Interval: c.Interval,
    Timeout: c.Timeout,
    ExposedPort: c.ExposedPort,
    Definition: c.Definition,
  };
}

export class Catalog {
  constructor(
    private readonly backend: Backend,
    /** This datacenter's name: what a registration without Datacenter is stored under. */
    readonly datacenter: string,
  ) {}

  private serviceIndexes?: ServiceIndexes;
  private closed = false;

  /** Stops the per-service index watches (ConsulCore.close). */
  close(): void {
    this.closed = true;
    this.serviceIndexes?.close();
  }

  /**
   * Consul's per-service index (catalog-service-index.ts): what X-Consul-Index of
   * /v1/catalog/service/:name and /v1/health/service/:name reports. Its watches start on first use.
   */
  serviceIndex(service: string): Promise<number> {
    return this.indexes().index(service);
  }

  /** Resolves once the service's index passes `afterIndex`, after `timeoutMs`, or on abort (blocking queries on one service). */
  waitForServiceChange(service: string, afterIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.indexes().waitForChange(service, afterIndex, timeoutMs, signal);
  }

  private indexes(): ServiceIndexes {
    if (!this.serviceIndexes) {
      this.serviceIndexes = new ServiceIndexes(this.backend);
      if (this.closed) this.serviceIndexes.close();
    }
    return this.serviceIndexes;
  }

  // ---- writes ----

  /** PUT /v1/catalog/register. Resolves with the store revision after the write (the current one when nothing changed). */
  async register(req: RegisterRequest): Promise<number> {
    validateRegister(req);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const plan = await this.planRegister(req, { createsMissingNode: true });
      if (plan.ops.length === 0) return this.backend.header().revision;
      const res = await this.backend.txn({ compare: plan.compare, success: plan.ops, failure: [] });
      if (res.succeeded) return res.header.revision;
    }
    throw new CatalogError('catalog register: too much contention, try again');
  }

  /**
   * The compares and writes of a registration against the current state (validated as
   * register() does). An empty `ops` means the registration changes nothing.
   *
   * `createsMissingNode`: PUT /v1/catalog/register with SkipNodeUpdate still creates a node that
   * does not exist yet (Consul's RegisterRequest.ChangesNode is true for a missing node), so a
   * service can be registered before its node's own registration. A txn's Service/Check "set"
   * writes only the service or check (Consul's ensureServiceTxn) and is refused with "Missing node
   * registration" instead: the default.
   */
  async planRegister(req: RegisterRequest, opts: { createsMissingNode?: boolean } = {}): Promise<CatalogPlan> {
    validateRegister(req);
    const mayCreateNode = req.SkipNodeUpdate && opts.createsMissingNode === true;
    const reads = [keyRead(nodeKey(req.Node)), prefixRead(nodeServicesPrefix(req.Node)), prefixRead(nodeChecksPrefix(req.Node))];
    // A node ID is unique: registering one needs every node (to find the ID's current owner).
    if (req.ID !== '' && (!req.SkipNodeUpdate || mayCreateNode)) reads.push(prefixRead(systemKey(SystemPrefix.node)));
    const { revision, results } = await readAtOneRevision(this.backend, reads);
    const existingNodeKv = results[0]!.kvs[0];
    const existingServices = results[1]!.kvs.map(decodeService);
    const existingChecks = new Map(results[2]!.kvs.map((kv) => [kv.key.toString('latin1'), decodeCheck(kv)]));
    // SkipNodeUpdate leaves an existing node alone; a missing one is written as any registration writes it.
    const writesNode = !req.SkipNodeUpdate || (mayCreateNode && !existingNodeKv);
    const withIds = req.ID !== '' && writesNode;

    const compare: Compare[] = [unchanged(nodeKey(req.Node), existingNodeKv?.modRevision ?? 0)];
    const ops: RequestOp[] = [];
    if (withIds) {
      compare.push(rangeUnchangedSince(systemKey(SystemPrefix.node), revision));
      const allNodes = results[3]!.kvs.map(decodeNode);
      const serf = existingChecks.get(checkKey(req.Node, SERF_CHECK_ID).toString('latin1'));
      ops.push(...this.nodeIdRules(req, existingNodeKv ? decodeNode(existingNodeKv).value : undefined, serf?.value, allNodes));
    }

    // The node.
    let nodeName = req.Node;
    if (writesNode) {
      const node: NodeRecord = {
        ID: req.ID,
        Node: req.Node,
        Address: req.Address,
        Datacenter: req.Datacenter || this.datacenter,
        TaggedAddresses: req.TaggedAddresses,
        Meta: req.NodeMeta,
      };
      if (req.Locality && (req.Locality.Region || req.Locality.Zone)) node.Locality = req.Locality;
      if (!existingNodeKv || !sameRecord(decodeNode(existingNodeKv).value, node)) ops.push(putOp(nodeKey(req.Node), encodeRecord(node)));
    } else if (!existingNodeKv) {
      throw new CatalogError(`failed inserting ${req.Service ? 'service' : 'check'}: Missing node registration`);
    } else {
      nodeName = decodeNode(existingNodeKv).value.Node;
    }

    // The service.
    let registered: ServiceRecord | undefined;
    if (req.Service) {
      registered = serviceRecordOf(nodeName, req.Service);
      const metaErr = metadataError(registered.Meta);
      if (metaErr) throw new CatalogError(`failed inserting service: Invalid Service Meta for node ${nodeName} and serviceID ${registered.ID}: ${metaErr}`);
      const key = serviceKey(nodeName, registered.ID);
      const existing = existingServices.find((s) => s.value.ID.toLowerCase() === registered!.ID.toLowerCase());
      compare.push(unchanged(key, existing?.modifyIndex ?? 0));
      if (!existing || !sameRecord(existing.value, registered)) ops.push(putOp(key, encodeRecord(registered)));
    }

    // The checks: a service-bound one needs its service (registered now or already there).
    if (req.Checks.length > 0) compare.push(rangeUnchangedSince(nodeServicesPrefix(nodeName), revision));
    const checkWrites = new Map<string, RequestOp>();
    const checkCompared = new Set<string>();
    for (const input of req.Checks) {
      let service: ServiceRecord | undefined;
      if (input.ServiceID !== '') {
        const id = input.ServiceID.toLowerCase();
        service = registered && registered.ID.toLowerCase() === id ? registered : existingServices.find((s) => s.value.ID.toLowerCase() === id)?.value;
        if (!service) throw new CatalogError('failed inserting check: Missing service registration');
      }
      const check = checkRecordOf(nodeName, input, service);
      const key = checkKey(nodeName, check.CheckID);
      const id = key.toString('latin1');
      const existing = existingChecks.get(id);
      // The same check twice in one request: the later one is what Consul ends up storing.
      checkWrites.delete(id);
      if (!existing || !sameRecord(existing.value, check)) checkWrites.set(id, putOp(key, encodeRecord(check)));
      if (!checkCompared.has(id)) compare.push(unchanged(key, existing?.modifyIndex ?? 0));
      checkCompared.add(id);
    }
    ops.push(...checkWrites.values());
    return { compare, ops };
  }

  /**
   * Consul's node-ID rules (its state store's ensureNodeTxn): registering a known ID under a new
   * name renames the node (the old name and everything on it go); a name that a live node with
   * another ID holds (its serfHealth check not critical) is refused, unless that node has no ID
   * and the ID is new. Returns the deletes a rename needs.
   */
  private nodeIdRules(req: RegisterRequest, sameName: NodeRecord | undefined, sameNameSerf: CheckRecord | undefined, allNodes: Stored<NodeRecord>[]): RequestOp[] {
    const id = req.ID.toLowerCase();
    const owner = allNodes.find((n) => n.value.ID.toLowerCase() === id);
    const clash = (allowClashWithoutId: boolean): string | undefined => {
      if (!sameName || sameName.ID.toLowerCase() === id) return undefined;
      const healthy = sameNameSerf !== undefined && sameNameSerf.Status !== 'critical';
      if ((sameName.ID === '' && allowClashWithoutId) || !healthy) return undefined;
      return `Node name ${req.Node} is reserved by node ${sameName.ID} with name ${sameName.Node} (${sameName.Address})`;
    };
    if (!owner) {
      const err = clash(true);
      if (err) throw new CatalogError(`failed inserting node: Error while renaming Node ID: ${JSON.stringify(req.ID)}: ${err}`);
      return [];
    }
    if (owner.value.Node.toLowerCase() === req.Node.toLowerCase()) return [];
    const err = clash(false);
    if (err) throw new CatalogError(`failed inserting node: Error while renaming Node ID: ${JSON.stringify(req.ID)} (${req.Address}): ${err}`);
    // The rename: the old name's node, services, checks and coordinates go in the same txn.
    const old = owner.value.Node;
    const services = nodeServicesPrefix(old);
    const checks = nodeChecksPrefix(old);
    const coordinates = systemKey(SystemPrefix.coordinate, `${nodeSegment(old)}/`);
    return [deleteOp(nodeKey(old)), deleteOp(services, prefixEnd(services)), deleteOp(checks, prefixEnd(checks)), deleteOp(coordinates, prefixEnd(coordinates))];
  }

  /** PUT /v1/catalog/deregister: ServiceID removes that instance and its checks, CheckID one check, neither the whole node. */
  async deregister(req: DeregisterRequest): Promise<number> {
    if (req.Node === '') throw new CatalogError('Must provide node');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const plan = await this.planDeregister(req);
      if (plan.ops.length === 0) return this.backend.header().revision;
      const res = await this.backend.txn({ compare: plan.compare, success: plan.ops, failure: [] });
      if (res.succeeded) return res.header.revision;
    }
    throw new CatalogError('catalog deregister: too much contention, try again');
  }

  /** The compares and deletes of a deregistration (nothing to delete = empty ops). */
  async planDeregister(req: DeregisterRequest): Promise<CatalogPlan> {
    if (req.Node === '') throw new CatalogError('Must provide node');
    if (req.ServiceID !== '') {
      const key = serviceKey(req.Node, req.ServiceID);
      const { revision, results } = await readAtOneRevision(this.backend, [keyRead(key), prefixRead(nodeChecksPrefix(req.Node))]);
      const svc = results[0]!.kvs[0];
      if (!svc) return { compare: [], ops: [] };
      const id = req.ServiceID.toLowerCase();
      const ops = [deleteOp(key)];
      for (const kv of results[1]!.kvs) {
        if (decodeCheck(kv).value.ServiceID.toLowerCase() === id) ops.push(deleteOp(kv.key));
      }
      return { compare: [unchanged(key, svc.modRevision), rangeUnchangedSince(nodeChecksPrefix(req.Node), revision)], ops };
    }
    if (req.CheckID !== '') {
      const key = checkKey(req.Node, req.CheckID);
      const read = await this.backend.range(rangeRequest(key, { keyspace: SYSTEM }));
      if (read.kvs.length === 0) return { compare: [], ops: [] };
      return { compare: [], ops: [deleteOp(key)] };
    }
    const node = nodeKey(req.Node);
    const read = await this.backend.range(rangeRequest(node, { keyspace: SYSTEM, countOnly: true }));
    const services = nodeServicesPrefix(req.Node);
    const checks = nodeChecksPrefix(req.Node);
    const coordinates = systemKey(SystemPrefix.coordinate, `${nodeSegment(req.Node)}/`);
    if (read.count === 0) {
      // No node: Consul's DeleteNode is a no-op; orphans cannot exist since services and checks need their node.
      return { compare: [], ops: [] };
    }
    return {
      compare: [],
      ops: [deleteOp(node), deleteOp(services, prefixEnd(services)), deleteOp(checks, prefixEnd(checks)), deleteOp(coordinates, prefixEnd(coordinates))],
    };
  }

  /**
   * Sets one check's Status (and Output) as an agent's check runner or a TTL update does. Writes
   * nothing when both are unchanged. Throws CatalogError "Missing check registration" when the
   * check does not exist.
   */
  async updateCheck(node: string, checkId: string, status: CheckStatus, output: string): Promise<number> {
    const key = checkKey(node, checkId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const read = await this.backend.range(rangeRequest(key, { keyspace: SYSTEM }));
      const kv = read.kvs[0];
      if (!kv) throw new CatalogError('Missing check registration');
      const current = decodeCheck(kv).value;
      if (current.Status === status && current.Output === output) return read.header.revision;
      const next: CheckRecord = { ...current, Status: status, Output: output };
      const res = await this.backend.txn({ compare: [unchanged(key, kv.modRevision)], success: [putOp(key, encodeRecord(next))], failure: [] });
      if (res.succeeded) return res.header.revision;
    }
    throw new CatalogError('check update: too much contention, try again');
  }

  // ---- reads ----

  /**
   * Every node, service and check (and, when asked, coordinate) at one revision. `stale` reads
   * this member's state without confirming it is current (Consul's ?stale, and its DNS default).
   */
  async snapshot(opts: { coordinates?: boolean; stale?: boolean } = {}): Promise<CatalogSnapshot> {
    const reads = [prefixRead(systemKey(SystemPrefix.node)), prefixRead(systemKey(SystemPrefix.service)), prefixRead(systemKey(SystemPrefix.check))];
    if (opts.coordinates) reads.push(prefixRead(systemKey(SystemPrefix.coordinate)));
    const { revision, results } = await readAtOneRevision(this.backend, reads, opts.stale === true);
    return {
      revision,
      nodes: results[0]!.kvs.map(decodeNode),
      services: results[1]!.kvs.map(decodeService),
      checks: results[2]!.kvs.map(decodeCheck),
      coordinates: opts.coordinates ? results[3]!.kvs : [],
    };
  }

  /** The node (case-insensitive name), or undefined. */
  async getNode(node: string): Promise<Stored<NodeRecord> | undefined> {
    const res = await this.backend.range(rangeRequest(nodeKey(node), { keyspace: SYSTEM }));
    return res.kvs[0] ? decodeNode(res.kvs[0]) : undefined;
  }

  /** The service instances registered on a node, in service-ID order. */
  async nodeServices(node: string): Promise<Stored<ServiceRecord>[]> {
    const prefix = nodeServicesPrefix(node);
    const res = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) }));
    return res.kvs.map(decodeService);
  }

  /** The checks registered on a node (node-level and service-bound), in check-ID order. */
  async nodeChecks(node: string): Promise<Stored<CheckRecord>[]> {
    const prefix = nodeChecksPrefix(node);
    const res = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) }));
    return res.kvs.map(decodeCheck);
  }

  /** One check, or undefined. */
  async getCheck(node: string, checkId: string): Promise<Stored<CheckRecord> | undefined> {
    const res = await this.backend.range(rangeRequest(checkKey(node, checkId), { keyspace: SYSTEM }));
    return res.kvs[0] ? decodeCheck(res.kvs[0]) : undefined;
  }

  /** A check's status, or undefined when the check does not exist (sessions bind to checks with this). */
  async checkStatus(node: string, checkId: string): Promise<CheckStatus | undefined> {
    return (await this.getCheck(node, checkId))?.value.Status;
  }

  /**
   * Instances of a service (name case-insensitive) with their nodes and checks, as DNS wants
   * them: an instance with any critical check (its own or its node's) is left out; with
   * `passingOnly`, one with a warning too. `tag` (case-insensitive) must be among its tags.
   */
  async healthyInstances(serviceName: string, opts: { tag?: string; passingOnly?: boolean } = {}): Promise<ServiceInstance[]> {
    // DNS reads stale by default (Consul's dns_config.allow_stale).
    const snap = await this.snapshot({ stale: true });
    return instancesOf(snap, serviceName).filter((inst) => {
      if (opts.tag !== undefined && !hasTags(inst.service.value, [opts.tag])) return false;
      // Consul's CheckServiceNodes.Filter: critical always excludes; with only-passing anything but passing does.
      return inst.checks.every((c) => c.value.Status !== 'critical' && (!opts.passingOnly || c.value.Status === 'passing'));
    });
  }
}

// ---- pure queries over a snapshot (routes and health build on these) ----

/** Whether the service carries every tag (Consul compares tags case-insensitively). */
export function hasTags(s: ServiceRecord, tags: readonly string[]): boolean {
  const own = new Set((s.Tags ?? []).map((t) => t.toLowerCase()));
  return tags.every((t) => own.has(t.toLowerCase()));
}

/** Whether a node's Meta has every key:value of ?node-meta. */
export function matchesNodeMeta(n: NodeRecord, filters: ReadonlyArray<readonly [string, string]>): boolean {
  return filters.every(([k, v]) => n.Meta !== null && Object.prototype.hasOwnProperty.call(n.Meta, k) && n.Meta[k] === v);
}

/** The snapshot's nodes by key segment. */
export function nodesBySegment(snap: CatalogSnapshot): Map<string, Stored<NodeRecord>> {
  return new Map(snap.nodes.map((n) => [nodeSegment(n.value.Node), n]));
}

/** Every instance of a service (case-insensitive name), node order then service-ID order, with node checks then service checks. */
export function instancesOf(snap: CatalogSnapshot, serviceName: string, match?: (s: ServiceRecord) => boolean): ServiceInstance[] {
  const wanted = serviceName.toLowerCase();
  const nodes = nodesBySegment(snap);
  const out: ServiceInstance[] = [];
  for (const s of snap.services) {
    if (match ? !match(s.value) : s.value.Service.toLowerCase() !== wanted) continue;
    const node = nodes.get(nodeSegment(s.value.Node));
    if (!node) continue;
    out.push({ node, service: s, checks: checksOfInstance(snap, s.value) });
  }
  return out;
}

/** The node-level checks of the instance's node, then the instance's own checks. */
export function checksOfInstance(snap: CatalogSnapshot, s: ServiceRecord): Stored<CheckRecord>[] {
  const id = s.ID.toLowerCase();
  const nodeLevel: Stored<CheckRecord>[] = [];
  const own: Stored<CheckRecord>[] = [];
  for (const c of checksByNode(snap).get(nodeSegment(s.Node)) ?? []) {
    if (c.value.ServiceID === '') nodeLevel.push(c);
    else if (c.value.ServiceID.toLowerCase() === id) own.push({ ...c, value: { ...c.value, ServiceName: s.Service, ServiceTags: s.Tags } });
  }
  return [...nodeLevel, ...own];
}

const checksByNodeCache = new WeakMap<CatalogSnapshot, Map<string, Stored<CheckRecord>[]>>();

/** A snapshot's checks grouped by node (built once per snapshot), so listing N instances is not N scans of every check. */
function checksByNode(snap: CatalogSnapshot): Map<string, Stored<CheckRecord>[]> {
  let byNode = checksByNodeCache.get(snap);
  if (!byNode) {
    byNode = new Map();
    for (const c of snap.checks) {
      const seg = nodeSegment(c.value.Node);
      const list = byNode.get(seg);
      if (list) list.push(c);
      else byNode.set(seg, [c]);
    }
    checksByNodeCache.set(snap, byNode);
  }
  return byNode;
}
