// The resource records Consul's DNS interface answers with, as dns-packet answers.
import { isIP } from 'node:net';
import type { Answer, SrvAnswer, StringAnswer, TxtAnswer } from 'dns-packet';
import { compressV6 } from './names.js';
import type { SoaSettings } from './options.js';

export function soaRecord(domain: string, soa: SoaSettings): Answer {
  return {
    type: 'SOA',
    name: domain,
    class: 'IN',
    // The SOA's own TTL follows its minimum TTL, so negative answers are not cached longer.
    ttl: soa.minttl,
    data: {
      mname: `ns.${domain}`,
      rname: `hostmaster.${domain}`,
      serial: Math.floor(Date.now() / 1000) >>> 0,
      refresh: soa.refresh,
      retry: soa.retry,
      expire: soa.expire,
      minimum: soa.minttl,
    },
  };
}

export function nsRecord(domain: string, target: string, ttl: number): StringAnswer {
  return { type: 'NS', name: domain, class: 'IN', ttl, data: target };
}

/** An A or AAAA record for an IP address (by its family). */
export function ipRecord(name: string, ip: string, ttl: number): StringAnswer {
  return { type: isIP(ip) === 6 ? 'AAAA' : 'A', name, class: 'IN', ttl, data: ip };
}

export function srvRecord(name: string, target: string, port: number, weight: number, ttl: number): SrvAnswer {
  return { type: 'SRV', name, class: 'IN', ttl, data: { priority: 1, weight, port, target } };
}

export function cnameRecord(name: string, target: string, ttl: number): StringAnswer {
  return { type: 'CNAME', name, class: 'IN', ttl, data: target.endsWith('.') ? target : `${target}.` };
}

export function ptrRecord(name: string, target: string): StringAnswer {
  return { type: 'PTR', name, class: 'IN', ttl: 0, data: target };
}

/** RFC 1464 "key=value" with the key's backquotes, '=' and edge spaces escaped. */
function rfc1464(key: string, value: string): string {
  let k = key.replaceAll('`', '``').replaceAll('=', '`=');
  k = k.replace(/^ +/, (m) => '` '.repeat(m.length)).replace(/ +$/, (m) => '` '.repeat(m.length));
  return `${k}=${value.replaceAll('`', '``')}`;
}

/** Node metadata as TXT records: "key=value", or the bare value for keys starting "rfc1035-". */
export function metaTxtRecords(name: string, meta: Record<string, string> | null | undefined, ttl: number): TxtAnswer[] {
  if (!meta) return [];
  return Object.entries(meta).map(([k, v]) => ({
    type: 'TXT',
    name,
    class: 'IN',
    ttl,
    data: chunks(k.toLowerCase().startsWith('rfc1035-') ? v : rfc1464(k, v)),
  }));
}

/** A TXT string longer than 255 bytes travels as several character-strings of one record. */
function chunks(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return [bytes];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out;
}

/** Whether a name can be written on the wire (labels of 1..63 bytes, 255 bytes in all). */
export function encodableName(name: string): boolean {
  const n = name.replace(/\.$/, '');
  if (n === '') return true;
  if (Buffer.byteLength(n) + 2 > 255) return false;
  return n.split('.').every((l) => {
    const len = Buffer.byteLength(l);
    return len > 0 && len <= 63;
  });
}

/** Whether every name a record carries (its owner, and a target it points at) can be written on the wire. */
export function encodableRecord(r: Answer): boolean {
  if (!encodableName(r.name)) return false;
  switch (r.type) {
    case 'SRV':
      return encodableName(r.data.target);
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return encodableName(r.data);
    default:
      return true;
  }
}

/** The <hex ip>.addr.<dc>.<domain> name Consul gives a service address in SRV targets. */
export function addrName(ip: string, datacenter: string, domain: string): string {
  return `${ipToHex(ip)}.addr.${datacenter}.${domain}`;
}

export function ipToHex(ip: string): string {
  if (isIP(ip) === 4) return ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
  return expandV6(ip).join('');
}

/** The eight 4-hex-digit groups of an IPv6 address. */
export function expandV6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0').toLowerCase());
}

/** The IP an addr label's hex stands for (8 hex digits: IPv4, 32: IPv6), or undefined. */
export function hexToIp(hex: string): string | undefined {
  if (!/^[0-9a-f]+$/i.test(hex)) return undefined;
  if (hex.length === 8) return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  if (hex.length === 32) {
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
    return compressV6(groups);
  }
  return undefined;
}
