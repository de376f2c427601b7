// Consul's `?filter=` (go-bexpr): compile an expression against an endpoint's schema, then keep
// the items of a result list it accepts.
//
// Compilation checks what go-bexpr checks before running: the syntax, every selector against the
// filtered struct, the operator against the selected field's type, and the value against that type
// (an int field takes an integer, a bool field true/false, `matches` a valid regular expression).
// Any failure is a FilterError whose message is Consul's "Failed to create boolean expression
// evaluator: ..." text.
//
// Matching: a selector that walks through a list of structs (Checks.Status on a health entry)
// matches when any element matches; the negated operators (!=, not in, not contains, not matches,
// is not empty) are the negation of their positive form. A map key that is absent is an empty
// value: it equals nothing, is empty, and contains nothing.
import { parseFilter, FilterSyntaxError, type Expression, type MatchExpression, type MatchOperator } from './parser.js';
import type { FieldType } from './schema.js';

export * from './schema.js';
export { parseFilter, FilterSyntaxError } from './parser.js';
export type { Expression, MatchExpression, MatchOperator } from './parser.js';

/** A filter Consul refuses; `message` is Consul's text. */
export class FilterError extends Error {}

const PREFIX = 'Failed to create boolean expression evaluator: ';

const OPERATOR_NAMES: Record<MatchOperator, string> = {
  equal: 'Equal',
  notEqual: 'Not Equal',
  in: 'In',
  notIn: 'Not In',
  contains: 'Contains',
  notContains: 'Not Contains',
  isEmpty: 'Is Empty',
  isNotEmpty: 'Is Not Empty',
  matches: 'Matches',
  notMatches: 'Not Matches',
};

const NEGATED: Partial<Record<MatchOperator, MatchOperator>> = {
  notEqual: 'equal',
  notIn: 'in',
  notContains: 'contains',
  isNotEmpty: 'isEmpty',
  notMatches: 'matches',
};

type Predicate = (item: unknown) => boolean;

interface ResolvedSelector {
  /** Path segments with, for each, whether the value there is a list of structs to fan out over. */
  steps: Array<{ name: string; fanOut: boolean; mapKey: boolean }>;
  leaf: FieldType;
}

function resolveSelector(selector: string[], schema: FieldType): ResolvedSelector {
  const steps: ResolvedSelector['steps'] = [];
  let t = schema;
  const invalid = () => new FilterError(`${PREFIX}Selector ${JSON.stringify(selector.join('.'))} is not valid`);
  for (const name of selector) {
    // A list of structs is entered through its element's fields: the step that reached the list fans out.
    if (t.kind === 'slice' && t.elem.kind === 'struct' && steps.length > 0) {
      t = t.elem;
      steps[steps.length - 1]!.fanOut = true;
    }
    if (t.kind === 'struct') {
      const next = t.fields[name];
      if (!next) throw invalid();
      steps.push({ name, fanOut: false, mapKey: false });
      t = next;
    } else if (t.kind === 'map') {
      steps.push({ name, fanOut: false, mapKey: true });
      t = t.value;
    } else {
      throw invalid();
    }
  }
  return { steps, leaf: t };
}

function operatorAllowed(op: MatchOperator, t: FieldType): boolean {
  const base = NEGATED[op] ?? op;
  switch (t.kind) {
    case 'string':
      return true;
    case 'int':
    case 'float':
    case 'bool':
      return base === 'equal';
    case 'map':
      return base === 'isEmpty' || base === 'in' || base === 'contains';
    case 'slice':
      return base === 'isEmpty' || ((base === 'in' || base === 'contains') && t.elem.kind !== 'struct');
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

/** A Go (RE2) regular expression as a JS RegExp: leading inline flags become RegExp flags. */
function compileRegex(pattern: string, selector: string): RegExp {
  let flags = '';
  let body = pattern;
  const m = /^\(\?([imsU]+)\)/.exec(body);
  if (m) {
    for (const f of m[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
    body = body.slice(m[0].length);
  }
  try {
    return new RegExp(body, flags + 'u');
  } catch (e) {
    throw new FilterError(`${PREFIX}Failed to compile regular expression for selector ${JSON.stringify(selector)}: ${(e as Error).message}`);
  }
}

/** The values a selector reaches in one item (several when it walks through a list of structs); none when a step is missing. */
function collect(item: unknown, steps: ResolvedSelector['steps']): unknown[] {
  let current: unknown[] = [item];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || v === undefined || typeof v !== 'object') continue;
      const rec = v as Record<string, unknown>;
      if (!Object.prototype.hasOwnProperty.call(rec, step.name)) continue;
      const child = rec[step.name];
      if (step.fanOut) {
        if (Array.isArray(child)) next.push(...child);
      } else {
        next.push(child);
      }
    }
    current = next;
  }
  return current;
}

function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function compileMatch(m: MatchExpression, schema: FieldType): Predicate {
  const selectorText = m.selector.join('.');
  const { steps, leaf } = resolveSelector(m.selector, schema);
  if (!operatorAllowed(m.operator, leaf)) {
    throw new FilterError(`${PREFIX}Invalid match operator ${JSON.stringify(OPERATOR_NAMES[m.operator])} for selector ${JSON.stringify(selectorText)}`);
  }
  const positive = NEGATED[m.operator] ?? m.operator;
  const raw = m.value ?? '';
  let test: (v: unknown) => boolean;
  switch (positive) {
    case 'isEmpty':
      test = isEmptyValue;
      break;
    case 'equal':
      if (leaf.kind === 'int' || leaf.kind === 'float') {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n) || (leaf.kind === 'int' && !/^[+-]?\d+$/.test(raw))) {
          throw new FilterError(`${PREFIX}Failed to coerce value ${JSON.stringify(raw)} for selector ${JSON.stringify(selectorText)}: strconv.Parse${leaf.kind === 'int' ? 'Int' : 'Float'}: parsing ${JSON.stringify(raw)}: invalid syntax`);
        }
        test = (v) => typeof v === 'number' && v === n;
      } else if (leaf.kind === 'bool') {
        const b = parseGoBool(raw);
        if (b === undefined) {
          throw new FilterError(`${PREFIX}Failed to coerce value ${JSON.stringify(raw)} for selector ${JSON.stringify(selectorText)}: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
        }
        test = (v) => (v ?? false) === b;
      } else {
        test = (v) => (v ?? '') === raw;
      }
      break;
    case 'in':
    case 'contains':
      if (leaf.kind === 'map') test = (v) => v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, raw);
      else if (leaf.kind === 'slice') test = (v) => Array.isArray(v) && v.includes(raw);
      else test = (v) => typeof v === 'string' && v.includes(raw);
      break;
    case 'matches': {
      const re = compileRegex(raw, selectorText);
      test = (v) => typeof v === 'string' && re.test(v);
      break;
    }
    default:
      throw new FilterError(`${PREFIX}unsupported operator`);
  }
  const negate = NEGATED[m.operator] !== undefined;
  return (item) => {
    const values = collect(item, steps);
    // A selector that reaches nothing (absent map key, empty list) reads as the empty value.
    const hit = values.length === 0 ? test(undefined) : values.some(test);
    return negate ? !hit : hit;
  };
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
