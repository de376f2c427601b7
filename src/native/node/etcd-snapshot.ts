// Maintenance.Snapshot's payload as genuine etcd 3.4 streams it: a bbolt database with etcd's
// buckets, built from the MVCC store's own snapshot dump (src/native/mvcc/store.ts snapshotData:
// 'DCSMVCC1', {consistentIndex, revision, compactRevision} as doubles, then the kv, lease, meta
// and auth sections, each a u32 count of (u32 key length, u32 value length, key, value)).
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
import { decodeKvRecord, isSystemRecord } from '../mvcc/kv-record.js';
import { isSystemLeaseRecord } from '../mvcc/lease-record.js';
import { type BoltItems, writeBoltDb } from './bbolt-writer.js';
import { etcdAuthBuckets } from './etcd-auth-buckets.js';
import { encodeKeyValuePb, encodeTombstonePb, Pb } from '../mvcc/kv-protobuf.js';

const MAGIC = 'DCSMVCC1';

function revKey(main: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  return b;
}

export function etcdSnapshotDb(dump: Buffer, members: Member[], clusterVersion: string): Buffer {
  if (dump.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error('snapshot: unknown store dump format');
  let off = MAGIC.length;
  const consistentIndex = dump.readDoubleLE(off);
  const compactRevision = dump.readDoubleLE(off + 16);
  off += 24;
  const sections: BoltItems[] = [];
  for (let s = 0; s < 4; s++) {
    const n = dump.readUInt32LE(off);
    off += 4;
    const items: BoltItems = [];
    for (let i = 0; i < n; i++) {
      const kl = dump.readUInt32LE(off);
      const vl = dump.readUInt32LE(off + 4);
      off += 8;
      items.push([dump.subarray(off, off + kl), dump.subarray(off + kl, off + kl + vl)]);
      off += kl + vl;
    }
    sections.push(items);
  }
  const [kv, lease, , authSection] = sections as [BoltItems, BoltItems, BoltItems, BoltItems];
  const auth = etcdAuthBuckets(authSection);

  const key: BoltItems = kv.filter(([, v]) => !isSystemRecord(v)).map(([k, v]) => {
    const rec = decodeKvRecord(v);
    // A tombstone holds only the key, as etcd writes it.
    const tomb = k.length === 18 && k[17] === 0x74;
    return [Buffer.from(k), tomb ? encodeTombstonePb(rec.key) : encodeKeyValuePb(rec)];
  });
  const leases: BoltItems = lease.filter(([, v]) => !isSystemLeaseRecord(v)).map(([k, v]) => {
    // leasepb.Lease: ID=1, TTL=2, RemainingTTL=3.
    const pb = new Pb()
      .int(1, k.readBigInt64BE(0))
      .int(2, Math.round(v.readDoubleLE(0)))
      .int(3, Math.max(0, Math.round(v.readDoubleLE(8))))
      .finish();
    return [Buffer.from(k), pb];
  });
  const ci = Buffer.alloc(8);
  ci.writeBigUInt64BE(BigInt(consistentIndex));
  const meta: BoltItems = [[Buffer.from('consistent_index'), ci]];
  if (compactRevision >= 0) {
    meta.push([Buffer.from('finishedCompactRev'), revKey(compactRevision)]);
    meta.push([Buffer.from('scheduledCompactRev'), revKey(compactRevision)]);
  }
  const memberItems: BoltItems = members.map((m) => {
    // etcd's Member JSON: the ID as a JSON number (uint64), written by hand to keep all 64 bits.
    const attrs: string[] = [`"id":${m.id.toString()}`, `"peerURLs":${JSON.stringify(m.peerURLs)}`];
    if (m.isLearner) attrs.push('"isLearner":true');
    if (m.name) attrs.push(`"name":${JSON.stringify(m.name)}`);
    if (m.clientURLs.length > 0) attrs.push(`"clientURLs":${JSON.stringify(m.clientURLs)}`);
    return [Buffer.from(m.id.toString(16)), Buffer.from(`{${attrs.join(',')}}`)];
  });
  return writeBoltDb(
    new Map<string, BoltItems>([
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
  );
}
