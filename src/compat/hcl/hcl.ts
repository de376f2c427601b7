// The HCL that Consul agent configuration files and ACL rules are written in, read into the same
// plain JSON values a .json config file gives: `key = value`, blocks `key { ... }` (and labelled blocks
// `key "label" { ... }`, nested as objects), strings with escapes, heredocs, numbers, booleans,
// lists, inline objects and the three comment styles. A block given more than once under one key
// (`service { } service { }`) yields a list, as HCL's decoder does; config normalisation decides
// where a list of objects means "several" (services, checks) and where it is one object.

export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };
type HclObject = { [key: string]: HclValue };

export class HclSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`At ${line}:${column}: ${message}`);
    this.name = 'HclSyntaxError';
  }
}

/** Keys whose repeated blocks accumulate (assigning a plain value twice keeps the last, as HCL does). */
const REPEATED_BLOCK = Symbol('repeated');

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  private where(at = this.pos): { line: number; column: number } {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.src.length; i++) {
      if (this.src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    return { line, column: col };
  }

  private fail(message: string, at = this.pos): never {
    const { line, column } = this.where(at);
    throw new HclSyntaxError(message, line, column);
  }

  /** Skips blanks and comments; `newlines` false stops at a line break (it separates attributes). */
  private skip(newlines = true): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) {
        this.pos++;
      } else if (c === '#' || (c === '/' && this.src[this.pos + 1] === '/')) {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && this.src[this.pos + 1] === '*') {
        const end = this.src.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('comment not terminated');
        this.pos = end + 2;
      } else return;
    }
  }

  parseDocument(): HclObject {
    const obj = this.parseBody(undefined);
    this.skip();
    if (this.pos < this.src.length) this.fail(`unexpected ${JSON.stringify(this.src[this.pos])}`);
    return finish(obj);
  }

  /** Attributes and blocks until `close` (or the end of input when undefined). */
  private parseBody(close: string | undefined): HclObject {
    const obj: HclObject = {};
    for (;;) {
      this.skip();
      const c = this.src[this.pos];
      if (c === undefined) {
        if (close !== undefined) this.fail(`expected '${close}' but found end of file`);
        return obj;
      }
      if (c === close) {
        this.pos++;
        return obj;
      }
      if (c === ',') {
        this.pos++;
        continue;
      }
      const key = this.parseKey();
      this.skip();
      const labels: string[] = [];
      while (this.src[this.pos] === '"' || (this.src[this.pos] !== undefined && /[A-Za-z_]/.test(this.src[this.pos]!) && this.peekLabelThenBrace())) {
        labels.push(this.src[this.pos] === '"' ? this.parseString() : this.parseKey());
        this.skip(false);
      }
      const next = this.src[this.pos];
      if (next === '=' || next === ':') {
        if (labels.length > 0) this.fail(`unexpected '=' after block labels`);
        this.pos++;
        this.skip(false);
        setAttribute(obj, key, this.parseValue());
      } else if (next === '{') {
        this.pos++;
        let value: HclValue = this.parseBody('}');
        for (let i = labels.length - 1; i >= 0; i--) value = { [labels[i]!]: value };
        addBlock(obj, key, value);
      } else {
        this.fail(`key '${key}' expected start of object ('{') or assignment ('=')`);
      }
    }
  }

  /** After an identifier: is this a bare label followed (eventually) by '{'? */
  private peekLabelThenBrace(): boolean {
    const m = /^[A-Za-z_][A-Za-z0-9_.-]*[ \t]*("[^"\n]*"[ \t]*)*\{/.exec(this.src.slice(this.pos, this.pos + 200));
    return m !== null;
  }

  private parseKey(): string {
    if (this.src[this.pos] === '"') return this.parseString();
    const m = /^[A-Za-z0-9_][A-Za-z0-9_.-]*/.exec(this.src.slice(this.pos, this.pos + 512));
    if (!m) this.fail(`unexpected ${JSON.stringify(this.src[this.pos])}, expected a key`);
    this.pos += m[0].length;
    return m[0];
  }

  private parseValue(): HclValue {
    this.skip();
    const c = this.src[this.pos];
    if (c === undefined) this.fail('expected a value but found end of file');
    if (c === '"') return this.parseString();
    if (c === '<' && this.src[this.pos + 1] === '<') return this.parseHeredoc();
    if (c === '[') return this.parseList();
    if (c === '{') {
      this.pos++;
      return finish(this.parseBody('}'));
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos, this.pos + 64));
    if (word) {
      this.pos += word[0].length;
      if (word[0] === 'true') return true;
      if (word[0] === 'false') return false;
      if (word[0] === 'null') return null;
      this.fail(`unknown token: ${word[0]}`, this.pos - word[0].length);
    }
    const num = /^-?(0[xX][0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(this.src.slice(this.pos, this.pos + 64));
    if (num) {
      this.pos += num[0].length;
      return /^-?0[xX]/.test(num[0]) ? (num[0].startsWith('-') ? -1 : 1) * parseInt(num[0].replace(/^-?0[xX]/, ''), 16) : Number(num[0]);
    }
    this.fail(`unexpected ${JSON.stringify(c)}, expected a value`);
  }

  private parseList(): HclValue[] {
    this.pos++; // [
    const out: HclValue[] = [];
    for (;;) {
      this.skip();
      if (this.src[this.pos] === ']') {
        this.pos++;
        return out;
      }
      out.push(this.parseValue());
      this.skip();
      const c = this.src[this.pos];
      if (c === ',') this.pos++;
      else if (c !== ']') this.fail(`expected ',' or ']' in list`);
    }
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let braces = 0; // "${ ... }" interpolations may hold quotes; HCL1 keeps them as text
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined || (c === '\n' && braces === 0)) this.fail('literal not terminated', start);
      if (c === '"' && braces === 0) {
        this.pos++;
        return out;
      }
      if (c === '$' && this.src[this.pos + 1] === '{') {
        braces++;
        out += '${';
        this.pos += 2;
        continue;
      }
      if (c === '}' && braces > 0) braces--;
      if (c === '\\' && braces === 0) {
        const e = this.src[this.pos + 1];
        this.pos += 2;
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case 'u':
          case 'U': {
            // \uXXXX or \UXXXXXXXX: a code point in 4 or 8 hex digits
            const digits = e === 'u' ? 4 : 8;
            const hex = this.src.slice(this.pos, this.pos + digits);
            if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(`invalid \\${e} escape`);
            const codePoint = parseInt(hex, 16);
            if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) this.fail(`invalid \\${e} escape`);
            out += String.fromCodePoint(codePoint);
            this.pos += digits;
            break;
          }
          default:
            this.fail(`unknown escape sequence \\${e ?? ''}`, this.pos - 2);
        }
        continue;
      }
      out += c;
      this.pos++;
    }
  }

  private parseHeredoc(): string {
    const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n/.exec(this.src.slice(this.pos, this.pos + 128));
    if (!m) this.fail('heredoc expected a marker');
    const indented = m[1] === '-';
    const marker = m[2]!;
    this.pos += m[0].length;
    const lines: string[] = [];
    for (;;) {
      if (this.pos >= this.src.length) this.fail(`heredoc not terminated (expected ${marker})`);
      let end = this.src.indexOf('\n', this.pos);
      if (end < 0) end = this.src.length;
      const line = this.src.slice(this.pos, end).replace(/\r$/, '');
      this.pos = Math.min(end + 1, this.src.length);
      if ((indented ? line.trim() : line) === marker) break;
      lines.push(line);
    }
    if (indented) {
      const pad = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length));
      return lines.map((l) => l.slice(Number.isFinite(pad) ? pad : 0)).join('\n') + '\n';
    }
    return lines.join('\n') + '\n';
  }
}

type Accumulated = HclValue[] & { [REPEATED_BLOCK]?: true };

function setAttribute(obj: HclObject, key: string, value: HclValue): void {
  obj[key] = value;
}

function addBlock(obj: HclObject, key: string, value: HclValue): void {
  const prev = obj[key];
  if (prev === undefined) {
    obj[key] = value;
    return;
  }
  if (Array.isArray(prev) && (prev as Accumulated)[REPEATED_BLOCK]) {
    prev.push(value);
    return;
  }
  if (typeof prev === 'object' && prev !== null && !Array.isArray(prev) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const list: Accumulated = [prev, value];
    list[REPEATED_BLOCK] = true;
    obj[key] = list;
    return;
  }
  obj[key] = value;
}

/** Drops the internal marks (plain arrays from here on). */
function finish(obj: HclObject): HclObject {
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v) && (v as Accumulated)[REPEATED_BLOCK]) obj[k] = [...v];
  }
  return obj;
}

/** Parses an HCL document into JSON values. Throws HclSyntaxError with line and column. */
export function parseHcl(src: string): { [key: string]: HclValue } {
  return new Parser(src).parseDocument();
}
