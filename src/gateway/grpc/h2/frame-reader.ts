// Cuts the byte stream of a connection into HTTP/2 frames (after the preface). Frames wholly inside
// one chunk are handed out as views of it (no copy); a frame split across chunks is assembled.
import { FRAME_HEADER_LENGTH } from './frame-constants.js';

export interface FrameHandler {
  /** One frame. Return false to stop reading (the connection is failing). */
  onFrame(type: number, flags: number, streamId: number, payload: Buffer): boolean;
  /** A frame header announced more than we allow (SETTINGS_MAX_FRAME_SIZE we advertised). */
  onOversizedFrame(type: number, streamId: number, length: number): void;
}

export class FrameReader {
  private pending: Buffer | null = null;
  stopped = false;

  constructor(
    private readonly handler: FrameHandler,
    private readonly maxFrameSize: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    const n = buf.length;
    while (n - pos >= FRAME_HEADER_LENGTH) {
      const length = ((buf[pos] as number) << 16) | ((buf[pos + 1] as number) << 8) | (buf[pos + 2] as number);
      const type = buf[pos + 3] as number;
      const streamId = buf.readUInt32BE(pos + 5) & 0x7fffffff;
      if (length > this.maxFrameSize) {
        this.stopped = true;
        this.handler.onOversizedFrame(type, streamId, length);
        return;
      }
      if (n - pos - FRAME_HEADER_LENGTH < length) break;
      const flags = buf[pos + 4] as number;
      const start = pos + FRAME_HEADER_LENGTH;
      pos = start + length;
      if (!this.handler.onFrame(type, flags, streamId, buf.subarray(start, pos))) {
        this.stopped = true;
        return;
      }
    }
    if (pos < n) this.pending = Buffer.from(buf.subarray(pos));
  }
}
