// One HTTP/2 stream (one request and its response) of our own transport: its state, its send
// window and the response bytes waiting for the peer's window. Frames are built and counted by the
// connection (./connection.ts); the stream only knows what it still owes the peer.
import type { TLSSocket } from 'node:tls';
import type { H2Connection } from './connection.js';
import { ErrorCode } from './frame-constants.js';
import type { H2RequestStream } from './request-stream.js';
import type { StreamSink } from './stream-sink.js';

/** The callbacks of H2RequestStream, kept until the shim registers them (bytes that came first wait here). */
class CallbackSink implements StreamSink {
  dataCb: ((chunk: Buffer) => void) | undefined;
  endCb: (() => void) | undefined;
  closeCbs: (() => void)[] = [];
  drainCbs: (() => void)[] = [];
  early: Buffer[] = [];
  ended = false;
  closed = false;

  onData(chunk: Buffer): void {
    if (this.dataCb) this.dataCb(chunk);
    else this.early.push(chunk);
  }
  onClientEnd(): void {
    this.ended = true;
    if (this.dataCb || this.early.length === 0) this.endCb?.();
  }
  onStreamClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.drained();
    for (const cb of this.closeCbs.splice(0)) cb();
  }
  drained(): void {
    for (const cb of this.drainCbs.splice(0)) cb();
  }
}

export class H2Stream implements H2RequestStream {
  sink: StreamSink | undefined;
  /** The client sent END_STREAM. */
  remoteEnded = false;
  /** Our END_STREAM is on the wire (or queued behind data: `endPending`). */
  localEnded = false;
  closed = false;
  headersSent = false;
  /** Bytes we may still send on this stream (the peer's stream window). */
  sendWindow: number;
  /** Response payload waiting for window, oldest first. */
  queue: Buffer[] = [];
  queuedBytes = 0;
  /** end() came while bytes were queued: END_STREAM (with these trailer frames, if any) follows them. */
  endPending = false;
  endTrailers: Buffer | undefined;
  /** A write returned false: tell the sink once everything is out. */
  wantDrain = false;
  /** Received bytes not yet given back with WINDOW_UPDATE. */
  recvUnacked = 0;
  private callbacks: CallbackSink | undefined;

  constructor(
    readonly conn: H2Connection,
    readonly id: number,
    readonly headers: ReadonlyArray<readonly [string, string]>,
    readonly method: string,
    readonly path: string,
    readonly authority: string,
    readonly contentType: string,
  ) {
    this.sendWindow = conn.peerInitialWindow;
  }

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }
  get remotePort(): number {
    return this.conn.remotePort;
  }
  get tlsSocket(): TLSSocket | undefined {
    return this.conn.tlsSocket;
  }

  // ---- H2RequestStream (the HTTP shim) ----

  /**
   * From now on what arrives is kept for the H2RequestStream callbacks, even before they are set
   * (the transport calls this before handing the stream to the HTTP shim).
   */
  useCallbacks(): void {
    this.cbs();
  }

  private cbs(): CallbackSink {
    if (!this.callbacks) {
      this.callbacks = new CallbackSink();
      this.callbacks.ended = this.remoteEnded;
      this.callbacks.closed = this.closed;
      this.sink = this.callbacks;
    }
    return this.callbacks;
  }

  onData(cb: (chunk: Buffer) => void): void {
    const s = this.cbs();
    s.dataCb = cb;
    const early = s.early.splice(0);
    for (const c of early) cb(c);
    if (s.ended && early.length > 0) s.endCb?.();
  }
  onEnd(cb: () => void): void {
    const s = this.cbs();
    s.endCb = cb;
    if (s.ended && (s.dataCb || s.early.length === 0)) cb();
  }
  onClose(cb: () => void): void {
    const s = this.cbs();
    if (s.closed || this.closed) cb();
    else s.closeCbs.push(cb);
  }
  onDrain(cb: () => void): void {
    const s = this.cbs();
    if (this.closed || (this.queuedBytes === 0 && !this.conn.socketBusy)) cb();
    else {
      this.wantDrain = true;
      s.drainCbs.push(cb);
      if (this.queuedBytes === 0) this.conn.waitForSocketDrain(this);
    }
  }
  respond(status: number, headers: ReadonlyArray<readonly [string, string]>, endStream = false): void {
    if (this.closed || this.headersSent) return;
    this.conn.sendHeaderList(this, [[':status', String(status)], ...headers], endStream);
  }
  write(chunk: Buffer, cb?: () => void): boolean {
    if (this.closed || this.localEnded) {
      if (cb) process.nextTick(cb);
      return false;
    }
    const ok = this.conn.sendData(this, chunk, false);
    if (cb) {
      // As node's streams do: never inside the write; a chunk that waits for the peer's window
      // calls back once it (and everything before it) has gone out, or the stream is gone.
      if (ok || this.closed) process.nextTick(cb);
      else this.cbs().drainCbs.push(cb);
    }
    return ok;
  }
  end(trailers?: ReadonlyArray<readonly [string, string]>): void {
    if (this.closed || this.localEnded) return;
    if (trailers && trailers.length > 0) this.conn.sendTrailerList(this, trailers);
    else this.conn.sendData(this, Buffer.alloc(0), true);
  }
  reset(code: number): void {
    this.conn.resetStream(this, code as ErrorCode);
  }
}
