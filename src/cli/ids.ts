// Member and cluster IDs derived exactly as etcd 3.4 derives them for a new cluster, so a dcsgw
// cluster started with the same flags as a genuine one shows the same IDs (etcdctl member list,
// response headers): etcdserver/api/membership.NewMember and RaftCluster.genID.
import { createHash } from 'node:crypto';

/** sha1(sorted peer URLs joined + cluster token), first 8 bytes big-endian. */
export function deriveMemberId(peerURLs: readonly string[], clusterToken: string): bigint {
  const sorted = [...peerURLs].sort();
  const digest = createHash('sha1').update(sorted.join('') + clusterToken).digest();
  return digest.readBigUInt64BE(0);
}

/** sha1 over the member IDs in ascending order, each as 8 big-endian bytes; first 8 bytes. */
export function deriveClusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => buf.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(buf).digest().readBigUInt64BE(0);
}

/** etcd's types.ID.String(): lower-case hex without padding. */
export function idToHex(id: bigint): string {
  return id.toString(16);
}
