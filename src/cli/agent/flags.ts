// `dcsgw agent`'s command line, as Consul's `consul agent` takes it: Go's flag package rules
// (`-flag` or `--flag`, `-flag=value` or `-flag value`, booleans set by their bare name, parsing
// stops at the first non-flag), Consul's flag names and value types, and Go's error texts, because
// scripts and test harnesses start dcsgw with the command lines they give genuine Consul.
import { parseGoBool, walkGoFlags } from '../flag-set.js';

/** The value types of Consul's agent flags (agent/config/flags.go). */
export type AgentFlagKind = 'bool' | 'int' | 'string' | 'duration' | 'strings' | 'map' | 'goString';

export interface AgentFlagSpec {
  name: string;
  kind: AgentFlagKind;
  /** Consul's usage text (printed by -h and after a flag error, as Go's flag package prints it). */
  usage: string;
}

// Ordered by name as Go prints them. The usage texts are what `consul agent` shows.
const SPECS: AgentFlagSpec[] = [
  { name: 'advertise', kind: 'string', usage: 'Sets the advertise address to use.' },
  { name: 'advertise-wan', kind: 'string', usage: 'Sets address to advertise on WAN instead of -advertise address.' },
  { name: 'allow-write-http-from', kind: 'strings', usage: 'Only allow write endpoint calls from given network. CIDR format, can be specified multiple times.' },
  { name: 'alt-domain', kind: 'string', usage: 'Alternate domain to use for DNS interface.' },
  { name: 'auto-reload-config', kind: 'bool', usage: 'Watches config files for changes and auto reloads the files when modified.' },
  { name: 'bind', kind: 'string', usage: 'Sets the bind address for cluster communication.' },
  { name: 'bootstrap', kind: 'bool', usage: 'Sets server to bootstrap mode.' },
  { name: 'bootstrap-expect', kind: 'int', usage: 'Sets server to expect bootstrap mode.' },
  { name: 'check_output_max_size', kind: 'int', usage: 'Sets the maximum output size for checks on this agent' },
  { name: 'client', kind: 'string', usage: 'Sets the address to bind for client access. This includes RPC, DNS, HTTP, HTTPS and gRPC (if configured).' },
  { name: 'config-dir', kind: 'strings', usage: "Path to a directory to read configuration files from. This will read every file ending in '.json' as configuration in this directory in alphabetical order. Can be specified multiple times." },
  { name: 'config-file', kind: 'strings', usage: 'Path to a file in JSON or HCL format with a matching file extension. Can be specified multiple times.' },
  { name: 'config-format', kind: 'goString', usage: "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'" },
  { name: 'data-dir', kind: 'string', usage: 'Path to a data directory to store agent state.' },
  { name: 'datacenter', kind: 'string', usage: 'Datacenter of the agent.' },
  { name: 'default-query-time', kind: 'duration', usage: "the amount of time a blocking query will wait before Consul will force a response. This value can be overridden by the 'wait' query parameter." },
  { name: 'dev', kind: 'bool', usage: 'Starts the agent in development mode.' },
  { name: 'disable-host-node-id', kind: 'bool', usage: 'Setting this to true will prevent Consul from using information from the host to generate a node ID, and will cause Consul to generate a random node ID instead.' },
  { name: 'disable-keyring-file', kind: 'bool', usage: 'Disables the backing up of the keyring to a file.' },
  { name: 'dns-port', kind: 'int', usage: 'DNS port to use.' },
  { name: 'domain', kind: 'string', usage: 'Domain to use for DNS interface.' },
  { name: 'enable-local-script-checks', kind: 'bool', usage: 'Enables health check scripts from configuration file.' },
  { name: 'enable-script-checks', kind: 'bool', usage: 'Enables health check scripts.' },
  { name: 'encrypt', kind: 'string', usage: 'Provides the gossip encryption key.' },
  { name: 'etcd-port', kind: 'int', usage: "dcsgw: the etcd v3 client port served beside the agent on -client's address (default 2379, -1 disables)." },
  { name: 'grpc-port', kind: 'int', usage: 'Sets the gRPC API port to listen on.' },
  { name: 'grpc-tls-port', kind: 'int', usage: 'Sets the gRPC-TLS API port to listen on.' },
  { name: 'hcl', kind: 'strings', usage: 'hcl config fragment. Can be specified multiple times.' },
  { name: 'http-port', kind: 'int', usage: 'Sets the HTTP API port to listen on.' },
  { name: 'https-port', kind: 'int', usage: 'Sets the HTTPS API port to listen on.' },
  { name: 'join', kind: 'strings', usage: 'Address of an agent to join at start time. Can be specified multiple times.' },
  { name: 'join-wan', kind: 'strings', usage: 'Address of an agent to join -wan at start time. Can be specified multiple times.' },
  { name: 'log-file', kind: 'string', usage: 'Path to the file the logs get written to' },
  { name: 'log-json', kind: 'bool', usage: 'Output logs in JSON format.' },
  { name: 'log-level', kind: 'string', usage: 'Log level of the agent.' },
  { name: 'log-rotate-bytes', kind: 'int', usage: 'Maximum number of bytes that should be written to a log file' },
  { name: 'log-rotate-duration', kind: 'duration', usage: 'Time after which log rotation needs to be performed' },
  { name: 'log-rotate-max-files', kind: 'int', usage: 'Maximum number of log file archives to keep' },
  { name: 'max-query-time', kind: 'duration', usage: 'the maximum amount of time a blocking query can wait before Consul will force a response. Consul applies jitter to the wait time. The jittered time will be capped to MaxQueryTime.' },
  { name: 'node', kind: 'string', usage: 'Name of this node. Must be unique in the cluster.' },
  { name: 'node-id', kind: 'string', usage: 'A unique ID for this node across space and time. Defaults to a randomly-generated ID that persists in the data-dir.' },
  { name: 'node-meta', kind: 'map', usage: 'An arbitrary metadata key/value pair for this node, of the format `key:value`. Can be specified multiple times.' },
  { name: 'non-voting-server', kind: 'bool', usage: '(Enterprise-only) DEPRECATED: -read-replica should be used instead' },
  { name: 'pid-file', kind: 'string', usage: 'Path to file to store agent PID.' },
  { name: 'primary-gateway', kind: 'strings', usage: 'Address of a mesh gateway in the primary datacenter to use to bootstrap WAN federation at start time with retries enabled. Can be specified multiple times.' },
  { name: 'protocol', kind: 'int', usage: 'Sets the protocol version. Defaults to latest.' },
  { name: 'raft-protocol', kind: 'int', usage: 'Sets the Raft protocol version. Defaults to latest.' },
  { name: 'read-replica', kind: 'bool', usage: '(Enterprise-only) This flag is used to make the server not participate in the Raft quorum, and have it only receive the data replication stream. This can be used to add read scalability to a cluster in cases where a high volume of reads to servers are needed.' },
  { name: 'recursor', kind: 'strings', usage: 'Address of an upstream DNS server. Can be specified multiple times.' },
  { name: 'rejoin', kind: 'bool', usage: 'Ignores a previous leave and attempts to rejoin the cluster.' },
  { name: 'retry-interval', kind: 'duration', usage: 'Time to wait between join attempts.' },
  { name: 'retry-interval-wan', kind: 'duration', usage: 'Time to wait between join -wan attempts.' },
  { name: 'retry-join', kind: 'strings', usage: 'Address of an agent to join at start time with retries enabled. Can be specified multiple times.' },
  { name: 'retry-join-wan', kind: 'strings', usage: 'Address of an agent to join -wan at start time with retries enabled. Can be specified multiple times.' },
  { name: 'retry-max', kind: 'int', usage: 'Maximum number of join attempts. Defaults to 0, which will retry indefinitely.' },
  { name: 'retry-max-wan', kind: 'int', usage: 'Maximum number of join -wan attempts. Defaults to 0, which will retry indefinitely.' },
  { name: 'segment', kind: 'string', usage: '(Enterprise-only) Sets the network segment to join.' },
  { name: 'serf-lan-allowed-cidrs', kind: 'strings', usage: 'Networks (eg: 192.168.1.0/24) allowed for Serf LAN. Can be specified multiple times.' },
  { name: 'serf-lan-bind', kind: 'string', usage: 'Address to bind Serf LAN listeners to.' },
  { name: 'serf-lan-port', kind: 'int', usage: 'Sets the Serf LAN port to listen on.' },
  { name: 'serf-wan-allowed-cidrs', kind: 'strings', usage: 'Networks (eg: 192.168.1.0/24) allowed for Serf WAN (other datacenters). Can be specified multiple times.' },
  { name: 'serf-wan-bind', kind: 'string', usage: 'Address to bind Serf WAN listeners to.' },
  { name: 'serf-wan-port', kind: 'int', usage: 'Sets the Serf WAN port to listen on.' },
  { name: 'server', kind: 'bool', usage: 'Switches agent to server mode.' },
  { name: 'server-port', kind: 'int', usage: 'Sets the server port to listen on.' },
  { name: 'syslog', kind: 'bool', usage: 'Enables logging to syslog.' },
  { name: 'ui', kind: 'bool', usage: 'Enables the built-in static web UI server.' },
  { name: 'ui-content-path', kind: 'string', usage: 'Sets the external UI path to a string. Defaults to: /ui/ ' },
  { name: 'ui-dir', kind: 'string', usage: 'Path to directory containing the web UI resources.' },
];

