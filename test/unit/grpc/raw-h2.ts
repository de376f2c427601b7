// Hand-built HTTP/2 bytes for tests that must control frame order exactly (a client sending its
// first request before it acks the server's SETTINGS), which no HTTP/2 client library allows.

/** The client connection preface (RFC 9113 §3.4), to be followed by the client's SETTINGS. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** One frame: 9-byte header (length, type, flags, stream id) and the payload. */
export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK literal with incremental indexing, name from static-table entry `index` (value < 127 bytes, no Huffman). */
export const lit = (index: number, value: string): Buffer =>
  Buffer.concat([Buffer.from([0x40 | index, value.length]), Buffer.from(value)]);
