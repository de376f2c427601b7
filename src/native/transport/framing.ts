// Frames on a peer connection: [u32 payload length][u8 kind][payload]. The reader reassembles
// frames across TCP chunks without copying until a whole frame is there.

export const FrameKind = {
  /** A batch of raft messages (codec.encodeBatch). */
  Messages: 1,
  /** A peer request: u32 request id, u16 route length, route, body. */
  Request: 2,
  /** The answer: u32 request id, u8 ok (1) / error (0), body (error: JSON {code?, message}). */
  Response: 3,
  /** A single MsgSnap on a snapshot connection (codec.encodeBatch of one message). */
  Snapshot: 4,
  /** The receiver's verdict on a snapshot: u8 0 = applied to raft, 1 = failed. */
  SnapshotAck: 5,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/**
 * Frames above this are refused. The reader never allocates ahead of the bytes that arrived, so a
 * corrupt length costs no memory by itself; the cap is u32's range, which snapshots use fully.
 */
export const MAX_FRAME_BYTES = 0xffff_ffff;

export const FRAME_HEADER_BYTES = 5;

export function frameHeader(kind: FrameKind, payloadLength: number): Buffer {
  const h = Buffer.allocUnsafe(5);
  h.writeUInt32BE(payloadLength, 0);
  h[4] = kind;
  return h;
}

/** Writes the header of a frame into the first FRAME_HEADER_BYTES of `buf`, whose rest is the payload. */
export function fillFrameHeader(buf: Buffer, kind: FrameKind): Buffer {
  buf.writeUInt32BE(buf.length - FRAME_HEADER_BYTES, 0);
  buf[4] = kind;
  return buf;
}

export function frame(kind: FrameKind, payload: Buffer): Buffer {
  return Buffer.concat([frameHeader(kind, payload.length), payload]);
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly onFrame: (kind: FrameKind, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 5) return;
      const head = this.peek(5);
      const len = head.readUInt32BE(0);
      if (len > MAX_FRAME_BYTES) throw new Error(`peer wire: frame of ${len} bytes refused`);
      if (this.buffered < 5 + len) return;
      const whole = this.take(5 + len);
      this.onFrame(whole[4] as FrameKind, whole.subarray(5));
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const joined = Buffer.concat(this.chunks);
      out = joined.subarray(0, n);
      this.chunks = joined.length > n ? [joined.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
