// Protobuf encoded sizes, computed from the decoded messages without encoding them. etcd compares
// sizes in two places a client can see: a proposal larger than --max-request-bytes is refused
// ("request is too large"), and a watch response larger than it is split when the watcher asked
// for fragments.
import type {
  Compare,
  DeleteRangeRequest,
  Event,
  KeyValue,
  PutRequest,
  RangeRequest,
  RequestOp,
  ResponseHeader,
  TxnRequest,
} from '../../adapters/backend.js';
import { varintSize } from './codec/wire.js';
import type { WatchResponse } from './messages.js';

export function bigVarintSize(n: bigint): number {
  if (n < 0n) return 10;
  let s = 1;
  while (n >= 0x80n) {
    n >>= 7n;
    s++;
  }
  return s;
}

/** A length-delimited field with a one-byte tag; omitted when empty (proto3). */
const bytesField = (len: number): number => (len === 0 ? 0 : 1 + varintSize(len) + len);
const numField = (n: number): number => (n === 0 ? 0 : 1 + varintSize(n));
const bigField = (n: bigint): number => (n === 0n ? 0 : 1 + bigVarintSize(n));
const boolField = (b: boolean): number => (b ? 2 : 0);
/** A nested message field with a one-byte tag (present even when empty). */
const msgField = (len: number): number => 1 + varintSize(len) + len;

export function putRequestSize(r: PutRequest): number {
  return (
    bytesField(r.key.length) +
    bytesField(r.value.length) +
    bigField(r.lease) +
    boolField(r.prevKv) +
    boolField(r.ignoreValue) +
    boolField(r.ignoreLease)
  );
}

export function deleteRangeRequestSize(r: DeleteRangeRequest): number {
  return bytesField(r.key.length) + bytesField(r.rangeEnd.length) + boolField(r.prevKv);
}

export function rangeRequestSize(r: RangeRequest): number {
  return (
    bytesField(r.key.length) +
    bytesField(r.rangeEnd.length) +
    numField(r.limit) +
    numField(r.revision) +
    numField(r.sortOrder) +
    numField(r.sortTarget) +
    boolField(r.serializable) +
    boolField(r.keysOnly) +
    boolField(r.countOnly) +
    numField(r.minModRevision) +
    numField(r.maxModRevision) +
    numField(r.minCreateRevision) +
    numField(r.maxCreateRevision)
  );
}

function compareSize(c: Compare): number {
  let s = numField(c.result) + numField(c.target) + bytesField(c.key.length);
  // The oneof member that is set is always encoded, zero or not.
  if (c.version !== undefined) s += 1 + varintSize(c.version);
  if (c.createRevision !== undefined) s += 1 + varintSize(c.createRevision);
  if (c.modRevision !== undefined) s += 1 + varintSize(c.modRevision);
  if (c.value !== undefined) s += 1 + varintSize(c.value.length) + c.value.length;
  if (c.lease !== undefined) s += 1 + bigVarintSize(c.lease);
  if (c.rangeEnd.length !== 0) s += 2 + varintSize(c.rangeEnd.length) + c.rangeEnd.length; // field 64: two-byte tag
  return s;
}

function requestOpSize(u: RequestOp): number {
  if (u.requestRange) return msgField(rangeRequestSize(u.requestRange));
  if (u.requestPut) return msgField(putRequestSize(u.requestPut));
  if (u.requestDeleteRange) return msgField(deleteRangeRequestSize(u.requestDeleteRange));
  if (u.requestTxn) return msgField(txnRequestSize(u.requestTxn));
  return 0;
}

export function txnRequestSize(r: TxnRequest): number {
  let s = 0;
  for (const c of r.compare) s += msgField(compareSize(c));
  for (const u of r.success) s += msgField(requestOpSize(u));
  for (const u of r.failure) s += msgField(requestOpSize(u));
  return s;
}

/**
 * Size of the raft proposal etcd builds around a request (InternalRaftRequest: a RequestHeader of
 * up to 14 bytes — field 100, a 10-byte request ID — plus the request as a one-byte-tag field).
 * Measured on genuine etcd 3.4.23 with --max-request-bytes 1000: `put k <977 bytes>` passes, 978 fails.
 */
export function proposalSize(requestSize: number): number {
  return 14 + 1 + varintSize(requestSize) + requestSize;
}

// ---- responses (watch fragmentation) ----

export function headerSize(h: ResponseHeader): number {
  return bigField(h.clusterId) + bigField(h.memberId) + numField(h.revision) + numField(h.raftTerm);
}

export function keyValueSize(kv: KeyValue): number {
  return (
    bytesField(kv.key.length) +
    numField(kv.createRevision) +
    numField(kv.modRevision) +
    numField(kv.version) +
    bytesField(kv.value.length) +
    bigField(kv.lease)
  );
}

export function eventSize(ev: Event): number {
  let s = numField(ev.type) + msgField(keyValueSize(ev.kv));
  if (ev.prevKv) s += msgField(keyValueSize(ev.prevKv));
  return s;
}

export function watchResponseSizeWithoutEvents(w: WatchResponse): number {
  return (
    msgField(headerSize(w.header)) +
    numField(w.watchId) +
    boolField(w.created) +
    boolField(w.canceled) +
    numField(w.compactRevision) +
    bytesField(Buffer.byteLength(w.cancelReason)) +
    boolField(w.fragment)
  );
}