export const AGENT_FLAGS: ReadonlyMap<string, AgentFlagSpec> = new Map(SPECS.map((s) => [s.name, s]));

/** A command-line error: Go's message (what follows "error parsing flags: "). */
export class AgentFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentFlagError';
  }
}

/** -h / -help: Go's flag.ErrHelp. */
export class AgentHelpRequested extends Error {
  constructor() {
    super('flag: help requested');
    this.name = 'AgentHelpRequested';
  }
}

/** Each flag's raw values in command-line order (repeatable flags keep all of them). */
export interface ParsedAgentFlags {
  /** Every occurrence, in order: [name, value]. */
  occurrences: Array<[string, string]>;
  /** Arguments left after the flags (Consul refuses them). */
  rest: string[];
}

/** Go's strconv.Atoi: decimal with an optional sign. */
export function parseGoAtoi(raw: string): number | undefined {
  if (!/^[+-]?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Go's time.ParseDuration, in milliseconds (undefined when invalid). */
export function parseGoDurationMs(raw: string): number | undefined {
  if (raw === '0' || raw === '+0' || raw === '-0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let s = raw;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '') return undefined;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Checks one value as Consul's flag.Value.Set would; returns Go's error text or undefined. */
function checkValue(spec: AgentFlagSpec, raw: string): string | undefined {
  switch (spec.kind) {
    case 'bool':
      return parseGoBool(raw) === undefined ? `invalid boolean value "${raw}" for -${spec.name}: strconv.ParseBool: parsing "${raw}": invalid syntax` : undefined;
    case 'int':
      return parseGoAtoi(raw) === undefined ? `invalid value "${raw}" for flag -${spec.name}: strconv.Atoi: parsing "${raw}": ${/^[+-]?\d+$/.test(raw) ? 'value out of range' : 'invalid syntax'}` : undefined;
    case 'duration':
      return parseGoDurationMs(raw) === undefined ? `invalid value "${raw}" for flag -${spec.name}: time: invalid duration "${raw}"` : undefined;
    default:
      return undefined;
  }
}

/** Parses argv like Go's FlagSet.Parse (ContinueOnError) over Consul's agent flags. */
export function parseAgentFlags(argv: readonly string[]): ParsedAgentFlags {
  const occurrences: Array<[string, string]> = [];
  const rest = walkGoFlags(argv, {
    specs: AGENT_FLAGS,
    error: (message) => new AgentFlagError(message),
    help: () => new AgentHelpRequested(),
    onFlag: (spec, name, value) => {
      const why = checkValue(spec, value);
      if (why !== undefined) throw new AgentFlagError(why);
      occurrences.push([name, value]);
    },
  });
  return { occurrences, rest };
}

/** Go's flag.UnquoteUsage: the `quoted` word of the usage names the value; otherwise the type's name. */
function unquoteUsage(spec: AgentFlagSpec): { name: string; usage: string } {
  const m = /`([^`]*)`/.exec(spec.usage);
  if (m) return { name: m[1]!, usage: spec.usage.replace(/`/g, '') };
  if (spec.kind === 'bool') return { name: '', usage: spec.usage };
  return { name: spec.kind === 'goString' ? 'string' : 'value', usage: spec.usage };
}

