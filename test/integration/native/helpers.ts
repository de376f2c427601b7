// Builders for native Backend tests: etcd-model requests with every field at its proto default.
import type { PutRequest, RangeRequest } from '../../../src/adapters/backend.js';

export const b = (s: string) => Buffer.from(s);
export const rangeReq = (key: string, over: Partial<RangeRequest> = {}): RangeRequest => ({
  key: b(key),
  rangeEnd: Buffer.alloc(0),
  limit: 0,
  revision: 0,
  sortOrder: 0,
  sortTarget: 0,
  serializable: false,
  keysOnly: false,
  countOnly: false,
  minModRevision: 0,
  maxModRevision: 0,
  minCreateRevision: 0,
  maxCreateRevision: 0,
  ...over,
});
export const putReq = (key: string, value: string, over: Partial<PutRequest> = {}): PutRequest => ({
  key: b(key),
  value: b(value),
  lease: 0n,
  prevKv: false,
  ignoreValue: false,
  ignoreLease: false,
  ...over,
});
