// Consul's `?filter=` (go-bexpr): compile an expression against an endpoint's schema, then keep
// the items of a result list it accepts.
//
// Compilation checks what go-bexpr checks before running: the syntax, every selector against the
// filtered struct, the operator against the selected field's type, and the value against that type
// (an int field takes an integer, a bool field true/false, `matches` a valid regular expression).
// Any failure is a FilterError whose message is Consul's "Failed to create boolean expression
// evaluator: ..." text.
//
// Matching follows go-bexpr's reflection evaluator: a selector that walks through a list of
// structs (Checks.Status on a health entry) applies the whole operator, negated ones included, to
// every element and matches when any element does; a map key that is absent makes ==, in,
// contains, matches and `is not empty` false and their negations (and `is empty`) true.
import { parseFilter, FilterSyntaxError, type Expression, type MatchOperator } from './parser.js';
import { compileGoRegexp, GoRegexpError, type GoRegexp } from '../go-regexp.js';
import type { FieldType } from './schema.js';

export * from './schema.js';
export { parseFilter, FilterSyntaxError } from './parser.js';
export type { Expression, MatchExpression, MatchOperator } from './parser.js';

/** A filter Consul refuses; `message` is Consul's text. */
export class FilterError extends Error {}

const PREFIX = 'Failed to create boolean expression evaluator: ';

/** go-bexpr's operator names (its grammar reads `contains` as In and `not contains` as Not In). */
const OPERATOR_NAMES: Record<MatchOperator, string> = {
  equal: 'Equal',
  notEqual: 'Not Equal',
  in: 'In',
  notIn: 'Not In',
  contains: 'In',
  notContains: 'Not In',
  isEmpty: 'Is Empty',
  isNotEmpty: 'Is Not Empty',
  matches: 'Matches',
  notMatches: 'Not Matches',
};

/** Each operator as the positive one it negates (contains is in). */
const BASE: Record<MatchOperator, { op: 'equal' | 'in' | 'isEmpty' | 'matches'; negated: boolean }> = {
  equal: { op: 'equal', negated: false },
  notEqual: { op: 'equal', negated: true },
  in: { op: 'in', negated: false },
  notIn: { op: 'in', negated: true },
  contains: { op: 'in', negated: false },
  notContains: { op: 'in', negated: true },
  isEmpty: { op: 'isEmpty', negated: false },
  isNotEmpty: { op: 'isEmpty', negated: true },
  matches: { op: 'matches', negated: false },
  notMatches: { op: 'matches', negated: true },
};

type Predicate = (item: unknown) => boolean;

/** The type a selector reaches; the error names the selector up to the first part that does not exist. */
function resolveSelector(selector: string[], schema: FieldType): FieldType {
  let t = schema;
  for (let i = 0; i < selector.length; i++) {
    // A list of structs is entered through its element's fields.
    while (t.kind === 'slice' && t.elem.kind === 'struct') t = t.elem;
    if (t.kind === 'struct' && t.fields[selector[i]!]) t = t.fields[selector[i]!]!;
    else if (t.kind === 'map') t = t.value;
    else throw new FilterError(`${PREFIX}Selector ${JSON.stringify(selector.slice(0, i + 1).join('.'))} is not valid`);
  }
  return t;
}

