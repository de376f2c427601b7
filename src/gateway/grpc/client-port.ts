// One TCP listener per client URL, shared the way etcd shares its client port: the first bytes of
// each connection decide. The HTTP/2 connection preface ("PRI * HTTP/2.0") goes to the gRPC
// server's http2 server (which also passes non-gRPC HTTP/2 requests to the HTTP handler); anything
// else goes to a node:http HTTP/1.1 server (JSON gateway, /health, /version, /metrics).
import http from 'node:http';
import type http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { sniffFirstRequest } from './authority-fix.js';
import { closeSessionsGracefully } from './close-sessions.js';
import type { GrpcServer, HttpHandler } from './server.js';

export interface ClientPortOptions {
  host: string;
  /** 0 picks a free port (see ClientPort.port). */
  port: number;
  grpc: GrpcServer;
  /** HTTP/1.1 requests, and HTTP/2 requests that are not gRPC. */
  http1: HttpHandler;
  /** 'https' needs `tls` (etcd: --cert-file, --key-file). */
  scheme?: 'http' | 'https';
  tls?: ClientTlsOptions;
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

/** etcd's refusal of an https client URL without a key pair (etcdmain), same words. */
export class TlsKeyPairMissingError extends Error {
  constructor(url: string) {
    super(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${url} with HTTPS scheme`);
  }
}

export async function listenClientPort(opts: ClientPortOptions): Promise<ClientPort> {
  const secure = opts.scheme === 'https';
  if (secure && opts.tls === undefined) throw new TlsKeyPairMissingError(`https://${opts.host}:${opts.port}`);
  const grpc = opts.grpc;
  grpc.setHttpHandler(opts.http1);
  const h1 = http.createServer(opts.http1 as (req: http.IncomingMessage, res: http.ServerResponse) => void);
  h1.keepAliveTimeout = 30_000;
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const track = (s: http2.ServerHttp2Session): void => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  };

  const route = (socket: net.Socket, first: Buffer): void => {
    // The peeked bytes go back into the socket; both servers read what is buffered there when they
    // take it over. (An HTTP/2 session then reads the TCP handle itself, so that socket is left
    // paused: resuming it would hand the buffered bytes out a second time. The HTTP/1.1 server
    // reads through 'data' events and needs it flowing.)
    if (first.length >= 3 && first.subarray(0, 3).equals(PREFACE_START)) {
      // The first request's :authority decides whether node can take the socket as is (see ./authority-fix.ts).
      socket.resume();
      sniffFirstRequest(socket, first, (conn) => {
        // 'session' is emitted synchronously inside 'connection': this catches exactly our session.
        grpc.http2.once('session', track);
        grpc.http2.emit('connection', conn);
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

  const startReading = (socket: net.Socket): void => {
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

  let tcp: net.Server;
  if (secure) {
    const t = opts.tls as ClientTlsOptions;
    tcp = tls.createServer(
      {
        cert: t.cert,
        key: t.key,
        ca: t.ca,
        requestCert: t.clientCertAuth === true,
        rejectUnauthorized: t.clientCertAuth === true,
        // grpc-go insists on ALPN h2; curl and browsers may pick either.
        ALPNProtocols: ['h2', 'http/1.1'],
      },
      // The decrypted stream is sniffed exactly like a plain one.
      onSocket,
    );
    tcp.on('tlsClientError', () => {
      /* handshake failures are the client's problem */
    });
  } else {
    tcp = net.createServer({ noDelay: true }, onSocket);
  }

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
      await closeSessionsGracefully(sessions, graceMs);
      h1.closeAllConnections();
      for (const s of sockets) s.destroy();
      await stopped;
    },
  };
}
