// The stored form of a lease (the LMDB value under its ID): granted TTL and checkpointed remaining
// TTL as doubles; a 17th byte (1) marks a lease of the system keyspace (a Consul session's), so
// user leases keep the 16 bytes they always had and a reload, Hash and the etcd snapshot writer can
// tell the two apart.
import type { Lease } from './lessor.js';

const SYSTEM_MARK = 1;

export function encodeLease(l: Lease): Buffer {
  const b = Buffer.allocUnsafe(l.system ? 17 : 16);
  b.writeDoubleLE(l.ttl, 0);
  b.writeDoubleLE(l.remainingTtl, 8);
  if (l.system) b[16] = SYSTEM_MARK;
  return b;
}

/** True for the stored record of a system lease. */
export function isSystemLeaseRecord(value: Uint8Array): boolean {
  return value.length > 16 && value[16] === SYSTEM_MARK;
}
