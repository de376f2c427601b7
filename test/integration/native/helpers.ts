// Builders for native Backend tests: etcd-model requests with every field at its proto default.
import type { PutRequest, RangeRequest } from '../../../src/adapters/backend.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';

export const b = (s: string) => Buffer.from(s);
export const rangeReq = (key: string, over?: Partial<RangeRequest>): RangeRequest => rangeRequest(b(key), over);
export const putReq = (key: string, value: string, over?: Partial<PutRequest>): PutRequest =>
  putRequest(b(key), b(value), over);
