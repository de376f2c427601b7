// The Backend a server agent's HTTP face and its client agents use, over its native store:
// - A server that joined as a non-voter (a raft learner) cannot serve writes or linearizable reads
//   from its own store (etcd answers "rpc not supported for learner"); Consul's non-voting servers
//   forward such requests to the voters. While the local member is a learner, the calls a learner
//   refuses go to the voters over the server RPC; once promoted, everything is local again.
// - Consul's default consistency mode reads on the leader, so a value written through any server
//   is read back through any other. The Consul face reads serializably (its single-member choice);
//   on a follower such a read first waits for a ReadIndex (the leader's commit), so it sees every
//   write acknowledged before it. Without a known leader it stays a local read (Consul's ?stale
//   and DNS keep answering while there is no leader).
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

export function learnerAwareBackend(current: () => NativeBackend, voters: RemoteBackend): NativeBackend {
  return new Proxy(current(), {
    get(_initial, prop) {
      // the store of the moment: a server that rejoined the cluster runs a new one
      const target = current();
      const receiver = target;
      const isLearner = (): boolean => target.node.isLearner();
      if (isLearner()) {
        if (FORWARDED_WHILE_LEARNER.has(prop)) {
          const fn = (voters as unknown as Record<string | symbol, unknown>)[prop];
          if (typeof fn === 'function') return fn.bind(voters);
        }
        // every read too: a learner may not have applied the revision a voter answered with
        if (prop === 'range') return voters.range.bind(voters);
        // a linearizable member list is a voter's answer (a learner refuses it)
        if (prop === 'memberList') return (linearizable: boolean) => (linearizable ? voters.memberList(true) : target.memberList(false));
      }
      if (prop === 'range') return (req: Parameters<Backend['range']>[0]) => followerRange(target, req);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A serializable read at the current revision, on a follower with a leader: after a ReadIndex. */
async function followerRange(native: NativeBackend, req: Parameters<Backend['range']>[0]): ReturnType<Backend['range']> {
  if (!req.serializable || req.revision !== 0 || native.isLeader() || !native.hasLeader()) return native.range(req);
  try {
    return await native.range({ ...req, serializable: false });
  } catch {
    return native.range(req);
  }
}
