// The linearizability checker: import everything from here.
//   checkLinearizable(model, history, { timeoutMs }) -> { ok, timedOut, counterexample? }
// Models: registerModel (Jepsen register, partitioned per key), etcdKvModel() (etcd KV with revisions).
export * from './types.js';
export { checkLinearizable, partitionByKey } from './check.js';
export * from './models/register.js';
export * from './models/etcd-kv.js';
export { parseJepsenRegisterLog } from './jepsen-log.js';
export * from './recorder.js';
export { saveHistory, loadHistory } from './history-file.js';
