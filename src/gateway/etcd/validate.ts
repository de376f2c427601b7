// etcd 3.4's request checks (etcdserver/api/v3rpc/key.go), run before a request reaches the store,
// with etcd's error for each. Kept allocation-free on the Put/Range path.
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from '../../adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../adapters/errors.js';

/**
 * etcd 3.4 panics (the whole server dies) on a sort target it does not know; dcsgw answers what
 * etcd 3.5 answers instead. Unknown sort orders are ignored by 3.4 (no sort), so they pass.
 */
export const InvalidSortOption = new EtcdError(GrpcCode.INVALID_ARGUMENT, 'etcdserver: invalid sort option');

export function checkRangeRequest(r: RangeRequest): void {
  if (r.key.length === 0) throw Errors.EmptyKey;
  if (r.sortTarget < 0 || r.sortTarget > 4) throw InvalidSortOption;
}

export function checkPutRequest(r: PutRequest): void {
  if (r.key.length === 0) throw Errors.EmptyKey;
  if (r.ignoreValue && r.value.length !== 0) throw Errors.ValueProvided;
  if (r.ignoreLease && r.lease !== 0n) throw Errors.LeaseProvided;
}

export function checkDeleteRequest(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw Errors.EmptyKey;
}

/** key.go checkTxnRequest: op count (max of compare/success/failure), compares' keys, each op (nested txns get the remaining budget). */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length);
  if (opc > maxTxnOps) throw Errors.TooManyOps;
  for (const c of r.compare) if (c.key.length === 0) throw Errors.EmptyKey;
  for (const u of r.success) checkRequestOp(u, maxTxnOps - opc);
  for (const u of r.failure) checkRequestOp(u, maxTxnOps - opc);
}

function checkRequestOp(u: RequestOp, maxTxnOps: number): void {
  if (u.requestRange) return checkRangeRequest(u.requestRange);
  if (u.requestPut) return checkPutRequest(u.requestPut);
  if (u.requestDeleteRange) return checkDeleteRequest(u.requestDeleteRange);
  if (u.requestTxn) return checkTxnRequest(u.requestTxn, maxTxnOps);
  // An empty RequestOp: etcd's answer for "no request in this op".
  throw Errors.KeyNotFound;
}

/** The whole Txn validation as kvServer.Txn does it: checkTxnRequest, then overlap checks of each branch. */
export function validateTxn(r: TxnRequest, maxTxnOps: number): void {
  checkTxnRequest(r, maxTxnOps);
  checkIntervals(r.success);
  checkIntervals(r.failure);
}

// ---- checkIntervals: no key may be put twice, or put and deleted, in one branch (nested txns included) ----

/**
 * A half-open string interval as etcd's adt.StringAffineInterval: the empty string is +infinity;
 * a point is [k, k+"\0"). Note etcd keeps its quirk: a delete with range_end "\0" ("all keys >= key")
 * becomes [key, "\0"), an empty interval, so it never conflicts.
 */
interface Interval {
  begin: string;
  end: string;
}

function cmpAffine(a: string, b: string): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function intersectsPoint(dels: Interval[], k: string): boolean {
  const pEnd = k + '\0';
  for (const iv of dels) {
    // [b1,e1) and [b2,e2) overlap iff b1 < e2 && b2 < e1.
    if (cmpAffine(iv.begin, pEnd) < 0 && cmpAffine(k, iv.end) < 0) return true;
  }
  return false;
}

/** Keys as latin1 strings: byte order is preserved by JS string comparison of latin1 code units. */
const str = (b: Buffer): string => b.toString('latin1');

function checkIntervals(reqs: RequestOp[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const req of reqs) {
    const d = req.requestDeleteRange;
    if (!d) continue;
    const begin = str(d.key);
    dels.push(d.rangeEnd.length !== 0 ? { begin, end: str(d.rangeEnd) } : { begin, end: begin + '\0' });
  }
  const puts = new Set<string>();
  for (const req of reqs) {
    const t = req.requestTxn;
    if (!t) continue;
    const thenSide = checkIntervals(t.success);
    const elseSide = checkIntervals(t.failure);
    for (const k of thenSide.puts) {
      if (puts.has(k) || intersectsPoint(dels, k)) throw Errors.DuplicateKey;
      puts.add(k);
    }
    for (const k of elseSide.puts) {
      // then/else are mutually exclusive: the same key in both is fine.
      if (puts.has(k) && !thenSide.puts.has(k)) throw Errors.DuplicateKey;
      if (intersectsPoint(dels, k)) throw Errors.DuplicateKey;
      puts.add(k);
    }
    dels.push(...thenSide.dels, ...elseSide.dels);
  }
  for (const req of reqs) {
    const p = req.requestPut;
    if (!p) continue;
    const k = str(p.key);
    if (puts.has(k) || intersectsPoint(dels, k)) throw Errors.DuplicateKey;
    puts.add(k);
  }
  return { puts, dels };
}

/** True when the txn only reads (etcd serves those without a raft proposal, so no size check). */
export function isTxnReadOnly(r: TxnRequest): boolean {
  const ro = (ops: RequestOp[]): boolean => {
    for (const u of ops) {
      if (u.requestPut || u.requestDeleteRange) return false;
      if (u.requestTxn && !isTxnReadOnly(u.requestTxn)) return false;
    }
    return true;
  };
  return ro(r.success) && ro(r.failure);
}
