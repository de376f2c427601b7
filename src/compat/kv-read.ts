// Reads of Consul state from ONE point in time: the first range fixes the store revision R, every
// further range reads at R (etcd's range-at-revision), so a user value and its metadata record, or
// a session and the keys it holds, are always seen together as they were at R.
//
// Consistency: `linearizable` makes the first read a linearizable one (etcd ReadIndex), which is
// what Consul's ?consistent promises (the leader confirms it is still leader with a quorum before
// answering). Consul's default mode is answered by the leader without that round trip; here the
// default and ?stale both use a serializable read of this member's applied state: on the leader,
// or on a single member, that is the same data as Consul's default mode gives.
import type { Backend, KeyValue, Keyspace } from '../adapters/backend.js';
import { EMPTY_BYTES, prefixEnd, rangeRequest } from '../adapters/requests.js';

export class PinnedRead {
  revision = 0;

  constructor(
    private readonly backend: Backend,
    private readonly linearizable: boolean,
  ) {}

  async range(keyspace: Keyspace, key: Buffer, rangeEnd: Buffer = EMPTY_BYTES): Promise<KeyValue[]> {
    const first = this.revision === 0;
    const res = await this.backend.range(
      rangeRequest(key, { keyspace, rangeEnd, revision: first ? 0 : this.revision, serializable: first ? !this.linearizable : true }),
    );
    if (first) this.revision = res.header.revision;
    return res.kvs;
  }

  async one(keyspace: Keyspace, key: Buffer): Promise<KeyValue | undefined> {
    return (await this.range(keyspace, key))[0];
  }
}

/** etcd's [key, rangeEnd) for "every key with this prefix" (the empty prefix = every key). */
export function prefixRange(prefix: Buffer): [Buffer, Buffer] {
  if (prefix.length === 0) return [Buffer.from([0]), Buffer.from([0])];
  return [prefix, prefixEnd(prefix)];
}
