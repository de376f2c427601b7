// The contract of the gRPC server layer (src/gateway/grpc) that the etcd services use.
// The layer is our own, on node:http2: length-prefixed framing, trailers, deadlines, streams.
import type { GrpcCode } from '../../adapters/errors.js';

export interface CallContext {
  /**
   * Request metadata (lower-case keys), e.g. 'token' for etcd auth, 'hasleader' for the etcd clientv3
   * "require leader" option. (The server layer hands over the HTTP/2 headers as they are, so the
   * pseudo-headers ':path', ':authority'... are in there too.)
   */
  metadata: Record<string, string>;
  /** Absolute deadline (Date.now() ms) from grpc-timeout, or undefined. */
  deadline?: number;
  /** Aborted when the client cancels, the deadline passes or the connection goes. */
  signal: AbortSignal;
  peer: string;
  /**
   * The common name of the client certificate the TLS handshake verified (--client-cert-auth), for
   * etcd's CN-based auth; absent/undefined without one. Only gRPC calls have it: etcd ignores the
   * certificate of JSON gateway requests.
   */
  verifiedCommonName?(): string | undefined;
}

/** A status a handler ends a call with: throw an EtcdError (src/adapters/errors.ts) or a GrpcStatusError. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
  ) {
    super(message);
  }
}

export interface MessageCodec<T> {
  decode(buf: Buffer): T;
  encode(msg: T): Buffer;
  /**
   * Optional: the encoded message already behind the 5-byte gRPC length prefix, in one Buffer
   * (saves a copy on the hot path). When absent the layer frames `encode`'s output itself.
   */
  encodeFramed?(msg: T): Buffer;
  /**
   * Optional: for a message so large that encoding it in one go would hold the event loop (a range
   * of a million keys), the framed encoding built in slices across turns; undefined when the
   * message is small enough for encodeFramed/encode. Unary answers only.
   */
  encodeFramedSliced?(msg: T): Promise<Buffer> | undefined;
}

export type UnaryHandler<Req, Res> = (req: Req, ctx: CallContext) => Promise<Res> | Res;

/** A server stream (server-streaming or bidirectional call). */
export interface ServerStream<Req, Res> {
  readonly ctx: CallContext;
  /** Each request message, in order (bidi); for server-streaming calls one message. */
  onMessage(cb: (req: Req) => void): void;
  /** The client half-closed its side. */
  onEnd(cb: () => void): void;
  /**
   * The call is over: client cancel, connection loss, deadline, or after end(). Fires once; a
   * callback registered after that runs at once. Use it to release what the call holds (watchers).
   */
  onClose(cb: () => void): void;
  write(res: Res): void;
  /**
   * Optional (the server layer has it): true while responses written are waiting in memory because
   * the client reads slower than the handler writes. A producer (a watch) should hold back then.
   */
  readonly backpressured?: boolean;
  /** Optional: `cb` runs once, when the responses waiting in memory have gone out (at once if none are), or the call is over. */
  onDrain?(cb: () => void): void;
  /** End the call with OK, or with an error status. */
  end(error?: Error): void;
  readonly closed: boolean;
}

export type StreamHandler<Req, Res> = (stream: ServerStream<Req, Res>) => void;

export interface GrpcRouter {
  /** path: '/etcdserverpb.KV/Range' */
  unary<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: UnaryHandler<Req, Res>): void;
  stream<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: StreamHandler<Req, Res>): void;
}
