// Scenarios where dcsgw's answer still differs from genuine etcd 3.4.23, each with one line: what
// differs and whose area it is (gateway, codec, mvcc, node, cli). The conformance test fails on
// any difference NOT listed here, and on any listed scenario that has become identical (remove it
// then). Genuine-vs-genuine runs (CONFORMANCE_TARGET=etcd) ignore this list: all must match.
export const knownDifferences: Record<string, string> = {};
