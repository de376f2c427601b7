// How Consul reads a question name: which of its domains it falls under (the domain, the alt
// domain, or "arpa." for reverse lookups — anything else is recursed), and then what is asked:
//   <node>.node[.<dc>]                         a node
//   [<tag>.]<service>.service[.<dc>]           a service (tag filter optional)
//   _<service>._<tag|tcp|udp>[.service][.<dc>] the RFC 2782 form ("_tcp" means no tag filter)
//   <name>.query[.<dc>]                        a prepared query (also _<name>._tcp.query)
//   <hex ip>.addr[.<dc>]                       an address echoed back
//   <d.c.b.a>.in-addr.arpa / <nibbles>.ip6.arpa  reverse lookups (PTR)
//   .connect / .ingress / .virtual / .workload  mesh forms (no results without service mesh)
// Datacenter suffixes are "<dc>" or "<dc>.dc"; namespace / partition / peer / sameness-group
// labels parse but name nothing on this open-source-equivalent agent.
import type { DnsSettings } from './options.js';

export type QueryKind = 'service' | 'node' | 'query' | 'connect' | 'ingress' | 'virtual' | 'workload';

export type Classified =
  | { kind: 'recurse' }
  /** SOA and NS questions: about the domain itself, whatever name they carry. */
  | { kind: 'domain'; responseDomain: string }
  | { kind: 'ptr'; responseDomain: string; ip: string | undefined }
  | { kind: 'addr'; responseDomain: string; hex: string }
  | { kind: 'name'; responseDomain: string; lookup: NameLookup | undefined };

export interface NameLookup {
  type: QueryKind;
  name: string;
  tag: string;
  /** The datacenter named in the question ("" = this agent's). */
  datacenter: string;
  /** A namespace, partition, peer or sameness group was named: none exist here. */
  foreignTenancy: boolean;
}

const TYPE_LABELS: Record<string, QueryKind> = {
  service: 'service',
  node: 'node',
  query: 'query',
  connect: 'connect',
  ingress: 'ingress',
  virtual: 'virtual',
  workload: 'workload',
};