/** Go's FlagSet.PrintDefaults after "Usage:" (what a flag error prints before Consul's own line). */
export function goFlagDefaults(): string {
  let out = 'Usage:\n';
  for (const spec of SPECS) {
    const { name, usage } = unquoteUsage(spec);
    let line = `  -${spec.name}`;
    if (name) line += ` ${name}`;
    line += line.length <= 4 ? '\t' : '\n    \t';
    out += line + usage.replace(/\n/g, '\n    \t') + '\n';
  }
  return out;
}

/** Greedy word wrap to `width` characters of text, each line indented by `indent` spaces (Consul wraps at 72 columns). */
function wrap(text: string, indent: number, width = 72 - indent): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l).join('\n');
}

/**
 * `consul agent -h`: the command's help, then "Command Options" with each flag, its usage and its
 * current value in parentheses (empty: nothing set), wrapped as Consul's command/flags does.
 */
export function agentHelpText(): string {
  let out = 'Usage: consul agent [options]\n\n  Starts the Consul agent and runs until an interrupt is received. The\n  agent represents a single node in a cluster.\n\nCommand Options\n\n';
  for (const spec of SPECS) {
    const { name } = unquoteUsage(spec);
    out += name ? `  -${spec.name}=<${name}>\n` : `  -${spec.name}\n`;
    out += `${wrap(`${spec.usage} ()`, 5)}\n\n`;
  }
  return out.replace(/\n+$/, '\n');
}
