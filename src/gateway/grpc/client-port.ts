// One TCP listener per client address, shared the way etcd shares its client port: the first bytes
// of each connection decide. The HTTP/2 connection preface ("PRI * HTTP/2.0") goes to the gRPC
// server: our own HTTP/2 transport (./h2/) by default, node's http2 server with
// DCSGW_GRPC_TRANSPORT=node; both pass non-gRPC HTTP/2 requests to the HTTP handler. Anything else
// goes to a node:http HTTP/1.1 server (JSON gateway, /health, /version, /metrics).
// On an https port, TLS is terminated first (node:tls, ALPN h2 for gRPC and http/1.1 for the rest)
// and the decrypted stream is told apart the same way. A port given both as http:// and https://
// (etcd serves both on one listener) tells a TLS ClientHello (first byte 0x16) from plaintext.
import http from 'node:http';
import type http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { createTlsTerminator, type TlsRejection, type TlsSource, type TlsTerminator } from '../tls/server-tls.js';
import { sniffFirstRequest } from './authority-fix.js';
import { recordSessionTls } from './session-tls.js';
import { closeConnectionsGracefully, closeSessionsGracefully } from './close-sessions.js';
import type { H2Connection } from './h2/connection.js';
import { grpcTransport } from './transport-choice.js';
import type { GrpcServer, HttpHandler } from './server.js';

export interface ClientPortOptions {
  host: string;
  /** 0 picks a free port (see ClientPort.port). */
  port: number;
  grpc: GrpcServer;
  /** HTTP/1.1 requests, and HTTP/2 requests that are not gRPC. */
  http1: HttpHandler;
  /** 'https' needs `tls` or `tlsSource` (etcd: --cert-file, --key-file). */
  scheme?: 'http' | 'https';
  /** A fixed key pair. */
  tls?: ClientTlsOptions;
  /** Key pair, CA and checks re-read before each handshake (etcd's flags; takes precedence over `tls`). */
  tlsSource?: TlsSource;
  /** An https port that also serves plaintext (the same address given with http:// too, as etcd allows). */
  alsoInsecure?: boolean;
  /** A connection refused during or right after the TLS handshake (etcd logs "rejected connection"). */
  onTlsReject?: (r: TlsRejection) => void;
  /**
   * Connections are accepted at once but not read until this resolves (and are cut if it
   * rejects): etcd opens its client listeners early but serves them only once the member has
   * published its name and client URLs through raft (ReadyNotify), so a request sent meanwhile,
   * /health included, waits for that instead of seeing a member the cluster does not list yet.
   */
  servingAfter?: Promise<void>;
}

/** etcd's client TLS flags: --cert-file, --key-file, --trusted-ca-file, --client-cert-auth. */
export interface ClientTlsOptions {
  cert: Buffer | string;
  key: Buffer | string;
  /** CA bundle that client certificates must chain to (with clientCertAuth). */
  ca?: Buffer | string;
  /** Require and verify a client certificate. */
  clientCertAuth?: boolean;
}

export interface ClientPort {
  readonly host: string;
  readonly port: number;
  /**
   * Stops listening, ends idle HTTP/1.1 connections, GOAWAYs this port's HTTP/2 connections and
   * resolves when all are gone (the rest is cut after graceMs). The GrpcServer itself stays up
   * (it may serve other client URLs): its owner closes it.
   */
  close(graceMs?: number): Promise<void>;
}

const PREFACE_START = Buffer.from('PRI');
/** The first byte of a TLS record carrying a handshake (a ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;

/** A fixed key pair as a TlsSource (nothing to re-read). */
function fixedTlsSource(t: ClientTlsOptions): TlsSource {
  return {
    stamp: () => '',
    load: () => ({ cert: t.cert, key: t.key, ...(t.ca !== undefined ? { ca: t.ca } : {}) }),
    clientCertAuth: t.clientCertAuth === true,
    refuse: () => undefined,
  };
}

