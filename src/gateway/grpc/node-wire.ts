// A gRPC call's stream on node:http2 (the transport before our own, kept for A/B runs and as the
// fallback: DCSGW_GRPC_TRANSPORT=node). Listener functions are shared: `this` is the stream, the
// wire hangs off it, and listeners a call may not need are added only when it does ('wantTrailers'
// with the response headers, 'close' when the call asks to hear of it).
import type http2 from 'node:http2';
import type { CallWire, PeerSocket, WireCall } from './call-wire.js';
import { sessionTls } from './session-tls.js';

const kWire = Symbol('dcsgw.grpcWire');
type WireStream = http2.ServerHttp2Stream & { [kWire]?: NodeWire };

const RESPONSE_HEADERS: http2.OutgoingHttpHeaders = { ':status': 200, 'content-type': 'application/grpc' };
// sendDate: read by node's respond() (its compatibility API's res.sendDate goes through it), absent
// from @types/node's option type; a node that ignored it would only add the date header back.
type ResponseOptions = http2.ServerStreamResponseOptions & { sendDate: boolean };
const WAIT_FOR_TRAILERS: ResponseOptions = { waitForTrailers: true, sendDate: false };
export const END_STREAM: ResponseOptions = { endStream: true, sendDate: false };
// grpc-go writes grpc-message with every status, empty on OK.
const OK_TRAILERS: http2.OutgoingHttpHeaders = { 'grpc-status': '0', 'grpc-message': '' };

function onStreamData(this: WireStream, chunk: Buffer): void {
  this[kWire]?.call?.onData(chunk);
}
function onStreamEnd(this: WireStream): void {
  this[kWire]?.call?.onClientEnd();
}
function onStreamClose(this: WireStream): void {
  this[kWire]?.call?.onStreamClosed();
}
function onWantTrailers(this: WireStream): void {
  this.sendTrailers(this[kWire]?.trailers ?? OK_TRAILERS);
}
function onStreamDrain(this: WireStream): void {
  const wire = this[kWire];
  if (wire === undefined) return;
  wire.waitingDrain = false;
  wire.call?.drained();
}

export class NodeWire implements CallWire {
  call: WireCall | undefined;
  trailers: http2.OutgoingHttpHeaders | undefined;
  waitingDrain = false;

  constructor(private readonly stream: WireStream) {
    stream[kWire] = this;
  }

  /** Starts delivering the request's bytes and end to `call`. */
  attach(call: WireCall): void {
    this.call = call;
    this.stream.on('data', onStreamData);
    this.stream.on('end', onStreamEnd);
  }

  get gone(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  sendHeaders(): void {
    this.stream.on('wantTrailers', onWantTrailers);
    this.stream.respond(RESPONSE_HEADERS, WAIT_FOR_TRAILERS);
  }

  sendMessage(framed: Buffer): boolean {
    if (this.stream.write(framed)) return true;
    if (!this.waitingDrain) {
      this.waitingDrain = true;
      this.stream.once('drain', onStreamDrain);
    }
    return false;
  }

  sendUnary(framed: Buffer): void {
    this.sendHeaders();
    this.stream.end(framed);
  }

  sendTrailers(code: number, message: string): void {
    if (code !== 0 || message !== '') this.trailers = { 'grpc-status': String(code), 'grpc-message': message };
    this.stream.end();
  }

  sendTrailersOnly(code: number, message: string): void {
    this.stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': message }, END_STREAM);
  }

  watchClose(): void {
    this.stream.on('close', onStreamClose);
  }

  peerSocket(): PeerSocket | undefined {
    const session = this.stream.session;
    return (sessionTls(session) ?? session?.socket) as PeerSocket | undefined;
  }
}
