// etcd 3.4's Range options applied after the fetch, shared by the stores that fetch a key range
// and then shape the answer themselves (Redis, Consul): the revision filters, the sort (by anything
// but the key it is ascending unless told otherwise, since the fetch is already in key order) and
// the comparator for each sort target.
import { SortOrder, SortTarget, type KeyValue, type RangeRequest } from './backend.js';

export type KeyValueOrder = (a: KeyValue, b: KeyValue) => number;

/** The comparator etcd sorts by for `target` (ascending). */
export function orderBy(target: SortTarget): KeyValueOrder {
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

/** The kvs the request's min/max mod and create revision filters keep (all when none is set). */
export function withinRevisionFilters(kvs: KeyValue[], req: RangeRequest): KeyValue[] {
  if (!req.minModRevision && !req.maxModRevision && !req.minCreateRevision && !req.maxCreateRevision) return kvs;
  return kvs.filter(
    (kv) =>
      !(req.maxModRevision && kv.modRevision > req.maxModRevision) &&
      !(req.minModRevision && kv.modRevision < req.minModRevision) &&
      !(req.maxCreateRevision && kv.createRevision > req.maxCreateRevision) &&
      !(req.minCreateRevision && kv.createRevision < req.minCreateRevision),
  );
}

/** Sorts in place as etcd does for the request (nothing to do for key order, the fetch's own). */
export function sortForRange(kvs: KeyValue[], req: RangeRequest): void {
  let order: number = req.sortOrder;
  if (req.sortTarget !== SortTarget.KEY && order === SortOrder.NONE) order = SortOrder.ASCEND;
  if (order === SortOrder.NONE) return;
  const cmp = orderBy(req.sortTarget);
  kvs.sort(order === SortOrder.DESCEND ? (a, b) => cmp(b, a) : cmp);
}
