// Consul's ?pretty (and every answer of a -dev agent): Go's json.MarshalIndent(v, "", "    ")
// followed by a newline. Works on the compact JSON text the routes produce, token by token, so
// numbers keep their exact digits (uint64 indexes survive, which a parse and re-stringify would
// round) and member order stays the routes' order.
const INDENT = '    ';

export function indentJson(compact: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += compact[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    switch (ch) {
      case '"':
        inString = true;
        out += ch;
        break;
      case '{':
      case '[': {
        const close = ch === '{' ? '}' : ']';
        if (compact[i + 1] === close) {
          out += ch + close; // Go writes empty objects and arrays as {} and []
          i++;
        } else {
          depth++;
          out += ch + '\n' + INDENT.repeat(depth);
        }
        break;
      }
      case '}':
      case ']':
        depth--;
        out += '\n' + INDENT.repeat(depth) + ch;
        break;
      case ',':
        out += ',\n' + INDENT.repeat(depth);
        break;
      case ':':
        out += ': ';
        break;
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break; // the input's own whitespace between tokens
      default:
        out += ch;
    }
  }
  return out + '\n';
}
