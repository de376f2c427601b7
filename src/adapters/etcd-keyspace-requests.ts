// Requests and responses of the Backend model rewritten between dcsgw's two keyspaces and the
// genuine cluster's one (see ./etcd-keyspace.ts for the layout): requests go out with their keys
// mapped (system -> under the prefix, user -> clipped to the user view), responses come back with
// system keys stripped of the prefix. Nested txns are rewritten all the way down.
import type { Compare, DeleteRangeRequest, KeyValue, Keyspace, PutRequest, RangeRequest, RequestOp, ResponseOp, TxnRequest, TxnResponse } from './backend.js';
import { inZone, isSystemKey, mapRange, reservedKeyError, stripSystem, SYSTEM_PREFIX } from './etcd-keyspace.js';

export function outRange(r: RangeRequest): RangeRequest {
  const m = mapRange(r.keyspace, r.key, r.rangeEnd);
  const { keyspace: _k, ...rest } = r;
  return { ...rest, key: m.key, rangeEnd: m.rangeEnd };
}

export function outPut(r: PutRequest): PutRequest {
  const { keyspace, auth: _a, ...rest } = r;
  if (keyspace === 'system') return { ...rest, key: Buffer.concat([SYSTEM_PREFIX, r.key]) };
  if (inZone(r.key)) throw reservedKeyError();
  return rest;
}

export function outDelete(r: DeleteRangeRequest): DeleteRangeRequest {
  const m = mapRange(r.keyspace, r.key, r.rangeEnd);
  const { keyspace: _k, auth: _a, ...rest } = r;
  return { ...rest, key: m.key, rangeEnd: m.rangeEnd };
}

export function outCompare(c: Compare): Compare {
  const m = mapRange(c.keyspace, c.key, c.rangeEnd);
  const { keyspace: _k, ...rest } = c;
  return { ...rest, key: m.key, rangeEnd: m.rangeEnd };
}

export function outTxn(t: TxnRequest): TxnRequest {
  return { compare: t.compare.map(outCompare), success: t.success.map(outOp), failure: t.failure.map(outOp) };
}

function outOp(op: RequestOp): RequestOp {
  if (op.requestRange) return { requestRange: outRange(op.requestRange) };
  if (op.requestPut) return { requestPut: outPut(op.requestPut) };
  if (op.requestDeleteRange) return { requestDeleteRange: outDelete(op.requestDeleteRange) };
  if (op.requestTxn) return { requestTxn: outTxn(op.requestTxn) };
  return op;
}

/** A key-value of the genuine cluster as the asker's keyspace sees it. */
export function inKv(kv: KeyValue, keyspace: Keyspace | undefined): KeyValue {
  return keyspace === 'system' && isSystemKey(kv.key) ? { ...kv, key: stripSystem(kv.key) } : kv;
}

export function inKvs(kvs: KeyValue[], keyspace: Keyspace | undefined): KeyValue[] {
  return keyspace === 'system' ? kvs.map((kv) => inKv(kv, keyspace)) : kvs;
}

/** Strips the prefix from the keys of a txn's responses, branch by branch as the request ran. */
export function inTxn(req: TxnRequest, res: TxnResponse): TxnResponse {
  const ops = res.succeeded ? req.success : req.failure;
  return { ...res, responses: res.responses.map((r, i) => inOp(ops[i], r)) };
}

function inOp(op: RequestOp | undefined, r: ResponseOp): ResponseOp {
  if (!op) return r;
  if (op.requestRange && r.responseRange) {
    return { responseRange: { ...r.responseRange, kvs: inKvs(r.responseRange.kvs, op.requestRange.keyspace) } };
  }
  if (op.requestPut && r.responsePut) {
    const p = r.responsePut;
    return { responsePut: p.prevKv ? { ...p, prevKv: inKv(p.prevKv, op.requestPut.keyspace) } : p };
  }
  if (op.requestDeleteRange && r.responseDeleteRange) {
    return { responseDeleteRange: { ...r.responseDeleteRange, prevKvs: inKvs(r.responseDeleteRange.prevKvs, op.requestDeleteRange.keyspace) } };
  }
  if (op.requestTxn && r.responseTxn) return { responseTxn: inTxn(op.requestTxn, r.responseTxn) };
  return r;
}
