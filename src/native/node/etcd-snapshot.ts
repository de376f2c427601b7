// Maintenance.Snapshot's payload as genuine etcd 3.4 streams it: a bbolt database with etcd's
// buckets, built from one consistent read view of the MVCC store (StoreSnapshotView: its kv, lease,
// meta and auth tables and the state record of the same point in time).
//   key      revision key (etcd's own 17/18-byte form, kept as is) -> mvccpb.KeyValue
//   lease    int64 BE lease ID -> leasepb.Lease {ID, TTL, RemainingTTL}
//   meta     consistent_index (u64 BE), finishedCompactRev / scheduledCompactRev (revision keys)
//   members  member ID hex -> JSON {"id","peerURLs","name","clientURLs"} (etcd's Member JSON)
//   cluster  clusterVersion -> "3.4.0"
//   auth, authRoles, authUsers: the auth store (./etcd-auth-buckets.ts)
//   alarm, members_removed: present (empty), as in etcd's files
// `etcdctl snapshot restore` reads the key and lease buckets and rewrites membership, so a genuine
// etcd can start from a snapshot taken here. Records and leases of the system keyspace (Consul-only
// state, DESIGN.md "One keyspace, two views") are left out: a genuine etcd restored from this file
// holds the user keys and leases alone, as etcd clients always saw them.
import type { Member } from '../../adapters/backend.js';
import { isSystemRecord } from '../mvcc/kv-record.js';
import { isSystemLeaseRecord } from '../mvcc/lease-record.js';
import type { StoreSnapshotView } from '../mvcc/store-dump.js';
import { type BoltItems, type BoltStream, type StreamedBucket, streamBoltDb } from './bbolt-writer.js';
import { etcdAuthBuckets } from './etcd-auth-buckets.js';
import { keyValuePbLength, writeKeyValuePb } from './etcd-key-value-pb.js';
import { Pb } from '../mvcc/kv-protobuf.js';

/** etcd sends its snapshot in 32 KiB messages. */
export const SNAPSHOT_CHUNK = 32 * 1024;
/** The file is built a MiB at a time, then cut into SNAPSHOT_CHUNK messages. */
const BUILD_CHUNK = 1024 * 1024;
/** The longest run of reading and converting between two event-loop turns. */
const SLICE_MS = 8;

function revKey(main: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  return b;
}

/**
 * The snapshot file of `view` (one point in time of the store), streamed: the "key" bucket is read
 * twice from the view (sizes, then bytes) and converted while sent, in slices of a few ms, so
 * neither the store nor the file is ever held whole in memory and the event loop keeps turning.
 * With `reuseBuffers`, each chunk is valid only until the next one is asked for (one buffer is
 * filled over and over: no gigabytes of buffers for the GC). The caller releases the view (view.done()) once `chunks` is finished or abandoned.
 */
export async function etcdSnapshotStream(view: StoreSnapshotView, members: Member[], clusterVersion: string, opts: { reuseBuffers?: boolean } = {}): Promise<BoltStream> {
  const all = (i: number): BoltItems => {
    const items: BoltItems = [];
    for (const { key, value } of view.section(i)) items.push([Buffer.from(key), Buffer.from(value)]); // copied before the next read
    return items;
  };
  const auth = etcdAuthBuckets(all(3));
  const key: StreamedBucket = {
    *entries() {
      for (const e of view.section(0)) if (!isSystemRecord(e.value)) yield e;
    },
    valueLength: keyValuePbLength,
    writeValue: writeKeyValuePb,
  };
  const leases: BoltItems = [];
  for (const { key: k, value: v } of view.section(1)) {
    if (isSystemLeaseRecord(v)) continue;
    // leasepb.Lease: ID=1, TTL=2, RemainingTTL=3.
    const pb = new Pb()
      .int(1, k.readBigInt64BE(0))
      .int(2, Math.round(v.readDoubleLE(0)))
      .int(3, Math.max(0, Math.round(v.readDoubleLE(8))))
      .finish();
    leases.push([Buffer.from(k), pb]);
  }
  const ci = Buffer.alloc(8);
  ci.writeBigUInt64BE(BigInt(view.consistentIndex));
  const meta: BoltItems = [[Buffer.from('consistent_index'), ci]];
  if (view.compactRevision >= 0) {
    meta.push([Buffer.from('finishedCompactRev'), revKey(view.compactRevision)]);
    meta.push([Buffer.from('scheduledCompactRev'), revKey(view.compactRevision)]);
  }
  const memberItems: BoltItems = members.map((m) => {
    // etcd's Member JSON: the ID as a JSON number (uint64), written by hand to keep all 64 bits.
    const attrs: string[] = [`"id":${m.id.toString()}`, `"peerURLs":${JSON.stringify(m.peerURLs)}`];
    if (m.isLearner) attrs.push('"isLearner":true');
    if (m.name) attrs.push(`"name":${JSON.stringify(m.name)}`);
    if (m.clientURLs.length > 0) attrs.push(`"clientURLs":${JSON.stringify(m.clientURLs)}`);
    return [Buffer.from(m.id.toString(16)), Buffer.from(`{${attrs.join(',')}}`)];
  });
  return streamBoltDb(
    new Map<string, BoltItems | StreamedBucket>([
      ['alarm', []],
      ['auth', auth.auth],
      ['authRoles', auth.authRoles],
      ['authUsers', auth.authUsers],
      ['cluster', clusterVersion ? [[Buffer.from('clusterVersion'), Buffer.from(clusterVersion)]] : []],
      ['key', key],
      ['lease', leases],
      ['members', memberItems],
      ['members_removed', []],
      ['meta', meta],
    ]),
    { chunkSize: BUILD_CHUNK, sliceMs: SLICE_MS, reuseBuffers: opts.reuseBuffers === true },
  );
}
