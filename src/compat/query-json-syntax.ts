// The syntax error Go's encoding/json reports for a body that is not JSON, so a client sees the same
// "Request decode failed: <text>" from dcsgw as from Consul. A small scanner walks the text the way
// Go's does and stops at the first byte Go would refuse, naming what it was looking for.

/** Go's quoteChar: the offending character as Go prints it inside single quotes. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

class SyntaxErr extends Error {}

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * Scans the first JSON value of `text` as Go's json.Decoder does. `error` is Go's text when the
 * value is not valid ("EOF" for an empty body, "unexpected EOF" for one cut short, else "invalid
 * character 'x' <context>"); otherwise `end` is where the value ends (Decode ignores what follows).
 */
export function scanGoJson(text: string): { error?: string; end: number } {
  let i = 0;
  const fail = (context: string): never => {
    if (i >= text.length) throw new SyntaxErr('unexpected EOF');
    throw new SyntaxErr(`invalid character ${quoteChar(String.fromCodePoint(text.codePointAt(i)!))} ${context}`);
  };
  const skipWs = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (text[i] !== word[k]) fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
    i++;
  };
  const str = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        const e = text[i];
        if (e === undefined) fail('');
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('in \\u hexadecimal character escape');
          }
          i++;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e!)) fail('in string escape code');
        i++;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('in string literal');
      i++;
    }
  };
  const digits = () => {
    while (i < text.length && /[0-9]/.test(text[i]!)) i++;
  };
  const num = () => {
    if (text[i] === '-') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('in numeric literal');
    }
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('after decimal point in numeric literal');
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('in exponent of numeric literal');
      digits();
    }
  };
  const value = (): void => {
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      skipWs();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('looking for beginning of object key string');
        str();
        skipWs();
        if (text[i] !== ':') fail('after object key');
        i++;
        value();
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      skipWs();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('after array element');
      }
    }
    if (c === '"') return str();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && /[0-9]/.test(c))) return num();
    fail('looking for beginning of value');
  };
  skipWs();
  if (i >= text.length) return { error: 'EOF', end: 0 };
  try {
    value();
    return { end: i };
  } catch (err) {
    if (err instanceof SyntaxErr) return { error: err.message, end: i };
    throw err;
  }
}
