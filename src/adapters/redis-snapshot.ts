// Maintenance.Snapshot on the Redis backend: the user keyspace's kept history and user leases,
// written as the bbolt database genuine etcd 3.4 streams (its "key", "lease", "meta", "members",
// "cluster" buckets), so `etcdctl snapshot save` through dcsgw gives a file that `etcdctl snapshot
// status / restore` accept and a genuine etcd can start from. The system keyspace (Consul-only
// state) is left out, as the native store's snapshot leaves it out.
//
// Records are read in batches, not in one script, so a large store does not hold Redis for long;
// the history of every version up to the revision read first is stable (writes only add newer
// versions), so the file is that revision's state. A compaction running meanwhile can drop
// versions the file would have held; they are older than any read could ask for anyway.
import type { KeyValue, Member } from './backend.js';
import { parseRecord } from './redis-codec.js';
import type { RedisClient } from './redis-connection.js';
import { type BoltItems, writeBoltDb } from '../native/node/bbolt-writer.js';
import { encodeKeyValuePb, encodeTombstonePb, Pb } from '../native/mvcc/kv-protobuf.js';
import { encodeRevKey } from '../native/mvcc/revision.js';

const BATCH = 256;

export interface RedisSnapshotInput {
  client: RedisClient;
  prefix: string;
  revision: number;
  compactRevision: number;
  member: Member;
  clusterVersion: string;
}

export async function redisSnapshotDb(o: RedisSnapshotInput): Promise<Buffer> {
  const versions: Array<{ key: Buffer; kv: KeyValue }> = [];
  let min: string | Buffer = '-';
  for (;;) {
    const keys = (await o.client.callBuffer('ZRANGEBYLEX', `${o.prefix}all:u`, min, '+', 'LIMIT', 0, BATCH)) as Buffer[];
    if (keys.length === 0) break;
    const pipe = o.client.pipeline();
    for (const k of keys) pipe.zrangebyscoreBuffer(Buffer.concat([Buffer.from(`${o.prefix}h:u:`), k]), '-inf', o.revision);
    const results = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      for (const rec of (results[i]?.[1] as Buffer[] | undefined) ?? []) versions.push({ key: k, kv: parseRecord(k, rec) });
    });
    if (keys.length < BATCH) break;
    min = Buffer.concat([Buffer.from('('), keys[keys.length - 1]!]);
  }
  // sub-revisions: the order of the changes inside one revision, here key order (etcd's is op order)
  versions.sort((a, b) => a.kv.modRevision - b.kv.modRevision || Buffer.compare(a.key, b.key));
  const keyItems: BoltItems = [];
  let sub = 0;
  let last = -1;
  for (const { key, kv } of versions) {
    sub = kv.modRevision === last ? sub + 1 : 0;
    last = kv.modRevision;
    const tombstone = kv.version === 0;
    keyItems.push([encodeRevKey(kv.modRevision, sub, tombstone), tombstone ? encodeTombstonePb(key) : encodeKeyValuePb(kv)]);
  }

  const leaseIds = (await o.client.callBuffer('ZRANGE', `${o.prefix}leases:u`, 0, -1)) as Buffer[];
  const pipe = o.client.pipeline();
  for (const id of leaseIds) pipe.hget(`${o.prefix}lease:${id.toString('latin1')}`, 'ttl');
  const ttls = (await pipe.exec()) ?? [];
  const leaseItems: BoltItems = leaseIds
    .map((idText, i): [bigint, number] => [BigInt(idText.toString('latin1')), Number(ttls[i]?.[1] ?? 0)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([id, ttl]) => {
      const k = Buffer.alloc(8);
      k.writeBigInt64BE(id);
      return [k, new Pb().int(1, id).int(2, ttl).finish()]; // leasepb.Lease {ID, TTL}
    });

  const consistentIndex = Buffer.alloc(8);
  consistentIndex.writeBigUInt64BE(BigInt(o.revision));
  const meta: BoltItems = [[Buffer.from('consistent_index'), consistentIndex]];
  if (o.compactRevision > 0) {
    meta.push([Buffer.from('finishedCompactRev'), encodeRevKey(o.compactRevision, 0, false)]);
    meta.push([Buffer.from('scheduledCompactRev'), encodeRevKey(o.compactRevision, 0, false)]);
  }
  const m = o.member;
  const memberJson = `{"id":${m.id.toString()},"peerURLs":${JSON.stringify(m.peerURLs)},"name":${JSON.stringify(m.name)}}`;
  return writeBoltDb(
    new Map<string, BoltItems>([
      ['alarm', []],
      ['auth', []],
      ['authRoles', []],
      ['authUsers', []],
      ['cluster', [[Buffer.from('clusterVersion'), Buffer.from(o.clusterVersion)]]],
      ['key', keyItems],
      ['lease', leaseItems],
      ['members', [[Buffer.from(m.id.toString(16)), Buffer.from(memberJson)]]],
      ['members_removed', []],
      ['meta', meta],
    ]),
  );
}
