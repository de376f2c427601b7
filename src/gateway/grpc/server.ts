// A small gRPC server of our own (see DESIGN.md, "The CPU budget": @grpc/grpc-js as a server
// costs more CPU per call than genuine etcd spends in total). It speaks exactly what etcd's clients
// need: length-prefixed messages reassembled across DATA chunks, status trailers (trailers-only
// responses for errors before any message), grpc-timeout deadlines, unary, server-streaming and
// bidirectional calls, client cancellation, grpc-go's words for unknown methods and oversized
// messages. HTTP/2 requests that are not gRPC go to an ordinary HTTP handler (etcd's JSON gateway
// answers over HTTP/2 too). The HTTP/2 under a call is our own transport (./h2/, the default) or
// node:http2 (DCSGW_GRPC_TRANSPORT=node); the call logic is the same on both (./call-wire.ts).
//
// Hot path: per call one Call object and shared listener functions (`this` is the stream, the call
// hangs off it); a handler that returns a plain value is answered synchronously. Listeners a call
// may not need are added only when it does ('wantTrailers' with the response headers, 'close' when
// a unary answer is asynchronous or has a deadline), and responses carry no date header (grpc-go
// sends none; node would format and encode one per response).
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { GrpcCode } from '../../adapters/errors.js';
import type { CallContext, GrpcRouter, MessageCodec, ServerStream, StreamHandler, UnaryHandler } from './api.js';
import { GrpcStatusError } from './api.js';
import { closeConnectionsGracefully, closeSessionsGracefully } from './close-sessions.js';
import { Deframer, type FrameSink } from './deframer.js';
import { encodeGrpcMessage, isStatusError, parseGrpcTimeout, statusOf, type GrpcStatus } from './status.js';
import type { CallWire } from './call-wire.js';
import { grpcTransport } from './transport-choice.js';
import { END_STREAM, NodeWire } from './node-wire.js';
import { H2Connection, type ConnectionPeer, type H2Host } from './h2/connection.js';
import { H2GrpcWire, metadataOf } from './h2/grpc-wire.js';
import type { H2Stream } from './h2/stream.js';
import { serveHttpOnH2 } from './h2/http-exchange.js';

export type HttpHandler = (
  req: IncomingMessage | http2.Http2ServerRequest,
  res: ServerResponse | http2.Http2ServerResponse,
) => void;

export interface GrpcServerOptions {
  /**
   * Largest request message accepted (grpc-go's MaxRecvMsgSize). etcd sets it to
   * --max-request-bytes + 512 KiB; with etcd's default 1.5 MiB that is 2 MiB, the default here.
   */
  maxReceiveMessageBytes?: number;
  /** Largest response message sent; etcd leaves grpc-go's default (2^31-1). */
  maxSendMessageBytes?: number;
  /** Where HTTP/2 requests without a gRPC content-type go. Without one they get 415. */
  http?: HttpHandler;
  logger?: Logger;
}

/** etcd's default --max-request-bytes (1.5 MiB) plus grpc-go's 512 KiB overhead allowance. */
export const DEFAULT_MAX_RECEIVE_BYTES = 1.5 * 1024 * 1024 + 512 * 1024;

interface Route {
  streaming: boolean;
  req: MessageCodec<unknown>;
  res: MessageCodec<unknown>;
  unary: UnaryHandler<unknown, unknown> | undefined;
  stream: StreamHandler<unknown, unknown> | undefined;
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 5);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

function onStreamError(): void {
  // 'close' follows; the error itself (reset by peer, ...) is the client's business.
}
function onDeadline(call: Call): void {
  call.expire();
}

class Call implements CallContext, ServerStream<unknown, unknown>, FrameSink {
  readonly metadata: Record<string, string>;
  readonly deadline: number | undefined;
  private abort: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly deframer: Deframer;
  private headersSent = false;
  private done = false;
  private clientEnded = false;
  private dispatched = false;
  private closeFired = false;
  /** The call was cut short (client cancel, connection loss, deadline). */
  private aborted = false;
  private messageCb: ((req: unknown) => void) | undefined;
  private endCb: (() => void) | undefined;
  private closeCbs: (() => void)[] | undefined;
  private drainCbs: (() => void)[] | undefined;
  private queue: unknown[] | undefined;

