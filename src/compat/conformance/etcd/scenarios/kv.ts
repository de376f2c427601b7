// put / get / del through genuine etcdctl, every range option, every output format.
import type { Scenario } from '../types.js';
import { abc, ctl, ctlIn, FORMATS, scenario, seed } from './dsl.js';

/** get options worth comparing, each run in every output format over the same seeded keys. */
const GET_VARIANTS: Array<[string, string[]]> = [
  ['one', ['{P}a']],
  ['missing', ['{P}zz']],
  ['prefix', ['{P}', '--prefix']],
  ['range', ['{P}a', '{P}c']],
  ['from-key', ['{P}b', '--from-key', '--limit=2']],
  ['limit', ['{P}', '--prefix', '--limit=2']],
  ['rev', ['{P}b', '--rev={R+2}']],
  ['sort-key-desc', ['{P}', '--prefix', '--sort-by=KEY', '--order=DESCEND']],
  ['sort-modify', ['{P}', '--prefix', '--sort-by=MODIFY', '--order=DESCEND']],
  ['sort-create-asc', ['{P}', '--prefix', '--sort-by=CREATE', '--order=ASCEND']],
  ['sort-version', ['{P}', '--prefix', '--sort-by=VERSION', '--order=DESCEND']],
  ['sort-value', ['{P}', '--prefix', '--sort-by=VALUE', '--order=ASCEND']],
  ['keys-only', ['{P}', '--prefix', '--keys-only']],
  ['sort-key-limit', ['{P}', '--prefix', '--sort-by=KEY', '--order=DESCEND', '--limit=1']],
  ['value-only', ['{P}', '--prefix', '--print-value-only']],
  ['serializable', ['{P}a', '--consistency=s']],
  ['min-mod-rev', ['{P}', '--prefix', '--min-mod-revision={R+3}']],
  ['max-mod-rev', ['{P}', '--prefix', '--max-mod-revision={R+2}']],
  ['min-create-rev', ['{P}', '--prefix', '--min-create-revision={R+2}']],
  ['max-create-rev', ['{P}', '--prefix', '--max-create-revision={R+1}']],
];

const getScenarios: Scenario[] = GET_VARIANTS.flatMap(([label, args]) =>
  (['simple', 'json'] as const).map((w) => scenario(`get-${label}-${w}`, abc(), ctl('get', ...args, '-w', w))),
);

const getFieldsTable: Scenario[] = ['prefix', 'limit', 'keys-only', 'rev'].flatMap((label) => {
  const args = GET_VARIANTS.find(([l]) => l === label)?.[1] ?? [];
  return (['fields', 'table'] as const).map((w) => scenario(`get-${label}-${w}`, abc(), ctl('get', ...args, '-w', w)));
});

const putScenarios: Scenario[] = [
  ...FORMATS.map((w) => scenario(`put-${w}`, ctl('put', '{P}k', 'v1', '-w', w), ctl('get', '{P}k', '-w', w))),
  ...FORMATS.map((w) => scenario(`put-prev-kv-${w}`, seed(['{P}k', 'old']), ctl('put', '{P}k', 'new', '--prev-kv', '-w', w))),
  scenario('put-stdin', ctlIn('from stdin', 'put', '{P}k'), ctl('get', '{P}k')),
  scenario('put-ignore-value', seed(['{P}k', 'keep']), ctl('put', '{P}k', '--ignore-value'), ctl('get', '{P}k', '-w', 'json')),
  scenario('put-ignore-value-missing', ctl('put', '{P}k', '--ignore-value')),
  scenario('put-value-dash', ctl('put', '{P}k', '--', '-dashed')),
  scenario('put-versions', ctl('put', '{P}k', '1'), ctl('put', '{P}k', '2'), ctl('put', '{P}k', '3'), ctl('get', '{P}k', '-w', 'json')),
  scenario('put-empty-value', ctl('put', '{P}k', ''), ctl('get', '{P}k', '-w', 'json')),
  scenario('put-binary-hex', ctl('put', '{P}k', 'caf\u00e9'), ctl('get', '{P}k', '--hex'), ctl('get', '{P}k', '--hex', '-w', 'json')),
  scenario('put-unicode-key', ctl('put', '{P}\u00fc\u00f1\u00ee', 'v'), ctl('get', '{P}', '--prefix')),
  scenario('put-no-args', ctl('put')),
  scenario('put-empty-key', ctl('put', '', 'v')),
  scenario('put-lease-not-found', ctl('put', '{P}k', 'v', '--lease=1234abcd')),
  scenario('put-large-value', ctl('put', '{P}k', 'x'.repeat(8000)), ctl('get', '{P}k', '--print-value-only')),
];

const delScenarios: Scenario[] = [
  ...(['simple', 'json', 'fields'] as const).map((w) => scenario(`del-one-${w}`, abc(), ctl('del', '{P}a', '-w', w))),
  ...(['simple', 'json'] as const).map((w) => scenario(`del-prev-kv-${w}`, abc(), ctl('del', '{P}b', '--prev-kv', '-w', w))),
  scenario('del-prefix', abc(), ctl('del', '{P}', '--prefix'), ctl('get', '{P}', '--prefix', '--keys-only', '--limit=1', '-w', 'json')),
  scenario('del-prefix-prev', abc(), ctl('del', '{P}', '--prefix', '--prev-kv')),
  scenario('del-from-key', abc(), ctl('del', '{P}b', '--from-key', '--prev-kv'), ctl('get', '{P}', '--prefix')),
  scenario('del-range', abc(), ctl('del', '{P}a', '{P}c', '-w', 'json')),
  scenario('del-missing', ctl('del', '{P}nothing'), ctl('del', '{P}nothing', '-w', 'json')),
  scenario('del-then-recreate', seed(['{P}k', '1']), ctl('del', '{P}k'), ctl('put', '{P}k', '2'), ctl('get', '{P}k', '-w', 'json')),
  scenario('del-history', seed(['{P}k', '1'], ['{P}k', '2']), ctl('del', '{P}k'), ctl('get', '{P}k', '--rev={R+2}', '-w', 'json'), ctl('get', '{P}k', '--rev={R+3}', '-w', 'json')),
  scenario('del-no-args', ctl('del')),
];

export const kvScenarios: Scenario[] = [...putScenarios, ...getScenarios, ...getFieldsTable, ...delScenarios];
