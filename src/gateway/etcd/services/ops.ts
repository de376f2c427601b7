// Small builders of RequestOps for the transactions the lock and election services issue.
import type { RangeRequest, RequestOp } from '../../../adapters/backend.js';

export const EMPTY_BUFFER = Buffer.alloc(0);

export function requestPut(key: Buffer, value: Buffer, lease: bigint): RequestOp {
  return { requestPut: { key, value, lease, prevKv: false, ignoreValue: false, ignoreLease: false } };
}

export function requestRange(req: RangeRequest): RequestOp {
  return { requestRange: req };
}

export function requestDelete(key: Buffer): RequestOp {
  return { requestDeleteRange: { key, rangeEnd: EMPTY_BUFFER, prevKv: false } };
}