  constructor(
    private readonly server: GrpcServer,
    private readonly wire: CallWire,
    metadata: Record<string, string>,
    private readonly route: Route,
  ) {
    // Header names are lower-case; pseudo-headers (':path', ...) stay in, harmlessly.
    this.metadata = metadata;
    const timeout = parseGrpcTimeout(metadata['grpc-timeout']);
    if (timeout !== undefined) {
      this.deadline = Date.now() + timeout;
      this.timer = setTimeout(onDeadline, Math.max(0, timeout), this);
      this.watchClose(); // the timer must go when the client does
    }
    this.deframer = new Deframer(server.maxReceiveMessageBytes);
  }

  private closeWatched = false;

  /** Listens for the end of the HTTP/2 stream (client cancel, connection loss, our own end). */
  watchClose(): void {
    if (this.closeWatched) return;
    this.closeWatched = true;
    this.wire.watchClose();
  }

  /** Response headers; the status follows in trailers. */
  private respondWithTrailers(): void {
    this.headersSent = true;
    this.wire.sendHeaders();
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      // Created on first use: most unary handlers never look at it.
      this.abort = new AbortController();
      if (this.aborted) this.abort.abort();
    }
    return this.abort.signal;
  }

  get peer(): string {
    const s = this.wire.peerSocket();
    return s ? `${s.remoteAddress ?? ''}:${s.remotePort ?? ''}` : '';
  }

  verifiedCommonName(): string | undefined {
    const s = this.wire.peerSocket();
    if (!s || s.authorized !== true || typeof s.getPeerCertificate !== 'function') return undefined;
    const cn = s.getPeerCertificate().subject?.CN;
    // Go's pkix.Name keeps the last CN when a subject has several
    return Array.isArray(cn) ? cn[cn.length - 1] : cn;
  }

  get ctx(): CallContext {
    return this;
  }

  get closed(): boolean {
    return this.done;
  }

  // ---- inbound ----

  onData(chunk: Buffer): void {
    if (this.done) return;
    const tooLarge = this.deframer.push(chunk, this);
    if (tooLarge >= 0 && !this.done) {
      this.fail({
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `grpc: received message larger than max (${tooLarge} vs. ${this.server.maxReceiveMessageBytes})`,
      });
    }
  }

  onFrame(compressed: boolean, payload: Buffer): void {
    if (this.done) return;
    if (compressed) {
      const enc = (this.metadata['grpc-encoding'] as string | undefined) ?? '';
      this.fail({ code: GrpcCode.UNIMPLEMENTED, message: `grpc: Decompressor is not installed for grpc-encoding "${enc}"` });
      return;
    }
    let req: unknown;
    try {
      req = this.route.req.decode(payload);
    } catch (err) {
      this.fail({ code: GrpcCode.INTERNAL, message: 'grpc: error unmarshalling request: ' + (err instanceof Error ? err.message : String(err)) });
      return;
    }
    if (!this.route.streaming) {
      if (this.dispatched) return;
      this.dispatched = true;
      this.runUnary(req);
    } else if (this.messageCb) {
      this.messageCb(req);
    } else {
      (this.queue ??= []).push(req);
    }
  }

  onClientEnd(): void {
    this.clientEnded = true;
    if (this.done) return;
    if (!this.route.streaming) {
      if (!this.dispatched) {
        this.fail({ code: GrpcCode.UNKNOWN, message: this.deframer.partial ? 'unexpected EOF' : 'EOF' });
      }
      return;
    }
    if (this.deframer.partial) {
      this.fail({ code: GrpcCode.UNKNOWN, message: 'unexpected EOF' });
      return;
    }
    this.endCb?.();
  }

  /** The HTTP/2 stream is closed: after our end, or because the client reset it or went away. */
  onStreamClosed(): void {
    if (!this.done) {
      this.done = true;
      this.aborted = true;
      this.clearTimer();
      this.abort?.abort();
    }
    this.fireClose();
  }

  expire(): void {
    this.timer = undefined;
    if (this.done) return;
    this.aborted = true;
    this.abort?.abort();
    this.fail({ code: GrpcCode.DEADLINE_EXCEEDED, message: 'context deadline exceeded' });
  }

  // ---- unary ----

  private runUnary(req: unknown): void {
    let result: unknown;
    try {
      result = (this.route.unary as UnaryHandler<unknown, unknown>)(req, this);
    } catch (err) {
      this.failWith(err);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      // The answer comes later: a client that goes away meanwhile aborts the call's signal.
      this.watchClose();
      (result as Promise<unknown>).then(
        (res) => this.reply(res),
        (err: unknown) => this.failWith(err),
      );
    } else {
      this.reply(result);
    }
  }

  private reply(res: unknown): void {
    if (this.done) return;
    const codec = this.route.res;
    if (codec.encodeFramedSliced !== undefined) {
      let later: Promise<Buffer> | undefined;
      try {
        later = codec.encodeFramedSliced(res);
      } catch (err) {
        this.encodeFailed(err);
        return;
      }
      if (later !== undefined) {
        this.watchClose(); // a client gone meanwhile ends the call
        later.then(
          (out) => {
            if (!this.done && this.checkSendSize(out)) this.send(out);
          },
          (err: unknown) => this.encodeFailed(err),
        );
        return;
      }
    }
    const out = this.encode(res);
    if (out === undefined) return;
    this.send(out);
  }

  private send(out: Buffer): void {
    if (this.wire.gone) return this.markDone();
    this.markDone();
    this.headersSent = true;
    this.wire.sendUnary(out);
  }

  private encode(res: unknown): Buffer | undefined {
    let out: Buffer;
    try {
      const codec = this.route.res;
      out = codec.encodeFramed ? codec.encodeFramed(res) : frame(codec.encode(res));
    } catch (err) {
      this.encodeFailed(err);
      return undefined;
    }
    return this.checkSendSize(out) ? out : undefined;
  }

  private encodeFailed(err: unknown): void {
    this.server.logger.error({ err, path: this.metadata[':path'] }, 'grpc: cannot encode response');
    this.fail({ code: GrpcCode.INTERNAL, message: 'grpc: error while marshaling: ' + (err instanceof Error ? err.message : String(err)) });
  }

  /** grpc-go's refusal of a response over the send limit; false when refused (the call has ended). */
  private checkSendSize(out: Buffer): boolean {
    const size = out.length - 5;
    if (size > this.server.maxSendMessageBytes) {
      this.fail({ code: GrpcCode.RESOURCE_EXHAUSTED, message: `grpc: trying to send message larger than max (${size} vs. ${this.server.maxSendMessageBytes})` });
      return false;
    }
    return true;
  }

  // ---- streaming (ServerStream) ----

  onMessage(cb: (req: unknown) => void): void {
    this.messageCb = cb;
    const queued = this.queue;
    if (queued) {
      this.queue = undefined;
      for (const m of queued) {
        if (this.done) break;
        cb(m);
      }
    }
  }

  onEnd(cb: () => void): void {
    this.endCb = cb;
    if (this.clientEnded && !this.done && !this.deframer.partial) cb();
  }

  onClose(cb: () => void): void {
    if (this.closeFired) {
      cb();
      return;
    }
    (this.closeCbs ??= []).push(cb);
  }

  write(res: unknown): void {
    if (this.done) return;
    const out = this.encode(res);
    if (out === undefined) return;
    if (this.wire.gone) return;
    if (!this.headersSent) this.respondWithTrailers();
    if (!this.wire.sendMessage(out)) this.backpressured = true;
  }

  backpressured = false;

  onDrain(cb: () => void): void {
    if (!this.backpressured || this.done) {
      cb();
      return;
    }
    (this.drainCbs ??= []).push(cb);
  }

  /** The stream flushed what was waiting. */
  drained(): void {
    this.backpressured = false;
    const cbs = this.drainCbs;
    this.drainCbs = undefined;
    if (cbs) for (const cb of cbs) cb();
  }

  end(error?: Error): void {
    if (this.done) return;
    if (error !== undefined) {
      this.failWith(error);
      return;
    }
    this.markDone();
    if (!this.wire.gone) {
      if (!this.headersSent) this.respondWithTrailers();
      this.wire.sendTrailers(0, '');
    }
    // The call is over for the handler even if the client keeps its half of the stream open.
    this.fireClose();
  }

  // ---- ending ----

  private failWith(err: unknown): void {
    if (!isStatusError(err)) this.server.logger.error({ err, path: this.metadata[':path'] }, 'grpc: handler failed');
    this.fail(statusOf(err));
  }

  fail(status: GrpcStatus): void {
    if (this.done) return;
    this.markDone();
    if (!this.wire.gone) {
      const message = encodeGrpcMessage(status.message);
      if (!this.headersSent) {
        this.headersSent = true;
        // Trailers-only response: the status travels in the one HEADERS frame.
        this.wire.sendTrailersOnly(status.code, message);
      } else {
        this.wire.sendTrailers(status.code, message);
      }
    }
    this.fireClose();
  }

  private markDone(): void {
    this.done = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private fireClose(): void {
    if (this.closeFired) return;
    this.closeFired = true;
    if (this.drainCbs) this.drained(); // nobody waits for a drain that will never come
    const cbs = this.closeCbs;
    this.closeCbs = undefined;
    if (cbs) for (const cb of cbs) cb();
  }
}

