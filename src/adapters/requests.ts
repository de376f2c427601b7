// Requests with every field at its proto default (what an empty message decodes to), so that code
// building a request — the v3lock/v3election services, tests and benchmarks — names only the
// fields it sets and cannot forget one when the model grows. (The hot-path decoders in
// gateway/etcd/codec/fast-kv.ts keep their own literals.) The prefix range end lives here too: the
// etcd services and the Consul layer both build prefix reads, and neither may import the other.
import { CompareResult, CompareTarget, type Compare, type Keyspace, type PutRequest, type RangeRequest } from './backend.js';

/** The one empty Buffer that stands for every unset bytes field (it has no bytes to mutate). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/** A RangeRequest for `key` alone, with `over` laid on top. */
export function rangeRequest(key: Buffer, over?: Partial<RangeRequest>): RangeRequest {
  const req: RangeRequest = {
    key,
    rangeEnd: EMPTY_BYTES,
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
  };
  // Object.assign onto the literal (not a spread) keeps the object's shape for V8.
  return over === undefined ? req : Object.assign(req, over);
}

/**
 * etcd's range end for "every key starting with `prefix`" (clientv3.GetPrefixRangeEnd): the prefix
 * with its last byte below 0xff incremented and what follows it dropped; an all-0xff prefix gives
 * [0], etcd's "every key from `prefix` on". Shared by the etcd services and the Consul layer.
 */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** A PutRequest of `value` at `key` with no lease or options, with `over` laid on top. */
export function putRequest(key: Buffer, value: Buffer, over?: Partial<PutRequest>): PutRequest {
  const req: PutRequest = { key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false };
  return over === undefined ? req : Object.assign(req, over);
}

/** A txn Compare that holds while `key` of `keyspace` still has mod revision `modRevision` (0: still absent). */
export function modRevisionIs(keyspace: Keyspace, key: Buffer, modRevision: number): Compare {
  return { keyspace, result: CompareResult.EQUAL, target: CompareTarget.MOD, key, rangeEnd: EMPTY_BYTES, modRevision };
}
