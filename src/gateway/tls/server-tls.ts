// TLS on the server side of a listener (client port and peer port), built on node:tls:
// - the key pair, trusted CA and CRL are files re-read when they change, checked before every
//   handshake (etcd re-reads them on every handshake), so a rotated certificate is served to the
//   next client without a restart;
// - a client certificate is required and verified against the trusted CA when client-cert-auth is
//   on (a missing one fails the handshake, one from another CA gets the connection closed);
// - after the handshake, the allowed name, SAN (peers) and CRL checks (./remote-cert-checks.ts) run,
//   and a refused connection is closed and logged as etcd logs it ("rejected connection from ...").
// Sockets are handed over already accepted (see TlsTerminator.accept), so one TCP listener can
// also tell plaintext from TLS on a port that serves both.
import { readFileSync, statSync } from 'node:fs';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { opensslCiphers } from './cipher-suites.js';
import { goHandshakeError } from './go-tls-errors.js';
import { refusalOf } from './remote-cert-checks.js';
import type { TlsInfo } from './tls-info.js';

/** How long a refused connection is drained before it is dropped regardless. */
const REFUSED_DRAIN_MS = 2000;

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
  // A connection refused after its handshake may already hold the client's first request: destroying
  // it with unread bytes makes the kernel answer RST (curl: 56, "connection reset") or FIN (curl:
  // 52, "empty reply") depending on timing. Reading what arrives and ending gracefully always
  // gives the client an orderly close with no answer, as genuine etcd's refusal does.
  const closeRefused = (socket: tls.TLSSocket): void => {
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.resume();
    socket.end();
    setTimeout(() => socket.destroy(), REFUSED_DRAIN_MS).unref();
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
        closeRefused(socket);
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
