// The gRPC client of the scenarios ships with dcsgw (`dcsgw conformance`): one copy, under src/.
export * from '../../../src/compat/conformance/etcd/grpc.js';
