// Scenarios where dcsgw's answer still differs from genuine etcd 3.4.23, each with one line: what
// differs and whose area it is (gateway, codec, mvcc, node, cli). The conformance test fails on
// any difference NOT listed here, and on any listed scenario that has become identical (remove it
// then). Genuine-vs-genuine runs (CONFORMANCE_TARGET=etcd) ignore this list: all must match.
// Full diffs of the last run: .tmp/conformance-report-dcsgw.txt.

export const knownDifferences: Record<string, string> = {
  'late-auth-lease-key-leak': 'auth (on purpose): 3.4.23 shows a lease\'s key names to a user who may not read them (CVE-2023-32082); dcsgw answers "permission denied" as 3.4.26 does',
};

/** The same for the 3-member cluster scenarios (cluster.test.ts, scenarios/cluster3.ts). */
export const knownClusterDifferences: Record<string, string> = {
};

/** tls-auth.test.ts, per configuration (its name): differences with TLS and auth on 3-member clusters. */
export const knownTlsAuthDifferences: Record<string, Record<string, string>> = {
};
