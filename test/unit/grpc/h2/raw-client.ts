// A scripted HTTP/2 client for the transport's edge cases: it writes exactly the bytes a test
// gives it and collects the frames the server answers with (header blocks decoded).
import net from 'node:net';
import { HpackDecoder } from '../../../../src/gateway/grpc/h2/hpack-decoder.js';
import { encodeHeaders } from '../../../../src/gateway/grpc/h2/hpack-encoder.js';
import { waitFor } from '../../../support/wait.js';

import { CLIENT_PREFACE as PREFACE, frame } from '../raw-h2.js';

export { PREFACE, frame };
export const T = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const F = { END_STREAM: 1, ACK: 1, END_HEADERS: 4, PADDED: 8, PRIORITY: 0x20 } as const;


export function settings(pairs: Array<[number, number]>): Buffer {
  const p = Buffer.alloc(6 * pairs.length);
  pairs.forEach(([k, v], i) => {
    p.writeUInt16BE(k, 6 * i);
    p.writeUInt32BE(v, 6 * i + 2);
  });
  return frame(T.SETTINGS, 0, 0, p);
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A gRPC request's header block. */
export function grpcRequestBlock(path: string, extra: Array<[string, string]> = []): Buffer {
  return encodeHeaders([
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...extra,
  ]);
}

/** A length-prefixed gRPC message. */
export function grpcMessage(payload: Buffer): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
  /** Decoded header list (HEADERS/CONTINUATION with END_HEADERS). */
  headers?: Array<[string, string]>;
}

export class RawClient {
  readonly frames: Frame[] = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private readonly decoder = new HpackDecoder(4096);
  private block: Buffer[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Preface and an empty SETTINGS (or the given one). */
  start(firstSettings: Buffer = settings([])): void {
    this.write(Buffer.concat([PREFACE, firstSettings]));
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + len) break;
      const f: Frame = { type: this.buf[3] as number, flags: this.buf[4] as number, stream: this.buf.readUInt32BE(5) & 0x7fffffff, payload: this.buf.subarray(9, 9 + len) };
      this.buf = this.buf.subarray(9 + len);
      if (f.type === T.HEADERS || f.type === T.CONTINUATION) {
        this.block.push(f.payload);
        if ((f.flags & F.END_HEADERS) !== 0) {
          f.headers = this.decoder.decode(Buffer.concat(this.block));
          this.block = [];
        }
      }
      this.frames.push(f);
    }
  }

  async next(pred: (f: Frame) => boolean, what = 'frame'): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(() => (found = this.frames.find(pred)) !== undefined, { timeoutMs: 5000, what });
    return found as Frame;
  }

  async goaway(): Promise<{ lastStreamId: number; code: number }> {
    const f = await this.next((x) => x.type === T.GOAWAY, 'GOAWAY');
    return { lastStreamId: f.payload.readUInt32BE(0), code: f.payload.readUInt32BE(4) };
  }

  async trailers(stream: number): Promise<Record<string, string>> {
    const f = await this.next((x) => x.stream === stream && x.headers !== undefined && (x.flags & F.END_STREAM) !== 0, `trailers of stream ${stream}`);
    return Object.fromEntries(f.headers as Array<[string, string]>);
  }

  dataBytes(stream: number): number {
    return this.frames.filter((f) => f.type === T.DATA && f.stream === stream).reduce((n, f) => n + f.payload.length, 0);
  }

  close(): void {
    this.socket.destroy();
  }
}
