// Building HTTP/2 frames as Buffers. Each function returns bytes ready for the socket; the
// connection collects them and writes many at once.
import { ErrorCode, FRAME_HEADER_LENGTH, Flag, FrameType, Setting } from './frame-constants.js';

/** A frame header for a payload of `length` bytes, written into `out` at `at`. */
export function writeFrameHeader(out: Buffer, at: number, length: number, type: number, flags: number, streamId: number): void {
  out[at] = (length >>> 16) & 0xff;
  out[at + 1] = (length >>> 8) & 0xff;
  out[at + 2] = length & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, at + 5);
}

export function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  writeFrameHeader(h, 0, length, type, flags, streamId);
  return h;
}

/** A whole frame with its payload copied behind the header (small frames: one Buffer, one write). */
export function frameWith(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  payload.copy(out, FRAME_HEADER_LENGTH);
  return out;
}

export function settingsFrame(settings: ReadonlyArray<readonly [Setting, number]>): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 6 * settings.length);
  writeFrameHeader(out, 0, 6 * settings.length, FrameType.SETTINGS, 0, 0);
  let at = FRAME_HEADER_LENGTH;
  for (const [id, value] of settings) {
    out.writeUInt16BE(id, at);
    out.writeUInt32BE(value >>> 0, at + 2);
    at += 6;
  }
  return out;
}

export const SETTINGS_ACK = frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0);

export function pingAck(payload: Buffer): Buffer {
  return frameWith(FrameType.PING, Flag.ACK, 0, payload);
}

export function goawayFrame(lastStreamId: number, code: ErrorCode, debug = ''): Buffer {
  const text = Buffer.from(debug, 'utf8');
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 8 + text.length);
  writeFrameHeader(out, 0, 8 + text.length, FrameType.GOAWAY, 0, 0);
  out.writeUInt32BE(lastStreamId & 0x7fffffff, 9);
  out.writeUInt32BE(code, 13);
  text.copy(out, 17);
  return out;
}

export function rstStreamFrame(streamId: number, code: ErrorCode): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 4);
  writeFrameHeader(out, 0, 4, FrameType.RST_STREAM, 0, streamId);
  out.writeUInt32BE(code, 9);
  return out;
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 4);
  writeFrameHeader(out, 0, 4, FrameType.WINDOW_UPDATE, 0, streamId);
  out.writeUInt32BE(increment & 0x7fffffff, 9);
  return out;
}

/**
 * A header block as HEADERS (+ CONTINUATION when it exceeds the peer's frame size), in one Buffer.
 * `endStream` goes on the HEADERS frame, END_HEADERS on the last one.
 */
export function headersFrames(streamId: number, block: Buffer, endStream: boolean, maxFrameSize: number): Buffer {
  const first = endStream ? Flag.END_STREAM : 0;
  if (block.length <= maxFrameSize) return frameWith(FrameType.HEADERS, first | Flag.END_HEADERS, streamId, block);
  const frames = Math.ceil(block.length / maxFrameSize);
  const out = Buffer.allocUnsafe(frames * FRAME_HEADER_LENGTH + block.length);
  let at = 0;
  for (let i = 0, pos = 0; i < frames; i++) {
    const len = Math.min(maxFrameSize, block.length - pos);
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    const flags = (i === 0 ? first : 0) | (i === frames - 1 ? Flag.END_HEADERS : 0);
    writeFrameHeader(out, at, len, type, flags, streamId);
    block.copy(out, at + FRAME_HEADER_LENGTH, pos, pos + len);
    at += FRAME_HEADER_LENGTH + len;
    pos += len;
  }
  return out;
}
