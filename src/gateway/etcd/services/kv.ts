// etcdserverpb.KV: validation (key.go), the proposal size limit, then straight to the backend.
// Hot path: Range and Put return the backend's own promise; no extra closure or await per call.
import type { DeleteRangeRequest, PutRequest, RangeRequest, ResponseHeader, ResponseOp, TxnRequest, TxnResponse } from '../../../adapters/backend.js';
import { Errors } from '../../../adapters/errors.js';
import type { ServiceDeps } from '../deps.js';
import { unary, type MethodDef } from '../method.js';
import { deleteRangeRequestSize, proposalSize, putRequestSize, txnRequestSize } from '../sizes.js';
import { checkDeleteRequest, checkPutRequest, checkRangeRequest, isTxnReadOnly, validateTxn } from '../validate.js';

/** Bytes a proposal may carry beyond key and value before an exact size computation is needed. */
const SLACK = 64;

export function kvMethods(deps: ServiceDeps): MethodDef[] {
  const { backend, maxRequestBytes, maxTxnOps } = deps;
  const quickLimit = maxRequestBytes - SLACK;

  const range = (req: RangeRequest) => {
    checkRangeRequest(req);
    return backend.range(req);
  };
  const put = (req: PutRequest) => {
    checkPutRequest(req);
    if (req.key.length + req.value.length > quickLimit && proposalSize(putRequestSize(req)) > maxRequestBytes) {
      throw Errors.RequestTooLarge;
    }
    return backend.put(req);
  };
  const deleteRange = (req: DeleteRangeRequest) => {
    checkDeleteRequest(req);
    if (req.key.length + req.rangeEnd.length > quickLimit && proposalSize(deleteRangeRequestSize(req)) > maxRequestBytes) {
      throw Errors.RequestTooLarge;
    }
    return backend.deleteRange(req);
  };
  const txn = (req: TxnRequest) => {
    validateTxn(req, maxTxnOps);
    if (!isTxnReadOnly(req) && proposalSize(txnRequestSize(req)) > maxRequestBytes) throw Errors.RequestTooLarge;
    if (!hasNestedTxn(req)) return backend.txn(req);
    return backend.txn(req).then(zeroNestedTxnHeaders);
  };

  return [
    unary('/etcdserverpb.KV/Range', 'RangeRequest', 'RangeResponse', range),
    unary('/etcdserverpb.KV/Put', 'PutRequest', 'PutResponse', put),
    unary('/etcdserverpb.KV/DeleteRange', 'DeleteRangeRequest', 'DeleteRangeResponse', deleteRange),
    unary('/etcdserverpb.KV/Txn', 'TxnRequest', 'TxnResponse', txn),
    unary('/etcdserverpb.KV/Compact', 'CompactionRequest', 'CompactionResponse', (req) => backend.compact(req)),
  ];
}

function hasNestedTxn(req: TxnRequest): boolean {
  for (const u of req.success) if (u.requestTxn) return true;
  for (const u of req.failure) if (u.requestTxn) return true;
  return false;
}

/** etcd's applier leaves the header of a nested TxnResponse empty (all zero); the ops inside keep theirs. */
const ZERO_HEADER: ResponseHeader = Object.freeze({ clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 });

function zeroNested(ops: ResponseOp[]): ResponseOp[] {
  return ops.map((op) =>
    op.responseTxn ? { responseTxn: { ...op.responseTxn, header: ZERO_HEADER, responses: zeroNested(op.responseTxn.responses) } } : op,
  );
}

function zeroNestedTxnHeaders(res: TxnResponse): TxnResponse {
  return { ...res, responses: zeroNested(res.responses) };
}