/** The question name as Consul handles it: lower-case, fully qualified. */
export function canonicalName(name: string): string {
  if (name === '' || name === '.') return '.';
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function labelsOf(fqdn: string): string[] {
  return fqdn === '.' ? [] : fqdn.slice(0, -1).split('.');
}

/** Which served domain a canonical name falls under (checked from the longest suffix), or undefined to recurse. */
function servedDomain(qname: string, s: DnsSettings): string | undefined {
  const labels = labelsOf(qname);
  // A trailing "failover." / "no-failover." label is stripped before matching, as Consul does.
  if (labels.length > 0 && (labels[labels.length - 1] === 'failover' || labels[labels.length - 1] === 'no-failover')) labels.pop();
  for (let i = 0; i < labels.length; i++) {
    const suffix = `${labels.slice(i).join('.')}.`;
    if (suffix === s.domain) return s.domain;
    if (s.altDomain !== '' && suffix === s.altDomain) return s.altDomain;
    if (suffix === 'arpa.') return s.domain;
  }
  return undefined;
}

function trimDomain(qname: string, s: DnsSettings): string {
  const candidates = [s.domain, s.altDomain].filter((d) => d !== '').sort((a, b) => b.length - a.length);
  for (const d of candidates) if (qname.endsWith(`.${d}`)) return qname.slice(0, -d.length);
  return qname;
}

interface Tenancy {
  datacenter: string;
  foreign: boolean;
}

/** Consul's parseLabels over the labels after the type label; undefined when they do not parse. */
function parseTenancy(suffixes: string[]): Tenancy | undefined {
  switch (suffixes.length) {
    case 0:
      return { datacenter: '', foreign: false };
    case 1:
      return { datacenter: suffixes[0]!, foreign: false };
    case 2:
    case 4:
    case 6: {
      let dc = '';
      let foreign = false;
      let peer = false;
      let sg = false;
      for (let i = 0; i < suffixes.length; i += 2) {
        const value = suffixes[i]!;
        switch (suffixes[i + 1]) {
          case 'dc':
          case 'cluster':
            dc = value;
            break;
          case 'ns':
          case 'ap':
            if (value !== 'default') foreign = true;
            break;
          case 'peer':
            peer = true;
            foreign = true;
            break;
          case 'sg':
            sg = true;
            foreign = true;
            break;
          default:
            // <namespace>.<datacenter>, the one two-label form without keywords
            if (suffixes.length === 2) return { datacenter: suffixes[1]!, foreign: suffixes[0] !== 'default' };
            return undefined;
        }
      }
      if ((dc !== '' && peer) || (sg && (dc !== '' || peer))) return undefined;
      return { datacenter: dc, foreign };
    }
    default:
      return undefined;
  }
}

function nameLookup(qname: string, qtype: string, s: DnsSettings): NameLookup | undefined {
  const labels = labelsOf(trimDomain(qname, s));
  let type: QueryKind | undefined;
  let parts: string[] = [];
  let suffixes: string[] = [];
  for (let i = labels.length - 1; i >= 0; i--) {
    const t = TYPE_LABELS[labels[i]!];
    if (t) {
      type = t;
      parts = labels.slice(0, i);
      suffixes = labels.slice(i + 1);
      break;
    }
    // For SRV questions the "service" label is optional: _web._tcp[.dc1].consul.
    if (qtype === 'SRV' && labels[i]!.startsWith('_')) {
      type = 'service';
      parts = labels.slice(0, i + 1);
      suffixes = labels.slice(i + 1);
      break;
    }
  }
  if (!type || parts.length === 0) return undefined;
  const tenancy = parseTenancy(suffixes);
  if (!tenancy) return { type, name: '', tag: '', datacenter: '', foreignTenancy: true };
  const n = parts.length;
  let name = parts[n - 1]!;
  let tag = '';
  if (type === 'service') {
    if (n === 2 && parts[0]!.startsWith('_') && parts[1]!.startsWith('_')) {
      name = parts[0]!.slice(1);
      tag = parts[1]!.slice(1);
      if (tag === 'tcp') tag = '';
    } else if (n > 1) {
      tag = parts.slice(0, n - 1).join('.');
    }
  } else if (type === 'query') {
    name = n >= 2 && parts[0]!.startsWith('_') && parts[n - 1]!.startsWith('_') ? parts.slice(0, n - 1).join('.').slice(1) : parts.join('.');
  }
  if (name === '') return undefined;
  return { type, name, tag, datacenter: tenancy.datacenter, foreignTenancy: tenancy.foreign };
}

/** The IP a reverse name stands for (in-addr.arpa or ip6.arpa), or undefined. */
export function ipFromArpa(qname: string): string | undefined {
  const labels = labelsOf(qname);
  if (qname.endsWith('.in-addr.arpa.')) {
    const octets = labels.slice(0, -2);
    if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return undefined;
    return octets.reverse().map(Number).join('.');
  }
  if (qname.endsWith('.ip6.arpa.')) {
    const nibbles = labels.slice(0, -2);
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4).replace(/^0+(?=.)/, ''));
    return compressV6(groups);
  }
  return undefined;
}

/** IPv6 text in its canonical compressed form (the longest run of zero groups as "::"). */
export function compressV6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Classifies a question the way Consul's router does, in the same order. */
export function classify(qname: string, qtype: string, s: DnsSettings): Classified {
  const domain = servedDomain(qname, s);
  if (domain === undefined) return { kind: 'recurse' };
  if (qtype === 'SOA' || qtype === 'NS') return { kind: 'domain', responseDomain: domain };
  const labels = labelsOf(qname);
  if (labels[labels.length - 1] === 'arpa') return { kind: 'ptr', responseDomain: s.domain, ip: ipFromArpa(qname) };
  if (labels.length > 2 && labels[1] === 'addr') return { kind: 'addr', responseDomain: domain, hex: labels[0]! };
  return { kind: 'name', responseDomain: domain, lookup: nameLookup(qname, qtype, s) };
}
