// The DNS interface's settings: Consul's `recursors`, `alt_domain` and `dns_config` block, with
// Consul's defaults (TTL 0 for everything, warning instances served, three answers per plain UDP
// response, no TC bit unless enable_truncate, node metadata as TXT in the additional section,
// recursor timeout 2s, SOA refresh 3600 / retry 600 / expire 86400 / min TTL 0).
import { parseGoDuration } from '../query-options.js';

export interface SoaSettings {
  refresh: number;
  retry: number;
  expire: number;
  minttl: number;
}

export interface DnsSettings {
  /** The agent's domain with its trailing dot, lower-cased ("consul."). */
  domain: string;
  /** alt_domain, lower-cased with its trailing dot ("" when none). */
  altDomain: string;
  /** host:port of each upstream resolver, tried in order. */
  recursors: string[];
  recursorTimeoutMs: number;
  /** dns_config.recursor_strategy: "sequential" (in the configured order) or "random" (a new order per question). */
  recursorStrategy: 'sequential' | 'random';
  /** dns_config.node_ttl, seconds. */
  nodeTtl: number;
  /** dns_config.service_ttl: exact service names, and "prefix*" patterns (the longest prefix wins). */
  serviceTtl: Map<string, number>;
  /** dns_config.only_passing: leave out instances with a warning check too. */
  onlyPassing: boolean;
  /** dns_config.udp_answer_limit (Consul caps it at 8). */
  udpAnswerLimit: number;
  /** dns_config.a_record_limit (0 = no limit). */
  aRecordLimit: number;
  /** dns_config.enable_truncate: set TC when a UDP answer was trimmed. */
  enableTruncate: boolean;
  /** dns_config.enable_additional_node_meta_txt. */
  nodeMetaTxt: boolean;
  /** dns_config.allow_stale: answer from this member's own copy of the catalog, without asking the leader. */
  allowStale: boolean;
  /** dns_config.disable_compression: write every name in full. */
  disableCompression: boolean;
  soa: SoaSettings;
}

export interface ConsulDnsOptions {
  host: string;
  port: number;
  /** Consul's `recursors` (host, host:port or [v6]:port). */
  recursors?: readonly string[];
  /** Consul's `dns_config` block as configured (JSON form: node_ttl, service_ttl, only_passing, ...). */
  dnsConfig?: Record<string, unknown>;
  /** Explicit settings, laid over dnsConfig and the defaults. */
  settings?: Partial<Omit<DnsSettings, 'domain' | 'recursors'>>;
}

export const DEFAULT_UDP_ANSWER_LIMIT = 3;
export const MAX_UDP_ANSWER_LIMIT = 8;

export function canonicalDomain(d: string): string {
  if (d === '') return '';
  const lower = d.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** A recursor address as Consul accepts it: "ip", "ip:port", "[v6]:port" (port 53 when absent). */
export function recursorAddress(r: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(r);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : 53 };
  const colons = r.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = r.split(':');
    return { host: host!, port: Number(port) };
  }
  return { host: r, port: 53 };
}

function seconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const ms = parseGoDuration(v);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** The DNS settings of a Consul agent configuration (its JSON form: recursors, alt_domain, dns_config{...}). */
export function dnsSettingsFromConfig(config: Record<string, unknown>): { recursors: string[]; settings: Partial<DnsSettings> } {
  const dns = (config.dns_config ?? {}) as Record<string, unknown>;
  const settings: Partial<DnsSettings> = {};
  if (typeof config.alt_domain === 'string') settings.altDomain = canonicalDomain(config.alt_domain);
  const nodeTtl = seconds(dns.node_ttl);
  if (nodeTtl !== undefined) settings.nodeTtl = nodeTtl;
  if (dns.service_ttl && typeof dns.service_ttl === 'object') {
    const m = new Map<string, number>();
    for (const [k, v] of Object.entries(dns.service_ttl as Record<string, unknown>)) {
      const s = seconds(v);
      if (s !== undefined) m.set(k, s);
    }
    settings.serviceTtl = m;
  }
  if (typeof dns.only_passing === 'boolean') settings.onlyPassing = dns.only_passing;
  if (typeof dns.udp_answer_limit === 'number') settings.udpAnswerLimit = dns.udp_answer_limit;
  if (typeof dns.a_record_limit === 'number') settings.aRecordLimit = dns.a_record_limit;
  if (typeof dns.enable_truncate === 'boolean') settings.enableTruncate = dns.enable_truncate;
  if (typeof dns.enable_additional_node_meta_txt === 'boolean') settings.nodeMetaTxt = dns.enable_additional_node_meta_txt;
  if (typeof dns.allow_stale === 'boolean') settings.allowStale = dns.allow_stale;
  if (typeof dns.disable_compression === 'boolean') settings.disableCompression = dns.disable_compression;
  if (dns.recursor_strategy === 'random' || dns.recursor_strategy === 'sequential') settings.recursorStrategy = dns.recursor_strategy;
  if (typeof dns.recursor_timeout === 'string') {
    const ms = parseGoDuration(dns.recursor_timeout);
    if (ms !== undefined) settings.recursorTimeoutMs = ms;
  }
  const soa = dns.soa as Record<string, unknown> | undefined;
  if (soa && typeof soa === 'object') {
    settings.soa = {
      refresh: typeof soa.refresh === 'number' ? soa.refresh : 3600,
      retry: typeof soa.retry === 'number' ? soa.retry : 600,
      expire: typeof soa.expire === 'number' ? soa.expire : 86400,
      minttl: typeof soa.min_ttl === 'number' ? soa.min_ttl : 0,
    };
  }
  const recursors = Array.isArray(config.recursors) ? config.recursors.filter((r): r is string => typeof r === 'string') : [];
  return { recursors, settings };
}

/**
 * The settings of a DNS server: Consul's defaults, then `dnsConfig` (with `alt_domain` from the
 * agent configuration), then the explicit `settings`.
 */
export function resolveSettings(domain: string, opts: ConsulDnsOptions, agentConfig: Record<string, unknown> = {}): DnsSettings {
  // The agent configuration's dns_config, with the keys passed in `dnsConfig` laid over it.
  const dnsConfig = { ...((agentConfig.dns_config as Record<string, unknown> | undefined) ?? {}), ...(opts.dnsConfig ?? {}) };
  const fromConfig = dnsSettingsFromConfig({ dns_config: dnsConfig, alt_domain: agentConfig.alt_domain }).settings;
  const s = { ...fromConfig, ...(opts.settings ?? {}) };
  return {
    domain: canonicalDomain(domain || 'consul.'),
    altDomain: canonicalDomain(s.altDomain ?? ''),
    recursors: [...(opts.recursors ?? [])],
    recursorTimeoutMs: s.recursorTimeoutMs ?? 2000,
    recursorStrategy: s.recursorStrategy ?? 'sequential',
    nodeTtl: s.nodeTtl ?? 0,
    serviceTtl: s.serviceTtl ?? new Map(),
    onlyPassing: s.onlyPassing ?? false,
    udpAnswerLimit: Math.min(s.udpAnswerLimit ?? DEFAULT_UDP_ANSWER_LIMIT, MAX_UDP_ANSWER_LIMIT),
    aRecordLimit: s.aRecordLimit ?? 0,
    enableTruncate: s.enableTruncate ?? false,
    nodeMetaTxt: s.nodeMetaTxt ?? true,
    allowStale: s.allowStale ?? true,
    disableCompression: s.disableCompression ?? false,
    soa: s.soa ?? { refresh: 3600, retry: 600, expire: 86400, minttl: 0 },
  };
}

/** The TTL of a service's records: an exact service_ttl entry, else the longest "prefix*" match, else node_ttl. */
export function serviceTtlOf(settings: DnsSettings, service: string): number {
  const exact = settings.serviceTtl.get(service);
  if (exact !== undefined) return exact;
  let best: number | undefined;
  let bestLen = -1;
  for (const [pattern, ttl] of settings.serviceTtl) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (service.startsWith(prefix) && prefix.length > bestLen) {
      best = ttl;
      bestLen = prefix.length;
    }
  }
  return best ?? settings.nodeTtl;
}
