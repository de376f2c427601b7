// The scenario types ship with dcsgw (`dcsgw conformance`): one copy, under src/.
export * from '../../../src/compat/conformance/etcd/types.js';
