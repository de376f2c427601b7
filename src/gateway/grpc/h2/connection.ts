// One HTTP/2 connection of our own transport (server side): the preface, SETTINGS both ways, the
// stream table and its id rules, flow control both ways, GOAWAY/RST_STREAM for protocol errors,
// graceful close. Output is collected and written once per turn of the event loop (HEADERS, DATA
// and trailers of an answer, and the answers of every request of one socket read, go out in one
// write), which node:http2 cannot do.
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { HeaderListTooLargeError, HpackDecoder } from './hpack-decoder.js';
import { encodeHeaders } from './hpack-encoder.js';
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ErrorCode,
  FRAME_HEADER_LENGTH,
  Flag,
  FrameType,
  MAX_ALLOWED_FRAME_SIZE,
  MAX_WINDOW,
  Setting,
} from './frame-constants.js';
import { FrameReader, type FrameHandler } from './frame-reader.js';
import {
  SETTINGS_ACK,
  frameHeader,
  frameWith,
  goawayFrame,
  headersFrames,
  pingAck,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
  writeFrameHeader,
} from './frame-writer.js';
import { H2Stream } from './stream.js';

/** Who serves the streams of a connection (the gRPC server). */
export interface H2Host {
  /** A request's headers are complete: attach a sink (`stream.sink`) or answer at once. */
  onH2Stream(stream: H2Stream): void;
  /** An exception escaped the code serving a stream (a bug): logged, the connection ends. */
  onH2Bug(err: unknown): void;
}

/** Our receive windows: generous, so a 2 MiB request never waits for a WINDOW_UPDATE round trip. */
const STREAM_RECEIVE_WINDOW = 1 << 20;
const CONNECTION_RECEIVE_WINDOW = 16 << 20;
/** Window given back once this much of it has been used. */
const STREAM_UPDATE_AT = STREAM_RECEIVE_WINDOW / 4;
const CONNECTION_UPDATE_AT = CONNECTION_RECEIVE_WINDOW / 4;
/** The largest frame we accept (we advertise the default). */
const OUR_MAX_FRAME_SIZE = DEFAULT_MAX_FRAME_SIZE;
/** A header block (HEADERS + CONTINUATION) larger than this ends the connection (CONTINUATION floods). */
const MAX_HEADER_BLOCK = 256 * 1024;
/** Output bytes buffered for the socket beyond which writers are told to hold back. */
const SOCKET_HIGH_WATER = 256 * 1024;
/** Output below this size is joined into one Buffer before writing. */
const JOIN_BELOW = 64 * 1024;

const OUR_SETTINGS = settingsFrame([
  [Setting.MAX_CONCURRENT_STREAMS, 0xffffffff],
  [Setting.INITIAL_WINDOW_SIZE, STREAM_RECEIVE_WINDOW],
  [Setting.MAX_FRAME_SIZE, OUR_MAX_FRAME_SIZE],
]);
const HEADERS_TOO_LARGE = encodeHeaders([[':status', '431']]);
const OUR_CONNECTION_WINDOW = windowUpdateFrame(0, CONNECTION_RECEIVE_WINDOW - DEFAULT_WINDOW);

export interface ConnectionPeer {
  remoteAddress: string;
  remotePort: number;
  tlsSocket: TLSSocket | undefined;
}

function flushConnection(conn: H2Connection): void {
  conn.flush();
}

function drainLater(conn: H2Connection, stream: H2Stream): void {
  conn.drainIfClear(stream);
}

export class H2Connection implements FrameHandler {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly tlsSocket: TLSSocket | undefined;
  /** The peer's SETTINGS_INITIAL_WINDOW_SIZE: each new stream's send window. */
  peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** The peer's connection window: bytes of DATA we may still send on all streams together. */
  private sendWindow = DEFAULT_WINDOW;
  private recvUnacked = 0;
  private readonly streams = new Map<number, H2Stream>();
  /** Streams with bytes queued while the connection window was the limit. */
  private readonly blocked = new Set<H2Stream>();
  /** Streams whose writer waits for the socket to take our output. */
  private readonly socketWaiters = new Set<H2Stream>();
  private lastStreamId = 0;
  private readonly decoder = new HpackDecoder(4096);
  private readonly reader: FrameReader;
  private prefaceSeen = 0;
  /** A header block in progress (HEADERS without END_HEADERS, then CONTINUATION). */
  private continuing: { id: number; flags: number; parts: Buffer[]; size: number } | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private writeBlocked = false;
  /** We sent GOAWAY: streams above `goawayLastId` are not served. */
  private goawaySent = false;
  private goawayLastId = 0;
  private peerGoaway = false;
  private dead = false;
  private readonly closeCbs: (() => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    private readonly host: H2Host,
    peer: ConnectionPeer,
  ) {
    this.remoteAddress = peer.remoteAddress;
    this.remotePort = peer.remotePort;
    this.tlsSocket = peer.tlsSocket;
    this.reader = new FrameReader(this, OUR_MAX_FRAME_SIZE);
    this.push(OUR_SETTINGS);
    this.push(OUR_CONNECTION_WINDOW);
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('drain', () => this.onSocketDrain());
    socket.on('end', () => this.onPeerEnd());
    socket.on('close', () => this.onSocketClosed());
    socket.on('error', () => socket.destroy());
  }

