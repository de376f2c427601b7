// The flags of `dcsgw migrate` and `dcsgw mirror`: --name value, --name=value, -name, booleans
// as --name (or --name=true/false), and positional arguments anywhere.
export class UsageError extends Error {}

export interface FlagSpec {
  values: string[];
  booleans: string[];
}

export interface ParsedCommand {
  args: string[];
  flags: Record<string, string | boolean | undefined>;
}

export function parseCommandFlags(argv: readonly string[], spec: FlagSpec): ParsedCommand {
  const out: ParsedCommand = { args: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.args.push(...argv.slice(i + 1));
      break;
    }
    const m = /^--?([a-z][a-z-]*)(?:=(.*))?$/s.exec(a);
    if (!m) {
      out.args.push(a);
      continue;
    }
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (name === 'h') {
      out.flags.help = true;
      continue;
    }
    if (spec.values.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`flag needs an argument: --${name}`);
      out.flags[name] = v;
    } else if (spec.booleans.includes(name)) {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`invalid boolean value "${inline}" for --${name}`);
      out.flags[name] = inline !== 'false';
    } else {
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
  }
  return out;
}
