// Consul's filter language (go-bexpr): grammar, every matching operator on every field kind,
// the reflection evaluator's rules for lists and absent map keys, and the texts of refused
// expressions.
import { describe, expect, it } from 'vitest';
import {
  CHECK_SERVICE_NODE_SCHEMA,
  FilterError,
  HEALTH_CHECK_SCHEMA,
  NODE_SCHEMA,
  SERVICE_NODE_SCHEMA,
  applyFilter,
  createFilter,
  parseFilter,
} from '../../../src/compat/filter/index.js';

const node = (name: string, meta: Record<string, string> | null, tagged: Record<string, string> | null = null) => ({
  ID: '',
  Node: name,
  Address: '10.0.0.1',
  Datacenter: 'dc1',
  TaggedAddresses: tagged,
  Meta: meta,
});
const NODES = [node('alpha', { env: 'prod', 'dotted.key': 'x' }), node('beta', { env: 'qa' }, { lan: '10.0.0.2' }), node('gamma', null)];
const names = (list: Array<{ Node: string }>) => list.map((n) => n.Node);
const nodesWhere = (expr: string) => names(applyFilter(NODES, expr, NODE_SCHEMA));

const svc = (id: string, tags: string[], port: number, eto: boolean) => ({
  Node: 'n',
  ServiceID: id,
  ServiceName: 'web',
  ServiceTags: tags,
  ServicePort: port,
  ServiceEnableTagOverride: eto,
  ServiceMeta: {},
  ServiceWeights: { Passing: 1, Warning: 1 },
});
const SERVICES = [svc('w1', ['primary', 'v1'], 80, false), svc('w2', ['v2'], 8080, true), svc('w3', [], 443, false)];
const idsWhere = (expr: string) => applyFilter(SERVICES, expr, SERVICE_NODE_SCHEMA).map((s) => s.ServiceID);

const refusal = (expr: string, schema = NODE_SCHEMA): string => {
  try {
    createFilter(expr, schema);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterError);
    return (e as Error).message;
  }
  throw new Error(`expected ${expr} to be refused`);
};

describe('grammar', () => {
  it('binds and tighter than or, not tightest; parentheses override', () => {
    expect(parseFilter('A == 1 or B == 2 and C == 3')).toMatchObject({ kind: 'or', right: { kind: 'and' } });
    expect(parseFilter('(A == 1 or B == 2) and C == 3')).toMatchObject({ kind: 'and', left: { kind: 'or' } });
    expect(parseFilter('not A == 1 and B == 2')).toMatchObject({ kind: 'and', left: { kind: 'not' } });
  });

  it('reads every matching form', () => {
    const ops = [
      ['Node == x', 'equal'],
      ['Node != "x"', 'notEqual'],
      ['"x" in Meta', 'in'],
      ['x not in Meta', 'notIn'],
      ['Meta contains x', 'contains'],
      ['Meta not contains `x`', 'notContains'],
      ['Meta is empty', 'isEmpty'],
      ['Meta is not empty', 'isNotEmpty'],
      ['Node matches "^a"', 'matches'],
      ['Node not matches "^a"', 'notMatches'],
    ];
    for (const [expr, op] of ops) expect(parseFilter(expr!)).toMatchObject({ kind: 'match', operator: op });
  });

  it('reads selectors with dots and ["quoted"] parts, and string escapes', () => {
    expect(parseFilter('Meta["dotted.key"] == x')).toMatchObject({ selector: ['Meta', 'dotted.key'] });
    expect(parseFilter('Service.Meta.version == "1\\t2\\u00e9"')).toMatchObject({ selector: ['Service', 'Meta', 'version'], value: '1\t2é' });
    expect(parseFilter('Node == `raw \\n`')).toMatchObject({ value: 'raw \\n' });
    expect(parseFilter('Port == -12.5')).toMatchObject({ value: '-12.5' });
  });
});

