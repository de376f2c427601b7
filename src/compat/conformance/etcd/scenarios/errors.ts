// Error answers through etcdctl: the message text and the exit code must be genuine etcd's.
import type { Scenario } from '../types.js';
import { ctl, ctlIn, scenario, seed } from './dsl.js';

export const errorScenarios: Scenario[] = [
  scenario('err-get-empty-key', ctl('get', '')),
  scenario('err-del-empty-key', ctl('del', '')),
  scenario('err-get-future-rev', seed(['{P}a', '1']), ctl('get', '{P}a', '--rev={R+100}')),
  scenario('err-get-bad-sort', ctl('get', '{P}a', '--sort-by=FROB')),
  scenario('err-get-bad-order', ctl('get', '{P}a', '--order=SIDEWAYS')),
  scenario('err-get-prefix-and-from-key', ctl('get', '{P}a', '--prefix', '--from-key')),
  scenario('err-get-range-and-prefix', ctl('get', '{P}a', '{P}b', '--prefix')),
  scenario('err-get-bad-consistency', ctl('get', '{P}a', '--consistency=x')),
  scenario('err-put-too-large', ctlIn('x'.repeat(2 * 1024 * 1024), 'put', '{P}big')),
  scenario('err-put-just-under-limit', ctlIn('y'.repeat(1024 * 1024), 'put', '{P}big'), ctl('get', '{P}big', '--keys-only', '--limit=1', '-w', 'json')),
  // --max-request-bytes (1.5 MiB) is enforced on the encoded request: just under and just over
  scenario('err-put-limit-boundary', ctlIn('z'.repeat(1572864 - 64), 'put', '{P}k'), ctlIn('z'.repeat(1572864 - 8), 'put', '{P}k'), ctlIn('z'.repeat(1572864 + 64), 'put', '{P}k')),
  scenario('err-txn-limit-boundary', ctlIn(`\n\nput {P}a ${'q'.repeat(800_000)}\nput {P}b ${'q'.repeat(800_000)}\n\n\n`, 'txn', '-i')),
  scenario('err-unknown-command', ctl('frobnicate')),
  scenario('err-count-only-is-3.5', ctl('get', '{P}a', '--count-only')),
  scenario('err-bad-output-format', ctl('get', '{P}a', '-w', 'yaml')),
  scenario('err-compaction-future', ctl('compaction', '{R+1000}')),
  scenario('err-compaction-bad-arg', ctl('compaction', 'abc')),
  scenario('err-watch-bad-rev', ctlFor0('watch', '{P}a', '--rev=abc')),
  scenario('err-lease-bad-id', ctl('lease', 'timetolive', 'zzzz')),
  scenario('err-del-prefix-and-from-key', ctl('del', '{P}a', '--prefix', '--from-key')),
  // etcdctl itself panics on this input: compare its stdout and exit code, not the goroutine dump
  scenario('err-txn-bad-compare-op', { ctl: ['txn', '-i'], input: 'value("{P}a") ~ "1"\n\n\n\n', stdoutOnly: true }),
];

function ctlFor0(...args: string[]) {
  return { ctl: args, interruptAfterMs: 1_200 };
}
