// A view of the Backend with the system-keyspace writes of a transaction's earlier operations laid
// on top, so the catalog operations of one /v1/txn are planned in order: a service set sees the
// node a previous operation of the same txn registers, as Consul's state store (one write txn)
// does. Only reads go through the overlay (range, and read-only txns); the writes it collects are
// committed later as part of the one backend txn (txn-runner.ts). Records written by an earlier
// operation read back with PENDING revisions (they get the commit's revision).
import type { Backend, Compare, DeleteRangeRequest, KeyValue, PutRequest, RangeRequest, RangeResponse, RequestOp, TxnRequest, TxnResponse } from '../adapters/backend.js';

export const PENDING_REVISION = -1;

type Write = { put: PutRequest } | { del: DeleteRangeRequest };

function inRange(key: Buffer, start: Buffer, end: Buffer): boolean {
  if (end.length === 0) return key.equals(start);
  if (end.length === 1 && end[0] === 0) return Buffer.compare(key, start) >= 0;
  return Buffer.compare(key, start) >= 0 && Buffer.compare(key, end) < 0;
}

export class TxnOverlay {
  private readonly writes: Write[] = [];
  /** Keys (latin1) an earlier operation wrote or deleted, and ranges it deleted. */
  private readonly touchedKeys = new Set<string>();
  private readonly touchedRanges: Array<[Buffer, Buffer]> = [];
  readonly backend: Backend;

  constructor(private readonly real: Backend) {
    const overlay = this;
    this.backend = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'range') return (req: RangeRequest) => overlay.range(req);
        if (prop === 'txn') return (req: TxnRequest) => overlay.readTxn(req);
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** Lays an operation's writes on the view (system keyspace only: catalog records). */
  add(ops: readonly RequestOp[]): void {
    for (const op of ops) {
      if (op.requestPut && op.requestPut.keyspace === 'system') {
        this.writes.push({ put: op.requestPut });
        this.touchedKeys.add(op.requestPut.key.toString('latin1'));
      } else if (op.requestDeleteRange && op.requestDeleteRange.keyspace === 'system') {
        const d = op.requestDeleteRange;
        this.writes.push({ del: d });
        if (d.rangeEnd.length === 0) this.touchedKeys.add(d.key.toString('latin1'));
        else this.touchedRanges.push([d.key, d.rangeEnd]);
      }
    }
  }

  /** Whether an earlier operation wrote this system key (its real-state compare was made by that operation). */
  touched(key: Buffer): boolean {
    if (this.touchedKeys.has(key.toString('latin1'))) return true;
    return this.touchedRanges.some(([s, e]) => inRange(key, s, e));
  }

  /** Drops single-key compares on keys an earlier operation wrote: they would compare a PENDING record against the store. */
  realCompares(compare: readonly Compare[]): Compare[] {
    return compare.filter((c) => c.keyspace !== 'system' || c.rangeEnd.length > 0 || !this.touched(c.key));
  }

  /**
   * The writes to commit, in order, with an earlier write to a key dropped when a later one
   * replaces or deletes it (etcd refuses two writes to one key in a txn).
   */
  collapsed(): RequestOp[] {
    const out: Write[] = [];
    for (const w of this.writes) {
      const [start, end] = 'put' in w ? [w.put.key, Buffer.alloc(0)] : [w.del.key, w.del.rangeEnd];
      for (let i = out.length - 1; i >= 0; i--) {
        const prev = out[i]!;
        if ('put' in prev ? inRange(prev.put.key, start, end) : prev.del.rangeEnd.length === 0 && inRange(prev.del.key, start, end)) out.splice(i, 1);
      }
      out.push(w);
    }
    return out.map((w) => ('put' in w ? { requestPut: w.put } : { requestDeleteRange: w.del }));
  }

  private async range(req: RangeRequest): Promise<RangeResponse> {
    if (req.keyspace !== 'system' || this.writes.length === 0) return this.real.range(req);
    const res = await this.real.range({ ...req, countOnly: false, keysOnly: false, limit: 0 });
    const view = new Map(res.kvs.map((kv) => [kv.key.toString('latin1'), kv]));
    for (const w of this.writes) {
      if ('put' in w) {
        if (!inRange(w.put.key, req.key, req.rangeEnd)) continue;
        const id = w.put.key.toString('latin1');
        const prev = view.get(id);
        view.set(id, {
          key: w.put.key,
          value: w.put.value,
          createRevision: prev ? prev.createRevision : PENDING_REVISION,
          modRevision: PENDING_REVISION,
          version: (prev?.version ?? 0) + 1,
          lease: w.put.lease,
        });
      } else {
        for (const [id, kv] of view) if (inRange(kv.key, w.del.key, w.del.rangeEnd)) view.delete(id);
      }
    }
    let kvs: KeyValue[] = [...view.values()].sort((a, b) => Buffer.compare(a.key, b.key));
    const count = kvs.length;
    if (req.limit > 0) kvs = kvs.slice(0, req.limit);
    if (req.countOnly) kvs = [];
    return { header: res.header, kvs, more: req.limit > 0 && count > req.limit, count };
  }

  private async readTxn(req: TxnRequest): Promise<TxnResponse> {
    if (req.compare.length > 0 || req.success.some((op) => !op.requestRange)) {
      throw new Error('txn overlay: only read-only transactions are planned through the overlay');
    }
    const responses = [];
    let header = this.real.header();
    for (const op of req.success) {
      const r = await this.range(op.requestRange!);
      header = r.header;
      responses.push({ responseRange: r });
    }
    return { header, succeeded: true, responses };
  }
}
