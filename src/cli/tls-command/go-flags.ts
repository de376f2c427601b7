// Go's flag package as the consul CLI's commands use it (ContinueOnError): "-name", "--name",
// "-name=value", "-name value" (booleans take only "=value"), parsing stops at the first
// non-flag argument or "--"; its error texts ("flag provided but not defined: -x", ...) and its
// usage listing on a parse error.

export interface FlagSpec {
  name: string;
  kind: 'bool' | 'string' | 'int' | 'list';
  usage: string;
  /** The default as Go shows it in the listing ('' = not shown). */
  defaultText?: string;
}

export class GoFlagError extends Error {}
export class GoFlagHelp extends Error {}

export interface ParsedFlags {
  values: Map<string, string[]>;
  rest: string[];
}

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Go's strconv.Atoi accepting what flag.IntVar accepts (base prefixes included). */
function goInt(raw: string): number | undefined {
  if (!/^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*|0)$/.test(raw)) return undefined;
  const neg = raw.startsWith('-');
  const body = raw.replace(/^[+-]/, '').replace(/_/g, '');
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else if (body.length > 1 && body.startsWith('0')) n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  return neg ? -n : n;
}

export function parseGoFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.length < 2 || arg[0] !== '-') break;
    let name = arg.slice(1);
    if (name.startsWith('-')) {
      name = name.slice(1);
      if (name === '') {
        i++;
        break;
      }
    }
    if (name === '' || name.startsWith('-') || name.startsWith('=')) throw new GoFlagError(`bad flag syntax: ${arg}`);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = byName.get(name);
    if (!spec) {
      if (name === 'help' || name === 'h') throw new GoFlagHelp();
      throw new GoFlagError(`flag provided but not defined: -${name}`);
    }
    if (spec.kind === 'bool') {
      const v = value ?? 'true';
      if (!TRUE.includes(v) && !FALSE.includes(v)) throw new GoFlagError(`invalid boolean value ${JSON.stringify(v)} for -${name}: parse error`);
      values.set(name, [TRUE.includes(v) ? 'true' : 'false']);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) throw new GoFlagError(`flag needs an argument: -${name}`);
      value = args[++i]!;
    }
    if (spec.kind === 'int' && goInt(value) === undefined) throw new GoFlagError(`invalid value ${JSON.stringify(value)} for flag -${name}: parse error`);
    values.set(name, spec.kind === 'list' ? [...(values.get(name) ?? []), value] : [value]);
  }
  return { values, rest: args.slice(i) };
}

export function flagString(p: ParsedFlags, name: string, fallback: string): string {
  return p.values.get(name)?.[0] ?? fallback;
}
export function flagBool(p: ParsedFlags, name: string): boolean {
  return p.values.get(name)?.[0] === 'true';
}
export function flagInt(p: ParsedFlags, name: string, fallback: number): number {
  const v = p.values.get(name)?.[0];
  return v === undefined ? fallback : goInt(v)!;
}
export function flagList(p: ParsedFlags, name: string): string[] {
  return p.values.get(name) ?? [];
}

/** Go's PrintDefaults for a FlagSet without a name ("Usage:" then one entry per flag, sorted). */
export function goUsageListing(specs: readonly FlagSpec[]): string {
  let out = 'Usage:\n';
  for (const s of [...specs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const typeName = s.kind === 'string' ? ' string' : s.kind === 'int' ? ' int' : s.kind === 'list' ? ' value' : '';
    const head = `  -${s.name}${typeName}`;
    out += head.length <= 4 ? `${head}\t` : `${head}\n    \t`;
    out += s.usage.replace(/\n/g, '\n    \t');
    if (s.defaultText) out += s.kind === 'string' ? ` (default ${JSON.stringify(s.defaultText)})` : ` (default ${s.defaultText})`;
    out += '\n';
  }
  return out;
}

/** Consul's help layout (command/flags.Usage): the text, then "Command Options" with each flag wrapped at 72 columns. */
export function consulUsage(help: string, specs: readonly FlagSpec[] | undefined): string {
  let out = `${help.trim()}\n\n`;
  if (specs) {
    out += 'Command Options\n\n';
    for (const s of specs.slice().sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const example = s.kind === 'string' ? 'string' : s.kind === 'int' ? 'int' : s.kind === 'list' ? 'value' : '';
      out += example ? `  -${s.name}=<${example}>\n` : `  -${s.name}\n`;
      out += `${wrap(s.usage, 72 - 5).map((l) => `     ${l}`).join('\n')}\n\n`;
    }
  }
  return out.replace(/\n+$/, '');
}

/** Word wrap at `width` columns (words longer than the width stay whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur === '') cur = word;
    else if (cur.length + 1 + word.length <= width) cur += ` ${word}`;
    else {
      lines.push(cur);
      cur = word;
    }
  }
  if (cur !== '') lines.push(cur);
  return lines;
}
