// TLS on the server side of a listener (client port and peer port), built on node:tls:
// - the key pair, trusted CA and CRL are files re-read when they change, checked before every
//   handshake (etcd re-reads them on every handshake), so a rotated certificate is served to the
//   next client without a restart;
// - a client certificate is required and verified against the trusted CA when client-cert-auth is
//   on (a missing one fails the handshake, one from another CA gets the connection closed);
// - after the handshake, the CRL and --peer-cert-allowed-cn are checked, and a refused connection
//   is closed and logged as etcd logs it ("rejected connection from ...").
// Sockets are handed over already accepted (see TlsTerminator.accept), so one TCP listener can
// also tell plaintext from TLS on a port that serves both.
import { lookup } from 'node:dns/promises';
import { statSync } from 'node:fs';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { opensslCiphers } from './cipher-suites.js';
import { checkCrl } from './crl.js';
import type { TlsInfo } from './tls-info.js';

export interface TlsRejection {
  remoteAddr: string;
  serverName: string;
  /** The SANs of the certificate the remote presented, when it was refused after the handshake. */
  presented?: { ipAddresses: string[]; dnsNames: string[] };
  /** Go's words where there is a Go equivalent ("tls: first record does not look like a TLS handshake", ...). */
  error: string;
}

export interface TlsTerminatorOptions {
  /** ALPN protocols offered, preferred first. */
  alpn: string[];
  onSecure(socket: tls.TLSSocket): void;
  onReject?(r: TlsRejection): void;
}

export interface TlsTerminator {
  /** Starts the TLS handshake on an accepted connection (a Duplex when bytes were already read from it). */
  accept(socket: net.Socket | Duplex): void;
}

/** Reads a file the way etcd reports a missing one ("open x: no such file or directory"). */
export function readTlsFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new Error(`open ${path}: no such file or directory`);
    if (e.code === 'EACCES') throw new Error(`open ${path}: permission denied`);
    throw err;
  }
}

function fileStamp(path: string): string {
  if (path === '') return '';
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** node's secure-context options for `info`, read from its files now. Throws etcd's "open ..." errors. */
export function secureContextOptions(info: TlsInfo): tls.SecureContextOptions {
  const opts: tls.SecureContextOptions = {
    cert: readTlsFile(info.certFile),
    key: readTlsFile(info.keyFile),
    minVersion: 'TLSv1.2', // etcd's MinVersion
  };
  if (info.trustedCaFile !== '') opts.ca = readTlsFile(info.trustedCaFile);
  const ciphers = opensslCiphers(info.cipherSuites);
  if (ciphers !== undefined) opts.ciphers = ciphers;
  return opts;
}

/** Checks that the key pair and CA load (as etcd does when it builds its listeners). Throws etcd's error. */
export function validateTlsFiles(info: TlsInfo): void {
  try {
    tls.createSecureContext(secureContextOptions(info));
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.startsWith('open ')) throw err;
    throw new Error(`tls: failed to load ${info.certFile} / ${info.keyFile}: ${msg}`);
  }
}

/** Go's names of TLS alerts (crypto/tls alert.go), by OpenSSL's alert names in node's error codes. */
const GO_ALERTS: Record<string, string> = {
  BAD_CERTIFICATE: 'bad certificate',
  UNSUPPORTED_CERTIFICATE: 'unsupported certificate',
  CERTIFICATE_REVOKED: 'revoked certificate',
  CERTIFICATE_EXPIRED: 'expired certificate',
  CERTIFICATE_UNKNOWN: 'unknown certificate',
  UNKNOWN_CA: 'unknown certificate authority',
  DECRYPT_ERROR: 'error decrypting message',
  HANDSHAKE_FAILURE: 'handshake failure',
  PROTOCOL_VERSION: 'protocol version not supported',
  INTERNAL_ERROR: 'internal error',
  CERTIFICATE_REQUIRED: 'certificate required',
};

/** Go's x509 words for OpenSSL's verification results. */
function goVerifyError(code: string): string {
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls: failed to verify client certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify client certificate: x509: certificate has expired or is not yet valid';
    default:
      return `tls: failed to verify client certificate: ${code}`;
  }
}

/** Go's words for node's handshake errors where the two mean the same thing. */
function goHandshakeError(err: NodeJS.ErrnoException, socket: tls.TLSSocket): string {
  // a client certificate that did not verify: node ends the connection after the handshake
  const verify = (socket as { authorizationError?: Error | string | null }).authorizationError;
  if (verify) return goVerifyError(String(verify));
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(err.code ?? '');
  if (alert && GO_ALERTS[alert[1] as string]) return `remote error: tls: ${GO_ALERTS[alert[1] as string]}`;
  switch (err.code) {
    case 'ERR_SSL_HTTP_REQUEST':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
      return 'tls: first record does not look like a TLS handshake';
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return "tls: client didn't provide a certificate";
    case 'ECONNRESET':
      return 'EOF';
    default:
      return err.message.split('\n')[0] ?? String(err);
  }
}

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