  get socketBusy(): boolean {
    return this.writeBlocked || this.outBytes > SOCKET_HIGH_WATER;
  }

  get closed(): boolean {
    return this.dead;
  }

  /** Runs once when the connection is gone. */
  onClose(cb: () => void): void {
    if (this.dead) cb();
    else this.closeCbs.push(cb);
  }

  // ---- reading ----

  /** Bytes read from the socket before the connection took it over (the sniffed preface). */
  feed(chunk: Buffer): void {
    this.onBytes(chunk);
  }

  private onBytes(chunk: Buffer): void {
    if (this.dead) return;
    if (this.prefaceSeen < CLIENT_PREFACE.length) {
      const need = CLIENT_PREFACE.length - this.prefaceSeen;
      const take = Math.min(need, chunk.length);
      if (!chunk.subarray(0, take).equals(CLIENT_PREFACE.subarray(this.prefaceSeen, this.prefaceSeen + take))) {
        this.connectionError(ErrorCode.PROTOCOL_ERROR, 'invalid connection preface');
        return;
      }
      this.prefaceSeen += take;
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.host.onH2Bug(err);
      // A bug in the code serving a stream must not take the process down with it: this
      // connection ends (INTERNAL_ERROR), the others go on.
      this.connectionError(ErrorCode.INTERNAL_ERROR, err instanceof Error ? err.message : String(err));
    }
  }

