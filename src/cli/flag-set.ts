// A parser that behaves like Go's `flag` package as etcd 3.4 uses it: `-flag`, `--flag`,
// `-flag=value`, `-flag value` (non-booleans only), booleans set by their bare name, parsing stops
// at the first non-flag argument or at `--`. Error texts are Go's, because scripts and humans
// compare them with what genuine etcd prints.

export type FlagKind = 'string' | 'bool' | 'uint' | 'int' | 'urls' | 'choice' | 'duration' | 'strings';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  /** The default as etcd shows it in --help (already a string). */
  defaultValue: string;
  /** For kind 'choice': the accepted values (etcd's flags.SelectiveStringValue). */
  choices?: readonly string[];
}

/** A parse failure; `usage` says whether Go's flag package would print the usage after it (exit 2). */
export class FlagError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly usage: boolean,
  ) {
    super(message);
    this.name = 'FlagError';
  }
}

/** The help flag (-h / -help / --help), which Go reports as flag.ErrHelp. */
export class HelpRequested extends Error {
  constructor() {
    super('flag: help requested');
    this.name = 'HelpRequested';
  }
}

export interface ParsedFlags {
  /** Raw string values of every flag given on the command line (last one wins, as in Go). */
  set: Map<string, string>;
  /** Non-flag arguments left after parsing. */
  rest: string[];
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseGoBool(raw: string): boolean | undefined {
  if (GO_TRUE.has(raw)) return true;
  if (GO_FALSE.has(raw)) return false;
  return undefined;
}

/** Go's strconv.ParseUint(s, 0, 64) / ParseInt(s, 0, 64), limited to JS safe integers. */
export function parseGoInt(raw: string, signed: boolean): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*|0)$/.exec(raw);
  if (!m) return undefined;
  const sign = m[1];
  if (sign !== '' && !signed) return undefined;
  let digits = m[2]!.replace(/_/g, '');
  let value: number;
  if (/^0[xX]/.test(digits)) value = parseInt(digits.slice(2), 16);
  else if (/^0[bB]/.test(digits)) value = parseInt(digits.slice(2), 2);
  else if (/^0[oO]/.test(digits)) value = parseInt(digits.slice(2), 8);
  else if (digits.length > 1 && digits.startsWith('0')) value = parseInt((digits = digits.slice(1)), 8);
  else value = parseInt(digits, 10);
  if (!Number.isSafeInteger(value)) return undefined;
  return sign === '-' ? -value : value;
}

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(raw: string): number | undefined {
  if (raw === '0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/y;
  let pos = 0;
  let sign = 1;
  if (raw.startsWith('-') || raw.startsWith('+')) {
    sign = raw.startsWith('-') ? -1 : 1;
    pos = 1;
  }
  if (pos >= raw.length) return undefined;
  let total = 0;
  while (pos < raw.length) {
    re.lastIndex = pos;
    const m = re.exec(raw);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return sign * total;
}

/** etcd's flags.URLsValue check: a comma-separated list of http/https/unix/unixs URLs. */
export function checkUrls(raw: string): string | undefined {
  for (const part of raw.split(',')) {
    let u: URL;
    try {
      u = new URL(part);
    } catch {
      return `URL scheme must be http, https, unix, or unixs: ${part}`;
    }
    if (!['http:', 'https:', 'unix:', 'unixs:'].includes(u.protocol)) return `URL scheme must be http, https, unix, or unixs: ${part}`;
    if (u.pathname !== '' && u.pathname !== '/') return `URL must not contain a path: ${part}`;
  }
  return undefined;
}

/** Checks a raw value against the flag's kind; returns Go's error suffix (after "for flag -x: ") or undefined. */
export function checkValue(spec: FlagSpec, raw: string): string | undefined {
  switch (spec.kind) {
    case 'bool':
      return parseGoBool(raw) === undefined ? 'parse error' : undefined;
    case 'uint':
      return parseGoInt(raw, false) === undefined ? 'parse error' : undefined;
    case 'int':
      return parseGoInt(raw, true) === undefined ? 'parse error' : undefined;
    case 'duration':
      return parseGoDuration(raw) === undefined ? `time: invalid duration "${raw}"` : undefined;
    case 'urls':
      return checkUrls(raw);
    case 'choice':
      return spec.choices?.includes(raw) ? undefined : 'invalid value';
    default:
      return undefined;
  }
}

function invalidValue(spec: FlagSpec, raw: string, why: string): FlagError {
  // Go: booleans get their own wording.
  if (spec.kind === 'bool') return new FlagError(`invalid boolean value "${raw}" for -${spec.name}: ${why}`, 2, true);
  return new FlagError(`invalid value "${raw}" for flag -${spec.name}: ${why}`, 2, true);
}

/** What the walk over argv asks of the command whose flags it parses. */
export interface GoFlagWalk<S extends { kind: string }> {
  specs: ReadonlyMap<string, S>;
  /** The command's error for a message of Go's flag package. */
  error(message: string): Error;
  /** The command's flag.ErrHelp. */
  help(): Error;
  /** One flag as given, in order: checks the value (throwing the command's error) and records it. */
  onFlag(spec: S, name: string, value: string): void;
}

/**
 * Go's FlagSet.Parse (ContinueOnError) walk: `-flag`, `--flag`, `-flag=value`, `-flag value`
 * (non-booleans), booleans by their bare name, stopping at the first non-flag argument or after
 * `--`. Returns the arguments left. Both etcd's and Consul's command lines are walked here.
 */
export function walkGoFlags<S extends { kind: string }>(argv: readonly string[], walk: GoFlagWalk<S>): string[] {
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.length < 2 || arg[0] !== '-') break;
    let numMinuses = 1;
    if (arg[1] === '-') {
      numMinuses = 2;
      if (arg.length === 2) {
        i++; // "--" terminates the flags
        break;
      }
    }
    const body = arg.slice(numMinuses);
    if (body.length === 0 || body[0] === '-' || body[0] === '=') throw walk.error(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = walk.specs.get(name);
    if (!spec) {
      if (name === 'help' || name === 'h') throw walk.help();
      throw walk.error(`flag provided but not defined: -${name}`);
    }
    if (spec.kind === 'bool') {
      value ??= 'true';
    } else if (value === undefined) {
      if (i + 1 >= argv.length) throw walk.error(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    walk.onFlag(spec, name, value);
  }
  return argv.slice(i);
}

/** Parses argv like Go's FlagSet.Parse with ContinueOnError. */
export function parseFlags(specs: ReadonlyMap<string, FlagSpec>, argv: readonly string[]): ParsedFlags {
  const set = new Map<string, string>();
  const rest = walkGoFlags(argv, {
    specs,
    error: (message) => new FlagError(message, 2, true),
    help: () => new HelpRequested(),
    onFlag: (spec, name, value) => {
      const why = checkValue(spec, value);
      if (why !== undefined) throw invalidValue(spec, value, why);
      set.set(name, value);
    },
  });
  return { set, rest };
}

/** ETCD_INITIAL_CLUSTER for initial-cluster: etcd's pkg/flags.FlagToEnv. */
export function flagToEnv(name: string): string {
  return 'ETCD_' + name.toUpperCase().replace(/-/g, '_');
}
