// txn (interactive, via stdin), watch (history replay and live events), leases.
import type { Scenario } from '../types.js';
import { abc, ctl, ctlFor, ctlIn, ctlUntil, scenario, seed } from './dsl.js';

const txn = (input: string, ...extra: string[]) => ctlIn(input, 'txn', '-i', ...extra);

export const txnScenarios: Scenario[] = [
  ...(['simple', 'json', 'fields'] as const).map((w) =>
    scenario(`txn-success-${w}`, seed(['{P}a', '1']), txn('value("{P}a") = "1"\n\nput {P}b 2\nget {P}a\n\ndel {P}a\n\n', '-w', w)),
  ),
  ...(['simple', 'json'] as const).map((w) =>
    scenario(`txn-failure-${w}`, seed(['{P}a', '1']), txn('value("{P}a") = "9"\n\nput {P}b 2\n\nput {P}c 3\nget {P}a\n\n', '-w', w)),
  ),
  scenario('txn-mod-compare', abc(), txn('mod("{P}b") > "{R+2}"\n\nget {P}b\n\n\n')),
  scenario('txn-create-compare', abc(), txn('create("{P}a") = "{R+1}"\n\nput {P}new x\n\n\n'), ctl('get', '{P}new')),
  scenario('txn-version-compare', abc(), txn('ver("{P}b") = "2"\n\nget {P}b --print-value-only\n\n\n')),
  scenario('txn-missing-key-compare', txn('ver("{P}none") = "0"\n\nput {P}created yes\n\n\n', '-w', 'json')),
  scenario('txn-value-less', seed(['{P}a', 'abc']), txn('value("{P}a") < "abd"\n\nget {P}a\n\nget {P}none\n\n')),
  scenario('txn-multi-compare', abc(), txn('value("{P}a") = "1"\nvalue("{P}c") = "3"\n\ndel {P} --prefix\n\n\n', '-w', 'json')),
  scenario('txn-empty', txn('\n\n\n')),
  scenario('txn-put-prev-kv', seed(['{P}a', 'old']), txn('\n\nput {P}a new --prev-kv\n\n\n', '-w', 'json')),
  scenario('txn-get-options', abc(), txn('\n\nget {P} --prefix --limit=1\nget {P}b --rev={R+2}\n\n\n', '-w', 'json')),
  scenario('txn-bad-compare', txn('bogus("{P}a") = "1"\n\n\n\n')),
  scenario('txn-bad-op', txn('\n\nfrob {P}a\n\n\n')),
  scenario('txn-duplicate-put', txn('\n\nput {P}a 1\nput {P}a 2\n\n\n')),
  scenario('txn-duplicate-put-del', txn('\n\nput {P}a 1\ndel {P}a\n\n\n')),
  scenario('txn-too-many-ops', txn(`\n\n${Array.from({ length: 129 }, (_, i) => `put {P}k${i} v`).join('\n')}\n\n\n`)),
  scenario('txn-128-ops', txn(`\n\n${Array.from({ length: 128 }, (_, i) => `put {P}k${i} v`).join('\n')}\n\n\n`), ctl('get', '{P}', '--prefix', '--keys-only', '--limit=1', '-w', 'json')),
];

export const watchScenarios: Scenario[] = [
  // watches end once the last expected event has printed (`until`), not after a fixed time
  scenario('watch-rev-simple', abc(), ctlUntil('^22$', 'watch', '{P}b', '--rev={R+1}', '-w', 'simple')),
  scenario('watch-rev-json', abc(), ctlUntil('MjI=', 'watch', '{P}b', '--rev={R+1}', '-w', 'json')),
  scenario('watch-prefix-rev', abc(), ctlUntil('^22$', 'watch', '{P}', '--prefix', '--rev={R+1}')),
  scenario('watch-prev-kv', abc(), ctlUntil('MjI=', 'watch', '{P}b', '--rev={R+1}', '--prev-kv', '-w', 'json')),
  scenario('watch-delete-events', seed(['{P}a', '1']), ctl('del', '{P}a'), ctlUntil('^DELETE$', 'watch', '{P}a', '--rev={R+1}', '--prev-kv')),
  scenario('watch-range', abc(), ctlUntil('^22$', 'watch', '{P}a', '{P}c', '--rev={R+1}')),
  scenario(
    'watch-live',
    { ctl: ['watch', '{P}', '--prefix', '--rev={R+1}'], background: 'w' },
    { sleep: 300 },
    ctl('put', '{P}x', '1'),
    ctl('del', '{P}x'),
    { interrupt: 'w', after: '^DELETE$' },
    { await: 'w' },
  ),
  // one watch per session: two replays in one session interleave in no fixed order
  scenario(
    'watch-interactive',
    abc(),
    { ctl: ['watch', '-i'], input: 'watch {P} --prefix --rev={R+1}\n', keepStdinOpen: true, until: '^22$' },
  ),
  scenario('watch-interactive-eof', ctlIn('watch {P}a\n', 'watch', '-i')),
  scenario('watch-no-key', ctl('watch')),
  scenario('watch-future-rev', seed(['{P}a', '1']), ctlFor(1_200, 'watch', '{P}a', '--rev={R+1000}')),
];

