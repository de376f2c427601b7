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

export interface ServerPortOptions {
  host: string;
  port: number;
  /** Where the peer transport really listens (set once it is bound; raft connections before that are closed). */
  raftTarget: () => { host: string; port: number } | undefined;
  rpc: RpcServerOptions;
  logger: Logger;
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
    let head: Buffer = Buffer.alloc(0);
    const onFirst = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      if (head[0] === RPC_FIRST_BYTE) {
        if (head.length < RPC_PREFACE.length) return;
        socket.off('data', onFirst);
        socket.pause();
        if (!head.subarray(0, RPC_PREFACE.length).equals(RPC_PREFACE)) {
          socket.destroy();
          return;
        }
        const rest = head.subarray(RPC_PREFACE.length);
        if (rest.length) socket.unshift(rest);
        serveRpcConnection(socket, opts.rpc);
        socket.resume();
        return;
      }
      socket.off('data', onFirst);
      socket.pause();
      spliceToRaft(socket, head);
    };
    socket.on('data', onFirst);
  });
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
