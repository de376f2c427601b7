// TLS on the server port (8300) for agent-to-agent encryption: a connection opening with a TLS
// ClientHello is terminated here and its decrypted bytes are sorted as a plaintext connection's
// (server RPC or raft), knowing whether the peer showed a certificate from the CA. With
// verify_incoming, Consul's rule: plaintext is refused, and a TLS connection without such a
// certificate may only ask for one (auto_encrypt's sign call); raft from it is closed.
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';

export interface ServerPortTls {
  /** Whether TLS is served now (a server with a key pair and a CA). */
  serves(): boolean;
  verifyIncoming(): boolean;
  /** The TLS server options (key pair, CA, client certificate asked for, never required by the handshake itself). */
  serverOptions(): import('node:tls').TlsOptions;
  /** Called with a function that applies new options to the running terminator (reload). */
  onReload(fn: () => void): void;
  /** RPC methods a TLS connection without a CA-signed certificate may still call. */
  unauthenticatedMethods: ReadonlySet<string>;
}

export const TLS_HANDSHAKE_BYTE = 0x16;

/** Plaintext refused under verify_incoming: the reason is logged by the caller. */
export const PLAINTEXT_REFUSED = 'plaintext connection refused: TLS with a certificate from the CA is required (verify_incoming)';

export interface TlsTerminator {
  /** Starts the handshake on an accepted socket whose first bytes (`head`) were already read. */
  accept(socket: Socket, head: Buffer): void;
}

export function createTlsTerminator(tls: ServerPortTls, onSecure: (socket: TLSSocket, authorized: boolean) => void): TlsTerminator {
  const server: TlsServer = createTlsServer(tls.serverOptions(), (secure) => onSecure(secure, secure.authorized));
  // the handshake's failures are the peer's: its socket is closed, the port keeps serving
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  tls.onReload(() => server.setSecureContext(tls.serverOptions()));
  return {
    accept(socket, head) {
      // the TLS layer takes the socket's buffered bytes and reads on by itself: resuming the paused
      // socket here would hand the next records to the plain stream instead
      socket.unshift(head);
      server.emit('connection', socket);
    },
  };
}
