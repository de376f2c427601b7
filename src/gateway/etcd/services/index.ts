// Every etcd v3 method dcsgw serves on the client port, in the order etcd registers them.
import { AuthGate } from '../auth/auth-gate.js';
import { withAuthEnforcement } from '../auth/enforce.js';
import type { ServiceDeps } from '../deps.js';
import type { MethodDef } from '../method.js';
import { authMethods } from './auth.js';
import { clusterMethods } from './cluster.js';
import { electionMethods } from './election.js';
import { kvMethods } from './kv.js';
import { leaseMethods } from './lease.js';
import { lockMethods } from './lock.js';
import { maintenanceMethods } from './maintenance.js';
import { watchMethods } from './watch.js';

export function allEtcdMethods(deps: ServiceDeps): MethodDef[] {
  const gate = new AuthGate(deps.backend, deps.authTokenTtlSeconds, deps.authOptions);
  const methods = [
    ...kvMethods(deps),
    ...watchMethods(deps),
    ...leaseMethods(deps),
    ...clusterMethods(deps),
    ...maintenanceMethods(deps),
    ...authMethods(deps, gate),
    ...lockMethods(deps),
    ...electionMethods(deps),
  ];
  return withAuthEnforcement(methods, gate, deps.backend);
}
