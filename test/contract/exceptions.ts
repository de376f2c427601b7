// The documented exceptions of the Backend contract, per backend: the case titles of
// ./backend-contract.ts that a backend does not honour, with the reason. ./README.md shows the same
// table to readers (./exceptions-table.test.ts keeps the two equal). A listed case runs as
// `it.fails`: when a backend starts honouring it, the suite says so and the entry must go.
export const CONTRACT_EXCEPTIONS: Record<string, Record<string, string>> = {
  native: {},
  memory: {
    'memberList and status describe the same cluster': 'the test double reports version "memory", not an etcd release',
    'HashKV of the store does not change when only system keys are written': "the test double's hash is a digest of its key list and the store revision, not etcd's algorithm",
    'member changes: a learner added, then removed': 'the test double is one member: memberAdd answers UNIMPLEMENTED "memory backend: single member"',
  },
  etcd: {
    'a user key beginning with a NUL byte is an ordinary user key':
      "keys beginning with a NUL byte are the reserved zone of dcsgw's system keyspace in the genuine cluster: a user write there is refused (INVALID_ARGUMENT, \"dcsgw: keys beginning with a NUL byte are reserved for dcsgw's system keyspace on this etcd backend\"), reads find nothing",
    'HashKV of the store does not change when only system keys are written': "Hash and HashKV are genuine etcd's, over its whole keyspace, reserved zone included",
    'granting and revoking a lease (either keyspace) does not move the revision':
      'a system-keyspace lease carries a marker key in the reserved zone: its grant and its revoke each take one revision (user leases take none, as in etcd)',
  },
  redis: {
    'member changes: a learner added, then removed':
      'the one member is the Redis endpoint: memberAdd answers UNIMPLEMENTED "dcsgw: adding a member (the Redis endpoint is the one member; scale Redis with replicas, Sentinel or Cluster) is not supported by the Redis backend"',
  },
  consul: {
    "a range at an older revision sees the value of that revision":
      "Consul keeps no history: a range at a revision older than the last change under its keys answers OUT_OF_RANGE \"etcdserver: mvcc: required revision has been compacted\" (one under which nothing changed since is answered)",
    "binary keys and values pass unchanged; revision filters of a range":
      "Consul keys are strings: a key that is not valid UTF-8 is refused (INVALID_ARGUMENT, \"dcsgw: keys must be valid UTF-8 on the Consul backend (Consul keys are strings)\"); binary values pass unchanged",
    "compaction: older revisions fail with etcd's compacted error; a watch from them is told so":
      "there is no history to compact: Compact answers UNIMPLEMENTED \"dcsgw: compaction (Consul keeps no history: only the latest value of each key exists) is not available on the Consul backend\"; older revisions answer the compacted error as above",
    "snapshot: the database in chunks, down to remainingBytes 0":
      "there is no etcd database: Snapshot answers UNIMPLEMENTED \"dcsgw: an etcd snapshot (the data is in Consul: use `consul snapshot save` on the cluster) is not available on the Consul backend\"; Consul's own snapshot passes through to the Consul face",
    "member changes: a learner added, then removed":
      "the members are Consul's servers (its raft configuration): memberAdd answers UNIMPLEMENTED \"dcsgw: changing members (Consul servers join with `consul join` / retry_join and leave with `consul leave`) is not available on the Consul backend\"",
  },
};

export function exceptionsOf(backend: string): Map<string, string> {
  const table = CONTRACT_EXCEPTIONS[backend];
  if (!table) throw new Error(`no exceptions entry for backend ${backend}: add one (even empty) to test/contract/exceptions.ts`);
  return new Map(Object.entries(table));
}
