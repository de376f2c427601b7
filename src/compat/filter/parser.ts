// The grammar of Consul's `filter` expressions (the go-bexpr language), parsed into an AST.
//
//   Expression    := Or
//   Or            := And ( "or" And )*
//   And           := Not ( "and" Not )*
//   Not           := "not" Not | "(" Or ")" | Match
//   Match         := Selector ( "==" | "!=" ) Value
//                  | Selector ( "contains" | "not contains" | "matches" | "not matches" ) Value
//                  | Selector "is" [ "not" ] "empty"
//                  | Value [ "not" ] "in" Selector
//   Selector      := Identifier ( "." Identifier | "." Digits | "[" String "]" )*     Identifier := [a-zA-Z][a-zA-Z0-9_/]*
//   Value         := String ("..." with Go escapes, or `raw`) | Number (-?(0|[1-9][0-9]*)(.[0-9]+)?)
//                  | a selector-shaped bare word (passing, linux, v1.x), taken as its text
//
// Keywords are lower-case; whitespace separates words and is otherwise ignored. A syntax error
// reports where the parse stopped as go-bexpr's generated parser does: "line:col (offset): ...".

export type MatchOperator =
  | 'equal'
  | 'notEqual'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'notContains'
  | 'isEmpty'
  | 'isNotEmpty'
  | 'matches'
  | 'notMatches';

export interface MatchExpression {
  kind: 'match';
  selector: string[];
  operator: MatchOperator;
  /** The literal as written (undefined for the emptiness checks). */
  value?: string;
}

export type Expression =
  | MatchExpression
  | { kind: 'and'; left: Expression; right: Expression }
  | { kind: 'or'; left: Expression; right: Expression }
  | { kind: 'not'; operand: Expression };

/** A syntax error; `message` is go-bexpr's form (line:col (offset): reason). */
export class FilterSyntaxError extends Error {}

