// Read-only txns (every op a range), which etcd serves without a raft proposal: linearizable ones
// after a ReadIndex, serializable ones locally. The answers (header revision, nested headers,
// branch, range errors inside the txn) must be those of the proposed path genuine etcd shares.
import type { Scenario } from '../types.js';
import { ctl, scenario, seed } from './dsl.js';

const b = (s: string) => Buffer.from(s);
const txn = (req: Record<string, unknown>) => ({ grpc: 'KV.Txn' as const, req });
const get = (k: string, extra: Record<string, unknown> = {}) => ({ request_range: { key: b(k), ...extra } });
const valueIs = (k: string, v: string) => ({ key: b(k), target: 'VALUE', result: 'EQUAL', value: b(v) });

export const readOnlyTxnScenarios: Scenario[] = [
  scenario('txn-ro-branches', seed(['{P}a', '1'], ['{P}a', '2'], ['{P}b', 'x']),
    txn({ compare: [valueIs('{P}a', '2')], success: [get('{P}a'), get('{P}a', { revision: '{R+1}' }), get('{P}', { range_end: b('{P}~'), count_only: true })], failure: [get('{P}b')] }),
    txn({ compare: [valueIs('{P}a', '1')], success: [get('{P}a')], failure: [get('{P}', { range_end: b('{P}~'), limit: 1, keys_only: true }), get('{P}missing')] })),
  scenario('txn-ro-serializable', seed(['{P}a', '1']),
    txn({ compare: [], success: [get('{P}a', { serializable: true }), get('{P}z', { serializable: true })], failure: [] }),
    txn({ compare: [valueIs('{P}a', '1')], success: [get('{P}a', { serializable: true })], failure: [get('{P}a')] })),
  scenario('txn-ro-future-rev', seed(['{P}a', '1']),
    txn({ compare: [], success: [get('{P}a'), get('{P}a', { revision: '{R+99}' })], failure: [] }),
    txn({ compare: [], success: [get('{P}a', { revision: '{R+99}', serializable: true })], failure: [] }),
    // the branch not taken is not checked
    txn({ compare: [valueIs('{P}a', '1')], success: [get('{P}a')], failure: [get('{P}a', { revision: '{R+99}' })] })),
  scenario('txn-ro-compares-only', seed(['{P}a', '1']),
    txn({ compare: [{ key: b('{P}a'), target: 'VERSION', result: 'EQUAL', version: '1' }], success: [], failure: [] }),
    txn({ compare: [{ key: b('{P}a'), target: 'VERSION', result: 'EQUAL', version: '2' }], success: [], failure: [] })),
  {
    ...scenario('late-txn-ro-compacted', seed(['{P}a', '1'], ['{P}a', '2'], ['{P}a', '3']), ctl('compaction', '{R+2}'),
      txn({ compare: [], success: [get('{P}a'), get('{P}a', { revision: '{R+1}' })], failure: [] }),
      txn({ compare: [], success: [get('{P}a', { revision: '{R+1}', serializable: true })], failure: [] }),
      txn({ compare: [], success: [get('{P}a', { revision: '{R+2}' })], failure: [] })),
    late: true,
  },
];
