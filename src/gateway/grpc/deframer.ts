// Reassembles gRPC length-prefixed messages (1 byte compressed flag, 4 bytes big-endian length,
// payload) from HTTP/2 DATA chunks of any size. A message handed out is never overwritten later:
// it is either a view of one chunk (node allocates a fresh Buffer per chunk) or a fresh copy, so
// decoders may keep views of it (keys, values) without copying.

/** Receives completed messages (an object, so the hot path needs no per-call closure). */
export interface FrameSink {
  onFrame(compressed: boolean, payload: Buffer): void;
}

export class Deframer {
  /** Bytes of an incomplete 5-byte prefix. */
  private head: Buffer | null = null;
  /** Body being assembled, and how much of it is filled. */
  private body: Buffer | null = null;
  private filled = 0;
  private compressed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** True when some bytes of a message are still missing. */
  get partial(): boolean {
    return this.head !== null || this.body !== null;
  }

  /**
   * Feeds one chunk. Calls `sink.onFrame` for each message completed by it; returns the size of a
   * message over the limit (the call must then end RESOURCE_EXHAUSTED), or -1.
   */
  push(chunk: Buffer, sink: FrameSink): number {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.body !== null) {
        const take = Math.min(this.body.length - this.filled, n - pos);
        chunk.copy(this.body, this.filled, pos, pos + take);
        this.filled += take;
        pos += take;
        if (this.filled === this.body.length) {
          const payload = this.body;
          this.body = null;
          sink.onFrame(this.compressed, payload);
        }
        continue;
      }
      let prefix: Buffer;
      let prefixStart: number;
      if (this.head !== null) {
        const need = 5 - this.head.length;
        const take = Math.min(need, n - pos);
        this.head = Buffer.concat([this.head, chunk.subarray(pos, pos + take)]);
        pos += take;
        if (this.head.length < 5) return -1;
        prefix = this.head;
        prefixStart = 0;
        this.head = null;
      } else if (n - pos < 5) {
        this.head = Buffer.from(chunk.subarray(pos));
        return -1;
      } else {
        prefix = chunk;
        prefixStart = pos;
        pos += 5;
      }
      const compressed = ((prefix[prefixStart] as number) & 1) === 1;
      const size = prefix.readUInt32BE(prefixStart + 1);
      if (size > this.maxMessageBytes) return size;
      if (n - pos >= size) {
        // The common case: the whole message is inside this chunk.
        sink.onFrame(compressed, chunk.subarray(pos, pos + size));
        pos += size;
      } else {
        this.body = Buffer.allocUnsafe(size);
        this.filled = 0;
        this.compressed = compressed;
      }
    }
    return -1;
  }
}
