// clientv3's "require leader" option (metadata hasleader=true): etcd 3.4's interceptors refuse such
// calls with "etcdserver: no leader" while the member knows no leader, and end such streams (watch
// included) with that error when the leader is lost. Backends that can tell (the native one) expose
// hasLeader/onLeaderChange; for the others every call passes.
import type { Backend } from '../../adapters/backend.js';

export interface LeaderAware {
  hasLeader(): boolean;
  onLeaderChange(fn: (leader: bigint) => void): void;
  /** A learner: etcd's stream interceptor refuses every stream RPC on it ("rpc not supported for learner"). */
  isLearner(): boolean;
}

export function leaderAware(backend: Backend): LeaderAware | undefined {
  const b = backend as Backend & Partial<LeaderAware>;
  if (typeof b.hasLeader === 'function' && typeof b.onLeaderChange === 'function') {
    const learner = typeof b.isLearner === 'function' ? () => b.isLearner!() : () => false;
    return { hasLeader: () => b.hasLeader!(), onLeaderChange: (fn) => b.onLeaderChange!(fn), isLearner: learner };
  }
  return undefined;
}

/** The metadata key and value clientv3.WithRequireLeader sets. */
export const REQUIRE_LEADER_KEY = 'hasleader';
export const requiresLeader = (metadata: Record<string, string>): boolean => metadata[REQUIRE_LEADER_KEY] === 'true';
