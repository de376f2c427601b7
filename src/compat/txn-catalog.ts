// The Node / Service / Check verbs of /v1/txn (set, cas, get, delete, delete-cas), planned with the
// catalog's own write plans (catalog.ts planRegister / planDeregister) so their compares and writes
// join the KV part in the SAME backend txn (txn-runner.ts). The runner plans them in order over a
// view that includes the earlier operations' writes (txn-overlay.ts), so a service set sees the
// node an earlier operation of the same txn registers.
import type { Backend, Compare, KeyValue, RequestOp } from '../adapters/backend.js';
import { modRevisionIs, rangeRequest } from '../adapters/requests.js';
import { CatalogError, type Catalog } from './catalog.js';
import { CatalogDecodeError, decodeDeregisterRequest, decodeRegisterRequest } from './catalog-decode.js';
import { checkKey, decodeCheck, decodeNode, decodeService, healthCheckView, nodeKey, nodeServiceView, nodeView, serviceKey } from './catalog-records.js';
import { fieldOf, isObject, type JsonObject } from './kv-json.js';
import { SYSTEM } from './system-keys.js';
import { PENDING_REVISION } from './txn-overlay.js';

export type CatalogKind = 'Node' | 'Service' | 'Check';

export interface CatalogTxnOp {
  opIndex: number;
  kind: CatalogKind;
  verb: string;
  /** The operation's object as sent: Node's Node, Service's Service (with `node`), Check's Check. */
  body: JsonObject;
  /** Service operations: the node the service is on. */
  node: string;
}

export interface CatalogOpPlan {
  opIndex: number;
  error?: string;
  compare: Compare[];
  ops: RequestOp[];
  /** For set / cas: the record key whose state after the commit is the result; for get: the result itself. */
  resultKey?: Buffer;
  result?: Record<string, unknown>;
  kind: CatalogKind;
}

const str = (o: JsonObject, name: string): string => {
  const v = fieldOf(o, name);
  return typeof v === 'string' ? v : '';
};
const num = (o: JsonObject, name: string): number => {
  const v = fieldOf(o, name);
  return typeof v === 'number' ? v : 0;
};

export function isCatalogWrite(op: CatalogTxnOp): boolean {
  return op.verb !== 'get';
}

/**
 * The record's view as the txn result shows it ({"Node": ...}, {"Service": ...}, {"Check": ...}).
 * A txn answers with Consul's raw state-store structs, so an unset tag list stays null here (the
 * catalog and health endpoints show [] instead).
 */
export function catalogResultOf(kind: CatalogKind, kv: KeyValue): Record<string, unknown> {
  if (kind === 'Node') return { Node: nodeView(decodeNode(kv)) };
  if (kind === 'Service') {
    const s = decodeService(kv);
    return { Service: { ...nodeServiceView(s), Tags: s.value.Tags } };
  }
  const c = decodeCheck(kv);
  return { Check: { ...healthCheckView(c), ServiceTags: c.value.ServiceTags } };
}

/**
 * Consul stores a service's Weights only when they are valid (Passing >= 1, 0 <= Warning, both
 * below 65536) and {Passing: 1, Warning: 1} otherwise; the Go client always sends Weights, as
 * {0, 0} when unset.
 */
function withValidWeights(service: JsonObject): JsonObject {
  const w = fieldOf(service, 'Weights');
  if (!isObject(w)) return service;
  const passing = num(w, 'Passing');
  const warning = num(w, 'Warning');
  if (passing >= 1 && warning >= 0 && passing < 65536 && warning < 65536) return service;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(service)) if (k.toLowerCase() !== 'weights') out[k] = v;
  return out;
}

export class CatalogTxnPlanner {
  constructor(
    private readonly backend: Backend,
    private readonly catalog: Catalog,
  ) {}

  async plan(op: CatalogTxnOp): Promise<CatalogOpPlan> {
    const base = { opIndex: op.opIndex, kind: op.kind, compare: [] as Compare[], ops: [] as RequestOp[] };
    try {
      return { ...base, ...(await this.planOne(op)) };
    } catch (err) {
      if (err instanceof CatalogError || err instanceof CatalogDecodeError) return { ...base, error: err.message };
      throw err;
    }
  }

  private async current(key: Buffer): Promise<KeyValue | undefined> {
    const res = await this.backend.range(rangeRequest(key, { keyspace: SYSTEM, serializable: true }));
    return res.kvs[0];
  }

  private async planOne(op: CatalogTxnOp): Promise<Partial<CatalogOpPlan>> {
    const b = op.body;
    let key: Buffer;
    let what: string;
    let register: () => unknown;
    let deregister: () => unknown;
    switch (op.kind) {
      case 'Node': {
        const node = str(b, 'Node');
        key = nodeKey(node);
        what = `node ${JSON.stringify(node)}`;
        register = () => ({
          ID: str(b, 'ID'),
          Node: node,
          Address: str(b, 'Address'),
          Datacenter: str(b, 'Datacenter'),
          TaggedAddresses: fieldOf(b, 'TaggedAddresses') ?? null,
          NodeMeta: fieldOf(b, 'Meta') ?? null,
        });
        deregister = () => ({ Node: node });
        break;
      }
      case 'Service': {
        const id = str(b, 'ID') || str(b, 'Service');
        key = serviceKey(op.node, id);
        what = `service ${JSON.stringify(id)} on node ${JSON.stringify(op.node)}`;
        register = () => ({ Node: op.node, SkipNodeUpdate: true, Service: withValidWeights(b) });
        deregister = () => ({ Node: op.node, ServiceID: id });
        break;
      }
      case 'Check': {
        const node = str(b, 'Node');
        const id = str(b, 'CheckID');
        key = checkKey(node, id);
        what = `check ${JSON.stringify(id)} on node ${JSON.stringify(node)}`;
        const def = fieldOf(b, 'Definition');
        register = () => ({ Node: node, SkipNodeUpdate: true, Check: { ...(isObject(def) ? def : {}), ...b } });
        deregister = () => ({ Node: node, CheckID: id });
        break;
      }
    }
    const existing = await this.current(key);
    switch (op.verb) {
      case 'get':
        if (!existing) return { error: `${what} doesn't exist` };
        // Written by an earlier operation of this txn: shown as committed.
        if (existing.modRevision === PENDING_REVISION) return { resultKey: key };
        return { result: catalogResultOf(op.kind, existing) };
      case 'set':
      case 'cas': {
        if (op.verb === 'cas') {
          const want = num(b, 'ModifyIndex');
          const stale = (want === 0 && existing) || (want !== 0 && (!existing || existing.modRevision !== want));
          if (stale) return { error: `failed to set ${what}, index is stale` };
        }
        const plan = await this.catalog.planRegister(decodeRegisterRequest(register()));
        return { compare: [...plan.compare, modRevisionIs(SYSTEM, key, existing?.modRevision ?? 0)], ops: plan.ops, resultKey: key };
      }
      case 'delete':
      case 'delete-cas': {
        if (op.verb === 'delete-cas' && (!existing || existing.modRevision !== num(b, 'ModifyIndex'))) {
          return { error: `failed to delete ${what}, index is stale` };
        }
        const plan = await this.catalog.planDeregister(decodeDeregisterRequest(deregister()));
        return { compare: [...plan.compare, modRevisionIs(SYSTEM, key, existing?.modRevision ?? 0)], ops: plan.ops };
      }
      default:
        return { error: `unknown ${op.kind} verb ${JSON.stringify(op.verb)}` };
    }
  }
}