  onOversizedFrame(_type: number, _streamId: number, length: number): void {
    this.connectionError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes exceeds SETTINGS_MAX_FRAME_SIZE`);
  }

  onFrame(type: number, flags: number, id: number, payload: Buffer): boolean {
    if (this.dead) return false;
    if (this.continuing !== undefined && type !== FrameType.CONTINUATION) {
      return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'expected CONTINUATION');
    }
    switch (type) {
      case FrameType.DATA:
        return this.onData(flags, id, payload);
      case FrameType.HEADERS:
        return this.onHeaders(flags, id, payload);
      case FrameType.PRIORITY:
        if (id === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
        if (payload.length !== 5) return this.streamError(id, ErrorCode.FRAME_SIZE_ERROR);
        return true;
      case FrameType.RST_STREAM:
        return this.onRstStream(id, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, id, payload);
      case FrameType.PUSH_PROMISE:
        return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      case FrameType.PING:
        if (id !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
        if (payload.length !== 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'PING length');
        if ((flags & Flag.ACK) === 0) this.push(pingAck(payload));
        return true;
      case FrameType.GOAWAY:
        if (id !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
        if (payload.length < 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY length');
        this.peerGoaway = true;
        this.endIfIdle();
        return true;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(id, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, id, payload);
      default:
        return true; // unknown frame types are ignored (RFC 9113 §4.1)
    }
  }

  private onData(flags: number, id: number, payload: Buffer): boolean {
    if (id === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    const counted = payload.length;
    let body = payload;
    if ((flags & Flag.PADDED) !== 0) {
      if (payload.length < 1) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'DATA padding');
      const pad = payload[0] as number;
      if (pad >= payload.length) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA padding exceeds payload');
      body = payload.subarray(1, payload.length - pad);
    }
    this.recvUnacked += counted;
    if (this.recvUnacked >= CONNECTION_UPDATE_AT) {
      this.push(windowUpdateFrame(0, this.recvUnacked));
      this.recvUnacked = 0;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (id > this.lastStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on an idle stream');
      return true; // a stream we closed or reset: late bytes are dropped
    }
    if (stream.remoteEnded) return this.streamError(id, ErrorCode.STREAM_CLOSED);
    if ((flags & Flag.END_STREAM) === 0) {
      stream.recvUnacked += counted;
      if (stream.recvUnacked >= STREAM_UPDATE_AT) {
        this.push(windowUpdateFrame(id, stream.recvUnacked));
        stream.recvUnacked = 0;
      }
    }
    // Marked ended before the bytes go up: an answer given while they are handled then needs no
    // RST_STREAM to stop a request that is already complete.
    const ending = (flags & Flag.END_STREAM) !== 0;
    if (ending) stream.remoteEnded = true;
    if (body.length > 0) stream.sink?.onData(body);
    if (ending && !stream.closed) this.remoteEnd(stream);
    return !this.dead;
  }

  private onHeaders(flags: number, id: number, payload: Buffer): boolean {
    if (id === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
    let start = 0;
    let end = payload.length;
    if ((flags & Flag.PADDED) !== 0) {
      if (payload.length < 1) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS padding');
      start = 1;
      end -= payload[0] as number;
    }
    if ((flags & Flag.PRIORITY) !== 0) start += 5;
    if (end < start) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS padding exceeds payload');
    const fragment = payload.subarray(start, end);
    if ((flags & Flag.END_HEADERS) === 0) {
      this.continuing = { id, flags, parts: [Buffer.from(fragment)], size: fragment.length };
      return true;
    }
    return this.onHeaderBlock(id, flags, fragment);
  }

  private onContinuation(flags: number, id: number, payload: Buffer): boolean {
    const c = this.continuing;
    if (c === undefined || c.id !== id) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'unexpected CONTINUATION');
    c.size += payload.length;
    if (c.size > MAX_HEADER_BLOCK) return this.connectionError(ErrorCode.ENHANCE_YOUR_CALM, 'header block too large');
    c.parts.push(Buffer.from(payload));
    if ((flags & Flag.END_HEADERS) === 0) return true;
    this.continuing = undefined;
    return this.onHeaderBlock(id, c.flags, Buffer.concat(c.parts));
  }

  private onHeaderBlock(id: number, flags: number, block: Buffer): boolean {
    let fields: Array<[string, string]>;
    try {
      fields = this.decoder.decode(block);
    } catch (err) {
      if (err instanceof HeaderListTooLargeError) {
        // The table is still in step: only this request is refused (RFC 9113 §10.5.1: 431), the
        // connection goes on.
        if ((id & 1) === 0 || id <= this.lastStreamId) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
        this.lastStreamId = id;
        this.push(headersFrames(id, HEADERS_TOO_LARGE, true, this.peerMaxFrameSize));
        if ((flags & Flag.END_STREAM) === 0) this.push(rstStreamFrame(id, ErrorCode.NO_ERROR));
        return true;
      }
      return this.connectionError(ErrorCode.COMPRESSION_ERROR, 'header block cannot be decoded');
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const existing = this.streams.get(id);
    if (existing !== undefined) {
      // Trailers from the client: they must end its side.
      if (existing.remoteEnded) return this.streamError(id, ErrorCode.STREAM_CLOSED);
      if (!endStream) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
      this.remoteEnd(existing);
      return !this.dead;
    }
    if ((id & 1) === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'stream id must be odd');
    if (id <= this.lastStreamId) return true; // a stream already closed or reset: ignored
    this.lastStreamId = id;
    if (this.goawaySent || this.peerGoaway) {
      // Not served: the client retries it elsewhere (REFUSED_STREAM says nothing was processed).
      this.push(rstStreamFrame(id, ErrorCode.REFUSED_STREAM));
      return true;
    }
    let method = '';
    let path = '';
    let authority = '';
    let contentType = '';
    let regular = false;
    for (const [name, value] of fields) {
      if (name.charCodeAt(0) === 0x3a) {
        // Pseudo-headers: before the regular ones, only the request ones.
        if (regular) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
        if (name === ':method') method = value;
        else if (name === ':path') path = value;
        else if (name === ':authority') authority = value;
        else if (name !== ':scheme' && name !== ':protocol') return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
      } else {
        regular = true;
        if (name === 'content-type') contentType = value;
        else if (name === 'connection' || (name === 'te' && value !== 'trailers')) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
        else if (hasUpperCase(name)) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
      }
    }
    if (method === '' || (path === '' && method !== 'CONNECT')) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
    const stream = new H2Stream(this, id, fields, method, path, authority, contentType);
    this.streams.set(id, stream);
    if (endStream) stream.remoteEnded = true;
    this.host.onH2Stream(stream);
    if (endStream && !stream.closed) stream.sink?.onClientEnd();
    return !this.dead;
  }

  private remoteEnd(stream: H2Stream): void {
    stream.remoteEnded = true;
    if (stream.localEnded && stream.queuedBytes === 0 && !stream.endPending) {
      this.closeStream(stream);
      return;
    }
    stream.sink?.onClientEnd();
  }

  private onRstStream(id: number, payload: Buffer): boolean {
    if (id === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (payload.length !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM length');
    if (id > this.lastStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on an idle stream');
    const stream = this.streams.get(id);
    if (stream !== undefined) this.closeStream(stream);
    return true;
  }

  private onSettings(flags: number, id: number, payload: Buffer): boolean {
    if (id !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if ((flags & Flag.ACK) !== 0) {
      if (payload.length !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ack with payload');
      return true;
    }
    if (payload.length % 6 !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS length');
    for (let at = 0; at < payload.length; at += 6) {
      const key = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      switch (key) {
        case Setting.ENABLE_PUSH:
          if (value > 1) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_ENABLE_PUSH');
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'SETTINGS_INITIAL_WINDOW_SIZE');
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'stream window overflow');
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE) {
            return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_MAX_FRAME_SIZE');
          }
          this.peerMaxFrameSize = value;
          break;
        default:
          // HEADER_TABLE_SIZE: our encoder never inserts into the dynamic table, any size suits it.
          // MAX_CONCURRENT_STREAMS: we push nothing. MAX_HEADER_LIST_SIZE: advisory. Unknown: ignored.
          break;
      }
    }
    this.push(SETTINGS_ACK);
    for (const s of [...this.streams.values()]) if (s.queuedBytes > 0 || s.endPending) this.pump(s);
    return !this.dead;
  }

  private onWindowUpdate(id: number, payload: Buffer): boolean {
    if (payload.length !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE length');
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (id === 0) {
      if (increment === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window overflow');
      if (this.blocked.size > 0) {
        const waiting = [...this.blocked];
        this.blocked.clear();
        for (const s of waiting) {
          if (this.sendWindow <= 0) {
            this.blocked.add(s);
            continue;
          }
          this.pump(s);
        }
      }
      return true;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (id > this.lastStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE on an idle stream');
      return true;
    }
    if (increment === 0) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) return this.streamError(id, ErrorCode.FLOW_CONTROL_ERROR);
    this.pump(stream);
    return true;
  }

  // ---- sending (called by streams and the gRPC layer) ----

  /** A response header block built by the caller (pre-encoded constants on the hot path). */
  sendHeaderBlock(stream: H2Stream, block: Buffer, endStream: boolean): void {
    if (stream.closed || this.dead) return;
    stream.headersSent = true;
    this.push(headersFrames(stream.id, block, endStream, this.peerMaxFrameSize));
    if (endStream) this.localEnd(stream);
  }

  sendHeaderList(stream: H2Stream, fields: ReadonlyArray<readonly [string, string]>, endStream: boolean): void {
    this.sendHeaderBlock(stream, encodeHeaders(fields as Array<[string, string]>), endStream);
  }

  sendTrailerList(stream: H2Stream, fields: ReadonlyArray<readonly [string, string]>): void {
    this.sendTrailerBlock(stream, encodeHeaders(fields as Array<[string, string]>));
  }

  /** Trailers end the stream; they wait behind queued DATA. */
  sendTrailerBlock(stream: H2Stream, block: Buffer): void {
    if (stream.closed || this.dead || stream.localEnded) return;
    if (stream.queuedBytes > 0) {
      stream.endPending = true;
      stream.endTrailers = block;
      stream.localEnded = true;
      return;
    }
    stream.localEnded = true;
    this.push(headersFrames(stream.id, block, true, this.peerMaxFrameSize));
    this.finishLocal(stream);
  }

  /**
   * Response bytes, flow-controlled: what the windows allow goes out now, the rest waits for
   * WINDOW_UPDATE. With `endStream` the last frame carries END_STREAM. False when bytes had to wait
   * or the socket is backed up (the writer should hold back until drained).
   */
  sendData(stream: H2Stream, data: Buffer, endStream: boolean): boolean {
    if (stream.closed || this.dead || stream.localEnded) return false;
    if (data.length > 0) {
      stream.queue.push(data);
      stream.queuedBytes += data.length;
    }
    if (endStream) {
      stream.endPending = true;
      stream.localEnded = true;
    }
    this.pump(stream, true);
    if (stream.closed) return true;
    if (stream.queuedBytes > 0 || this.socketBusy) {
      stream.wantDrain = true;
      if (stream.queuedBytes === 0) this.socketWaiters.add(stream);
      return false;
    }
    // A writer still waiting from an earlier write hears of it after this call, never inside it.
    if (stream.wantDrain) process.nextTick(drainLater, this, stream);
    return true;
  }

  /** Tells a stream's writer that nothing waits any more, if that is still so. */
  drainIfClear(stream: H2Stream): void {
    if (stream.closed || !stream.wantDrain || stream.queuedBytes > 0) return;
    if (this.socketBusy) this.socketWaiters.add(stream);
    else this.drainStream(stream);
  }

  /**
   * A whole unary answer: HEADERS, the message and the trailers, built as one Buffer when the
   * windows allow it all (the common case), else through the flow-controlled path.
   */
  sendAnswer(stream: H2Stream, headers: Buffer, message: Buffer, trailers: Buffer): void {
    if (stream.closed || this.dead) return;
    const len = message.length;
    if (
      len <= this.peerMaxFrameSize &&
      len <= this.sendWindow &&
      len <= stream.sendWindow &&
      headers.length <= this.peerMaxFrameSize &&
      trailers.length <= this.peerMaxFrameSize
    ) {
      const out = Buffer.allocUnsafe(3 * FRAME_HEADER_LENGTH + headers.length + len + trailers.length);
      let at = 0;
      writeFrameHeader(out, at, headers.length, FrameType.HEADERS, Flag.END_HEADERS, stream.id);
      at += FRAME_HEADER_LENGTH;
      at += headers.copy(out, at);
      writeFrameHeader(out, at, len, FrameType.DATA, 0, stream.id);
      at += FRAME_HEADER_LENGTH;
      at += message.copy(out, at);
      writeFrameHeader(out, at, trailers.length, FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, stream.id);
      at += FRAME_HEADER_LENGTH;
      trailers.copy(out, at);
      this.sendWindow -= len;
      stream.sendWindow -= len;
      stream.headersSent = true;
      stream.localEnded = true;
      this.push(out);
      this.finishLocal(stream);
      return;
    }
    this.sendHeaderBlock(stream, headers, false);
    this.sendData(stream, message, false);
    this.sendTrailerBlock(stream, trailers);
  }

  /** Sends what the windows allow of a stream's queue; END_STREAM/trailers once it is empty. */
  /** `fromWrite`: called by sendData, which tells the writer itself (no drain callback inside a write). */
  private pump(stream: H2Stream, fromWrite = false): void {
    if (stream.closed) return;
    while (stream.queuedBytes > 0) {
      const room = Math.min(stream.sendWindow, this.sendWindow, this.peerMaxFrameSize);
      if (room <= 0) {
        if (this.sendWindow <= 0) this.blocked.add(stream);
        return;
      }
      const head = stream.queue[0] as Buffer;
      const take = Math.min(room, head.length);
      const piece = take === head.length ? head : head.subarray(0, take);
      if (take === head.length) stream.queue.shift();
      else stream.queue[0] = head.subarray(take);
      stream.queuedBytes -= take;
      stream.sendWindow -= take;
      this.sendWindow -= take;
      const last = stream.queuedBytes === 0 && stream.endPending && stream.endTrailers === undefined;
      // a small piece is copied behind its header (one buffer); a large one is written as it is
      if (take <= 1024) this.push(frameWith(FrameType.DATA, last ? Flag.END_STREAM : 0, stream.id, piece));
      else {
        this.push(frameHeader(take, FrameType.DATA, last ? Flag.END_STREAM : 0, stream.id));
        this.push(piece);
      }
      if (last) {
        stream.endPending = false;
        this.finishLocal(stream);
        return;
      }
    }
    if (stream.endPending) {
      stream.endPending = false;
      const trailers = stream.endTrailers;
      stream.endTrailers = undefined;
      if (trailers !== undefined) this.push(headersFrames(stream.id, trailers, true, this.peerMaxFrameSize));
      else this.push(frameHeader(0, FrameType.DATA, Flag.END_STREAM, stream.id));
      this.finishLocal(stream);
      return;
    }
    if (stream.wantDrain && !fromWrite) {
      if (this.socketBusy) this.socketWaiters.add(stream);
      else this.drainStream(stream);
    }
  }

  private localEnd(stream: H2Stream): void {
    stream.localEnded = true;
    this.finishLocal(stream);
  }

  /** Our END_STREAM is on the wire: the stream is done, or waits for the client's end. */
  private finishLocal(stream: H2Stream): void {
    if (!stream.remoteEnded) {
      // The answer is complete: the rest of the request is not wanted (grpc-go does the same).
      this.push(rstStreamFrame(stream.id, ErrorCode.NO_ERROR));
    }
    this.closeStream(stream);
  }

  private drainStream(stream: H2Stream): void {
    if (!stream.wantDrain) return;
    stream.wantDrain = false;
    stream.sink?.drained();
  }

  waitForSocketDrain(stream: H2Stream): void {
    this.socketWaiters.add(stream);
  }

  /** RST_STREAM from our side (the serving code gives up on a stream). */
  resetStream(stream: H2Stream, code: ErrorCode): void {
    if (stream.closed || this.dead) return;
    this.push(rstStreamFrame(stream.id, code));
    this.closeStream(stream);
  }

  private closeStream(stream: H2Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.queue.length = 0;
    stream.queuedBytes = 0;
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    this.socketWaiters.delete(stream);
    stream.wantDrain = false;
    stream.sink?.onStreamClosed();
    this.endIfIdle();
  }

  private streamError(id: number, code: ErrorCode): boolean {
    this.push(rstStreamFrame(id, code));
    const stream = this.streams.get(id);
    if (stream !== undefined) this.closeStream(stream);
    return !this.dead;
  }

  /** A connection error: GOAWAY with the code, then the connection ends. Returns false (stop reading). */
  private connectionError(code: ErrorCode, debug: string): false {
    if (this.dead) return false;
    this.reader.stopped = true;
    this.continuing = undefined;
    this.push(goawayFrame(this.lastStreamId, code, debug));
    this.goawaySent = true;
    this.flush();
    this.socket.end();
    // A peer that never closes its side must not keep the socket.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.shutStreams();
    return false;
  }

  // ---- closing ----

  /** Graceful close: GOAWAY, streams in flight may finish, then the connection ends. */
  close(): void {
    if (this.dead) return;
    if (!this.goawaySent) {
      this.goawaySent = true;
      this.goawayLastId = this.lastStreamId;
      this.push(goawayFrame(this.goawayLastId, ErrorCode.NO_ERROR));
    }
    this.endIfIdle();
  }

  destroy(): void {
    this.socket.destroy();
    this.shutStreams();
  }

  private endIfIdle(): void {
    if ((this.goawaySent || this.peerGoaway) && this.streams.size === 0 && !this.dead) {
      this.flush();
      this.socket.end();
    }
  }

  private onPeerEnd(): void {
    // The client closed its side: nothing more can be asked; answers still in flight go out.
    if (this.streams.size === 0) this.socket.end();
  }

  private onSocketClosed(): void {
    this.shutStreams();
  }

  private shutStreams(): void {
    if (this.dead) return;
    this.dead = true;
    const streams = [...this.streams.values()];
    for (const s of streams) this.closeStream(s);
    this.out = [];
    this.outBytes = 0;
    for (const cb of this.closeCbs.splice(0)) cb();
  }

  // ---- output ----

  private push(buf: Buffer): void {
    if (this.dead) return;
    this.out.push(buf);
    this.outBytes += buf.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushConnection, this);
    }
  }

  flush(): void {
    this.flushScheduled = false;
    const out = this.out;
    if (out.length === 0 || this.socket.destroyed) return;
    const total = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    let ok: boolean;
    if (out.length === 1) ok = this.socket.write(out[0] as Buffer);
    else if (total < JOIN_BELOW) ok = this.socket.write(Buffer.concat(out, total));
    else {
      this.socket.cork();
      for (const b of out) this.socket.write(b);
      this.socket.uncork();
      ok = !this.socket.writableNeedDrain;
    }
    if (!ok) this.writeBlocked = true;
    else if (this.socketWaiters.size > 0) this.wakeSocketWaiters();
  }

  private onSocketDrain(): void {
    this.writeBlocked = false;
    if (this.socketWaiters.size > 0 && !this.socketBusy) this.wakeSocketWaiters();
  }

  private wakeSocketWaiters(): void {
    const waiting = [...this.socketWaiters];
    this.socketWaiters.clear();
    for (const s of waiting) if (s.queuedBytes === 0) this.drainStream(s);
  }
}

function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}
