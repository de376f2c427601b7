// The normalisation ships with dcsgw (`dcsgw conformance`): one copy, under src/.
export * from '../../../src/compat/conformance/etcd/normalise.js';
