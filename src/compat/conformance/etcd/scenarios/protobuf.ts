// -w protobuf prints the raw response message: compared byte for byte (hex). These run first, on
// fresh members, because the bytes carry absolute revisions that no normalisation can reach.
import type { Scenario } from '../types.js';
import { ctl, ctlIn, scenario, seed } from './dsl.js';

export const protobufScenarios: Scenario[] = [
  scenario('pb-put', ctl('put', '{P}a', 'v', '-w', 'protobuf')),
  scenario('pb-put-prev', seed(['{P}a', 'old']), ctl('put', '{P}a', 'new', '--prev-kv', '-w', 'protobuf')),
  scenario('pb-get', seed(['{P}a', '1'], ['{P}b', '2']), ctl('get', '{P}', '--prefix', '-w', 'protobuf')),
  scenario('pb-get-missing', ctl('get', '{P}none', '-w', 'protobuf')),
  scenario('pb-del', seed(['{P}a', '1']), ctl('del', '{P}a', '--prev-kv', '-w', 'protobuf')),
  scenario('pb-txn', seed(['{P}a', '1']), ctlIn('value("{P}a") = "1"\n\nput {P}b 2\nget {P}a\n\ndel {P}a\n\n', 'txn', '-i', '-w', 'protobuf')),
  scenario('pb-member-list', ctl('member', 'list', '-w', 'protobuf')),
];
