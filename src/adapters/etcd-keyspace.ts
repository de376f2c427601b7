// The two keyspaces of DESIGN.md ("One keyspace, two views") on a genuine etcd cluster, which has
// one flat keyspace: every key beginning with a NUL byte is RESERVED for dcsgw.
//
// - A system key k is stored as SYSTEM_PREFIX + k ("\0dcsgw/" + k): one name an operator looking
//   at the genuine cluster recognises, and a range of the system keyspace is one range there.
// - Leases granted in the system keyspace carry a marker key LEASE_MARKER_PREFIX + <id> attached to
//   the lease itself (it goes when the lease goes), so the adapter can tell them apart.
// - The user view is every key from "\x01" up. Reserving the whole NUL-led zone (not only the
//   prefix) keeps each user range ONE contiguous range after clipping: the only key below "\0" is
//   the empty key, which etcd refuses anyway. So "range everything" becomes "from \x01", and a
//   user range, delete, watch or compare that lies wholly in the zone addresses HIDDEN_KEY ("\0"),
//   a key nothing ever writes, which reads as absent.
// User writes into the zone are refused (ReservedKeyError); that is the one thing an etcd client
// of dcsgw-over-etcd cannot do that it could on genuine etcd (test/contract/README.md).
import { EtcdError, GrpcCode } from './errors.js';

export const SYSTEM_PREFIX = Buffer.from('\x00dcsgw/', 'latin1');
export const LEASE_MARKER_PREFIX = Buffer.from('\x00dcsgw-lease/', 'latin1');
/** The lowest key of the user view. */
export const USER_START = Buffer.from([0x01]);
/** A key in the zone that nothing writes: what a user request wholly inside the zone addresses. */
export const HIDDEN_KEY = Buffer.from([0x00]);
/** etcd's "to the end of the keyspace" range end. */
const FROM_KEY = Buffer.from([0x00]);

export function reservedKeyError(): EtcdError {
  return new EtcdError(
    GrpcCode.INVALID_ARGUMENT,
    'dcsgw: keys beginning with a NUL byte are reserved for dcsgw\'s system keyspace on this etcd backend',
  );
}

export function inZone(key: Buffer): boolean {
  return key.length > 0 && key[0] === 0x00;
}

/** The smallest key greater than every key with this prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return FROM_KEY;
}

const isFromKey = (rangeEnd: Buffer): boolean => rangeEnd.length === 1 && rangeEnd[0] === 0x00;

/** A key and range end in the genuine cluster's terms; `hidden` when the request addresses nothing visible. */
export interface MappedRange {
  key: Buffer;
  rangeEnd: Buffer;
  hidden: boolean;
}

/** A user-keyspace [key, rangeEnd) clipped to the user view. */
export function clipUser(key: Buffer, rangeEnd: Buffer): MappedRange {
  if (rangeEnd.length === 0) {
    return inZone(key) ? { key: HIDDEN_KEY, rangeEnd, hidden: true } : { key, rangeEnd, hidden: false };
  }
  if (Buffer.compare(key, USER_START) >= 0) return { key, rangeEnd, hidden: false };
  // the range starts in the zone: raise its start to the user view, unless it ends there too
  if (!isFromKey(rangeEnd) && Buffer.compare(rangeEnd, USER_START) <= 0) return { key: HIDDEN_KEY, rangeEnd: Buffer.alloc(0), hidden: true };
  return { key: USER_START, rangeEnd, hidden: false };
}

/** A system-keyspace [key, rangeEnd) as the range under SYSTEM_PREFIX in the genuine cluster. */
export function mapSystem(key: Buffer, rangeEnd: Buffer): MappedRange {
  const k = Buffer.concat([SYSTEM_PREFIX, key]);
  if (rangeEnd.length === 0) return { key: k, rangeEnd, hidden: false };
  if (isFromKey(rangeEnd)) return { key: k, rangeEnd: prefixEnd(SYSTEM_PREFIX), hidden: false };
  return { key: k, rangeEnd: Buffer.concat([SYSTEM_PREFIX, rangeEnd]), hidden: false };
}

export function mapRange(keyspace: 'user' | 'system' | undefined, key: Buffer, rangeEnd: Buffer): MappedRange {
  return keyspace === 'system' ? mapSystem(key, rangeEnd) : clipUser(key, rangeEnd);
}

export function isSystemKey(key: Buffer): boolean {
  return key.length >= SYSTEM_PREFIX.length && key.subarray(0, SYSTEM_PREFIX.length).equals(SYSTEM_PREFIX);
}

/** A genuine cluster's key back in the system keyspace's terms. */
export function stripSystem(key: Buffer): Buffer {
  return key.subarray(SYSTEM_PREFIX.length);
}

export function leaseMarkerKey(id: bigint): Buffer {
  return Buffer.concat([LEASE_MARKER_PREFIX, Buffer.from(id.toString(16).padStart(16, '0'), 'latin1')]);
}

export function leaseIdOfMarker(key: Buffer): bigint {
  return BigInt('0x' + key.subarray(LEASE_MARKER_PREFIX.length).toString('latin1'));
}