/** The operators go-bexpr allows on a field of each type (as Consul's filtering documentation lists them). */
function operatorAllowed(op: MatchOperator, t: FieldType): boolean {
  const base = BASE[op].op;
  switch (t.kind) {
    case 'string':
      return base === 'equal' || base === 'in' || base === 'matches';
    case 'int':
    case 'float':
    case 'bool':
      return base === 'equal';
    case 'map':
      return base === 'isEmpty' || base === 'in';
    case 'slice':
      return base === 'isEmpty' || (base === 'in' && t.elem.kind !== 'struct');
    case 'struct':
      return false;
  }
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** A `matches` pattern, compiled as Go's regexp.Compile does. */
function compileRegex(pattern: string): GoRegexp {
  try {
    return compileGoRegexp(pattern);
  } catch (e) {
    if (e instanceof GoRegexpError) throw new FilterError(`${PREFIX}Failed to compile regular expression ${JSON.stringify(pattern)}: ${e.message}`);
    throw e;
  }
}

/** The leaf test of a positive operator (the field's zero value stands in for null). */
function leafTest(base: 'equal' | 'in' | 'isEmpty' | 'matches', leaf: FieldType, raw: string, selectorText: string): (v: unknown) => boolean {
  const coerceError = (fn: string) =>
    new FilterError(`${PREFIX}Failed to coerce value ${JSON.stringify(raw)} for selector ${JSON.stringify(selectorText)}: strconv.${fn}: parsing ${JSON.stringify(raw)}: invalid syntax`);
  switch (base) {
    case 'isEmpty':
      return (v) => {
        if (v === null || v === undefined || v === '') return true;
        if (Array.isArray(v)) return v.length === 0;
        if (typeof v === 'object') return Object.keys(v as object).length === 0;
        return false;
      };
    case 'equal':
      if (leaf.kind === 'int' || leaf.kind === 'float') {
        const ok = leaf.kind === 'int' ? /^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(raw) : raw.trim() !== '' && Number.isFinite(Number(raw));
        if (!ok) throw coerceError(leaf.kind === 'int' ? 'ParseInt' : 'ParseFloat');
        const n = Number(raw);
        return (v) => (typeof v === 'number' ? v : 0) === n;
      }
      if (leaf.kind === 'bool') {
        const b = parseGoBool(raw);
        if (b === undefined) throw coerceError('ParseBool');
        return (v) => (v === true) === b;
      }
      return (v) => (typeof v === 'string' ? v : '') === raw;
    case 'in':
      if (leaf.kind === 'map') return (v) => v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, raw);
      if (leaf.kind === 'slice') return (v) => Array.isArray(v) && v.includes(raw);
      return (v) => typeof v === 'string' && v.includes(raw);
    case 'matches': {
      const re = compileRegex(raw);
      return (v) => re.test(typeof v === 'string' ? v : '');
    }
  }
}

function compileMatch(m: import('./parser.js').MatchExpression, schema: FieldType): Predicate {
  const selectorText = m.selector.join('.');
  const leaf = resolveSelector(m.selector, schema);
  if (!operatorAllowed(m.operator, leaf)) {
    throw new FilterError(`${PREFIX}Invalid match operator ${JSON.stringify(OPERATOR_NAMES[m.operator])} for selector ${JSON.stringify(selectorText)}`);
  }
  const { op, negated } = BASE[m.operator];
  const test = leafTest(op, leaf, m.value ?? '', selectorText);
  const atLeaf = (v: unknown) => (negated ? !test(v) : test(v));
  // An absent map key: == / in / matches / is not empty are false, their negations and is empty true.
  const whenKeyAbsent = negated !== (op === 'isEmpty');
  const walk = (value: unknown, depth: number, t: FieldType): boolean => {
    if (depth === m.selector.length) return atLeaf(value);
    if (t.kind === 'slice' && t.elem.kind === 'struct') {
      // Operations through a list are "any element".
      return Array.isArray(value) && value.some((item) => walk(item, depth, t.elem));
    }
    const name = m.selector[depth]!;
    if (t.kind === 'map') {
      if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, name)) return whenKeyAbsent;
      return walk((value as Record<string, unknown>)[name], depth + 1, t.value);
    }
    if (t.kind === 'struct') {
      const next = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
      return walk(next, depth + 1, t.fields[name]!);
    }
    return false;
  };
  return (item) => walk(item, 0, schema);
}

function compile(e: Expression, schema: FieldType): Predicate {
  switch (e.kind) {
    case 'match':
      return compileMatch(e, schema);
    case 'and': {
      const l = compile(e.left, schema);
      const r = compile(e.right, schema);
      return (item) => l(item) && r(item);
    }
    case 'or': {
      const l = compile(e.left, schema);
      const r = compile(e.right, schema);
      return (item) => l(item) || r(item);
    }
    case 'not': {
      const o = compile(e.operand, schema);
      return (item) => !o(item);
    }
  }
}

/** Compiles `expression` for items of `schema`; throws FilterError with Consul's text. */
export function createFilter(expression: string, schema: FieldType): Predicate {
  let ast: Expression;
  try {
    ast = parseFilter(expression);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new FilterError(PREFIX + e.message);
    throw e;
  }
  return compile(ast, schema);
}

/** The items `expression` accepts (all of them when there is no expression). */
export function applyFilter<T>(items: T[], expression: string | undefined, schema: FieldType): T[] {
  if (!expression) return items;
  const keep = createFilter(expression, schema);
  return items.filter((item) => keep(item));
}
