// A server that joined as a non-voter (a raft learner) cannot serve writes or linearizable reads
// from its own store (etcd answers "rpc not supported for learner"); Consul's non-voting servers
// forward such requests to the voters. This Backend does the same: while the local member is a
// learner, the calls a learner refuses go to the voters over the server RPC; once promoted,
// everything is local again. Serializable reads and watches stay local (a learner applies the log).
import type { Backend } from '../../adapters/backend.js';
import type { NativeBackend } from '../../adapters/native.js';
import type { RemoteBackend } from '../../adapters/remote.js';

const FORWARDED_WHILE_LEARNER = new Set<string | symbol>([
  'put',
  'deleteRange',
  'txn',
  'compact',
  'progressHeader',
  'leaseGrant',
  'leaseRevoke',
  'leaseKeepAlive',
  'leaseTimeToLive',
  'leaseLeases',
  'memberAdd',
  'memberRemove',
  'memberUpdate',
  'memberPromote',
  'hash',
  'hashKV',
  'alarm',
  'consulSnapshot',
  'restoreConsulSnapshot',
]);

export function learnerAwareBackend(native: NativeBackend, voters: RemoteBackend): NativeBackend {
  const isLearner = (): boolean => native.node.isLearner();
  return new Proxy(native, {
    get(target, prop, receiver) {
      if (isLearner()) {
        if (FORWARDED_WHILE_LEARNER.has(prop)) {
          const fn = (voters as unknown as Record<string | symbol, unknown>)[prop];
          if (typeof fn === 'function') return fn.bind(voters);
        }
        if (prop === 'range') {
          return (req: Parameters<Backend['range']>[0]) => (req.serializable ? target.range(req) : voters.range(req));
        }
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
