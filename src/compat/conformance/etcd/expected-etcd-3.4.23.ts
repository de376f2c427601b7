// Recorded from genuine etcd by `dcsgw conformance --record` (src/compat/conformance/etcd/recorded.ts).
// Regenerate after changing a scenario; do not edit by hand.
import type { RecordedTranscripts } from './recorded.js';

export const genuineEtcd: RecordedTranscripts = {
 "server": "etcd 3.4.23",
 "etcdctl": "etcdctl version: 3.4.23",
 "recordedAt": "2026-12-07",
 "scenarios": {
  "put-simple": [
   "$ etcdctl put {P}k v1 -w simple\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w simple\n<RUN>/put-simple/k\nv1\n\n[rc=0]"
  ],
  "put-json": [
   "$ etcdctl put {P}k v1 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0}}\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>cHV0LWpzb24vaw==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"djE=\"}],\"count\":1}\n\n[rc=0]"
  ],
  "put-fields": [
   "$ etcdctl put {P}k v1 -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+1\n\"RaftTerm\" : T+0\n\n[rc=0]",
   "$ etcdctl get {P}k -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+1\n\"RaftTerm\" : T+0\n\"Key\" : \"<RUN>/put-fields/k\"\n\"CreateRevision\" : R+1\n\"ModRevision\" : R+1\n\"Version\" : 1\n\"Value\" : \"v1\"\n\"Lease\" : 0\n\"More\" : false\n\"Count\" : 1\n\n[rc=0]"
  ],
  "put-table": [
   "$ etcdctl put {P}k v1 -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]",
   "$ etcdctl get {P}k -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "put-prev-kv-simple": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k new --prev-kv -w simple\nOK\n<RUN>/put-prev-kv-simple/k\nold\n\n[rc=0]"
  ],
  "put-prev-kv-json": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k new --prev-kv -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"prev_kv\":{\"key\":\"<RUN64>cHV0LXByZXYta3YtanNvbi9r\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"b2xk\"}}\n\n[rc=0]"
  ],
  "put-prev-kv-fields": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k new --prev-kv -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+2\n\"RaftTerm\" : T+0\n\"PrevKey\" : \"<RUN>/put-prev-kv-fields/k\"\n\"PrevCreateRevision\" : R+1\n\"PrevModRevision\" : R+1\n\"PrevVersion\" : 1\n\"PrevValue\" : \"old\"\n\"PrevLease\" : 0\n\n[rc=0]"
  ],
  "put-prev-kv-table": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k new --prev-kv -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "put-stdin": [
   "$ etcdctl put {P}k\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k\n<RUN>/put-stdin/k\nfrom stdin\n\n[rc=0]"
  ],
  "put-ignore-value": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k --ignore-value\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>cHV0LWlnbm9yZS12YWx1ZS9r\",\"create_revision\":R+1,\"mod_revision\":R+2,\"version\":2,\"value\":\"a2VlcA==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "put-ignore-value-missing": [
   "$ etcdctl put {P}k --ignore-value\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: key not found\"}\nError: etcdserver: key not found\n\n[rc=1]"
  ],
  "put-value-dash": [
   "$ etcdctl put {P}k -- -dashed\nOK\n\n[rc=0]"
  ],
  "put-versions": [
   "$ etcdctl put {P}k 1\nOK\n\n[rc=0]",
   "$ etcdctl put {P}k 2\nOK\n\n[rc=0]",
   "$ etcdctl put {P}k 3\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>cHV0LXZlcnNpb25zL2s=\",\"create_revision\":R+1,\"mod_revision\":R+3,\"version\":3,\"value\":\"Mw==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "put-empty-value": [
   "$ etcdctl put {P}k \nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>cHV0LWVtcHR5LXZhbHVlL2s=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1}],\"count\":1}\n\n[rc=0]"
  ],
  "put-binary-hex": [
   "$ etcdctl put {P}k café\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k --hex\n<RUNX>\\x70\\x75\\x74\\x2d\\x62\\x69\\x6e\\x61\\x72\\x79\\x2d\\x68\\x65\\x78\\x2f\\x6b\n\\x63\\x61\\x66\\xc3\\xa9\n\n[rc=0]",
   "$ etcdctl get {P}k --hex -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>cHV0LWJpbmFyeS1oZXgvaw==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"Y2Fmw6k=\"}],\"count\":1}\n\n[rc=0]"
  ],
  "put-unicode-key": [
   "$ etcdctl put {P}üñî v\nOK\n\n[rc=0]",
   "$ etcdctl get {P} --prefix\n<RUN>/put-unicode-key/üñî\nv\n\n[rc=0]"
  ],
  "put-no-args": [
   "$ etcdctl put\n\n[stderr]\nError: put command needs 1 argument and input from stdin or 2 arguments\n\n[rc=128]"
  ],
  "put-empty-key": [
   "$ etcdctl put  v\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: key is not provided\"}\nError: etcdserver: key is not provided\n\n[rc=1]"
  ],
  "put-lease-not-found": [
   "$ etcdctl put {P}k v --lease=1234abcd\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = NotFound desc = etcdserver: requested lease not found\"}\nError: etcdserver: requested lease not found\n\n[rc=1]"
  ],
  "put-large-value": [
   "$ etcdctl put {P}k xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k --print-value-only\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\n[rc=0]"
  ],
  "get-one-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a -w simple\n<RUN>/get-one-simple/a\n1\n\n[rc=0]"
  ],
  "get-one-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LW9uZS1qc29uL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "get-missing-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}zz -w simple\n\n[rc=0]"
  ],
  "get-missing-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}zz -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "get-prefix-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix -w simple\n<RUN>/get-prefix-simple/a\n1\n<RUN>/get-prefix-simple/b\n22\n<RUN>/get-prefix-simple/c\n3\n\n[rc=0]"
  ],
  "get-prefix-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXByZWZpeC1qc29uL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>Z2V0LXByZWZpeC1qc29uL2I=\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},{\"key\":\"<RUN64>Z2V0LXByZWZpeC1qc29uL2M=\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"}],\"count\":3}\n\n[rc=0]"
  ],
  "get-range-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a {P}c -w simple\n<RUN>/get-range-simple/a\n1\n<RUN>/get-range-simple/b\n22\n\n[rc=0]"
  ],
  "get-range-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a {P}c -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXJhbmdlLWpzb24vYQ==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>Z2V0LXJhbmdlLWpzb24vYg==\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"}],\"count\":2}\n\n[rc=0]"
  ],
  "get-limit-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --limit=2 -w simple\n<RUN>/get-limit-simple/a\n1\n<RUN>/get-limit-simple/b\n22\n\n[rc=0]"
  ],
  "get-limit-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --limit=2 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LWxpbWl0LWpzb24vYQ==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>Z2V0LWxpbWl0LWpzb24vYg==\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"}],\"more\":true,\"count\":3}\n\n[rc=0]"
  ],
  "get-rev-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}b --rev={R+2} -w simple\n<RUN>/get-rev-simple/b\n2\n\n[rc=0]"
  ],
  "get-rev-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}b --rev={R+2} -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXJldi1qc29uL2I=\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1,\"value\":\"Mg==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "get-sort-key-desc-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=KEY --order=DESCEND -w simple\n<RUN>/get-sort-key-desc-simple/c\n3\n<RUN>/get-sort-key-desc-simple/b\n22\n<RUN>/get-sort-key-desc-simple/a\n1\n\n[rc=0]"
  ],
  "get-sort-key-desc-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=KEY --order=DESCEND -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNvcnQta2V5LWRlc2MtanNvbi9j\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"},{\"key\":\"<RUN64>Z2V0LXNvcnQta2V5LWRlc2MtanNvbi9i\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},{\"key\":\"<RUN64>Z2V0LXNvcnQta2V5LWRlc2MtanNvbi9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":3}\n\n[rc=0]"
  ],
  "get-sort-modify-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=MODIFY --order=DESCEND -w simple\n<RUN>/get-sort-modify-simple/b\n22\n<RUN>/get-sort-modify-simple/c\n3\n<RUN>/get-sort-modify-simple/a\n1\n\n[rc=0]"
  ],
  "get-sort-modify-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=MODIFY --order=DESCEND -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNvcnQtbW9kaWZ5LWpzb24vYg==\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtbW9kaWZ5LWpzb24vYw==\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtbW9kaWZ5LWpzb24vYQ==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":3}\n\n[rc=0]"
  ],
  "get-sort-create-asc-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=CREATE --order=ASCEND -w simple\n<RUN>/get-sort-create-asc-simple/a\n1\n<RUN>/get-sort-create-asc-simple/b\n22\n<RUN>/get-sort-create-asc-simple/c\n3\n\n[rc=0]"
  ],
  "get-sort-create-asc-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=CREATE --order=ASCEND -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNvcnQtY3JlYXRlLWFzYy1qc29uL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtY3JlYXRlLWFzYy1qc29uL2I=\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtY3JlYXRlLWFzYy1qc29uL2M=\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"}],\"count\":3}\n\n[rc=0]"
  ],
  "get-sort-version-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=VERSION --order=DESCEND -w simple\n<RUN>/get-sort-version-simple/b\n22\n<RUN>/get-sort-version-simple/a\n1\n<RUN>/get-sort-version-simple/c\n3\n\n[rc=0]"
  ],
  "get-sort-version-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=VERSION --order=DESCEND -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNvcnQtdmVyc2lvbi1qc29uL2I=\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtdmVyc2lvbi1qc29uL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtdmVyc2lvbi1qc29uL2M=\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"}],\"count\":3}\n\n[rc=0]"
  ],
  "get-sort-value-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=VALUE --order=ASCEND -w simple\n<RUN>/get-sort-value-simple/a\n1\n<RUN>/get-sort-value-simple/b\n22\n<RUN>/get-sort-value-simple/c\n3\n\n[rc=0]"
  ],
  "get-sort-value-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=VALUE --order=ASCEND -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNvcnQtdmFsdWUtanNvbi9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtdmFsdWUtanNvbi9i\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},{\"key\":\"<RUN64>Z2V0LXNvcnQtdmFsdWUtanNvbi9j\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"}],\"count\":3}\n\n[rc=0]"
  ],
  "get-keys-only-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --keys-only -w simple\n<RUN>/get-keys-only-simple/a\n\n<RUN>/get-keys-only-simple/b\n\n<RUN>/get-keys-only-simple/c\n\n\n[rc=0]"
  ],
  "get-keys-only-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --keys-only -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LWtleXMtb25seS1qc29uL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1},{\"key\":\"<RUN64>Z2V0LWtleXMtb25seS1qc29uL2I=\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2},{\"key\":\"<RUN64>Z2V0LWtleXMtb25seS1qc29uL2M=\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1}],\"count\":3}\n\n[rc=0]"
  ],
  "get-sort-key-limit-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=KEY --order=DESCEND --limit=1 -w simple\n<RUN>/get-sort-key-limit-simple/c\n3\n\n[rc=0]"
  ],
  "get-sort-key-limit-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --sort-by=KEY --order=DESCEND --limit=1 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNvcnQta2V5LWxpbWl0LWpzb24vYw==\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mw==\"}],\"more\":true,\"count\":3}\n\n[rc=0]"
  ],
  "get-value-only-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --print-value-only -w simple\n1\n22\n3\n\n[rc=0]"
  ],
  "get-value-only-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --print-value-only -w json\n\n[stderr]\nError: print-value-only is only for `--write-out=simple`\n\n[rc=128]"
  ],
  "get-serializable-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a --consistency=s -w simple\n<RUN>/get-serializable-simple/a\n1\n\n[rc=0]"
  ],
  "get-serializable-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a --consistency=s -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>Z2V0LXNlcmlhbGl6YWJsZS1qc29uL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "get-min-mod-rev-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --min-mod-revision={R+3} -w simple\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --min-mod-revision\n\nError: unknown flag: --min-mod-revision\n\n[rc=1]"
  ],
  "get-min-mod-rev-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --min-mod-revision={R+3} -w json\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --min-mod-revision\n\nError: unknown flag: --min-mod-revision\n\n[rc=1]"
  ],
  "get-max-mod-rev-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --max-mod-revision={R+2} -w simple\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --max-mod-revision\n\nError: unknown flag: --max-mod-revision\n\n[rc=1]"
  ],
  "get-max-mod-rev-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --max-mod-revision={R+2} -w json\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --max-mod-revision\n\nError: unknown flag: --max-mod-revision\n\n[rc=1]"
  ],
  "get-min-create-rev-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --min-create-revision={R+2} -w simple\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --min-create-revision\n\nError: unknown flag: --min-create-revision\n\n[rc=1]"
  ],
  "get-min-create-rev-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --min-create-revision={R+2} -w json\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --min-create-revision\n\nError: unknown flag: --min-create-revision\n\n[rc=1]"
  ],
  "get-max-create-rev-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --max-create-revision={R+1} -w simple\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --max-create-revision\n\nError: unknown flag: --max-create-revision\n\n[rc=1]"
  ],
  "get-max-create-rev-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --max-create-revision={R+1} -w json\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --max-create-revision\n\nError: unknown flag: --max-create-revision\n\n[rc=1]"
  ],
  "get-prefix-fields": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+4\n\"RaftTerm\" : T+0\n\"Key\" : \"<RUN>/get-prefix-fields/a\"\n\"CreateRevision\" : R+1\n\"ModRevision\" : R+1\n\"Version\" : 1\n\"Value\" : \"1\"\n\"Lease\" : 0\n\"Key\" : \"<RUN>/get-prefix-fields/b\"\n\"CreateRevision\" : R+2\n\"ModRevision\" : R+4\n\"Version\" : 2\n\"Value\" : \"22\"\n\"Lease\" : 0\n\"Key\" : \"<RUN>/get-prefix-fields/c\"\n\"CreateRevision\" : R+3\n\"ModRevision\" : R+3\n\"Version\" : 1\n\"Value\" : \"3\"\n\"Lease\" : 0\n\"More\" : false\n\"Count\" : 3\n\n[rc=0]"
  ],
  "get-prefix-table": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "get-limit-fields": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --limit=2 -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+4\n\"RaftTerm\" : T+0\n\"Key\" : \"<RUN>/get-limit-fields/a\"\n\"CreateRevision\" : R+1\n\"ModRevision\" : R+1\n\"Version\" : 1\n\"Value\" : \"1\"\n\"Lease\" : 0\n\"Key\" : \"<RUN>/get-limit-fields/b\"\n\"CreateRevision\" : R+2\n\"ModRevision\" : R+4\n\"Version\" : 2\n\"Value\" : \"22\"\n\"Lease\" : 0\n\"More\" : true\n\"Count\" : 3\n\n[rc=0]"
  ],
  "get-limit-table": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --limit=2 -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "get-keys-only-fields": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --keys-only -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+4\n\"RaftTerm\" : T+0\n\"Key\" : \"<RUN>/get-keys-only-fields/a\"\n\"CreateRevision\" : R+1\n\"ModRevision\" : R+1\n\"Version\" : 1\n\"Value\" : \"\"\n\"Lease\" : 0\n\"Key\" : \"<RUN>/get-keys-only-fields/b\"\n\"CreateRevision\" : R+2\n\"ModRevision\" : R+4\n\"Version\" : 2\n\"Value\" : \"\"\n\"Lease\" : 0\n\"Key\" : \"<RUN>/get-keys-only-fields/c\"\n\"CreateRevision\" : R+3\n\"ModRevision\" : R+3\n\"Version\" : 1\n\"Value\" : \"\"\n\"Lease\" : 0\n\"More\" : false\n\"Count\" : 3\n\n[rc=0]"
  ],
  "get-keys-only-table": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --keys-only -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "get-rev-fields": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}b --rev={R+2} -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+4\n\"RaftTerm\" : T+0\n\"Key\" : \"<RUN>/get-rev-fields/b\"\n\"CreateRevision\" : R+2\n\"ModRevision\" : R+2\n\"Version\" : 1\n\"Value\" : \"2\"\n\"Lease\" : 0\n\"More\" : false\n\"Count\" : 1\n\n[rc=0]"
  ],
  "get-rev-table": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}b --rev={R+2} -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "del-one-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P}a -w simple\n1\n\n[rc=0]"
  ],
  "del-one-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P}a -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+5,\"raft_term\":T+0},\"deleted\":1}\n\n[rc=0]"
  ],
  "del-one-fields": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P}a -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+5\n\"RaftTerm\" : T+0\n\"Deleted\" : 1\n\n[rc=0]"
  ],
  "del-prev-kv-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P}b --prev-kv -w simple\n1\n<RUN>/del-prev-kv-simple/b\n22\n\n[rc=0]"
  ],
  "del-prev-kv-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P}b --prev-kv -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+5,\"raft_term\":T+0},\"deleted\":1,\"prev_kvs\":[{\"key\":\"<RUN64>ZGVsLXByZXYta3YtanNvbi9i\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"}]}\n\n[rc=0]"
  ],
  "del-prefix": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P} --prefix\n3\n\n[rc=0]",
   "$ etcdctl get {P} --prefix --keys-only --limit=1 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+5,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "del-prefix-prev": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P} --prefix --prev-kv\n3\n<RUN>/del-prefix-prev/a\n1\n<RUN>/del-prefix-prev/b\n22\n<RUN>/del-prefix-prev/c\n3\n\n[rc=0]"
  ],
  "del-range": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P}a {P}c -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+5,\"raft_term\":T+0},\"deleted\":2}\n\n[rc=0]"
  ],
  "del-missing": [
   "$ etcdctl del {P}nothing\n0\n\n[rc=0]",
   "$ etcdctl del {P}nothing -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "del-then-recreate": [
   "seed\nput {P}k",
   "$ etcdctl del {P}k\n1\n\n[rc=0]",
   "$ etcdctl put {P}k 2\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZGVsLXRoZW4tcmVjcmVhdGUvaw==\",\"create_revision\":R+3,\"mod_revision\":R+3,\"version\":1,\"value\":\"Mg==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "del-history": [
   "seed\nput {P}k\nput {P}k",
   "$ etcdctl del {P}k\n1\n\n[rc=0]",
   "$ etcdctl get {P}k --rev={R+2} -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZGVsLWhpc3Rvcnkvaw==\",\"create_revision\":R+1,\"mod_revision\":R+2,\"version\":2,\"value\":\"Mg==\"}],\"count\":1}\n\n[rc=0]",
   "$ etcdctl get {P}k --rev={R+3} -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "del-no-args": [
   "$ etcdctl del\n\n[stderr]\nError: del command needs one argument as key and an optional argument as range_end\n\n[rc=128]"
  ],
  "txn-success-simple": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w simple\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\nOK\n\n<RUN>/txn-success-simple/a\n1\n\n[rc=0]"
  ],
  "txn-success-json": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"succeeded\":true,\"responses\":[{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":R+2}}}},{\"Response\":{\"ResponseRange\":{\"header\":{\"revision\":R+2},\"kvs\":[{\"key\":\"<RUN64>dHhuLXN1Y2Nlc3MtanNvbi9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}}}]}\n\n[rc=0]"
  ],
  "txn-success-fields": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w fields\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+2\n\"RaftTerm\" : T+0\n\"Succeeded\" : true\n\"ClusterID\" : 0\n\"MemberID\" : 0\n\"Revision\" : R+2\n\"RaftTerm\" : 0\n\"ClusterID\" : 0\n\"MemberID\" : 0\n\"Revision\" : R+2\n\"RaftTerm\" : 0\n\"Key\" : \"<RUN>/txn-success-fields/a\"\n\"CreateRevision\" : R+1\n\"ModRevision\" : R+1\n\"Version\" : 1\n\"Value\" : \"1\"\n\"Lease\" : 0\n\"More\" : false\n\"Count\" : 1\n\n[rc=0]"
  ],
  "txn-failure-simple": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w simple\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nFAILURE\n\nOK\n\n<RUN>/txn-failure-simple/a\n1\n\n[rc=0]"
  ],
  "txn-failure-json": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"responses\":[{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":R+2}}}},{\"Response\":{\"ResponseRange\":{\"header\":{\"revision\":R+2},\"kvs\":[{\"key\":\"<RUN64>dHhuLWZhaWx1cmUtanNvbi9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}}}]}\n\n[rc=0]"
  ],
  "txn-mod-compare": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n<RUN>/txn-mod-compare/b\n22\n\n[rc=0]"
  ],
  "txn-create-compare": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\nOK\n\n[rc=0]",
   "$ etcdctl get {P}new\n<RUN>/txn-create-compare/new\nx\n\n[rc=0]"
  ],
  "txn-version-compare": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n<RUN>/txn-version-compare/b\n22\n\n[rc=0]"
  ],
  "txn-missing-key-compare": [
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"succeeded\":true,\"responses\":[{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":R+1}}}}]}\n\n[rc=0]"
  ],
  "txn-value-less": [
   "seed\nput {P}a",
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n<RUN>/txn-value-less/a\nabc\n\n[rc=0]"
  ],
  "txn-multi-compare": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+5,\"raft_term\":T+0},\"succeeded\":true,\"responses\":[{\"Response\":{\"ResponseDeleteRange\":{\"header\":{\"revision\":R+5},\"deleted\":3}}}]}\n\n[rc=0]"
  ],
  "txn-empty": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n[rc=0]"
  ],
  "txn-put-prev-kv": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"succeeded\":true}\n\n[rc=0]"
  ],
  "txn-get-options": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"succeeded\":true}\n\n[rc=0]"
  ],
  "txn-bad-compare": [
   "$ etcdctl txn -i\ncompares:\n\n[stderr]\nError: malformed comparison: bogus(\"<RUN>/txn-bad-compare/a\") = \"1\" (unknown target bogus)\n\n[rc=3]"
  ],
  "txn-bad-op": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\n[stderr]\nError: invalid txn request: frob <RUN>/txn-bad-op/a\n\n[rc=3]"
  ],
  "txn-duplicate-put": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: duplicate key given in txn request\"}\nError: etcdserver: duplicate key given in txn request\n\n[rc=1]"
  ],
  "txn-duplicate-put-del": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: duplicate key given in txn request\"}\nError: etcdserver: duplicate key given in txn request\n\n[rc=1]"
  ],
  "txn-too-many-ops": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: too many operations in txn request\"}\nError: etcdserver: too many operations in txn request\n\n[rc=1]"
  ],
  "txn-128-ops": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n[rc=0]",
   "$ etcdctl get {P} --prefix --keys-only --limit=1 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "txn-ro-branches": [
   "seed\nput {P}a\nput {P}a\nput {P}b",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+3\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/txn-ro-branches/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"2\"}],\"more\":false}},{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+3\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/txn-ro-branches/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}},{\"response\":\"response_range\",\"response_range\":{\"count\":\"2\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+3\"},\"kvs\":[],\"more\":false}}],\"succeeded\":true}",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"2\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+3\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/txn-ro-branches/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"\",\"version\":\"2\"}],\"more\":true}},{\"response\":\"response_range\",\"response_range\":{\"count\":\"0\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+3\"},\"kvs\":[],\"more\":false}}],\"succeeded\":false}"
  ],
  "txn-ro-serializable": [
   "seed\nput {P}a",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/txn-ro-serializable/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}},{\"response\":\"response_range\",\"response_range\":{\"count\":\"0\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"kvs\":[],\"more\":false}}],\"succeeded\":true}",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/txn-ro-serializable/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}}],\"succeeded\":true}"
  ],
  "txn-ro-future-rev": [
   "seed\nput {P}a",
   "grpc KV.Txn\nERROR code=11 (OUT_OF_RANGE) message=\"etcdserver: mvcc: required revision is a future revision\"",
   "grpc KV.Txn\nERROR code=11 (OUT_OF_RANGE) message=\"etcdserver: mvcc: required revision is a future revision\"",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/txn-ro-future-rev/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}}],\"succeeded\":true}"
  ],
  "txn-ro-compares-only": [
   "seed\nput {P}a",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[],\"succeeded\":true}",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[],\"succeeded\":false}"
  ],
  "watch-rev-simple": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl watch {P}b --rev={R+1} -w simple\nPUT\n<RUN>/watch-rev-simple/b\n2\nPUT\n<RUN>/watch-rev-simple/b\n22\n\n[rc=-1]"
  ],
  "watch-rev-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl watch {P}b --rev={R+1} -w json\n{\"Header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"Events\":[{\"kv\":{\"key\":\"<RUN64>d2F0Y2gtcmV2LWpzb24vYg==\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1,\"value\":\"Mg==\"}},{\"kv\":{\"key\":\"<RUN64>d2F0Y2gtcmV2LWpzb24vYg==\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"}}],\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}\n\n[rc=-1]"
  ],
  "watch-prefix-rev": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl watch {P} --prefix --rev={R+1}\nPUT\n<RUN>/watch-prefix-rev/a\n1\nPUT\n<RUN>/watch-prefix-rev/b\n2\nPUT\n<RUN>/watch-prefix-rev/c\n3\nPUT\n<RUN>/watch-prefix-rev/b\n22\n\n[rc=-1]"
  ],
  "watch-prev-kv": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl watch {P}b --rev={R+1} --prev-kv -w json\n{\"Header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"Events\":[{\"kv\":{\"key\":\"<RUN64>d2F0Y2gtcHJldi1rdi9i\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1,\"value\":\"Mg==\"}},{\"kv\":{\"key\":\"<RUN64>d2F0Y2gtcHJldi1rdi9i\",\"create_revision\":R+2,\"mod_revision\":R+4,\"version\":2,\"value\":\"MjI=\"},\"prev_kv\":{\"key\":\"<RUN64>d2F0Y2gtcHJldi1rdi9i\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1,\"value\":\"Mg==\"}}],\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}\n\n[rc=-1]"
  ],
  "watch-delete-events": [
   "seed\nput {P}a",
   "$ etcdctl del {P}a\n1\n\n[rc=0]",
   "$ etcdctl watch {P}a --rev={R+1} --prev-kv\nPUT\n<RUN>/watch-delete-events/a\n1\nDELETE\n<RUN>/watch-delete-events/a\n1\n<RUN>/watch-delete-events/a\n\n\n[rc=-1]"
  ],
  "watch-range": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl watch {P}a {P}c --rev={R+1}\nPUT\n<RUN>/watch-range/a\n1\nPUT\n<RUN>/watch-range/b\n2\nPUT\n<RUN>/watch-range/b\n22\n\n[rc=-1]"
  ],
  "watch-live": [
   "$ etcdctl put {P}x 1\nOK\n\n[rc=0]",
   "$ etcdctl del {P}x\n1\n\n[rc=0]",
   "$ etcdctl watch {P} --prefix --rev={R+1}\nPUT\n<RUN>/watch-live/x\n1\nDELETE\n<RUN>/watch-live/x\n\n\n[rc=-1]"
  ],
  "watch-interactive": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl watch -i\nPUT\n<RUN>/watch-interactive/a\n1\nPUT\n<RUN>/watch-interactive/b\n2\nPUT\n<RUN>/watch-interactive/c\n3\nPUT\n<RUN>/watch-interactive/b\n22\n\n[rc=-1]"
  ],
  "watch-interactive-eof": [
   "$ etcdctl watch -i\n\n[stderr]\nError: Error reading watch request line: EOF\n\n[rc=3]"
  ],
  "watch-no-key": [
   "$ etcdctl watch\n\n[stderr]\nError: bad number of arguments\n\n[rc=128]"
  ],
  "watch-future-rev": [
   "seed\nput {P}a",
   "$ etcdctl watch {P}a --rev={R+1000}\n\n[rc=-1, interrupted]"
  ],
  "lease-grant-simple": [
   "$ etcdctl lease grant 300 -w simple\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]"
  ],
  "lease-grant-json": [
   "$ etcdctl lease grant 300 -w json\n{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0,\"ID\":<LEASE1>,\"TTL\":300,\"Error\":\"\"}\n\n[rc=0]"
  ],
  "lease-grant-fields": [
   "$ etcdctl lease grant 300 -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+0\n\"RaftTerm\" : T+0\n\"ID\" : <LEASE1>\n\"TTL\" : 300\n\n[rc=0]"
  ],
  "lease-attach-timetolive": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl put {P}k v --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1} --keys\nlease <LEASE1> granted with TTL(300s), remaining(<~TTL>), attached keys([<RUN>/lease-attach-timetolive/k])\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>bGVhc2UtYXR0YWNoLXRpbWV0b2xpdmUvaw==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"dg==\",\"lease\":<LEASE1>}],\"count\":1}\n\n[rc=0]"
  ],
  "lease-timetolive-json": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl put {P}k v --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1} --keys -w json\n{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0,\"id\":<LEASE1>,\"ttl\":<~TTL>,\"granted-ttl\":300,\"keys\":[\"<RUN64>bGVhc2UtdGltZXRvbGl2ZS1qc29uL2s=\"]}\n\n[rc=0]"
  ],
  "lease-timetolive-nokeys": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1}\nlease <LEASE1> granted with TTL(300s), remaining(<~TTL>)\n\n[rc=0]"
  ],
  "lease-revoke": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl put {P}k v --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl lease revoke {L1}\nlease <LEASE1> revoked\n\n[rc=0]",
   "$ etcdctl get {P}k --keys-only --limit=1 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0}}\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1}\nlease <LEASE1> already expired\n\n[rc=0]"
  ],
  "lease-revoke-json": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease revoke {L1} -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "lease-keepalive-once": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease keep-alive --once {L1}\nlease <LEASE1> keepalived with TTL(300)\n\n[rc=0]"
  ],
  "lease-keepalive-once-json": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease keep-alive --once {L1} -w json\n{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0,\"ID\":<LEASE1>,\"TTL\":300}\n\n[rc=0]"
  ],
  "lease-list-contains": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease revoke {L1}\nlease <LEASE1> revoked\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1} -w json\n{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0,\"id\":<LEASE1>,\"ttl\":-1,\"granted-ttl\":0,\"keys\":null}\n\n[rc=0]"
  ],
  "lease-revoke-missing": [
   "$ etcdctl lease revoke 1234abcd\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = NotFound desc = etcdserver: requested lease not found\"}\nError: failed to revoke lease (etcdserver: requested lease not found)\n\n[rc=1]"
  ],
  "lease-timetolive-missing": [
   "$ etcdctl lease timetolive 1234abcd\nlease 000000001234abcd already expired\n\n[rc=0]"
  ],
  "lease-keepalive-missing": [
   "$ etcdctl lease keep-alive --once 1234abcd\n\n[stderr]\nError: etcdserver: requested lease not found\n\n[rc=2]"
  ],
  "lease-grant-too-large": [
   "$ etcdctl lease grant 9000000000\nlease <LEASE1> granted with TTL(9000000000s)\n\n[rc=0]"
  ],
  "lease-grant-zero": [
   "$ etcdctl lease grant 0\nlease <LEASE1> granted with TTL(2s)\n\n[rc=0]"
  ],
  "lease-grant-bad": [
   "$ etcdctl lease grant abc\n\n[stderr]\nError: bad TTL (strconv.ParseInt: parsing \"abc\": invalid syntax)\n\n[rc=128]"
  ],
  "lease-expiry": [
   "$ etcdctl lease grant 1\nlease <LEASE1> granted with TTL(2s)\n\n[rc=0]",
   "$ etcdctl put {P}k v --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0}}\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1}\nlease <LEASE1> already expired\n\n[rc=0]",
   "$ etcdctl watch {P}k --rev={R+1}\nPUT\n<RUN>/lease-expiry/k\nv\nDELETE\n<RUN>/lease-expiry/k\n\n\n[rc=-1]"
  ],
  "lease-two-keys": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl put {P}a 1 --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl put {P}b 2 --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl lease timetolive {L1} --keys\nlease <LEASE1> granted with TTL(300s), remaining(<~TTL>), attached keys([<RUN>/lease-two-keys/a <RUN>/lease-two-keys/b])\n\n[rc=0]"
  ],
  "err-get-empty-key": [
   "$ etcdctl get \n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: key is not provided\"}\nError: etcdserver: key is not provided\n\n[rc=1]"
  ],
  "err-del-empty-key": [
   "$ etcdctl del \n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: key is not provided\"}\nError: etcdserver: key is not provided\n\n[rc=1]"
  ],
  "err-get-future-rev": [
   "seed\nput {P}a",
   "$ etcdctl get {P}a --rev={R+100}\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = OutOfRange desc = etcdserver: mvcc: required revision is a future revision\"}\nError: etcdserver: mvcc: required revision is a future revision\n\n[rc=1]"
  ],
  "err-get-bad-sort": [
   "$ etcdctl get {P}a --sort-by=FROB\n\n[stderr]\nError: bad sort target FROB\n\n[rc=4]"
  ],
  "err-get-bad-order": [
   "$ etcdctl get {P}a --order=SIDEWAYS\n\n[stderr]\nError: bad sort order SIDEWAYS\n\n[rc=4]"
  ],
  "err-get-range-and-prefix": [
   "$ etcdctl get {P}a {P}b --prefix\n\n[stderr]\nError: too many arguments, only accept one argument when `--prefix` or `--from-key` is set\n\n[rc=128]"
  ],
  "err-get-bad-consistency": [
   "$ etcdctl get {P}a --consistency=x\n\n[stderr]\nError: unknown consistency flag \"x\"\n\n[rc=4]"
  ],
  "err-put-too-large": [
   "$ etcdctl put {P}big\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = ResourceExhausted desc = trying to send message larger than max (2097204 vs. 2097152)\"}\nError: rpc error: code = ResourceExhausted desc = trying to send message larger than max (2097204 vs. 2097152)\n\n[rc=1]"
  ],
  "err-put-just-under-limit": [
   "$ etcdctl put {P}big\nOK\n\n[rc=0]",
   "$ etcdctl get {P}big --keys-only --limit=1 -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZXJyLXB1dC1qdXN0LXVuZGVyLWxpbWl0L2JpZw==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1}],\"count\":1}\n\n[rc=0]"
  ],
  "err-put-limit-boundary": [
   "$ etcdctl put {P}k\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: request is too large\"}\nError: etcdserver: request is too large\n\n[rc=1]",
   "$ etcdctl put {P}k\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: request is too large\"}\nError: etcdserver: request is too large\n\n[rc=1]",
   "$ etcdctl put {P}k\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: request is too large\"}\nError: etcdserver: request is too large\n\n[rc=1]"
  ],
  "err-txn-limit-boundary": [
   "$ etcdctl txn -i\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: request is too large\"}\nError: etcdserver: request is too large\n\n[rc=1]"
  ],
  "err-unknown-command": [
   "$ etcdctl frobnicate\n\n[stderr]\nError: unknown command \"frobnicate\" for \"etcdctl\"\nRun 'etcdctl --help' for usage.\nError: unknown command \"frobnicate\" for \"etcdctl\"\n\n[rc=1]"
  ],
  "err-count-only-is-3.5": [
   "$ etcdctl get {P}a --count-only\nNAME:\n\tget - Gets the key or a range of keys\n\nUSAGE:\n\tetcdctl get [options] <key> [range_end] [flags]\n\nOPTIONS:\n      --consistency=\"l\"\t\t\tLinearizable(l) or Serializable(s)\n      --from-key[=false]\t\tGet keys that are greater than or equal to the given key using byte compare\n  -h, --help[=false]\t\t\thelp for get\n      --keys-only[=false]\t\tGet only the keys\n      --limit=0\t\t\t\tMaximum number of results\n      --order=\"\"\t\t\tOrder of results; ASCEND or DESCEND (ASCEND by default)\n      --prefix[=false]\t\t\tGet keys with matching prefix\n      --print-value-only[=false]\tOnly write values when using the \"simple\" output format\n      --rev=0\t\t\t\tSpecify the kv revision\n      --sort-by=\"\"\t\t\tSort target; CREATE, KEY, MODIFY, VALUE, or VERSION\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: unknown flag: --count-only\n\nError: unknown flag: --count-only\n\n[rc=1]"
  ],
  "err-bad-output-format": [
   "$ etcdctl get {P}a -w yaml\n\n[stderr]\nError: unsupported output format\n\n[rc=4]"
  ],
  "err-watch-bad-rev": [
   "$ etcdctl watch {P}a --rev=abc\nNAME:\n\twatch - Watches events stream on keys or prefixes\n\nUSAGE:\n\tetcdctl watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...] [flags]\n\nOPTIONS:\n  -h, --help[=false]\t\thelp for watch\n  -i, --interactive[=false]\tInteractive mode\n      --prefix[=false]\t\tWatch on a prefix if prefix is set\n      --prev-kv[=false]\t\tget the previous key-value pair before the event happens\n      --rev=0\t\t\tRevision to start watching\n\nGLOBAL OPTIONS:\n      --cacert=\"\"\t\t\t\tverify certificates of TLS-enabled secure servers using this CA bundle\n      --cert=\"\"\t\t\t\t\tidentify secure client using this TLS certificate file\n      --command-timeout=5s\t\t\ttimeout for short running command (excluding dial timeout)\n      --debug[=false]\t\t\t\tenable client-side debug logging\n      --dial-timeout=2s\t\t\t\tdial timeout for client connections\n  -d, --discovery-srv=\"\"\t\t\tdomain name to query for SRV records describing cluster endpoints\n      --discovery-srv-name=\"\"\t\t\tservice name to query when using DNS discovery\n      --endpoints=[127.0.0.1:2379]\t\tgRPC endpoints\n      --hex[=false]\t\t\t\tprint byte strings as hex encoded strings\n      --insecure-discovery[=true]\t\taccept insecure SRV records describing cluster endpoints\n      --insecure-skip-tls-verify[=false]\tskip server certificate verification (CAUTION: this option should be enabled only for testing purposes)\n      --insecure-transport[=true]\t\tdisable transport security for client connections\n      --keepalive-time=2s\t\t\tkeepalive time for client connections\n      --keepalive-timeout=6s\t\t\tkeepalive timeout for client connections\n      --key=\"\"\t\t\t\t\tidentify secure client using this TLS key file\n      --password=\"\"\t\t\t\tpassword for authentication (if this option is used, --user option shouldn't include password)\n      --user=\"\"\t\t\t\t\tusername[:password] for authentication (prompt if password is not supplied)\n  -w, --write-out=\"simple\"\t\t\tset the output format (fields, json, protobuf, simple, table)\n\n\n[stderr]\nError: invalid argument \"abc\" for \"--rev\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n\nError: invalid argument \"abc\" for \"--rev\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n\n[rc=1]"
  ],
  "err-lease-bad-id": [
   "$ etcdctl lease timetolive zzzz\n\n[stderr]\nError: bad lease ID arg (strconv.ParseInt: parsing \"zzzz\": invalid syntax), expecting ID in Hex\n\n[rc=128]"
  ],
  "err-txn-bad-compare-op": [
   "$ etcdctl txn -i\ncompares:\n\n[rc=2]"
  ],
  "version": [
   "$ etcdctl version\netcdctl version: 3.4.23\nAPI version: 3.4\n\n[rc=0]"
  ],
  "lock-exec": [
   "$ etcdctl lock {P}lk echo held\nheld\n\n[rc=0]"
  ],
  "lock-hold": [
   "$ etcdctl lock {P}lk\n<RUN>/lock-hold/lk/<LEASE1>\n\n\n[rc=0]"
  ],
  "lock-ttl": [
   "$ etcdctl lock --ttl=10 {P}lk echo ttl\nttl\n\n[rc=0]"
  ],
  "lock-contended": [
   "$ etcdctl lock {P}lk echo second\nsecond\n\n[rc=0]",
   "$ etcdctl lock {P}lk -- sh -c sleep 0.5; echo first\nfirst\n\n[rc=0]"
  ],
  "lock-exec-fails": [
   "$ etcdctl lock {P}lk -- sh -c exit 3\n\n[stderr]\nError: exit status 3\n\n[rc=1]"
  ],
  "elect-campaign": [
   "$ etcdctl elect {P}el prop1\n<RUN>/elect-campaign/el/<LEASE1>\nprop1\n\n[rc=0]"
  ],
  "elect-listen": [
   "$ etcdctl elect -l {P}el\n<RUN>/elect-listen/el/<LEASE1>\nleader-v\n\n[rc=0]",
   "$ etcdctl elect {P}el leader-v\n<RUN>/elect-listen/el/<LEASE1>\nleader-v\n\n[rc=0]"
  ],
  "elect-no-proposal": [
   "$ etcdctl elect {P}el\n\n[stderr]\nError: no proposal argument but -l not set\n\n[rc=128]"
  ],
  "g-put": [
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"prev_kv\":null}",
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"prev_kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-put/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}}"
  ],
  "g-put-ignore-value": [
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"prev_kv\":null}",
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"prev_kv\":null}",
   "grpc KV.Range\n{\"count\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-put-ignore-value/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"1\",\"version\":\"2\"}],\"more\":false}"
  ],
  "g-put-ignore-value-missing": [
   "grpc KV.Put\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key not found\""
  ],
  "g-put-ignore-lease-missing": [
   "grpc KV.Put\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key not found\""
  ],
  "g-put-ignore-value-with-value": [
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"prev_kv\":null}",
   "grpc KV.Put\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: value is provided\""
  ],
  "g-put-empty-key": [
   "grpc KV.Put\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key is not provided\""
  ],
  "g-put-lease-missing": [
   "grpc KV.Put\nERROR code=5 (NOT_FOUND) message=\"etcdserver: requested lease not found\""
  ],
  "g-range-all-options": [
   "seed\nput {P}a\nput {P}b\nput {P}c",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"kvs\":[{\"create_revision\":\"R+3\",\"key\":\"<RUN>/g-range-all-options/c\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"3\",\"version\":\"1\"},{\"create_revision\":\"R+2\",\"key\":\"<RUN>/g-range-all-options/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"}],\"more\":true}",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"kvs\":[],\"more\":false}",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-range-all-options/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"\",\"version\":\"1\"},{\"create_revision\":\"R+2\",\"key\":\"<RUN>/g-range-all-options/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"\",\"version\":\"1\"},{\"create_revision\":\"R+3\",\"key\":\"<RUN>/g-range-all-options/c\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"\",\"version\":\"1\"}],\"more\":false}",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"kvs\":[{\"create_revision\":\"R+2\",\"key\":\"<RUN>/g-range-all-options/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"},{\"create_revision\":\"R+3\",\"key\":\"<RUN>/g-range-all-options/c\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"3\",\"version\":\"1\"}],\"more\":false}"
  ],
  "g-range-rev": [
   "seed\nput {P}a\nput {P}a",
   "grpc KV.Range\n{\"count\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-range-rev/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}",
   "grpc KV.Range\nERROR code=11 (OUT_OF_RANGE) message=\"etcdserver: mvcc: required revision is a future revision\""
  ],
  "g-range-empty-key": [
   "grpc KV.Range\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key is not provided\""
  ],
  "g-range-sort-none-target-key": [
   "seed\nput {P}b\nput {P}a",
   "grpc KV.Range\n{\"count\":\"2\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-range-sort-none-target-key/b\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},{\"create_revision\":\"R+2\",\"key\":\"<RUN>/g-range-sort-none-target-key/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"}],\"more\":false}"
  ],
  "g-del": [
   "seed\nput {P}a\nput {P}b",
   "grpc KV.DeleteRange\n{\"deleted\":\"2\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"prev_kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-del/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},{\"create_revision\":\"R+2\",\"key\":\"<RUN>/g-del/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"}]}"
  ],
  "g-del-empty-key": [
   "grpc KV.DeleteRange\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key is not provided\""
  ],
  "g-txn-success": [
   "seed\nput {P}a",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+2\"},\"prev_kv\":null}},{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+2\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-txn-success/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}}],\"succeeded\":true}"
  ],
  "g-txn-failure": [
   "seed\nput {P}a",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"responses\":[{\"response\":\"response_delete_range\",\"response_delete_range\":{\"deleted\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+2\"},\"prev_kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-txn-failure/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}]}}],\"succeeded\":false}"
  ],
  "g-txn-nested": [
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_txn\",\"response_txn\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"0\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"prev_kv\":null}}],\"succeeded\":true}}],\"succeeded\":true}"
  ],
  "g-txn-too-many-ops": [
   "grpc KV.Txn\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: too many operations in txn request\""
  ],
  "g-txn-duplicate-key": [
   "grpc KV.Txn\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: duplicate key given in txn request\""
  ],
  "g-txn-dup-in-range-del": [
   "grpc KV.Txn\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: duplicate key given in txn request\""
  ],
  "g-txn-compare-range": [
   "seed\nput {P}a\nput {P}b",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+3\"},\"prev_kv\":null}}],\"succeeded\":true}"
  ],
  "g-txn-compare-lease": [
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"responses\":[],\"succeeded\":true}"
  ],
  "g-lease-grant": [
   "grpc Lease.LeaseGrant\n{\"ID\":\"<LEASE1>\",\"TTL\":\"300\",\"error\":\"\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Lease.LeaseTimeToLive\n{\"ID\":\"<LEASE1>\",\"TTL\":\"<~TTL>\",\"grantedTTL\":\"300\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"keys\":[]}",
   "grpc Lease.LeaseRevoke\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}"
  ],
  "g-lease-grant-id": [
   "grpc Lease.LeaseGrant\n{\"ID\":\"4660\",\"TTL\":\"300\",\"error\":\"\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Lease.LeaseGrant\nERROR code=9 (FAILED_PRECONDITION) message=\"etcdserver: lease already exists\"",
   "grpc Lease.LeaseRevoke\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}"
  ],
  "g-lease-ttl-too-large": [
   "grpc Lease.LeaseGrant\nERROR code=11 (OUT_OF_RANGE) message=\"etcdserver: too large lease TTL\""
  ],
  "g-lease-ttl-missing": [
   "grpc Lease.LeaseTimeToLive\n{\"ID\":\"99999\",\"TTL\":\"-1\",\"grantedTTL\":\"0\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"keys\":[]}"
  ],
  "g-lease-revoke-missing": [
   "grpc Lease.LeaseRevoke\nERROR code=5 (NOT_FOUND) message=\"etcdserver: requested lease not found\""
  ],
  "g-lease-keepalive": [
   "grpc Lease.LeaseGrant\n{\"ID\":\"<LEASE1>\",\"TTL\":\"300\",\"error\":\"\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc stream Lease.LeaseKeepAlive\n{\"ID\":\"<LEASE1>\",\"TTL\":\"300\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Lease.LeaseRevoke\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}"
  ],
  "g-lease-keepalive-missing": [
   "grpc stream Lease.LeaseKeepAlive\n{\"ID\":\"99999\",\"TTL\":\"0\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}"
  ],
  "g-watch-history": [
   "seed\nput {P}a\nput {P}a",
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-watch-history/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"},{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-watch-history/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"2\"},\"prev_kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-watch-history/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"type\":\"PUT\"}],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}"
  ],
  "g-watch-filters": [
   "seed\nput {P}a",
   "grpc KV.DeleteRange\n{\"deleted\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"prev_kvs\":[]}",
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[{\"kv\":{\"create_revision\":\"0\",\"key\":\"<RUN>/g-watch-filters/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"\",\"version\":\"0\"},\"prev_kv\":null,\"type\":\"DELETE\"}],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}"
  ],
  "g-watch-future-rev": [
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"0\"}"
  ],
  "g-watch-cancel": [
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":true,\"compact_revision\":\"0\",\"created\":false,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"0\"}"
  ],
  "g-watch-progress": [
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"-1\"}"
  ],
  "g-watch-fragment-prefix": [
   "seed\nput {P}a\nput {P}b",
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-watch-fragment-prefix/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"},{\"kv\":{\"create_revision\":\"R+2\",\"key\":\"<RUN>/g-watch-fragment-prefix/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"}],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}"
  ],
  "g-auth-status-3.5": [
   "grpc raw /etcdserverpb.Auth/AuthStatus\nERROR code=12 (UNIMPLEMENTED) message=\"unknown method AuthStatus for service etcdserverpb.Auth\""
  ],
  "g-auth-authenticate-disabled": [
   "grpc Auth.Authenticate\nERROR code=9 (FAILED_PRECONDITION) message=\"etcdserver: authentication is not enabled\""
  ],
  "g-lock-unlock": [
   "grpc Lease.LeaseGrant\n{\"ID\":\"<LEASE1>\",\"TTL\":\"300\",\"error\":\"\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Lock.Lock\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"key\":\"<RUN>/g-lock-unlock/lk/<LEASE1>\"}",
   "grpc Lock.Unlock\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"}}"
  ],
  "g-election": [
   "grpc Lease.LeaseGrant\n{\"ID\":\"<LEASE1>\",\"TTL\":\"300\",\"error\":\"\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Election.Campaign\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"leader\":{\"key\":\"<RUN>/g-election/el/<LEASE1>\",\"lease\":\"<LEASE1>\",\"name\":\"<RUN>/g-election/el\",\"rev\":\"R+1\"}}",
   "grpc Election.Leader\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-election/el/<LEASE1>\",\"lease\":\"<LEASE1>\",\"mod_revision\":\"R+1\",\"value\":\"v1\",\"version\":\"1\"}}",
   "grpc Election.Proclaim\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"}}",
   "grpc Election.Leader\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/g-election/el/<LEASE1>\",\"lease\":\"<LEASE1>\",\"mod_revision\":\"R+2\",\"value\":\"v2\",\"version\":\"2\"}}",
   "grpc Election.Resign\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"}}"
  ],
  "g-election-no-leader": [
   "grpc Election.Leader\nERROR code=2 (UNKNOWN) message=\"election: no leader\""
  ],
  "g-unknown-method": [
   "grpc raw /etcdserverpb.Maintenance/Downgrade\nERROR code=12 (UNIMPLEMENTED) message=\"unknown method Downgrade for service etcdserverpb.Maintenance\""
  ],
  "g-unknown-service": [
   "grpc raw /etcdserverpb.Frob/Nicate\nERROR code=12 (UNIMPLEMENTED) message=\"unknown service etcdserverpb.Frob\""
  ],
  "gw-put-range": [
   "POST /v3/kv/put\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"}}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>Z3ctcHV0LXJhbmdlL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}],\"count\":\"1\"}"
  ],
  "gw-put-prev-kv": [
   "seed\nput {P}a",
   "POST /v3/kv/put\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"prev_kv\":{\"key\":\"<RUN64>Z3ctcHV0LXByZXYta3YvYQ==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"b2xk\"}}"
  ],
  "gw-range-prefix": [
   "seed\nput {P}a\nput {P}b",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>Z3ctcmFuZ2UtcHJlZml4L2I=\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\",\"value\":\"Mg==\"},{\"key\":\"<RUN64>Z3ctcmFuZ2UtcHJlZml4L2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}],\"count\":\"2\"}"
  ],
  "gw-range-count": [
   "seed\nput {P}a\nput {P}b",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"count\":\"2\"}"
  ],
  "gw-range-missing": [
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"}}"
  ],
  "gw-range-empty-key": [
   "POST /v3/kv/range\nHTTP 400 application/json\n{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\",\"code\":3}"
  ],
  "gw-put-empty-key": [
   "POST /v3/kv/put\nHTTP 400 application/json\n{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\",\"code\":3}"
  ],
  "gw-bad-json": [
   "POST /v3/kv/put\nHTTP 400 application/json\n{\"error\":\"invalid character 'n' looking for beginning of object key string\",\"message\":\"invalid character 'n' looking for beginning of object key string\",\"code\":3}"
  ],
  "gw-deleterange": [
   "seed\nput {P}a",
   "POST /v3/kv/deleterange\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"deleted\":\"1\",\"prev_kvs\":[{\"key\":\"<RUN64>Z3ctZGVsZXRlcmFuZ2UvYQ==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}]}"
  ],
  "gw-txn": [
   "seed\nput {P}a",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"R+2\"}}}]}"
  ],
  "gw-txn-dup": [
   "POST /v3/kv/txn\nHTTP 400 application/json\n{\"error\":\"etcdserver: duplicate key given in txn request\",\"message\":\"etcdserver: duplicate key given in txn request\",\"code\":3}"
  ],
  "gw-watch-stream": [
   "seed\nput {P}a\nput {P}a",
   "POST /v3/watch\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"created\":true}}\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"events\":[{\"kv\":{\"key\":\"<RUN64>Z3ctd2F0Y2gtc3RyZWFtL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}},{\"kv\":{\"key\":\"<RUN64>Z3ctd2F0Y2gtc3RyZWFtL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+2\",\"version\":\"2\",\"value\":\"Mg==\"}}]}}\n\n(stream cut at the end of the window)"
  ],
  "gw-lease-grant-revoke": [
   "POST /v3/lease/grant\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"300\"}",
   "POST /v3/lease/timetolive\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"<~TTL>\",\"grantedTTL\":\"300\"}",
   "POST /v3/lease/revoke\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"}}",
   "POST /v3/kv/lease/revoke\nHTTP 404 application/json\n{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: requested lease not found\",\"code\":5}"
  ],
  "gw-lease-keepalive": [
   "POST /v3/lease/grant\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"300\"}",
   "POST /v3/lease/keepalive\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"300\"}}\n"
  ],
  "gw-lease-timetolive-missing": [
   "POST /v3/lease/timetolive\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"99999\",\"TTL\":\"-1\"}"
  ],
  "gw-lease-ttl-too-large": [
   "POST /v3/lease/grant\nHTTP 400 application/json\n{\"error\":\"etcdserver: too large lease TTL\",\"message\":\"etcdserver: too large lease TTL\",\"code\":11}"
  ],
  "gw-unknown-path": [
   "POST /v3/kv/frob\nHTTP 404 text/plain\nNot Found\n"
  ],
  "gw-get-on-post-route": [
   "GET /v3/kv/range\nHTTP 405 text/plain\nMethod Not Allowed\n"
  ],
  "gw-v3beta": [
   "POST /v3beta/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"}}"
  ],
  "http-version": [
   "GET /version\nHTTP 200 application/json\n{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}"
  ],
  "http-readyz": [
   "GET /readyz\nHTTP 404 text/plain\n404 page not found\n"
  ],
  "http-health": [
   "GET /health\nHTTP 200 text/plain\n{\"health\":\"true\"}"
  ],
  "http-metrics-names": [
   "GET /metrics\nHTTP 200 text/plain\netcd_server_has_leader: present\netcd_server_is_leader: present\netcd_server_leader_changes_seen_total: present\netcd_server_proposals_committed_total: present\netcd_server_proposals_applied_total: present\netcd_server_proposals_pending: present\netcd_server_proposals_failed_total: present\netcd_mvcc_db_total_size_in_bytes: present\netcd_debugging_mvcc_keys_total: present\netcd_disk_wal_fsync_duration_seconds_bucket: present\netcd_disk_backend_commit_duration_seconds_bucket: present\netcd_network_client_grpc_received_bytes_total: present\netcd_server_version: present\netcd_cluster_version: present\ngrpc_server_handled_total: present\nprocess_cpu_seconds_total: present"
  ],
  "js-put-get": [
   "etcd3 put+get\n\"1\""
  ],
  "js-get-missing": [
   "etcd3 get missing\nnull"
  ],
  "js-get-all-prefix": [
   "seed\nput {P}a\nput {P}b",
   "etcd3 getAll prefix\n{\"<RUN>/js-get-all-prefix/a\":\"1\",\"<RUN>/js-get-all-prefix/b\":\"2\"}"
  ],
  "js-get-all-sorted": [
   "seed\nput {P}a\nput {P}b",
   "etcd3 getAll sorted\n[\"<RUN>/js-get-all-sorted/b\",\"<RUN>/js-get-all-sorted/a\"]"
  ],
  "js-count": [
   "seed\nput {P}a\nput {P}b",
   "etcd3 count\n2"
  ],
  "js-exec-raw": [
   "seed\nput {P}a",
   "etcd3 range exec\n{\"count\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/js-exec-raw/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}"
  ],
  "js-delete": [
   "seed\nput {P}a",
   "etcd3 delete\n[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/js-delete/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}]"
  ],
  "js-if-txn": [
   "seed\nput {P}a",
   "etcd3 if/then\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+2\"},\"prev_kv\":null}}],\"succeeded\":true}"
  ],
  "js-if-txn-else": [
   "etcd3 if/else\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"prev_kv\":null}}],\"succeeded\":false}"
  ],
  "js-empty-key": [
   "etcd3 put empty key\nERROR GRPCInvalidArgumentError: 3 INVALID_ARGUMENT: etcdserver: key is not provided"
  ],
  "js-lease": [
   "etcd3 lease grant + put + ttl + revoke\n{\"after\":[],\"keepaliveTTL\":\"300\",\"keys\":[\"<RUN>/js-lease/k\"]}"
  ],
  "js-lease-ttl-too-large": [
   "etcd3 lease too large\nERROR GRPCOutOfRangeError: 11 OUT_OF_RANGE: etcdserver: too large lease TTL"
  ],
  "js-watch": [
   "seed\nput {P}a\nput {P}a",
   "etcd3 watch from revision\n[\"put <RUN>/js-watch/a=1\",\"put <RUN>/js-watch/a=2\"]"
  ],
  "js-lock": [
   "etcd3 lock\n{\"after\":0,\"held\":1}"
  ],
  "js-election": [
   "etcd3 election\n{\"leader\":\"me\"}"
  ],
  "edge-key-with-nul": [
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"prev_kv\":null}",
   "grpc KV.Range\n{\"count\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"base64:<RUN64>ZWRnZS1rZXktd2l0aC1udWwvYQBi\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"v\",\"version\":\"1\"}],\"more\":false}"
  ],
  "edge-binary-value": [
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"prev_kv\":null}",
   "$ etcdctl get {P}k --hex\n<RUNX>\\x65\\x64\\x67\\x65\\x2d\\x62\\x69\\x6e\\x61\\x72\\x79\\x2d\\x76\\x61\\x6c\\x75\\x65\\x2f\\x6b\n\\x00\\xff\\x01\\xfe\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZWRnZS1iaW5hcnktdmFsdWUvaw==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"AP8B/g==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "edge-hex-keys": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P} --prefix --hex --keys-only\n<RUNX>\\x65\\x64\\x67\\x65\\x2d\\x68\\x65\\x78\\x2d\\x6b\\x65\\x79\\x73\\x2f\\x61\n\n<RUNX>\\x65\\x64\\x67\\x65\\x2d\\x68\\x65\\x78\\x2d\\x6b\\x65\\x79\\x73\\x2f\\x62\n\n<RUNX>\\x65\\x64\\x67\\x65\\x2d\\x68\\x65\\x78\\x2d\\x6b\\x65\\x79\\x73\\x2f\\x63\n\n\n[rc=0]"
  ],
  "edge-long-key": [
   "$ etcdctl put {P}kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk v\nOK\n\n[rc=0]",
   "$ etcdctl get {P} --prefix --keys-only -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+1,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZWRnZS1sb25nLWtleS9ra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1}],\"count\":1}\n\n[rc=0]"
  ],
  "edge-range-end-before-key": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "grpc KV.Range\n{\"count\":\"0\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"kvs\":[],\"more\":false}"
  ],
  "edge-range-limit-more": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-range-limit-more/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"\",\"version\":\"1\"}],\"more\":true}"
  ],
  "edge-range-rev-limit-sort": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"kvs\":[{\"create_revision\":\"R+3\",\"key\":\"<RUN>/edge-range-rev-limit-sort/c\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"3\",\"version\":\"1\"},{\"create_revision\":\"R+2\",\"key\":\"<RUN>/edge-range-rev-limit-sort/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"}],\"more\":true}"
  ],
  "edge-range-negative-limit": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "grpc KV.Range\n{\"count\":\"3\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"kvs\":[],\"more\":false}"
  ],
  "edge-range-negative-rev": [
   "grpc KV.Range\n{\"count\":\"0\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"kvs\":[],\"more\":false}"
  ],
  "edge-put-same-value": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k v\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZWRnZS1wdXQtc2FtZS12YWx1ZS9r\",\"create_revision\":R+1,\"mod_revision\":R+2,\"version\":2,\"value\":\"dg==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "edge-del-range-all-versions": [
   "seed\nput {P}a\nput {P}a\nput {P}b",
   "grpc KV.DeleteRange\n{\"deleted\":\"2\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"prev_kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-del-range-all-versions/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"2\"},{\"create_revision\":\"R+3\",\"key\":\"<RUN>/edge-del-range-all-versions/b\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"1\",\"version\":\"1\"}]}",
   "grpc KV.Range\n{\"count\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-del-range-all-versions/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"2\"}],\"more\":false}"
  ],
  "edge-txn-range-in-compare-missing": [
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"0\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+0\"},\"kvs\":[],\"more\":false}}],\"succeeded\":true}"
  ],
  "edge-txn-not-equal": [
   "seed\nput {P}a",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"responses\":[{\"response\":\"response_delete_range\",\"response_delete_range\":{\"deleted\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+2\"},\"prev_kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-txn-not-equal/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}]}}],\"succeeded\":true}"
  ],
  "edge-txn-put-then-range-same-txn": [
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"prev_kv\":null}},{\"response\":\"response_range\",\"response_range\":{\"count\":\"1\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-txn-put-then-range-same-txn/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"}],\"more\":false}}],\"succeeded\":true}"
  ],
  "edge-txn-nested-dup": [
   "grpc KV.Txn\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: duplicate key given in txn request\""
  ],
  "edge-txn-nested-branches-dup-ok": [
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+1\"},\"responses\":[{\"response\":\"response_txn\",\"response_txn\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"0\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+1\"},\"prev_kv\":null}}],\"succeeded\":true}}],\"succeeded\":true}"
  ],
  "edge-txn-lease-missing": [
   "grpc KV.Txn\nERROR code=5 (NOT_FOUND) message=\"etcdserver: requested lease not found\""
  ],
  "edge-txn-empty-key-op": [
   "grpc KV.Txn\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key is not provided\""
  ],
  "edge-txn-compare-empty-key": [
   "grpc KV.Txn\nERROR code=3 (INVALID_ARGUMENT) message=\"etcdserver: key is not provided\""
  ],
  "edge-watch-history-one-key": [
   "seed\nput {P}a\nput {P}b",
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-watch-history-one-key/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"}],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"watch_id\":\"0\"}"
  ],
  "edge-watch-ids": [
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"1\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"7\"}"
  ],
  "edge-watch-dup-id": [
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"5\"}\n{\"cancel_reason\":\"mvcc: duplicate watch ID provided on the WatchStream\",\"canceled\":true,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"-1\"}"
  ],
  "edge-watch-cancel-unknown": [
   "grpc stream Watch.Watch\n(0 answers within the window)"
  ],
  "edge-watch-empty-key": [
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"watch_id\":\"0\"}"
  ],
  "edge-watch-nodelete-prevkv": [
   "seed\nput {P}a",
   "grpc KV.Put\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"prev_kv\":null}",
   "grpc KV.DeleteRange\n{\"deleted\":\"1\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"prev_kvs\":[]}",
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-watch-nodelete-prevkv/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"},{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-watch-nodelete-prevkv/a\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"2\"},\"prev_kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/edge-watch-nodelete-prevkv/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"type\":\"PUT\"}],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"watch_id\":\"0\"}"
  ],
  "edge-watch-exec": [
   "seed\nput {P}a",
   "$ etcdctl watch {P}a --rev={R+1} -- sh -c echo \"$ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE\"\nPUT\n<RUN>/edge-watch-exec/a\n1\n\"PUT\" \"<RUN>/edge-watch-exec/a\"=\"1\"\n\n[rc=-1]"
  ],
  "edge-get-print-value-only-json": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a --print-value-only -w json\n\n[stderr]\nError: print-value-only is only for `--write-out=simple`\n\n[rc=128]"
  ],
  "edge-put-prev-kv-table": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k new --prev-kv -w table\n\n[stderr]\nError: table not supported as output format\n\n[rc=4]"
  ],
  "edge-del-prev-kv-fields": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl del {P} --prefix --prev-kv -w fields\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+5\n\"RaftTerm\" : T+0\n\"Deleted\" : 3\n\"PrevKey\" : \"<RUN>/edge-del-prev-kv-fields/a\"\n\"PrevCreateRevision\" : R+1\n\"PrevModRevision\" : R+1\n\"PrevVersion\" : 1\n\"PrevValue\" : \"1\"\n\"PrevLease\" : 0\n\"PrevKey\" : \"<RUN>/edge-del-prev-kv-fields/b\"\n\"PrevCreateRevision\" : R+2\n\"PrevModRevision\" : R+4\n\"PrevVersion\" : 2\n\"PrevValue\" : \"22\"\n\"PrevLease\" : 0\n\"PrevKey\" : \"<RUN>/edge-del-prev-kv-fields/c\"\n\"PrevCreateRevision\" : R+3\n\"PrevModRevision\" : R+3\n\"PrevVersion\" : 1\n\"PrevValue\" : \"3\"\n\"PrevLease\" : 0\n\n[rc=0]"
  ],
  "edge-txn-fields-failure": [
   "seed\nput {P}a",
   "$ etcdctl txn -i -w fields\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n\"ClusterID\" : <CLUSTER>\n\"MemberID\" : <MEMBER>\n\"Revision\" : R+1\n\"RaftTerm\" : T+0\n\"Succeeded\" : false\n\"ClusterID\" : 0\n\"MemberID\" : 0\n\"Revision\" : R+1\n\"RaftTerm\" : 0\n\"Key\" : \"<RUN>/edge-txn-fields-failure/a\"\n\"CreateRevision\" : R+1\n\"ModRevision\" : R+1\n\"Version\" : 1\n\"Value\" : \"1\"\n\"Lease\" : 0\n\"More\" : false\n\"Count\" : 1\n\n[rc=0]"
  ],
  "edge-lease-keepalive-stream": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease keep-alive {L1}\nlease <LEASE1> keepalived with TTL(300)\n\n[rc=-1]"
  ],
  "edge-elect-listen-none": [
   "$ etcdctl elect -l {P}none\n\n[rc=0, interrupted]"
  ],
  "edge-get-hex-json-header": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}b",
   "$ etcdctl get {P}a --hex -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+4,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZWRnZS1nZXQtaGV4LWpzb24taGVhZGVyL2E=\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "gw-range-rev-as-number": [
   "seed\nput {P}a\nput {P}a",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>Z3ctcmFuZ2UtcmV2LWFzLW51bWJlci9h\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}],\"count\":\"1\"}"
  ],
  "gw-bad-base64": [
   "POST /v3/kv/range\nHTTP 400 application/json\n{\"error\":\"illegal base64 data at input byte 0\",\"message\":\"illegal base64 data at input byte 0\",\"code\":3}"
  ],
  "gw-empty-body": [
   "POST /v3/kv/range\nHTTP 400 application/json\n{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\",\"code\":3}"
  ],
  "gw-unknown-field": [
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"}}"
  ],
  "gw-enum-as-number": [
   "seed\nput {P}a\nput {P}b",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>Z3ctZW51bS1hcy1udW1iZXIvYg==\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\",\"value\":\"Mg==\"},{\"key\":\"<RUN64>Z3ctZW51bS1hcy1udW1iZXIvYQ==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}],\"count\":\"2\"}"
  ],
  "gw-watch-two-messages": [
   "seed\nput {P}a",
   "POST /v3/watch\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"created\":true}}\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"watch_id\":\"1\",\"created\":true}}\n\n(stream cut at the end of the window)"
  ],
  "gw-watch-bad-json": [
   "POST /v3/watch\nHTTP 500 application/json\n{\"error\":\"invalid character 'o' looking for beginning of object key string\",\"message\":\"invalid character 'o' looking for beginning of object key string\",\"code\":2}"
  ],
  "gw-auth-authenticate-disabled": [
   "POST /v3/auth/authenticate\nHTTP 412 application/json\n{\"error\":\"etcdserver: authentication is not enabled\",\"message\":\"etcdserver: authentication is not enabled\",\"code\":9}"
  ],
  "gw-method-put": [
   "PUT /v3/kv/range\nHTTP 405 text/plain\nMethod Not Allowed\n"
  ],
  "gw-health-post": [
   "POST /health\nHTTP 405 text/plain\nMethod Not Allowed\n"
  ],
  "gw-version-post": [
   "POST /version\nHTTP 405 text/plain\nMethod Not Allowed\n"
  ],
  "gw-root-path": [
   "GET /\nHTTP 404 text/plain\n404 page not found\n"
  ],
  "gw-v3alpha": [
   "POST /v3alpha/kv/range\nHTTP 404 text/plain\n404 page not found\n"
  ],
  "pat-create-if-absent": [
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"R+1\"}}}]}",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"}}"
  ],
  "pat-leader-with-lease": [
   "POST /v3/lease/grant\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"30\"}",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"R+1\"}}}]}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>cGF0LWxlYWRlci13aXRoLWxlYXNlL2xlYWRlcg==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"bjE=\",\"lease\":\"<LEASE1>\"}],\"count\":\"1\"}",
   "POST /v3/lease/keepalive\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"30\"}}\n",
   "POST /v3/lease/revoke\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"}}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"}}"
  ],
  "pat-update-mod-revision": [
   "seed\nput {P}leader",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"R+2\"}}}]}",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"}}"
  ],
  "pat-delete-mod-revision": [
   "seed\nput {P}leader",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_delete_range\":{\"header\":{\"revision\":\"R+2\"},\"deleted\":\"1\"}}]}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"}}"
  ],
  "pat-range-prefix-serializable": [
   "seed\nput {P}members/a\nput {P}members/b\nput {P}config",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+3\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>cGF0LXJhbmdlLXByZWZpeC1zZXJpYWxpemFibGUvY29uZmln\",\"create_revision\":\"R+3\",\"mod_revision\":\"R+3\",\"version\":\"1\",\"value\":\"e30=\"},{\"key\":\"<RUN64>cGF0LXJhbmdlLXByZWZpeC1zZXJpYWxpemFibGUvbWVtYmVycy9h\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"eyJ4IjoxfQ==\"},{\"key\":\"<RUN64>cGF0LXJhbmdlLXByZWZpeC1zZXJpYWxpemFibGUvbWVtYmVycy9i\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\",\"value\":\"eyJ4IjoyfQ==\"}],\"count\":\"3\"}"
  ],
  "pat-put-plain": [
   "POST /v3/kv/put\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"}}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>cGF0LXB1dC1wbGFpbi9pbml0aWFsaXpl\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"NzAwMDAwMDAwMDAwMDAwMDAwMQ==\"}],\"count\":\"1\"}"
  ],
  "pat-lease-keepalive-missing": [
   "POST /v3/lease/keepalive\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\"}}\n"
  ],
  "pat-watch-progress-notify": [
   "seed\nput {P}leader",
   "POST /v3/watch\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"created\":true}}\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"events\":[{\"kv\":{\"key\":\"<RUN64>cGF0LXdhdGNoLXByb2dyZXNzLW5vdGlmeS9sZWFkZXI=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"bjE=\"}}]}}\n\n(stream cut at the end of the window)"
  ],
  "pat-auth-authenticate-disabled": [
   "POST /v3/auth/authenticate\nHTTP 412 application/json\n{\"error\":\"etcdserver: authentication is not enabled\",\"message\":\"etcdserver: authentication is not enabled\",\"code\":9}"
  ],
  "ev-get-rev-deleted-key": [
   "seed\nput {P}a",
   "$ etcdctl del {P}a\n1\n\n[rc=0]",
   "$ etcdctl get {P}a --rev={R+1} -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ2V0LXJldi1kZWxldGVkLWtleS9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}],\"count\":1}\n\n[rc=0]",
   "$ etcdctl get {P}a --rev={R+1}\n<RUN>/ev-get-rev-deleted-key/a\n1\n\n[rc=0]",
   "$ etcdctl get {P}a --rev={R+2} -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "ev-watch-prev-kv-delete-json": [
   "seed\nput {P}a",
   "$ etcdctl del {P}a\n1\n\n[rc=0]",
   "$ etcdctl watch {P}a --rev={R+2} --prev-kv -w json\n{\"Header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"Events\":[{\"type\":1,\"kv\":{\"key\":\"<RUN64>ZXYtd2F0Y2gtcHJldi1rdi1kZWxldGUtanNvbi9h\",\"mod_revision\":R+2},\"prev_kv\":{\"key\":\"<RUN64>ZXYtd2F0Y2gtcHJldi1rdi1kZWxldGUtanNvbi9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"}}],\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}\n\n[rc=-1]"
  ],
  "ev-del-prefix-prev-kv-json": [
   "seed\nput {P}a\nput {P}b",
   "$ etcdctl del {P} --prefix --prev-kv -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0},\"deleted\":2,\"prev_kvs\":[{\"key\":\"<RUN64>ZXYtZGVsLXByZWZpeC1wcmV2LWt2LWpzb24vYQ==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>ZXYtZGVsLXByZWZpeC1wcmV2LWt2LWpzb24vYg==\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1,\"value\":\"Mg==\"}]}\n\n[rc=0]",
   "$ etcdctl get {P} --prefix -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0}}\n\n[rc=0]"
  ],
  "ev-put-ignore-lease": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl put {P}k v --lease={L1}\nOK\n\n[rc=0]",
   "$ etcdctl put {P}k v2 --ignore-lease\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZXYtcHV0LWlnbm9yZS1sZWFzZS9r\",\"create_revision\":R+1,\"mod_revision\":R+2,\"version\":2,\"value\":\"djI=\",\"lease\":<LEASE1>}],\"count\":1}\n\n[rc=0]",
   "$ etcdctl put {P}none v --ignore-lease\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = InvalidArgument desc = etcdserver: key not found\"}\nError: etcdserver: key not found\n\n[rc=1]",
   "$ etcdctl lease revoke {L1}\nlease <LEASE1> revoked\n\n[rc=0]"
  ],
  "ev-put-ignore-value-and-lease": [
   "seed\nput {P}k",
   "$ etcdctl put {P}k --ignore-value --ignore-lease\nOK\n\n[rc=0]",
   "$ etcdctl get {P}k -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZXYtcHV0LWlnbm9yZS12YWx1ZS1hbmQtbGVhc2Uvaw==\",\"create_revision\":R+1,\"mod_revision\":R+2,\"version\":2,\"value\":\"dg==\"}],\"count\":1}\n\n[rc=0]"
  ],
  "ev-lease-use-after-revoke": [
   "$ etcdctl lease grant 300\nlease <LEASE1> granted with TTL(300s)\n\n[rc=0]",
   "$ etcdctl lease revoke {L1}\nlease <LEASE1> revoked\n\n[rc=0]",
   "$ etcdctl lease keep-alive --once {L1}\n\n[stderr]\nError: etcdserver: requested lease not found\n\n[rc=2]",
   "$ etcdctl lease timetolive {L1} -w json\n{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+0,\"raft_term\":T+0,\"id\":<LEASE1>,\"ttl\":-1,\"granted-ttl\":0,\"keys\":null}\n\n[rc=0]",
   "$ etcdctl put {P}k v --lease={L1}\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = NotFound desc = etcdserver: requested lease not found\"}\nError: etcdserver: requested lease not found\n\n[rc=1]",
   "$ etcdctl lease revoke {L1}\n\n[stderr]\n{\"level\":\"warn\",\"ts\":<TS>,\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-<UUID>/<ENDPOINT>\",\"attempt\":0,\"error\":\"rpc error: code = NotFound desc = etcdserver: requested lease not found\"}\nError: failed to revoke lease (etcdserver: requested lease not found)\n\n[rc=1]"
  ],
  "ev-put-prev-kv-json": [
   "seed\nput {P}a",
   "$ etcdctl put {P}a new --prev-kv -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"prev_kv\":{\"key\":\"<RUN64>ZXYtcHV0LXByZXYta3YtanNvbi9h\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"b2xk\"}}\n\n[rc=0]"
  ],
  "ev-get-serializable-keys-only": [
   "seed\nput {P}a\nput {P}b",
   "$ etcdctl get {P} --prefix --consistency=s --keys-only -w json\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+2,\"raft_term\":T+0},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ2V0LXNlcmlhbGl6YWJsZS1rZXlzLW9ubHkvYQ==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1},{\"key\":\"<RUN64>ZXYtZ2V0LXNlcmlhbGl6YWJsZS1rZXlzLW9ubHkvYg==\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1}],\"count\":2}\n\n[rc=0]"
  ],
  "ev-txn-ctl-del-prefix-in-failure": [
   "seed\nput {P}a\nput {P}b",
   "$ etcdctl txn -i -w json\ncompares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n{\"header\":{\"cluster_id\":<CLUSTER>,\"member_id\":<MEMBER>,\"revision\":R+3,\"raft_term\":T+0},\"responses\":[{\"Response\":{\"ResponseDeleteRange\":{\"header\":{\"revision\":R+3},\"deleted\":2,\"prev_kvs\":[{\"key\":\"<RUN64>ZXYtdHhuLWN0bC1kZWwtcHJlZml4LWluLWZhaWx1cmUvYQ==\",\"create_revision\":R+1,\"mod_revision\":R+1,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"<RUN64>ZXYtdHhuLWN0bC1kZWwtcHJlZml4LWluLWZhaWx1cmUvYg==\",\"create_revision\":R+2,\"mod_revision\":R+2,\"version\":1,\"value\":\"Mg==\"}]}}}]}\n\n[rc=0]",
   "$ etcdctl get {P} --prefix --keys-only\n\n[rc=0]"
  ],
  "ev-g-txn-compare-range-mismatch": [
   "seed\nput {P}a\nput {P}b",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+2\"},\"responses\":[{\"response\":\"response_range\",\"response_range\":{\"count\":\"2\",\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+2\"},\"kvs\":[{\"create_revision\":\"R+1\",\"key\":\"<RUN>/ev-g-txn-compare-range-mismatch/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},{\"create_revision\":\"R+2\",\"key\":\"<RUN>/ev-g-txn-compare-range-mismatch/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"}],\"more\":false}}],\"succeeded\":false}"
  ],
  "ev-g-txn-compare-range-version-less": [
   "seed\nput {P}a\nput {P}b\nput {P}b",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+4\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+4\"},\"prev_kv\":null}}],\"succeeded\":false}",
   "grpc KV.Txn\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+5\"},\"responses\":[{\"response\":\"response_put\",\"response_put\":{\"header\":{\"cluster_id\":\"0\",\"member_id\":\"0\",\"raft_term\":\"0\",\"revision\":\"R+5\"},\"prev_kv\":null}}],\"succeeded\":true}"
  ],
  "ev-g-watch-prefix-prev-kv-delete": [
   "seed\nput {P}a\nput {P}b",
   "grpc KV.DeleteRange\n{\"deleted\":\"2\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"prev_kvs\":[]}",
   "grpc stream Watch.Watch\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":true,\"events\":[],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"watch_id\":\"0\"}\n{\"cancel_reason\":\"\",\"canceled\":false,\"compact_revision\":\"0\",\"created\":false,\"events\":[{\"kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/ev-g-watch-prefix-prev-kv-delete/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"},{\"kv\":{\"create_revision\":\"R+2\",\"key\":\"<RUN>/ev-g-watch-prefix-prev-kv-delete/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"},\"prev_kv\":null,\"type\":\"PUT\"},{\"kv\":{\"create_revision\":\"0\",\"key\":\"<RUN>/ev-g-watch-prefix-prev-kv-delete/a\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"\",\"version\":\"0\"},\"prev_kv\":{\"create_revision\":\"R+1\",\"key\":\"<RUN>/ev-g-watch-prefix-prev-kv-delete/a\",\"lease\":\"0\",\"mod_revision\":\"R+1\",\"value\":\"1\",\"version\":\"1\"},\"type\":\"DELETE\"},{\"kv\":{\"create_revision\":\"0\",\"key\":\"<RUN>/ev-g-watch-prefix-prev-kv-delete/b\",\"lease\":\"0\",\"mod_revision\":\"R+3\",\"value\":\"\",\"version\":\"0\"},\"prev_kv\":{\"create_revision\":\"R+2\",\"key\":\"<RUN>/ev-g-watch-prefix-prev-kv-delete/b\",\"lease\":\"0\",\"mod_revision\":\"R+2\",\"value\":\"2\",\"version\":\"1\"},\"type\":\"DELETE\"}],\"fragment\":false,\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+3\"},\"watch_id\":\"0\"}"
  ],
  "ev-g-lease-keepalive-after-revoke": [
   "grpc Lease.LeaseGrant\n{\"ID\":\"<LEASE1>\",\"TTL\":\"300\",\"error\":\"\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Lease.LeaseRevoke\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc stream Lease.LeaseKeepAlive\n{\"ID\":\"<LEASE1>\",\"TTL\":\"0\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"}}",
   "grpc Lease.LeaseTimeToLive\n{\"ID\":\"<LEASE1>\",\"TTL\":\"-1\",\"grantedTTL\":\"0\",\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"raft_term\":\"T+0\",\"revision\":\"R+0\"},\"keys\":[]}"
  ],
  "ev-gw-range-sort-strings": [
   "seed\nput {P}a\nput {P}b\nput {P}c\nput {P}a",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+4\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2I=\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\"},{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2M=\",\"create_revision\":\"R+3\",\"mod_revision\":\"R+3\",\"version\":\"1\"},{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+4\",\"version\":\"2\"}],\"count\":\"3\"}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+4\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+4\",\"version\":\"2\"},{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2M=\",\"create_revision\":\"R+3\",\"mod_revision\":\"R+3\",\"version\":\"1\"},{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2I=\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\"}],\"count\":\"3\"}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+4\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+4\",\"version\":\"2\",\"value\":\"NA==\"}],\"more\":true,\"count\":\"3\"}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+4\",\"raft_term\":\"T+0\"},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2E=\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+4\",\"version\":\"2\"},{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2I=\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\"},{\"key\":\"<RUN64>ZXYtZ3ctcmFuZ2Utc29ydC1zdHJpbmdzL2M=\",\"create_revision\":\"R+3\",\"mod_revision\":\"R+3\",\"version\":\"1\"}],\"count\":\"3\"}",
   "POST /v3/kv/range\nHTTP 400 application/json\n{\"error\":\"unknown value \\\"SIDEWAYS\\\" for enum etcdserverpb.RangeRequest_SortOrder\",\"message\":\"unknown value \\\"SIDEWAYS\\\" for enum etcdserverpb.RangeRequest_SortOrder\",\"code\":3}"
  ],
  "ev-gw-put-lease-timetolive": [
   "POST /v3/lease/grant\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"300\"}",
   "POST /v3/kv/put\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"}}",
   "POST /v3/kv/lease/timetolive\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"<~TTL>\",\"grantedTTL\":\"300\",\"keys\":[\"<RUN64>ZXYtZ3ctcHV0LWxlYXNlLXRpbWV0b2xpdmUvbWVtYmVy\"]}",
   "POST /v3/kv/lease/revoke\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"}}",
   "POST /v3/kv/range\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"}}"
  ],
  "ev-gw-deleterange-prefix-prev-kv": [
   "seed\nput {P}a\nput {P}b",
   "POST /v3/kv/deleterange\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+3\",\"raft_term\":\"T+0\"},\"deleted\":\"2\",\"prev_kvs\":[{\"key\":\"<RUN64>ZXYtZ3ctZGVsZXRlcmFuZ2UtcHJlZml4LXByZXYta3YvYQ==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"},{\"key\":\"<RUN64>ZXYtZ3ctZGVsZXRlcmFuZ2UtcHJlZml4LXByZXYta3YvYg==\",\"create_revision\":\"R+2\",\"mod_revision\":\"R+2\",\"version\":\"1\",\"value\":\"Mg==\"}]}",
   "POST /v3/kv/deleterange\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+3\",\"raft_term\":\"T+0\"}}"
  ],
  "ev-gw-txn-lease-compare-value": [
   "POST /v3/lease/grant\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+0\",\"raft_term\":\"T+0\"},\"ID\":\"<LEASE1>\",\"TTL\":\"300\"}",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+1\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"R+1\"}}}]}",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"R+2\"}}}]}",
   "POST /v3/kv/txn\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"responses\":[{\"response_range\":{\"header\":{\"revision\":\"R+2\"},\"kvs\":[{\"key\":\"<RUN64>ZXYtZ3ctdHhuLWxlYXNlLWNvbXBhcmUtdmFsdWUvbGVhZGVy\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+2\",\"version\":\"2\",\"value\":\"bjE=\",\"lease\":\"<LEASE1>\"}],\"count\":\"1\"}}]}",
   "POST /v3/lease/revoke\nHTTP 200 application/json\n{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+3\",\"raft_term\":\"T+0\"}}"
  ],
  "ev-gw-watch-prev-kv-delete": [
   "seed\nput {P}a",
   "$ etcdctl del {P}a\n1\n\n[rc=0]",
   "POST /v3/watch\nHTTP 200 application/json\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"created\":true}}\n{\"result\":{\"header\":{\"cluster_id\":\"<CLUSTER>\",\"member_id\":\"<MEMBER>\",\"revision\":\"R+2\",\"raft_term\":\"T+0\"},\"events\":[{\"kv\":{\"key\":\"<RUN64>ZXYtZ3ctd2F0Y2gtcHJldi1rdi1kZWxldGUvYQ==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"<RUN64>ZXYtZ3ctd2F0Y2gtcHJldi1rdi1kZWxldGUvYQ==\",\"mod_revision\":\"R+2\"},\"prev_kv\":{\"key\":\"<RUN64>ZXYtZ3ctd2F0Y2gtcHJldi1rdi1kZWxldGUvYQ==\",\"create_revision\":\"R+1\",\"mod_revision\":\"R+1\",\"version\":\"1\",\"value\":\"MQ==\"}}]}}\n\n(stream cut at the end of the window)"
  ]
 }
};
