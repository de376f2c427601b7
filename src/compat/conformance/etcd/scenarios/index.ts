// Every conformance scenario, in run order. Add new ones to the table of their kind.
import type { Scenario } from '../types.js';
import { authScenarios } from './auth.js';
import { clientScenarios } from './client.js';
import { clusterScenarios } from './cluster.js';
import { errorScenarios } from './errors.js';
import { everydayScenarios } from './everyday.js';
import { gatewayScenarios } from './gateway.js';
import { grpcScenarios } from './grpc.js';
import { kvScenarios } from './kv.js';
import { lateScenarios } from './late.js';
import { moreScenarios } from './more.js';
import { patroniScenarios } from './patroni.js';
import { protobufScenarios } from './protobuf.js';
import { readOnlyTxnScenarios } from './readonly-txn.js';
import { leaseScenarios, txnScenarios, watchScenarios } from './txn-watch-lease.js';

export const allScenarios: Scenario[] = [
  ...protobufScenarios, // first: their bytes carry absolute revisions
  ...kvScenarios,
  ...txnScenarios,
  ...readOnlyTxnScenarios,
  ...watchScenarios,
  ...leaseScenarios,
  ...errorScenarios,
  ...clusterScenarios,
  ...grpcScenarios,
  ...gatewayScenarios,
  ...clientScenarios,
  ...moreScenarios,
  ...patroniScenarios,
  ...everydayScenarios, // its late ones compact: before lateScenarios' auth flow
  ...lateScenarios,
  ...authScenarios, // after late-auth-flow: root/rootpw exists
];

const seen = new Set<string>();
for (const s of allScenarios) {
  if (seen.has(s.name)) throw new Error(`duplicate conformance scenario name ${s.name}`);
  seen.add(s.name);
}
