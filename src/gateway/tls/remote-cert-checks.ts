// What etcd checks about a remote's certificate once the handshake is done (its tlsListener and
// VerifyPeerCertificate): the allowed common name or host name, the certificate naming the address
// the connection comes from (peers), and the CRL. Each refusal is worded as etcd words it.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { checkCrl } from './crl.js';
import type { TlsInfo } from './tls-info.js';

/** The common name of a peer certificate's subject (node gives CN as a string or, when repeated, an array). */
function commonNames(cert: tls.PeerCertificate): string[] {
  const cn = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.CN;
  return cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
}

/** Go's net.SplitHostPort host of the remote address, without an IPv4-mapped prefix. */
function remoteHost(socket: tls.TLSSocket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/**
 * etcd's checkCertSAN: a client certificate that names IP addresses or DNS names must name the
 * address the connection comes from (a DNS name counts when it resolves to that address).
 */
async function sanRefusal(cert: tls.PeerCertificate, host: string): Promise<string | undefined> {
  const alt = cert.subjectaltname ?? '';
  const ips = [...alt.matchAll(/IP Address:([^,\s]+)/g)].map((m) => (m[1] as string).toLowerCase());
  const dnsNames = [...alt.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1] as string);
  if (ips.length === 0 && dnsNames.length === 0) return undefined;
  if (ips.length > 0) {
    if (ips.some((ip) => sameIp(ip, host))) return undefined;
    if (dnsNames.length === 0) return `x509: certificate is valid for ${ips.join(', ')}, not ${host}`;
  }
  let lookupError: string | undefined;
  for (const name of dnsNames) {
    try {
      const found = await lookup(name, { all: true });
      if (found.some((a) => sameIp(a.address, host))) return undefined;
    } catch (err) {
      // an unresolvable name does not match; Go's resolver error is quoted, as etcd quotes it
      if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') lookupError = `lookup ${name}${nameserver()}: no such host`;
      else lookupError = `lookup ${name}: ${(err as Error).message}`;
    }
  }
  const names = JSON.stringify(dnsNames).replace(/","/g, '" "');
  return `tls: "${host}" does not match any of DNSNames ${names}${lookupError ? ` (${lookupError})` : ''}`;
}

/** " on <first nameserver>:53", as Go's resolver names the server that said no. */
function nameserver(): string {
  try {
    const ns = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'))?.[1];
    return ns ? ` on ${ns.includes(':') ? `[${ns}]` : ns}:53` : '';
  } catch {
    return '';
  }
}

function sameIp(a: string, b: string): boolean {
  const norm = (x: string): string => {
    const v = x.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    return v === '0:0:0:0:0:0:0:1' ? '::1' : v;
  };
  return norm(a) === norm(b);
}

/** Post-handshake checks, in etcd's order: allowed common name or host name (etcd: in the handshake), SAN against the remote address, CRL (every certificate presented). */
export async function refusalOf(info: TlsInfo, socket: tls.TLSSocket, checkSan: boolean): Promise<string | undefined> {
  const leaf = socket.getPeerCertificate(true);
  const presented = leaf && Object.keys(leaf).length > 0;
  if ((info.allowedCN !== '' || info.allowedHostname !== '') && presented) {
    // etcd: either the common name matches, or the certificate is valid for the host name
    const cnOk = info.allowedCN !== '' && commonNames(leaf).includes(info.allowedCN);
    const hostOk = info.allowedHostname !== '' && tls.checkServerIdentity(info.allowedHostname, leaf) === undefined;
    if (!cnOk && !hostOk) return 'client certificate authentication failed';
  }
  if (checkSan && presented) {
    const why = await sanRefusal(leaf, remoteHost(socket));
    if (why !== undefined) return why;
  }
  if (info.crlFile !== '' && presented) {
    const serials: string[] = [];
    const seen = new Set<tls.PeerCertificate>();
    for (let c: tls.DetailedPeerCertificate | undefined = leaf; c && !seen.has(c) && c.serialNumber; c = c.issuerCertificate) {
      seen.add(c);
      serials.push(c.serialNumber);
      if (c.issuerCertificate === c) break;
    }
    const why = checkCrl(info.crlFile, serials);
    if (why !== undefined) return why;
  }
  return undefined;
}

