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

/** Go's words for node's handshake errors where the two mean the same thing. */
function goHandshakeError(err: NodeJS.ErrnoException): string {
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

/** Post-handshake checks: CRL (every certificate presented) and the allowed common name. */
export function refusalOf(info: TlsInfo, socket: tls.TLSSocket): string | undefined {
  const leaf = socket.getPeerCertificate(true);
  const presented = leaf && Object.keys(leaf).length > 0;
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
  if (info.allowedCN !== '' && presented && !commonNames(leaf).includes(info.allowedCN)) return 'CommonName authentication failed';
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
  /** Why a completed handshake is refused anyway (CRL, allowed CN), or undefined. */
  refuse(socket: tls.TLSSocket): string | undefined;
}

/** The source behind etcd's flags: files re-read when they change. */
export function fileTlsSource(info: TlsInfo): TlsSource {
  return {
    stamp: () => [info.certFile, info.keyFile, info.trustedCaFile].map(fileStamp).join('|'),
    load: () => secureContextOptions(info),
    clientCertAuth: info.clientCertAuth,
    refuse: (socket) => refusalOf(info, socket),
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
  const reject = (socket: tls.TLSSocket, error: string): void => {
    opts.onReject?.({ remoteAddr: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`, serverName: typeof socket.servername === 'string' ? socket.servername : '', error });
  };
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    reject(socket, goHandshakeError(err));
    socket.destroy();
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const why = source.refuse(socket);
    if (why !== undefined) {
      reject(socket, why);
      socket.destroy();
      return;
    }
    opts.onSecure(socket);
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