const IDENT_START = /[A-Za-z]/;
const IDENT_PART = /[A-Za-z0-9_/]/;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'is', 'empty', 'matches']);

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Expression {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail(['"(", "not", a selector or a value']);
    const expr = this.parseOr();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(['"and"', '"or"', 'end of input']);
    return expr;
  }

  private fail(expected: string[]): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    const list = expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}` : expected.join('');
    throw new FilterSyntaxError(`${line}:${col} (${this.pos}): no match found, expected: ${list}`);
  }

  /** A rule's own error (go-bexpr's grammar raises these by name: unterminated strings, bad numbers...). */
  private ruleFail(rule: string, message: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    throw new FilterSyntaxError(`${line}:${col} (${this.pos}): rule ${JSON.stringify(rule)}: ${message}`);
  }

  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && /[ \t\r\n]/.test(this.text[this.pos]!)) this.pos++;
    return this.pos > start;
  }

  /** The keyword at the cursor (a whole word), without consuming it. */
  private peekWord(): string | undefined {
    const m = /^[A-Za-z]+/.exec(this.text.slice(this.pos));
    if (!m) return undefined;
    const after = this.text[this.pos + m[0].length];
    if (after !== undefined && IDENT_PART.test(after)) return undefined;
    return m[0];
  }

  private keyword(word: string): boolean {
    const save = this.pos;
    this.skipSpace();
    if (this.peekWord() === word) {
      this.pos += word.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parseNot();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.parseNot() };
    return left;
  }

  private parseNot(): Expression {
    this.skipSpace();
    if (this.peekWord() === 'not') {
      // "not" may also begin nothing else at this point: a value cannot be the bare word "not".
      this.pos += 3;
      if (!this.skipSpace()) this.fail(['[ \\t\\r\\n]']);
      return { kind: 'not', operand: this.parseNot() };
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.skipSpace();
      if (this.text[this.pos] !== ')') this.fail(['")"', '"and"', '"or"']);
      this.pos++;
      return inner;
    }
    return this.parseMatch();
  }

  private parseMatch(): MatchExpression {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail(['"("', '"not"', 'a selector', 'a value']);
    // `Value [not] in Selector` with a quoted or numeric value.
    if (c === '"' || c === '`' || /[0-9-]/.test(c)) return this.parseInTail(this.parseValue());
    if (!IDENT_START.test(c)) this.fail(['"("', '"not"', 'a selector', 'a value']);
    const selector = this.parseSelector();
    // A selector-shaped word followed by "in" is a bare value: `primary in ServiceTags`.
    const save = this.pos;
    if (this.keyword('in') || (this.keyword('not') && this.keyword('in'))) {
      this.pos = save;
      return this.parseInTail(selector.join('.'));
    }
    this.pos = save;
    this.skipSpace();
    if (this.text.startsWith('==', this.pos)) {
      this.pos += 2;
      return { kind: 'match', selector, operator: 'equal', value: this.parseValue() };
    }
    if (this.text.startsWith('!=', this.pos)) {
      this.pos += 2;
      return { kind: 'match', selector, operator: 'notEqual', value: this.parseValue() };
    }
    const w = this.pos > save ? this.peekWord() : undefined;
    if (w === 'is') {
      this.pos += 2;
      if (this.keyword('empty')) return { kind: 'match', selector, operator: 'isEmpty' };
      if (this.keyword('not') && this.keyword('empty')) return { kind: 'match', selector, operator: 'isNotEmpty' };
      this.skipSpace();
      this.fail(['"empty"', '"not"']);
    }
    if (w === 'contains' || w === 'matches') {
      this.pos += w.length;
      if (!this.skipSpace()) this.fail(['[ \\t\\r\\n]']);
      return { kind: 'match', selector, operator: w, value: this.parseValue() };
    }
    if (w === 'not') {
      this.pos += 3;
      if (this.keyword('contains')) return this.afterSpace({ kind: 'match', selector, operator: 'notContains', value: '' });
      if (this.keyword('matches')) return this.afterSpace({ kind: 'match', selector, operator: 'notMatches', value: '' });
      this.skipSpace();
      this.fail(['"contains"', '"matches"']);
    }
    this.fail(['"!="', '"."', '"=="', '"["', '"contains"', '"is"', '"matches"', '"not"', '[ \\t\\r\\n]', '[a-zA-Z0-9_/]']);
  }

  /** The value after `not contains` / `not matches` (whitespace required before it). */
  private afterSpace(m: MatchExpression): MatchExpression {
    if (!this.skipSpace()) this.fail(['[ \\t\\r\\n]']);
    return { ...m, value: this.parseValue() };
  }

  private parseInTail(value: string): MatchExpression {
    if (this.keyword('in')) return { kind: 'match', selector: this.parseSelectorAfterSpace(), operator: 'in', value };
    if (this.keyword('not')) {
      if (this.keyword('in')) return { kind: 'match', selector: this.parseSelectorAfterSpace(), operator: 'notIn', value };
      this.skipSpace();
      this.fail(['"in"']);
    }
    this.skipSpace();
    this.fail(['"in"', '"not"']);
  }

  private parseSelectorAfterSpace(): string[] {
    if (!this.skipSpace()) this.fail(['[ \\t\\r\\n]']);
    return this.parseSelector();
  }

  private parseIdentifier(): string {
    const c = this.text[this.pos];
    if (c === undefined || !IDENT_START.test(c)) this.fail(['[a-zA-Z]']);
    const start = this.pos;
    while (this.pos < this.text.length && IDENT_PART.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private parseSelector(): string[] {
    const parts = [this.parseIdentifier()];
    for (;;) {
      const c = this.text[this.pos];
      if (c === '.') {
        this.pos++;
        const digits = /^[0-9]+/.exec(this.text.slice(this.pos));
        if (digits) {
          this.pos += digits[0].length;
          parts.push(digits[0]);
        } else {
          parts.push(this.parseIdentifier());
        }
      } else if (c === '[') {
        this.pos++;
        this.skipSpace();
        const q = this.text[this.pos];
        if (q !== '"' && q !== '`') this.fail(['"\\""', '"`"']);
        parts.push(this.parseString());
        this.skipSpace();
        if (this.text[this.pos] !== ']') this.fail(['"]"']);
        this.pos++;
      } else {
        return parts;
      }
    }
  }

  private parseValue(): string {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"' || c === '`') return this.parseString();
    if (c !== undefined && /[0-9-]/.test(c)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?/.exec(this.text.slice(this.pos));
      if (!m) this.fail(['"0"', '[1-9]']);
      const after = this.text[this.pos + m[0].length];
      if (after !== undefined && !/[ \t\r\n)]/.test(after)) this.ruleFail('number', 'Invalid number literal');
      this.pos += m[0].length;
      return m[0];
    }
    if (c === undefined || !IDENT_START.test(c)) this.fail(['"\\""', '"-"', '"0"', '"`"', '[1-9]', '[a-zA-Z]']);
    const word = this.peekWord();
    if (word !== undefined && KEYWORDS.has(word)) this.fail(['"\\""', '"-"', '"0"', '"`"', '[1-9]', '[a-zA-Z]']);
    return this.parseSelector().join('.');
  }

  private parseString(): string {
    const quote = this.text[this.pos]!;
    const start = this.pos;
    this.pos++;
    if (quote === '`') {
      const end = this.text.indexOf('`', this.pos);
      if (end < 0) {
        this.pos = start;
        this.ruleFail('string', 'Unterminated string literal');
      }
      this.pos = end + 1;
      return this.text.slice(start + 1, end);
    }
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      // Go's strconv.Unquote refuses a raw newline in a "..." literal.
      if (ch === '\n') {
        this.pos = start;
        this.ruleFail('string', 'invalid syntax');
      }
      if (ch === '\\') {
        const next = this.text[this.pos + 1];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', '/': '/' };
        if (next !== undefined && simple[next] !== undefined) {
          out += simple[next];
          this.pos += 2;
          continue;
        }
        const hex = next === 'u' ? 4 : next === 'U' ? 8 : next === 'x' ? 2 : 0;
        const digits = this.text.slice(this.pos + 2, this.pos + 2 + hex);
        if (hex > 0 && digits.length === hex && /^[0-9a-fA-F]+$/.test(digits)) {
          out += String.fromCodePoint(parseInt(digits, 16));
          this.pos += 2 + hex;
          continue;
        }
        this.pos = start;
        this.ruleFail('string', 'invalid syntax');
      }
      out += ch;
      this.pos++;
    }
    this.pos = start;
    this.ruleFail('string', 'Unterminated string literal');
  }
}

/** Parses a filter expression; throws FilterSyntaxError. */
export function parseFilter(text: string): Expression {
  return new Parser(text).parse();
}