/** A socket with bytes already read from it, replayed first: for TLS to start on a sniffed connection. */
function replaying(socket: net.Socket, first: Buffer): Duplex {
  socket.pause();
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  if (first.length > 0) d.push(first);
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  Object.assign(d, { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
  return d;
}

/** etcd's refusal of an https client URL without a key pair (etcdmain), same words. */
export class TlsKeyPairMissingError extends Error {
  constructor(url: string) {
    super(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${url} with HTTPS scheme`);
  }
}

export async function listenClientPort(opts: ClientPortOptions): Promise<ClientPort> {
  const secure = opts.scheme === 'https';
  const source = opts.tlsSource ?? (opts.tls ? fixedTlsSource(opts.tls) : undefined);
  if (secure && source === undefined) throw new TlsKeyPairMissingError(`https://${opts.host}:${opts.port}`);
  const grpc = opts.grpc;
  grpc.setHttpHandler(opts.http1);
  const h1 = http.createServer(opts.http1 as (req: http.IncomingMessage, res: http.ServerResponse) => void);
  h1.keepAliveTimeout = 30_000;
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const connections = new Set<H2Connection>();
  const ownTransport = grpcTransport() === 'own';
  const track = (s: http2.ServerHttp2Session): void => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  };

  const route = (socket: net.Socket, first: Buffer): void => {
    // The peeked bytes go back into the socket; both servers read what is buffered there when they
    // take it over. (An HTTP/2 session then reads the TCP handle itself, so that socket is left
    // paused: resuming it would hand the buffered bytes out a second time. The HTTP/1.1 server
    // reads through 'data' events and needs it flowing.)
    const isHttp2 = first.length >= 3 && first.subarray(0, 3).equals(PREFACE_START);
    const tlsSocket = (socket as { encrypted?: boolean }).encrypted === true ? (socket as tls.TLSSocket) : undefined;
    if (isHttp2 && ownTransport) {
      // Our own HTTP/2 transport reads the socket through 'data' events, TLS or not, and takes
      // any :authority as it is.
      const conn = grpc.serveH2(socket, {
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        tlsSocket,
      });
      connections.add(conn);
      conn.onClose(() => connections.delete(conn));
      conn.feed(first);
      socket.resume();
    } else if (isHttp2) {
      // The first request's :authority decides whether node can take the socket as is (see ./authority-fix.ts).
      socket.resume();
      sniffFirstRequest(socket, first, (conn) => {
        // A TLS socket is not handed over itself: node's HTTP/2 session would consume its TLS
        // handle, which may deliver newly decrypted bytes before the ones already read here (a
        // large first request arrived corrupted). Through a stream, everything arrives in order.
        const served = conn === socket && tlsSocket ? replaying(socket, Buffer.alloc(0)) : conn;
        // 'session' is emitted synchronously inside 'connection': this catches exactly our session.
        grpc.http2.once('session', (session: http2.ServerHttp2Session) => {
          track(session);
          if (tlsSocket) recordSessionTls(session, tlsSocket); // its verified client certificate (CN-based auth)
        });
        grpc.http2.emit('connection', served);
      });
    } else {
      socket.pause();
      socket.unshift(first);
      h1.emit('connection', socket);
      socket.resume();
    }
  };

  let gate: 'waiting' | 'open' | 'failed' = opts.servingAfter ? 'waiting' : 'open';
  const held: net.Socket[] = [];
  opts.servingAfter?.then(
    () => {
      gate = 'open';
      for (const socket of held.splice(0)) if (!socket.destroyed) startReading(socket);
    },
    () => {
      gate = 'failed';
      for (const socket of held.splice(0)) socket.destroy();
    },
  );

  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (gate === 'open') startReading(socket);
    else if (gate === 'waiting') held.push(socket); // unread until the member is ready
    else socket.destroy();
  };

  let terminator: TlsTerminator | undefined;
  if (secure) {
    terminator = createTlsTerminator(source as TlsSource, {
      // grpc-go insists on ALPN h2; curl and browsers may pick either.
      alpn: ['h2', 'http/1.1'],
      // The decrypted stream is sniffed exactly like a plain one.
      onSecure: (s: tls.TLSSocket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
        sniffPlain(s);
      },
      ...(opts.onTlsReject ? { onReject: opts.onTlsReject } : {}),
    });
  }

  const startReading = (socket: net.Socket): void => {
    if (!terminator) return sniffPlain(socket);
    if (!opts.alsoInsecure) return terminator.accept(socket);
    // both on one port: a TLS record header or plaintext HTTP
    const onFirst = (chunk: Buffer): void => {
      socket.off('data', onFirst);
      if (chunk[0] === TLS_HANDSHAKE_RECORD) terminator!.accept(replaying(socket, chunk));
      else routeOrWait(socket, chunk);
    };
    socket.on('data', onFirst);
  };

  const routeOrWait = (socket: net.Socket, first: Buffer): void => {
    if (first.length < 3 && PREFACE_START.subarray(0, first.length).equals(first)) {
      socket.pause();
      socket.unshift(first);
      sniffPlain(socket);
      socket.resume();
      return;
    }
    route(socket, first);
  };

  const sniffPlain = (socket: net.Socket): void => {
    let seen: Buffer | undefined;
    const onData = (chunk: Buffer): void => {
      seen = seen ? Buffer.concat([seen, chunk]) : chunk;
      // Three bytes tell "PRI" from any HTTP/1.1 method; a shorter first packet waits for more.
      if (seen.length < 3 && PREFACE_START.subarray(0, seen.length).equals(seen)) return;
      socket.off('data', onData);
      route(socket, seen);
    };
    socket.on('data', onData);
  };

  const tcp = net.createServer({ noDelay: true }, onSocket);

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(opts.port, opts.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const addr = tcp.address() as net.AddressInfo;

  return {
    host: opts.host,
    port: addr.port,
    async close(graceMs = 2000): Promise<void> {
      const stopped = new Promise<void>((resolve) => tcp.close(() => resolve()));
      h1.closeIdleConnections();
      await Promise.all([closeSessionsGracefully(sessions, graceMs), closeConnectionsGracefully(connections, graceMs)]);
      h1.closeAllConnections();
      for (const s of sockets) s.destroy();
      await stopped;
    },
  };
}
