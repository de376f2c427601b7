// etcd's range options (revision filters, sort, limit, count, keys-only) applied to the Consul
// entries of one key range, as etcd 3.4 applies them: count is every key of the range, the
// revision filters prune, sorting by anything but the key is ascending unless told otherwise, and
// `more` says the limit cut something.
import { SortOrder, SortTarget, type KeyValue, type RangeRequest, type RangeResponse, type ResponseHeader } from './backend.js';

export function rangeAnswer(kvsInKeyOrder: KeyValue[], req: RangeRequest, header: ResponseHeader): RangeResponse {
  let kvs = kvsInKeyOrder;
  const count = kvs.length;
  if (req.minModRevision) kvs = kvs.filter((kv) => kv.modRevision >= req.minModRevision);
  if (req.maxModRevision) kvs = kvs.filter((kv) => kv.modRevision <= req.maxModRevision);
  if (req.minCreateRevision) kvs = kvs.filter((kv) => kv.createRevision >= req.minCreateRevision);
  if (req.maxCreateRevision) kvs = kvs.filter((kv) => kv.createRevision <= req.maxCreateRevision);
  let order: number = req.sortOrder;
  if (req.sortTarget !== SortTarget.KEY && order === SortOrder.NONE) order = SortOrder.ASCEND;
  if (order !== SortOrder.NONE) {
    const by = sortKey(req.sortTarget);
    kvs = [...kvs].sort((a, b) => by(a, b));
    if (order === SortOrder.DESCEND) kvs.reverse();
  }
  let more = false;
  if (req.limit > 0 && kvs.length > req.limit) {
    kvs = kvs.slice(0, req.limit);
    more = true;
  }
  if (req.countOnly) return { header, kvs: [], more, count };
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
  return { header, kvs, more, count };
}

function sortKey(target: number): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case SortTarget.VERSION:
      return (a, b) => a.version - b.version;
    case SortTarget.CREATE:
      return (a, b) => a.createRevision - b.createRevision;
    case SortTarget.MOD:
      return (a, b) => a.modRevision - b.modRevision;
    case SortTarget.VALUE:
      return (a, b) => Buffer.compare(a.value, b.value);
    default:
      return (a, b) => Buffer.compare(a.key, b.key);
  }
}

/** Consul keys in etcd's order (bytes of their UTF-8). */
export function byKeyBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
