// NOT a server to use: the floor of what a gRPC unary call could cost with an HTTP/2 framing layer
// of our own on a plain TCP socket instead of node:http2, to weigh issue 10's suggestion before
// building it. It answers every request stream with the same canned PutResponse (as the "echo"
// target does through the real layer), with the response's three frames pre-encoded and every
// answer of one socket read written in one write. It does only what keeps the bench's own client
// (bench/h2-grpc-client.ts, node:http2) going: the preface, SETTINGS and their ACK, PING ACK,
// WINDOW_UPDATE for received DATA; it never decodes a header block (HPACK), never checks flow
// control on what it sends, and ignores RST_STREAM, PRIORITY and GOAWAY. The gap between its CPU
// per call and the echo target's is what such a layer could save at most.
//   node dist/bench/h2-floor-server.js <port>
import net from 'node:net';
import { binaryCodec } from '../src/gateway/etcd/codec/index.js';

const port = Number(process.argv[2] ?? 26800);
const PREFACE_LENGTH = 24;

function frameHeader(length: number, type: number, flags: number, stream: number): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return h;
}

// HPACK: ':status: 200' is static index 8; the rest literal without indexing, no Huffman.
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}
const RESPONSE_BLOCK = Buffer.concat([Buffer.from([0x88]), literal('content-type', 'application/grpc')]);
const TRAILER_BLOCK = literal('grpc-status', '0');
const putResponse = binaryCodec('PutResponse');
const MESSAGE = putResponse.encodeFramed?.({ header: { clusterId: 0x1234567890abcdefn, memberId: 0xfedcba0987654321n, revision: 2, raftTerm: 2 } }) as Buffer;

/** The three frames of one answer, stream id 0 (patched per answer). */
const ANSWER = Buffer.concat([
  frameHeader(RESPONSE_BLOCK.length, 0x1, 0x4, 0), // HEADERS, END_HEADERS
  RESPONSE_BLOCK,
  frameHeader(MESSAGE.length, 0x0, 0x0, 0), // DATA
  MESSAGE,
  frameHeader(TRAILER_BLOCK.length, 0x1, 0x5, 0), // HEADERS, END_HEADERS | END_STREAM
  TRAILER_BLOCK,
]);
const STREAM_ID_OFFSETS = [5, 9 + RESPONSE_BLOCK.length + 5, 9 + RESPONSE_BLOCK.length + 9 + MESSAGE.length + 5];
const SETTINGS = Buffer.concat([frameHeader(6, 0x4, 0, 0), Buffer.from([0x00, 0x04, 0x00, 0x10, 0x00, 0x00])]); // INITIAL_WINDOW_SIZE 1 MiB
const SETTINGS_ACK = frameHeader(0, 0x4, 0x1, 0);

function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let prefaceSeen = false;
  socket.write(SETTINGS);
  socket.on('data', (chunk: Buffer) => {
    let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (!prefaceSeen) {
      if (buf.length < PREFACE_LENGTH) {
        pending = buf;
        return;
      }
      prefaceSeen = true;
      buf = buf.subarray(PREFACE_LENGTH);
    }
    const out: Buffer[] = [];
    let received = 0;
    let pos = 0;
    while (buf.length - pos >= 9) {
      const length = buf.readUIntBE(pos, 3);
      if (buf.length - pos < 9 + length) break;
      const type = buf[pos + 3] as number;
      const flags = buf[pos + 4] as number;
      const stream = buf.readUInt32BE(pos + 5) & 0x7fffffff;
      if (type === 0x0) {
        received += length;
        if (flags & 0x1) {
          const answer = Buffer.from(ANSWER);
          for (const off of STREAM_ID_OFFSETS) answer.writeUInt32BE(stream, off);
          out.push(answer);
        }
      } else if (type === 0x4 && (flags & 0x1) === 0) {
        out.push(SETTINGS_ACK);
      } else if (type === 0x6 && (flags & 0x1) === 0) {
        out.push(frameHeader(8, 0x6, 0x1, 0), buf.subarray(pos + 9, pos + 17));
      }
      pos += 9 + length;
    }
    pending = pos === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    if (received > 0) {
      const wu = Buffer.alloc(13);
      wu.writeUIntBE(4, 0, 3);
      wu[3] = 0x8;
      wu.writeUInt32BE(received, 9);
      out.push(wu);
    }
    if (out.length > 0) socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  });
  socket.on('error', () => socket.destroy());
}

net.createServer(serve).listen(port, '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => process.exit(0));
