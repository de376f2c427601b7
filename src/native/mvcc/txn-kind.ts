// Which txns etcd 3.4 serves without a raft proposal (EtcdServer.Txn): a txn is read-only when
// every op of both branches is a range — a nested txn counts as a write even if it only reads
// (etcd's isTxnReadonly looks one level deep) — and serializable when, on top of that, every
// range asks for a serializable read. A read-only txn waits for a ReadIndex unless serializable.
import type { RequestOp, TxnRequest } from '../../adapters/backend.js';

function allRanges(ops: RequestOp[], serializable: boolean): boolean {
  for (const op of ops) {
    const r = op.requestRange;
    if (!r || (serializable && !r.serializable)) return false;
  }
  return true;
}

/** etcd's isTxnReadonly. */
export function txnIsReadOnly(t: TxnRequest): boolean {
  return allRanges(t.success, false) && allRanges(t.failure, false);
}

/** etcd's isTxnSerializable (true for a txn with no ops at all: it is answered locally at once). */
export function txnIsSerializable(t: TxnRequest): boolean {
  return allRanges(t.success, true) && allRanges(t.failure, true);
}
