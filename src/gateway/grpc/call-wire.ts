// What a gRPC call (server.ts's Call) needs from the HTTP/2 stream under it, so that the same call
// logic runs on node:http2 (./node-wire.ts) and on our own transport (./h2/grpc-wire.ts).

/** The socket a call's peer address and client certificate are read from. */
export interface PeerSocket {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  authorized?: boolean;
  getPeerCertificate?: () => { subject?: { CN?: string | string[] } };
}

export interface CallWire {
  /** Nothing can be sent any more: the stream is closed, reset, or its connection went. */
  readonly gone: boolean;
  /** Response headers (:status 200, content-type application/grpc); trailers follow later. */
  sendHeaders(): void;
  /** One length-prefixed message after sendHeaders. False when it waits in memory: the call's `drained()` follows. */
  sendMessage(framed: Buffer): boolean;
  /** A unary answer: headers, the one message and OK trailers. */
  sendUnary(framed: Buffer): void;
  /** Ends the response (after sendHeaders) with a status; `message` is grpc-message encoded already. */
  sendTrailers(code: number, message: string): void;
  /** A trailers-only response: the status in the one HEADERS frame, end of stream. */
  sendTrailersOnly(code: number, message: string): void;
  /** From now on the call hears of the end of the stream (node adds a listener; our transport always tells). */
  watchClose(): void;
  peerSocket(): PeerSocket | undefined;
}

/** The side of a call the wire drives. */
export interface WireCall {
  onData(chunk: Buffer): void;
  onClientEnd(): void;
  onStreamClosed(): void;
  drained(): void;
}
