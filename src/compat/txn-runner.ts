// /v1/txn: KV and catalog operations applied all-or-nothing as ONE backend txn. The KV part is
// planned by the KV executor (txn.ts), the Node/Service/Check part by the catalog planner
// (txn-catalog.ts); their compares and writes are merged and committed together, and replanned
// when a compare fails. Results and errors follow Consul's TxnResponse: results in operation order
// (a get-tree gives one per entry; deletes give none), or every error with its OpIndex.
import type { Backend, Compare, KeyValue, RequestOp } from '../adapters/backend.js';
import { rangeRequest } from '../adapters/requests.js';
import { Catalog } from './catalog.js';
import { entryJsonObject } from './kv-entry.js';
import { stringifyWithBigints } from './kv-json.js';
import { SYSTEM } from './system-keys.js';
import { settle, type KvOp, type KvTxnExecutor, type TxnResultEntry } from './txn.js';
import { catalogResultOf, CatalogTxnPlanner, type CatalogOpPlan, type CatalogTxnOp } from './txn-catalog.js';
import { TxnOverlay } from './txn-overlay.js';

export interface ConsulTxnOp {
  kv?: KvOp;
  catalog?: CatalogTxnOp;
}

export interface ConsulTxnAnswer {
  /** false = rolled back (HTTP 409). */
  committed: boolean;
  /** Consul's TxnResponse JSON: {"Results":[...]|null,"Errors":[...]|null}. */
  body: string;
}

const MAX_ATTEMPTS = 25;

export class ConsulTxnRunner {
  constructor(
    private readonly backend: Backend,
    private readonly executor: KvTxnExecutor,
    private readonly catalog: Catalog,
  ) {}

  /** Plans the catalog operations in order, each over the writes of the ones before it. */
  private async planCatalog(ops: readonly CatalogTxnOp[]): Promise<{ plans: CatalogOpPlan[]; compare: Compare[]; writes: RequestOp[] }> {
    const overlay = new TxnOverlay(this.backend);
    const planner = new CatalogTxnPlanner(overlay.backend, new Catalog(overlay.backend, this.catalog.datacenter));
    const plans: CatalogOpPlan[] = [];
    const compare: Compare[] = [];
    for (const op of ops) {
      const p = await planner.plan(op);
      plans.push(p);
      if (p.error !== undefined) continue;
      compare.push(...overlay.realCompares(p.compare));
      overlay.add(p.ops);
    }
    return { plans, compare, writes: overlay.collapsed() };
  }

  async run(ops: readonly ConsulTxnOp[], linearizable: boolean): Promise<ConsulTxnAnswer> {
    const kvOps = ops.filter((o) => o.kv).map((o) => o.kv!);
    const catalogOps = ops.filter((o) => o.catalog).map((o) => o.catalog!);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.executor.plan(kvOps, { linearizable });
      if (kv.preCheckFailed) return failed(kv.errors);
      const cat = await this.planCatalog(catalogOps);
      const plans = cat.plans;
      const errors = [...kv.errors, ...plans.filter((p) => p.error !== undefined).map((p) => ({ opIndex: p.opIndex, what: p.error! }))];
      if (errors.length > 0) return failed(errors);
      const compare = [...kv.compare, ...cat.compare];
      const success = [...kv.success, ...cat.writes];
      if (success.length === 0) return committed(kv.results, plans, await this.resultsAt(plans, 0));
      const res = await this.backend.txn({ compare, success, failure: [] });
      if (res.succeeded) {
        const rev = res.header.revision;
        return committed(settle(kv.results, rev), plans, await this.resultsAt(plans, rev));
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error('txn: the records kept changing under this transaction; retry');
    }
  }

  /** The records catalog set / cas operations return, as of `revision` (0 = now: nothing was written). */
  private async resultsAt(plans: readonly CatalogOpPlan[], revision: number): Promise<Map<CatalogOpPlan, KeyValue | undefined>> {
    const after = new Map<CatalogOpPlan, KeyValue | undefined>();
    for (const p of plans) if (p.resultKey) after.set(p, await this.readAt(p.resultKey, revision));
    return after;
  }

  private async readAt(key: Buffer, revision: number): Promise<KeyValue | undefined> {
    const res = await this.backend.range(rangeRequest(key, { keyspace: SYSTEM, revision, serializable: true }));
    return res.kvs[0];
  }
}

function failed(errors: ReadonlyArray<{ opIndex: number; what: string }>): ConsulTxnAnswer {
  const sorted = [...errors].sort((a, b) => a.opIndex - b.opIndex);
  return { committed: false, body: JSON.stringify({ Results: null, Errors: sorted.map((e) => ({ OpIndex: e.opIndex, What: e.what })) }) };
}

function committed(kvResults: readonly TxnResultEntry[], plans: readonly CatalogOpPlan[], after: Map<CatalogOpPlan, KeyValue | undefined>): ConsulTxnAnswer {
  const rows: Array<{ opIndex: number; seq: number; value: Record<string, unknown> }> = [];
  let seq = 0;
  for (const r of kvResults) rows.push({ opIndex: r.opIndex, seq: seq++, value: { KV: entryJsonObject(r.entry, r.withValue) } });
  for (const p of plans) {
    if (p.result) rows.push({ opIndex: p.opIndex, seq: seq++, value: p.result });
    const kv = after.get(p);
    if (kv) rows.push({ opIndex: p.opIndex, seq: seq++, value: catalogResultOf(p.kind, kv) });
  }
  rows.sort((a, b) => a.opIndex - b.opIndex || a.seq - b.seq);
  return { committed: true, body: stringifyWithBigints({ Results: rows.map((r) => r.value), Errors: null }) };
}