describe('evaluation', () => {
  it('== and != on strings, with bare, quoted and raw values', () => {
    expect(nodesWhere('Node == alpha')).toEqual(['alpha']);
    expect(nodesWhere('Node != "alpha"')).toEqual(['beta', 'gamma']);
    expect(nodesWhere('Datacenter == `dc1`')).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('map values by key; an absent key (or a null map) makes ==, in, matches false and the negations true', () => {
    expect(nodesWhere('Meta.env == prod')).toEqual(['alpha']);
    expect(nodesWhere('Meta.env != prod')).toEqual(['beta', 'gamma']);
    expect(nodesWhere('Meta["dotted.key"] == x')).toEqual(['alpha']);
    expect(nodesWhere('Meta.missing == ""')).toEqual([]);
    expect(nodesWhere('Meta.missing != anything')).toEqual(['alpha', 'beta', 'gamma']);
    expect(nodesWhere('Meta.env matches "^p"')).toEqual(['alpha']);
    expect(nodesWhere('Meta.env not matches "^p"')).toEqual(['beta', 'gamma']);
  });

  it('in / contains test map keys, list elements and substrings', () => {
    expect(nodesWhere('env in Meta')).toEqual(['alpha', 'beta']);
    expect(nodesWhere('Meta contains env')).toEqual(['alpha', 'beta']);
    expect(nodesWhere('"env" not in Meta')).toEqual(['gamma']);
    expect(nodesWhere('"lph" in Node')).toEqual(['alpha']);
    expect(nodesWhere('Node contains eta')).toEqual(['beta']);
    expect(idsWhere('primary in ServiceTags')).toEqual(['w1']);
    expect(idsWhere('ServiceTags not contains v2')).toEqual(['w1', 'w3']);
  });

  it('is empty / is not empty on maps and lists (null counts as empty)', () => {
    expect(nodesWhere('Meta is empty')).toEqual(['gamma']);
    expect(nodesWhere('TaggedAddresses is not empty')).toEqual(['beta']);
    expect(idsWhere('ServiceTags is empty')).toEqual(['w3']);
  });

  it('numbers and booleans compare by value', () => {
    expect(idsWhere('ServicePort == 8080')).toEqual(['w2']);
    expect(idsWhere('ServicePort != 80')).toEqual(['w2', 'w3']);
    expect(idsWhere('ServiceEnableTagOverride == true')).toEqual(['w2']);
    expect(idsWhere('ServiceEnableTagOverride == F')).toEqual(['w1', 'w3']);
    expect(idsWhere('ServiceWeights.Passing == 1')).toEqual(['w1', 'w2', 'w3']);
  });

  it('matching runs in linear time (RE2), so a pathological pattern cannot stall the server', () => {
    const long = [node('a'.repeat(5000) + 'b', null)];
    const started = Date.now();
    expect(applyFilter(long, 'Node matches "(a+)+b$"', NODE_SCHEMA)).toEqual(long);
    // the classic catastrophic-backtracking case for a backtracking engine
    expect(applyFilter(long, 'Node matches "^(a+)+$"', NODE_SCHEMA)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('matches uses regular expressions, unanchored as Go\'s MatchString', () => {
    expect(nodesWhere('Node matches "a$"')).toEqual(['alpha', 'beta', 'gamma']);
    expect(nodesWhere('Node matches "mm"')).toEqual(['gamma']);
    expect(nodesWhere('Node matches "(?i)^ALPHA$"')).toEqual(['alpha']);
  });

  it('and / or / not / parentheses combine', () => {
    expect(nodesWhere('Meta.env == prod or Node == gamma')).toEqual(['alpha', 'gamma']);
    expect(nodesWhere('not (Meta.env == prod or Node == gamma)')).toEqual(['beta']);
    expect(nodesWhere('Node != alpha and not Meta is empty')).toEqual(['beta']);
  });

  it('a selector through a list of structs applies the whole operator to each element and matches when any does', () => {
    const entry = (node: string, statuses: string[]) => ({
      Node: { Node: node, Meta: null },
      Service: { Service: 'web', Tags: [] },
      Checks: statuses.map((s, i) => ({ CheckID: `c${i}`, Status: s, ServiceTags: [] })),
    });
    const entries = [entry('a', ['passing', 'passing']), entry('b', ['passing', 'critical']), entry('c', [])];
    const where = (expr: string) => applyFilter(entries, expr, CHECK_SERVICE_NODE_SCHEMA).map((e) => e.Node.Node);
    expect(where('Checks.Status == critical')).toEqual(['b']);
    // any element not passing (not: no element passing)
    expect(where('Checks.Status != passing')).toEqual(['b']);
    expect(where('Checks is empty')).toEqual(['c']);
    expect(where('Checks.CheckID == c1')).toEqual(['a', 'b']);
  });
});

describe('refusals, with Consul\'s texts', () => {
  const P = 'Failed to create boolean expression evaluator: ';

  it('an unknown selector names the path up to the first part that does not exist', () => {
    expect(refusal('Nodes == x')).toBe(`${P}Selector "Nodes" is not valid`);
    expect(refusal('Node.Sub == x')).toBe(`${P}Selector "Node.Sub" is not valid`);
    expect(refusal('Meta.env.deeper == x')).toBe(`${P}Selector "Meta.env.deeper" is not valid`);
    expect(refusal('Checks.Nope == x', CHECK_SERVICE_NODE_SCHEMA)).toBe(`${P}Selector "Checks.Nope" is not valid`);
  });

  it('an operator the field\'s type does not support', () => {
    expect(refusal('ServiceTags == x', SERVICE_NODE_SCHEMA)).toBe(`${P}Invalid match operator "Equal" for selector "ServiceTags"`);
    expect(refusal('ServicePort matches "8"', SERVICE_NODE_SCHEMA)).toBe(`${P}Invalid match operator "Matches" for selector "ServicePort"`);
    expect(refusal('Meta contains x and Node is empty')).toBe(`${P}Invalid match operator "Is Empty" for selector "Node"`);
    expect(refusal('ServiceWeights contains x', SERVICE_NODE_SCHEMA)).toBe(`${P}Invalid match operator "In" for selector "ServiceWeights"`);
  });

  it('a value the field\'s type cannot take', () => {
    expect(refusal('ServicePort == eighty', SERVICE_NODE_SCHEMA)).toBe(
      `${P}Failed to coerce value "eighty" for selector "ServicePort": strconv.ParseInt: parsing "eighty": invalid syntax`,
    );
    expect(refusal('ServiceEnableTagOverride == yes', SERVICE_NODE_SCHEMA)).toBe(
      `${P}Failed to coerce value "yes" for selector "ServiceEnableTagOverride": strconv.ParseBool: parsing "yes": invalid syntax`,
    );
    expect(refusal('Status matches "("', HEALTH_CHECK_SCHEMA)).toBe(`${P}Failed to compile regular expression "(": error parsing regexp: missing closing ): \`(\``);
    // Go's RE2 has no lookahead: refused as Go refuses it.
    expect(refusal('Status matches "a(?=b)"', HEALTH_CHECK_SCHEMA)).toBe(`${P}Failed to compile regular expression "a(?=b)": error parsing regexp: invalid or unsupported Perl syntax: \`(?=\``);
  });

  it('syntax errors report where the parse stopped', () => {
    expect(refusal('Node ==')).toMatch(/^Failed to create boolean expression evaluator: 1:8 \(7\): no match found, expected: /);
    expect(refusal('Node == x and')).toMatch(/^Failed to create boolean expression evaluator: 1:14 \(13\): no match found/);
    expect(refusal('Node == "abc')).toBe(`${P}1:9 (8): rule "string": Unterminated string literal`);
    expect(refusal('(Node == x')).toMatch(/^Failed to create boolean expression evaluator: 1:11 \(10\): no match found, expected: /);
    expect(refusal('Node = x')).toMatch(/^Failed to create boolean expression evaluator: 1:6 \(5\): no match found/);
    expect(refusal('Node == x y')).toMatch(/^Failed to create boolean expression evaluator: 1:11 \(10\): no match found/);
    expect(refusal('Port == 12abc', SERVICE_NODE_SCHEMA)).toBe(`${P}1:9 (8): rule "number": Invalid number literal`);
    expect(refusal('')).toMatch(/^Failed to create boolean expression evaluator: 1:1 \(0\): no match found/);
  });
});
