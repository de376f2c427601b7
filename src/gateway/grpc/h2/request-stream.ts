// One HTTP/2 request that is not gRPC (JSON gateway, /health, /metrics, /version over HTTP/2), as
// our own HTTP/2 transport hands it to the HTTP shim (./http-exchange.ts), which builds the
// request/response objects an HttpHandler expects. The transport owns framing, HPACK and flow
// control; this is all the shim sees of a stream.
import type { TLSSocket } from 'node:tls';

export interface H2RequestStream {
  /** The stream id (odd, client-initiated). */
  readonly id: number;
  /** The decoded header list in wire order, pseudo-headers first, names lower-case. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** :method and :path (empty strings when the client left them out). */
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The TLS socket the connection runs over, when encrypted (ALPN, client certificate). */
  readonly tlsSocket: TLSSocket | undefined;

  /** Request body chunks, in order. Set once; chunks arriving before are buffered and handed over then. */
  onData(cb: (chunk: Buffer) => void): void;
  /** The client ended its side (END_STREAM). Runs at once if it already has. */
  onEnd(cb: () => void): void;
  /** The stream is over (both sides done, reset by either side, or the connection went). Runs once; at once if already closed. */
  onClose(cb: () => void): void;

  /**
   * Sends the response HEADERS. `headers` must not contain pseudo-headers other than none at all:
   * the transport adds ':status'. Names must be lower-case. With endStream the response is complete.
   */
  respond(status: number, headers: ReadonlyArray<readonly [string, string]>, endStream?: boolean): void;
  /**
   * Response body bytes (after respond). Flow-controlled: returns false when the bytes had to wait
   * for the peer's window; then onDrain tells when they have all gone out. `cb` runs when the
   * chunk has been handed to the socket (or the stream is gone).
   */
  write(chunk: Buffer, cb?: () => void): boolean;
  /** `cb` runs once, when everything queued has been sent (at once if nothing waits) or the stream is closed. */
  onDrain(cb: () => void): void;
  /** Ends the response: END_STREAM on the last DATA, or a trailing HEADERS frame when `trailers` is given. */
  end(trailers?: ReadonlyArray<readonly [string, string]>): void;
  /** RST_STREAM with this HTTP/2 error code (0 NO_ERROR, 2 INTERNAL_ERROR, 8 CANCEL...). */
  reset(code: number): void;
  /** Response HEADERS already sent. */
  readonly headersSent: boolean;
  /** Closed or reset: writes are dropped. */
  readonly closed: boolean;
}
