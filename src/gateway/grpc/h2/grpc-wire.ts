// A gRPC call's stream on our own HTTP/2 transport: the answer's header blocks are pre-encoded
// constants, and a unary answer (HEADERS, DATA, trailers) is handed to the connection as one piece.
import type { CallWire, PeerSocket } from '../call-wire.js';
import { GRPC_OK_TRAILERS, GRPC_RESPONSE_HEADERS, encodeHeaders } from './hpack-encoder.js';
import type { H2Stream } from './stream.js';

function statusTrailers(code: number, message: string): Buffer {
  if (code === 0 && message === '') return GRPC_OK_TRAILERS;
  return encodeHeaders([
    ['grpc-status', String(code)],
    ['grpc-message', message],
  ]);
}

export class H2GrpcWire implements CallWire {
  constructor(private readonly stream: H2Stream) {}

  get gone(): boolean {
    return this.stream.closed || this.stream.conn.closed;
  }

  sendHeaders(): void {
    this.stream.conn.sendHeaderBlock(this.stream, GRPC_RESPONSE_HEADERS, false);
  }

  sendMessage(framed: Buffer): boolean {
    return this.stream.conn.sendData(this.stream, framed, false);
  }

  sendUnary(framed: Buffer): void {
    this.stream.conn.sendAnswer(this.stream, GRPC_RESPONSE_HEADERS, framed, GRPC_OK_TRAILERS);
  }

  sendTrailers(code: number, message: string): void {
    this.stream.conn.sendTrailerBlock(this.stream, statusTrailers(code, message));
  }

  sendTrailersOnly(code: number, message: string): void {
    const block = encodeHeaders([
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-status', String(code)],
      ['grpc-message', message],
    ]);
    this.stream.conn.sendHeaderBlock(this.stream, block, true);
  }

  watchClose(): void {
    // The transport tells every stream's sink when it closes.
  }

  peerSocket(): PeerSocket | undefined {
    return this.stream.tlsSocket ?? { remoteAddress: this.stream.remoteAddress, remotePort: this.stream.remotePort };
  }
}

/** Request metadata as the etcd services read it: lower-case names, pseudo-headers included, repeats joined. */
export function metadataOf(headers: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const md = Object.create(null) as Record<string, string>;
  for (const [name, value] of headers) {
    const had = md[name];
    md[name] = had === undefined ? value : name === 'cookie' ? `${had}; ${value}` : `${had}, ${value}`;
  }
  return md;
}