/** Where a terminator takes its key pair from, before each handshake. */
export interface TlsSource {
  /** Changes when the files behind the options changed (compared before each handshake). */
  stamp(): string;
  /** The secure-context options now. Throws when the files cannot be read. */
  load(): tls.SecureContextOptions;
  /** Require and verify a client certificate. */
  clientCertAuth: boolean;
  /** Why a completed handshake is refused anyway (SAN, CRL, allowed CN), or undefined. */
  refuse(socket: tls.TLSSocket): Promise<string | undefined> | undefined;
}

/**
 * The source behind etcd's flags: files re-read when they change. `checkClientSan`: the peer port
 * checks that a connecting member's certificate names the address it comes from (etcd 3.4 does so
 * for peers unless --experimental-peer-skip-client-san-verification; not for clients).
 */
export function fileTlsSource(info: TlsInfo, opts: { checkClientSan?: boolean } = {}): TlsSource {
  return {
    stamp: () => [info.certFile, info.keyFile, info.trustedCaFile].map(fileStamp).join('|'),
    load: () => secureContextOptions(info),
    clientCertAuth: info.clientCertAuth,
    refuse: (socket) => refusalOf(info, socket, opts.checkClientSan === true),
  };
}

export function createTlsTerminator(source: TlsSource, opts: TlsTerminatorOptions): TlsTerminator {
  let stamp = source.stamp();
  const server = tls.createServer({
    ...source.load(),
    requestCert: source.clientCertAuth,
    rejectUnauthorized: source.clientCertAuth,
    ALPNProtocols: opts.alpn,
  });
  // A failed handshake may have released the TCP handle before it is reported: the remote address
  // is noted when the connection is handed over, under the socket node wraps (its _parent).
  const remoteOf = new WeakMap<object, string>();
  const reject = (socket: tls.TLSSocket, error: string, afterHandshake = false): void => {
    const live = socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort ?? ''}` : undefined;
    const parent = (socket as unknown as { _parent?: object })._parent;
    const remoteAddr = live ?? (parent ? remoteOf.get(parent) : undefined) ?? '';
    const r: TlsRejection = { remoteAddr, serverName: typeof socket.servername === 'string' ? socket.servername : '', error };
    const cert = afterHandshake ? socket.getPeerCertificate() : undefined;
    if (cert && Object.keys(cert).length > 0) {
      const alt = cert.subjectaltname ?? '';
      r.presented = { ipAddresses: [...alt.matchAll(/IP Address:([^,\s]+)/g)].map((m) => m[1] as string), dnsNames: [...alt.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1] as string) };
    }
    opts.onReject?.(r);
  };
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    reject(socket, goHandshakeError(err, socket));
    socket.destroy();
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const verdict = source.refuse(socket);
    if (verdict === undefined) {
      opts.onSecure(socket);
      return;
    }
    socket.pause(); // nothing is read until the checks are done
    verdict.then(
      (why) => {
        if (socket.destroyed) return;
        if (why === undefined) {
          opts.onSecure(socket);
          socket.resume();
          return;
        }
        reject(socket, why, true);
        socket.destroy();
      },
      () => socket.destroy(),
    );
  });
  return {
    accept(socket) {
      // etcd loads the key pair on every handshake: take in files that changed since the last one
      const now = source.stamp();
      if (now !== stamp) {
        try {
          server.setSecureContext(source.load());
          stamp = now;
        } catch {
          // a half-written rotation: keep serving the previous pair, try again on the next handshake
        }
      }
      const s = socket as net.Socket;
      if (s.remoteAddress !== undefined) remoteOf.set(socket, `${s.remoteAddress}:${s.remotePort ?? ''}`);
      server.emit('connection', socket);
    },
  };
}

/** Options for dialing a TLS server with `info` (peers: etcd's TLSInfo.ClientConfig). */
export function clientTlsOptions(info: TlsInfo): tls.ConnectionOptions {
  const opts: tls.ConnectionOptions = {
    cert: readTlsFile(info.certFile),
    key: readTlsFile(info.keyFile),
    minVersion: 'TLSv1.2',
  };
  if (info.trustedCaFile !== '') opts.ca = readTlsFile(info.trustedCaFile);
  const ciphers = opensslCiphers(info.cipherSuites);
  if (ciphers !== undefined) opts.ciphers = ciphers;
  // etcd: a self-signed (auto-tls) certificate cannot be verified, so its dialers skip verification
  opts.rejectUnauthorized = !info.selfCert;
  return opts;
}
