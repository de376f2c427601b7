// etcd's range options (revision filters, sort, limit, count, keys-only) applied to the Consul
// entries of one key range, as etcd 3.4 applies them: count is every key of the range, the
// revision filters prune, sorting by anything but the key is ascending unless told otherwise, and
// `more` says the limit cut something.
import type { KeyValue, RangeRequest, RangeResponse, ResponseHeader } from './backend.js';
import { sortForRange, withinRevisionFilters } from './range-order.js';

export function rangeAnswer(kvsInKeyOrder: KeyValue[], req: RangeRequest, header: ResponseHeader): RangeResponse {
  let kvs = kvsInKeyOrder;
  const count = kvs.length;
  kvs = [...withinRevisionFilters(kvs, req)];
  sortForRange(kvs, req);
  let more = false;
  if (req.limit > 0 && kvs.length > req.limit) {
    kvs = kvs.slice(0, req.limit);
    more = true;
  }
  if (req.countOnly) return { header, kvs: [], more, count };
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
  return { header, kvs, more, count };
}

/** Consul keys in etcd's order (bytes of their UTF-8). */
export function byKeyBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
