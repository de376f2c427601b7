// dcsgw's own flags in etcd mode (`dcsgw` with etcd's flags): where the Consul face listens beside
// the etcd client port. --consul-http-addr (default 127.0.0.1:8500) and --consul-dns-addr (default
// 127.0.0.1:8600), each `off` to disable, or DCSGW_CONSUL_HTTP_ADDR / DCSGW_CONSUL_DNS_ADDR. They
// are parsed with etcd's flags (same Go syntax) but kept apart from them: not ETCD_* variables, not
// in etcd's --help, not in etcd's "accepted and ignored" warnings. A default address that is taken
// is left out with a warning (scripts start several etcd members on one host); an address the user
// chose that is taken fails start-up. --consul-https-addr (DCSGW_CONSUL_HTTPS_ADDR, default off)
// adds the Consul HTTPS API with the etcd client port's key pair, CA and client-cert-auth.
import type { FlagSpec } from './flag-set.js';

export const CONSUL_HTTP_DEFAULT = '127.0.0.1:8500';
export const CONSUL_DNS_DEFAULT = '127.0.0.1:8600';

const SPECS: FlagSpec[] = [
  { name: 'consul-http-addr', kind: 'string', defaultValue: CONSUL_HTTP_DEFAULT },
  { name: 'consul-dns-addr', kind: 'string', defaultValue: CONSUL_DNS_DEFAULT },
  { name: 'consul-https-addr', kind: 'string', defaultValue: 'off' },
];

const ENV: Record<string, string> = { 'consul-http-addr': 'DCSGW_CONSUL_HTTP_ADDR', 'consul-dns-addr': 'DCSGW_CONSUL_DNS_ADDR', 'consul-https-addr': 'DCSGW_CONSUL_HTTPS_ADDR' };

/** etcd's flags plus these two, for parsing the command line once. */
export function withConsulListenFlags(etcdFlags: ReadonlyMap<string, FlagSpec>): ReadonlyMap<string, FlagSpec> {
  return new Map([...etcdFlags, ...SPECS.map((s) => [s.name, s] as const)]);
}

/** The raw choice for one listener: the text given, and whether the user gave it. */
export interface ConsulListenChoice {
  raw: string;
  explicit: boolean;
}

export interface ConsulListenFlags {
  http: ConsulListenChoice;
  dns: ConsulListenChoice;
  /** Off unless asked for. */
  https?: ConsulListenChoice;
}

/**
 * Takes the Consul listener flags out of the parsed command line (so etcd's processing never sees
 * them) and resolves them with the environment: command line over environment over default.
 */
export function takeConsulListenFlags(set: Map<string, string>, env: NodeJS.ProcessEnv): ConsulListenFlags {
  const choose = (name: string, fallback: string): ConsulListenChoice => {
    const flag = set.get(name);
    set.delete(name);
    if (flag !== undefined) return { raw: flag, explicit: true };
    const fromEnv = env[ENV[name]!];
    if (fromEnv !== undefined && fromEnv !== '') return { raw: fromEnv, explicit: true };
    return { raw: fallback, explicit: false };
  };
  return { http: choose('consul-http-addr', CONSUL_HTTP_DEFAULT), dns: choose('consul-dns-addr', CONSUL_DNS_DEFAULT), https: choose('consul-https-addr', 'off') };
}

export interface ResolvedListen {
  host: string;
  port: number;
  explicit: boolean;
}

/**
 * "host:port", "[v6]:port" or "off" -> an address (undefined = off). Throws an Error naming the
 * flag when the text is not an address.
 */
export function resolveListenAddr(flag: string, choice: ConsulListenChoice): ResolvedListen | undefined {
  const raw = choice.raw.trim();
  if (raw === 'off') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--${flag}: invalid address "${choice.raw}" (want host:port, or off)`);
  const host = m[1] ?? m[2]!;
  return { host: host === 'localhost' ? '127.0.0.1' : host, port, explicit: choice.explicit };
}