export class GrpcServer implements GrpcRouter, H2Host {
  readonly http2: http2.Http2Server;
  readonly maxReceiveMessageBytes: number;
  readonly maxSendMessageBytes: number;
  readonly logger: Logger;
  private http: HttpHandler | undefined;
  private readonly routes = new Map<string, Route>();
  private readonly services = new Set<string>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** Connections served by our own HTTP/2 transport (./h2/). */
  private readonly connections = new Set<H2Connection>();
  private ownListener: net.Server | undefined;

  constructor(opts: GrpcServerOptions = {}) {
    this.maxReceiveMessageBytes = opts.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_BYTES;
    this.maxSendMessageBytes = opts.maxSendMessageBytes ?? 2 ** 31 - 1;
    this.logger = opts.logger ?? pino({ name: 'dcsgw-grpc', level: process.env['DCSGW_LOG_LEVEL'] ?? 'info' });
    this.http = opts.http;
    this.http2 = http2.createServer({
      // Room for etcd-sized messages in flight on many streams at once.
      maxSessionMemory: 256,
      settings: { maxConcurrentStreams: 2 ** 32 - 1, initialWindowSize: 1 << 20 },
    });
    this.http2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) =>
      this.onStream(stream, headers, rawHeaders),
    );
    this.http2.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.on('error', () => {
        /* connection-level errors end the session; 'close' follows */
      });
      session.on('close', () => this.sessions.delete(session));
      session.on('connect', () => {
        try {
          session.setLocalWindowSize(8 << 20);
        } catch {
          /* session already going */
        }
      });
    });
  }

  /** The handler for HTTP/2 requests that are not gRPC (set later when the HTTP side is built after the server). */
  setHttpHandler(handler: HttpHandler | undefined): void {
    this.http = handler;
  }

  unary<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: UnaryHandler<Req, Res>): void {
    this.add(path, {
      streaming: false,
      req: req as MessageCodec<unknown>,
      res: res as MessageCodec<unknown>,
      unary: handler as UnaryHandler<unknown, unknown>,
      stream: undefined,
    });
  }

  stream<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: StreamHandler<Req, Res>): void {
    this.add(path, {
      streaming: true,
      req: req as MessageCodec<unknown>,
      res: res as MessageCodec<unknown>,
      unary: undefined,
      stream: handler as unknown as StreamHandler<unknown, unknown>,
    });
  }

  private add(path: string, route: Route): void {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
    if (!m) throw new Error(`grpc: bad method path ${path} (want /package.Service/Method)`);
    if (this.routes.has(path)) throw new Error(`grpc: ${path} registered twice`);
    this.routes.set(path, route);
    this.services.add(m[1] as string);
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: string[]): void {
    stream.on('error', onStreamError);
    const ct = headers['content-type'];
    if (typeof ct !== 'string' || !ct.startsWith('application/grpc')) {
      this.onHttp(stream, headers, rawHeaders);
      return;
    }
    const path = headers[':path'] ?? '';
    const route = this.routes.get(path);
    if (route === undefined) {
      this.rejectUnknown(stream, path);
      return;
    }
    const wire = new NodeWire(stream);
    const call = new Call(this, wire, headers as Record<string, string>, route);
    wire.attach(call);
    if (route.streaming) {
      call.watchClose();
      try {
        (route.stream as StreamHandler<unknown, unknown>)(call);
      } catch (err) {
        call.end(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** grpc-go's answers to a path it has no handler for (texts checked against etcd 3.4). */
  private rejectUnknown(stream: http2.ServerHttp2Stream, path: string): void {
    const status = this.unknownMethodStatus(path);
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status.code), 'grpc-message': encodeGrpcMessage(status.message) },
      END_STREAM,
    );
    stream.resume(); // drain whatever request body follows
  }

  /** grpc-go's answers to a path it has no handler for (texts checked against etcd 3.4). */
  unknownMethodStatus(path: string): GrpcStatus {
    let status: GrpcStatus;
    const m = /^\/(.+)\/([^/]*)$/.exec(path);
    if (!m) {
      // grpc-go of etcd 3.4's vintage answers a malformed name with RESOURCE_EXHAUSTED.
      status = { code: GrpcCode.RESOURCE_EXHAUSTED, message: `malformed method name: ${JSON.stringify(path)}` };
    } else if (!this.services.has(m[1] as string)) {
      status = { code: GrpcCode.UNIMPLEMENTED, message: `unknown service ${m[1] as string}` };
    } else {
      status = { code: GrpcCode.UNIMPLEMENTED, message: `unknown method ${m[2] as string} for service ${m[1] as string}` };
    }
    return status;
  }

  /**
   * Serves an HTTP/2 connection with our own transport (./h2/). `socket` starts with the client's
   * preface (bytes already read must have been put back). The connection is tracked for close().
   */
  serveH2(socket: Duplex, peer: ConnectionPeer): H2Connection {
    const conn = new H2Connection(socket, this, peer);
    this.connections.add(conn);
    conn.onClose(() => this.connections.delete(conn));
    return conn;
  }

  /** A request on our own transport (H2Host). */
  onH2Stream(stream: H2Stream): void {
    if (!stream.contentType.startsWith('application/grpc')) {
      this.onH2Http(stream);
      return;
    }
    const route = this.routes.get(stream.path);
    if (route === undefined) {
      const status = this.unknownMethodStatus(stream.path);
      new H2GrpcWire(stream).sendTrailersOnly(status.code, encodeGrpcMessage(status.message));
      return;
    }
    const call = new Call(this, new H2GrpcWire(stream), metadataOf(stream.headers), route);
    stream.sink = call;
    if (route.streaming) {
      try {
        (route.stream as StreamHandler<unknown, unknown>)(call);
      } catch (err) {
        call.end(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  onH2Bug(err: unknown): void {
    this.logger.error({ err }, 'grpc: HTTP/2 connection ended by an exception while serving it');
  }

  private onH2Http(stream: H2Stream): void {
    const handler = this.http;
    if (handler === undefined) {
      stream.respond(415, [['content-type', 'text/plain; charset=utf-8']]);
      stream.end();
      return;
    }
    stream.useCallbacks();
    serveHttpOnH2(stream, handler);
  }

  private onHttp(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: string[]): void {
    const handler = this.http;
    if (handler === undefined) {
      stream.respond({ ':status': 415, 'content-type': 'text/plain; charset=utf-8' });
      stream.end('unsupported content-type\n');
      return;
    }
    // node's own compatibility objects, as http2.createServer(handler) would build them.
    const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
    const res = new http2.Http2ServerResponse(stream);
    handler(req, res);
  }

  /** Listen on its own (HTTP/2 only, no sniffing): tests and gRPC-only endpoints. */
  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    if (grpcTransport() === 'own') {
      const tcp = net.createServer({ noDelay: true }, (socket) => {
        socket.on('error', () => socket.destroy());
        this.serveH2(socket, { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, tlsSocket: undefined });
      });
      this.ownListener = tcp;
      return new Promise((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          resolve(tcp.address() as AddressInfo);
        });
      });
    }
    return new Promise((resolve, reject) => {
      this.http2.once('error', reject);
      this.http2.listen(port, host, () => {
        this.http2.off('error', reject);
        resolve(this.http2.address() as AddressInfo);
      });
    });
  }

  /**
   * Graceful stop: no new connections, GOAWAY to every client (calls in flight may finish), then
   * after `graceMs` whatever is left is cut.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.http2.listening) this.http2.close();
    if (this.ownListener?.listening) this.ownListener.close();
    await Promise.all([closeSessionsGracefully(this.sessions, graceMs), closeConnectionsGracefully(this.connections, graceMs)]);
    this.sessions.clear();
  }
}

export { GrpcStatusError };
