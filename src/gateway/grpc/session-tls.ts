// The TLS connection under an HTTP/2 session. The client port hands TLS connections to node's
// HTTP/2 server through a stream (see client-port.ts), so `session.socket` is that stream, not the
// TLS socket: the client port records the TLS socket here, and whoever needs the verified client
// certificate (etcd's CN-based auth) asks here first.
import type { Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';

const tlsOfSession = new WeakMap<Http2Session, TLSSocket>();

export function recordSessionTls(session: Http2Session, socket: TLSSocket): void {
  tlsOfSession.set(session, socket);
}

/** The TLS socket a session runs over, when the client port recorded one. */
export function sessionTls(session: Http2Session | undefined): TLSSocket | undefined {
  return session ? tlsOfSession.get(session) : undefined;
}
