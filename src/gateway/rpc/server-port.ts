// A server agent's server port (ports.server, Consul's 8300): one listener for both of its
// protocols, as Consul multiplexes 8300 on the first byte. Connections that open with the RPC
// preface's first byte are client agents' server RPC (./rpc-server.ts); anything else (raft's
// HTTP upgrade, or a TLS ClientHello on a TLS peer transport) is spliced to the native store's peer
// transport, which listens on a loopback port of its own. The splice is a byte pipe, so the peer
// transport's framing and TLS are untouched.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { serveRpcConnection, type RpcServerOptions } from './rpc-server.js';
import { RPC_FIRST_BYTE, RPC_PREFACE } from './wire.js';
import { createTlsTerminator, PLAINTEXT_REFUSED, TLS_HANDSHAKE_BYTE, type ServerPortTls } from './tls-server-port.js';

export interface ServerPortOptions {
  host: string;
  port: number;
  /** Where the peer transport really listens (set once it is bound; raft connections before that are closed). */
  raftTarget: () => { host: string; port: number } | undefined;
  rpc: RpcServerOptions;
  logger: Logger;
  /** Agent-to-agent TLS (./tls-server-port.ts); plaintext only without it. */
  tls?: ServerPortTls;
}

export interface ServerPort {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function listenServerPort(opts: ServerPortOptions): Promise<ServerPort> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    sniff(socket, (head) => route(socket, head, 'plain'));
  });
  /** Reads a connection's first bytes until its protocol is known; then hands them on, the socket paused. */
  const sniff = (socket: Socket, then: (head: Buffer) => void): void => {
    let head: Buffer = Buffer.alloc(0);
    const onFirst = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      if (head[0] === RPC_FIRST_BYTE && head.length < RPC_PREFACE.length) return;
      socket.off('data', onFirst);
      socket.pause();
      then(head);
    };
    socket.on('data', onFirst);
  };
  const terminator = opts.tls
    ? createTlsTerminator(opts.tls, (secure, authorized) => {
        sockets.add(secure);
        secure.on('close', () => sockets.delete(secure));
        secure.on('error', () => secure.destroy());
        sniff(secure, (head) => route(secure, head, authorized ? 'tls-authorized' : 'tls-anonymous'));
      })
    : undefined;
  const route = (socket: Socket, head: Buffer, how: 'plain' | 'tls-authorized' | 'tls-anonymous'): void => {
    if (terminator && how === 'plain' && head[0] === TLS_HANDSHAKE_BYTE && opts.tls!.serves()) {
      terminator.accept(socket, head);
      return;
    }
    // verify_incoming: only a peer with a certificate from the CA gets the store or raft
    const restricted = opts.tls !== undefined && opts.tls.serves() && opts.tls.verifyIncoming() && how !== 'tls-authorized';
    if (restricted && how === 'plain') {
      opts.logger.warn({ remote: socket.remoteAddress }, `server port: ${PLAINTEXT_REFUSED}`);
      socket.destroy();
      return;
    }
    if (head[0] === RPC_FIRST_BYTE) {
      if (!head.subarray(0, RPC_PREFACE.length).equals(RPC_PREFACE)) {
        socket.destroy();
        return;
      }
      const rest = head.subarray(RPC_PREFACE.length);
      if (rest.length) socket.unshift(rest);
      serveRpcConnection(socket, restricted ? { ...opts.rpc, allowOnly: opts.tls!.unauthenticatedMethods } : opts.rpc);
      socket.resume();
      return;
    }
    if (restricted) {
      opts.logger.warn({ remote: socket.remoteAddress }, 'server port: raft connection without a certificate from the CA refused (verify_incoming)');
      socket.destroy();
      return;
    }
    spliceToRaft(socket, head);
  };
  const spliceToRaft = (socket: Socket, head: Buffer): void => {
    const target = opts.raftTarget();
    if (!target) {
      socket.destroy();
      return;
    }
    const upstream = connect({ host: target.host, port: target.port, noDelay: true });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      socket.destroy();
    });
    socket.on('close', () => upstream.destroy());
    upstream.on('error', () => upstream.destroy());
    upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const address = a && typeof a === 'object' ? { host: a.address, port: a.port } : { host: opts.host, port: opts.port };
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