export const leaseScenarios: Scenario[] = [
  ...(['simple', 'json', 'fields'] as const).map((w) => scenario(`lease-grant-${w}`, ctl('lease', 'grant', '300', '-w', w))),
  scenario('lease-attach-timetolive', ctl('lease', 'grant', '300'), ctl('put', '{P}k', 'v', '--lease={L1}'), ctl('lease', 'timetolive', '{L1}', '--keys'), ctl('get', '{P}k', '-w', 'json')),
  scenario('lease-timetolive-json', ctl('lease', 'grant', '300'), ctl('put', '{P}k', 'v', '--lease={L1}'), ctl('lease', 'timetolive', '{L1}', '--keys', '-w', 'json')),
  scenario('lease-timetolive-nokeys', ctl('lease', 'grant', '300'), ctl('lease', 'timetolive', '{L1}')),
  scenario('lease-revoke', ctl('lease', 'grant', '300'), ctl('put', '{P}k', 'v', '--lease={L1}'), ctl('lease', 'revoke', '{L1}'), ctl('get', '{P}k', '--keys-only', '--limit=1', '-w', 'json'), ctl('lease', 'timetolive', '{L1}')),
  scenario('lease-revoke-json', ctl('lease', 'grant', '300'), ctl('lease', 'revoke', '{L1}', '-w', 'json')),
  scenario('lease-keepalive-once', ctl('lease', 'grant', '300'), ctl('lease', 'keep-alive', '--once', '{L1}')),
  scenario('lease-keepalive-once-json', ctl('lease', 'grant', '300'), ctl('lease', 'keep-alive', '--once', '{L1}', '-w', 'json')),
  scenario('lease-list-contains', ctl('lease', 'grant', '300'), ctl('lease', 'revoke', '{L1}'), ctl('lease', 'timetolive', '{L1}', '-w', 'json')),
  scenario('lease-revoke-missing', ctl('lease', 'revoke', '1234abcd')),
  scenario('lease-timetolive-missing', ctl('lease', 'timetolive', '1234abcd')),
  scenario('lease-keepalive-missing', ctl('lease', 'keep-alive', '--once', '1234abcd')),
  scenario('lease-grant-too-large', ctl('lease', 'grant', '9000000000')),
  scenario('lease-grant-zero', ctl('lease', 'grant', '0')),
  scenario('lease-grant-bad', ctl('lease', 'grant', 'abc')),
  // expiry: etcd serves a minimum TTL of 2 s with the default election timeout (1 s asked):
  // 5 s later the lease and its key are gone, and a watch saw the DELETE
  scenario('lease-expiry', ctl('lease', 'grant', '1'), ctl('put', '{P}k', 'v', '--lease={L1}'), { sleep: 5_000 },
    ctl('get', '{P}k', '-w', 'json'), ctl('lease', 'timetolive', '{L1}'), ctlUntil('^DELETE$', 'watch', '{P}k', '--rev={R+1}')),
  scenario('lease-two-keys', ctl('lease', 'grant', '300'), ctl('put', '{P}a', '1', '--lease={L1}'), ctl('put', '{P}b', '2', '--lease={L1}'), ctl('lease', 'timetolive', '{L1}', '--keys')),
];
