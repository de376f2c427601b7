// Three-member cluster scenarios (cluster.test.ts): membership changes, leadership transfer,
// reads and writes through followers, a member down, quorum lost. Member and cluster IDs differ
// between the two clusters (their peer ports differ), so they are labelled by member name.
import type { CtlStep, Scenario } from '../types.js';
import { ctl, FORMATS, scenario } from './dsl.js';

const on = (endpoints: 'all' | number, ...args: string[]): CtlStep => ({ ctl: args, endpoints });
const sorted = (step: CtlStep): CtlStep => ({ ...step, sortLines: true });

export const cluster3Scenarios: Scenario[] = [
  // etcd refuses membership changes until every member has been connected to the leader for 5 s
  // (--strict-reconfig-check, "etcdserver: unhealthy cluster"): these run first, after that wait
  scenario('c-member-add-learner',
    { sleep: 6_000 },
    sorted(ctl('member', 'add', 'm4', '--peer-urls=http://127.0.0.1:{X1}', '--learner')),
    sorted(ctl('member', 'list')),
    ctl('member', 'promote', '{NEW1}'),
    ctl('member', 'remove', '{NEW1}'),
    ctl('member', 'list', '-w', 'table')),
  scenario('c-member-add-voter-remove',
    sorted(ctl('member', 'add', 'm5', '--peer-urls=http://127.0.0.1:{X2}')),
    sorted(ctl('member', 'list')),
    ctl('member', 'remove', '{NEW1}'),
    ctl('member', 'list')),
  // a learner that really joins: started, caught up, promoted to voter, then removed again. Its
  // peer URL is one no earlier scenario used: etcd derives an added member's ID from the peer URLs
  // and the current second, and refuses an ID it removed ("member not found")
  scenario('c-learner-join-promote',
    sorted(ctl('member', 'add', 'm4', '--peer-urls=http://127.0.0.1:{X4}', '--learner')),
    { startNewMember: { name: 'm4', peerPort: '{X4}', clientPort: '{X5}' } },
    { ctl: ['member', 'promote', '{NEW1}'], retryUntil: 'promoted', retryMs: 20_000 },
    sorted(ctl('member', 'list')),
    ctl('member', 'remove', '{NEW1}'),
    { dropMember: 3 },
    ctl('member', 'list')),
  scenario('c-member-add-existing-url', ctl('member', 'add', 'dup', '--peer-urls=http://127.0.0.1:{PEER1}')),
  scenario('c-member-remove-missing', ctl('member', 'remove', '1234')),
  scenario('c-member-promote-voter', ctl('member', 'promote', '{M2}')),
  scenario('c-member-update-same', ctl('member', 'update', '{M3}', '--peer-urls=http://127.0.0.1:{PEER3}'), ctl('member', 'list', '-w', 'json')),
  ...FORMATS.map((w) => scenario(`c-member-list-${w}`, ctl('member', 'list', '-w', w))),
  scenario('c-endpoint-status-cluster-json', ctl('endpoint', 'status', '--cluster', '-w', 'json')),
  scenario('c-endpoint-status-cluster-table', ctl('endpoint', 'status', '--cluster', '-w', 'table')),
  scenario('c-endpoint-status-all', on('all', 'endpoint', 'status')),
  scenario('c-endpoint-health-all', sorted(on('all', 'endpoint', 'health'))),
  scenario('c-endpoint-hashkv-cluster', ctl('endpoint', 'hashkv', '--cluster', '-w', 'json')),
  scenario('c-put-via-follower', on(1, 'put', '{P}k', 'v'), on(2, 'get', '{P}k', '-w', 'json'), on(0, 'get', '{P}k', '--consistency=s', '-w', 'json')),
  scenario('c-txn-via-follower', { ctl: ['txn', '-i'], endpoints: 2, input: 'ver("{P}k") = "0"\n\nput {P}k 1\n\n\n' }, on(0, 'get', '{P}k')),
  scenario('c-watch-via-follower', on(1, 'put', '{P}k', 'v'), { ctl: ['watch', '{P}k', '--rev={R+1}'], endpoints: 2, until: '^v$' }),
  scenario('c-lease-via-follower', on(1, 'lease', 'grant', '300'), on(2, 'put', '{P}k', 'v', '--lease={L1}'), on(0, 'lease', 'timetolive', '{L1}', '--keys'), on(1, 'lease', 'revoke', '{L1}')),
  scenario('c-move-leader', on('all', 'move-leader', '{M2}'), on('all', 'endpoint', 'status', '-w', 'json'), on('all', 'move-leader', '{M1}'), on('all', 'endpoint', 'status', '-w', 'json')),
  scenario('c-move-leader-to-self', on('all', 'move-leader', '{M1}')),
  scenario('c-move-leader-via-follower', on(1, 'move-leader', '{M3}')),
  scenario('c-move-leader-unknown', on('all', 'move-leader', '1234')),
  scenario('c-one-member-down',
    { stopMember: 2 },
    ctl('put', '{P}k', 'v'),
    on(1, 'get', '{P}k'),
    on(0, 'endpoint', 'status', '-w', 'table'),
    ctl('member', 'list'),
    { startMember: 2 },
    { waitHealthy: [2] },
    on(2, 'get', '{P}k')),
];

/** Last: takes quorum away, then gives it back. Only what genuine etcd answers the same way every
 * time is compared: writes and linearizable reads race the client's deadline against the server's
 * (either "context deadline exceeded" or "rpc error: code = Unknown desc = context deadline
 * exceeded"), and the remaining member's term climbs with each failed election. */
export const quorumLossScenario: Scenario = scenario('c-quorum-lost',
  ctl('put', '{P}k', 'before'),
  { stopMember: 1 },
  { stopMember: 2 },
  { sleep: 2_500 },
  on(0, 'get', '{P}k', '--consistency=s'),
  on(0, 'member', 'list'),
  { startMember: 1 },
  { startMember: 2 },
  { waitHealthy: [0, 1, 2] },
  on(0, 'put', '{P}k', 'back'),
  on(2, 'get', '{P}k'));
