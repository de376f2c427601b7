// TLS on the peer port (etcd's --peer-* flags), as the peer transport sees it: something that
// terminates TLS on an accepted connection (handshake, client certificate, CRL and allowed-CN
// checks, files re-read on every handshake) and the options to dial peers with. The CLI builds it
// from the flags (src/cli/tls); the transport only speaks through this interface.
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';

export interface PeerTls {
  /** A terminator whose decrypted connections go to `onSecure`; `accept` starts the handshake on one accepted socket. */
  serverFor(onSecure: (socket: TLSSocket) => void): { accept(socket: Socket): void };
  /** Options for one dial to a peer's https:// URL (files re-read each time). */
  dialOptions(): ConnectionOptions;
}
