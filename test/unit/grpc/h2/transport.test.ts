// Our own HTTP/2 transport (src/gateway/grpc/h2/) fed scripted bytes: the preface, SETTINGS and
// their ACK, PING, oversized frames, CONTINUATION, padding, flow control in both directions, RST
// mid-stream, and the connection errors a broken client gets (GOAWAY with the RFC 9113 code).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { GrpcServer } from '../../../../src/gateway/grpc/server.js';
import { allocatePorts, releasePort } from '../../../support/ports.js';
import { waitFor } from '../../../support/wait.js';
import { installTestService } from '../test-service.js';
import { F, RawClient, T, frame, grpcMessage, grpcRequestBlock, settings, u32 } from './raw-client.js';

const PROTOCOL_ERROR = 1;
const FRAME_SIZE_ERROR = 6;
const COMPRESSION_ERROR = 9;
const CANCEL = 8;

let server: GrpcServer;
let service: ReturnType<typeof installTestService>;
let port: number;
const clients: RawClient[] = [];
const savedTransport = process.env['DCSGW_GRPC_TRANSPORT'];

async function client(first?: Buffer): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  c.start(first);
  return c;
}

/** PutRequest{key: "k"}: the test service answers it synchronously. */
const PUT = '/etcdserverpb.KV/Put';
const putMessage = grpcMessage(Buffer.from([0x0a, 0x01, 0x6b]));
/** WatchRequest{create_request: {key: "k"}}: the test service answers with four messages. */
const watchMessage = grpcMessage(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x6b]));
const emptyMessage = grpcMessage(Buffer.alloc(0));

beforeAll(async () => {
  process.env['DCSGW_GRPC_TRANSPORT'] = 'own';
  server = new GrpcServer({ logger: pino({ level: 'silent' }) });
  service = installTestService(server);
  [port] = (await allocatePorts(1, { from: 10000, to: 11999 })) as [number];
  await server.listen(port);
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await server?.close(200);
  if (port) releasePort(port);
  if (savedTransport === undefined) delete process.env['DCSGW_GRPC_TRANSPORT'];
  else process.env['DCSGW_GRPC_TRANSPORT'] = savedTransport;
});

describe('connection setup', () => {
  it('sends its SETTINGS first, ACKs the client SETTINGS, answers PING with the same payload', async () => {
    const c = await client();
    const first = await c.next(() => true);
    expect(first.type).toBe(T.SETTINGS);
    expect(first.flags & F.ACK).toBe(0);
    await c.next((f) => f.type === T.SETTINGS && (f.flags & F.ACK) !== 0, 'SETTINGS ACK');
    c.write(frame(T.PING, 0, 0, Buffer.from('12345678')));
    const pong = await c.next((f) => f.type === T.PING, 'PING ACK');
    expect(pong.flags & F.ACK).toBe(F.ACK);
    expect(pong.payload.toString()).toBe('12345678');
  });

  it('a bad preface ends the connection with GOAWAY PROTOCOL_ERROR', async () => {
    const c = await RawClient.connect(port);
    clients.push(c);
    c.write(Buffer.from('PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n'));
    expect((await c.goaway()).code).toBe(PROTOCOL_ERROR);
    await waitFor(() => c.closed, { timeoutMs: 5000, what: 'the server to close' });
  });

  it('a SETTINGS ACK with a payload is FRAME_SIZE_ERROR', async () => {
    const c = await client();
    c.write(frame(T.SETTINGS, F.ACK, 0, Buffer.alloc(6)));
    expect((await c.goaway()).code).toBe(FRAME_SIZE_ERROR);
  });

  it('a frame larger than our SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR', async () => {
    const c = await client();
    c.write(frame(T.HEADERS, F.END_HEADERS, 1, Buffer.alloc(16385)));
    expect((await c.goaway()).code).toBe(FRAME_SIZE_ERROR);
  });

  it('DATA on a stream never opened, HEADERS on an even stream and an undecodable header block are connection errors', async () => {
    const a = await client();
    a.write(frame(T.DATA, 0, 5, Buffer.from('x')));
    expect((await a.goaway()).code).toBe(PROTOCOL_ERROR);
    const b = await client();
    b.write(frame(T.HEADERS, F.END_HEADERS, 2, grpcRequestBlock(PUT)));
    expect((await b.goaway()).code).toBe(PROTOCOL_ERROR);
    const d = await client();
    d.write(frame(T.HEADERS, F.END_HEADERS, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
    expect((await d.goaway()).code).toBe(COMPRESSION_ERROR);
  });
});

describe('requests', () => {
  it('a header block split over HEADERS and CONTINUATION, padded and with priority, is served', async () => {
    const c = await client();
    const block = grpcRequestBlock(PUT);
    const cut = 10;
    // PADDED + PRIORITY: pad length 3, 5 bytes of priority, the fragment, 3 bytes of padding.
    const headersPayload = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 16]), block.subarray(0, cut), Buffer.alloc(3)]);
    c.write(frame(T.HEADERS, F.PADDED | F.PRIORITY, 1, headersPayload));
    c.write(frame(T.CONTINUATION, F.END_HEADERS, 1, block.subarray(cut)));
    c.write(frame(T.DATA, F.END_STREAM | F.PADDED, 1, Buffer.concat([Buffer.from([2]), putMessage, Buffer.alloc(2)])));
    expect((await c.trailers(1))['grpc-status']).toBe('0');
    const headers = await c.next((f) => f.stream === 1 && f.headers !== undefined, 'response headers');
    expect(Object.fromEntries(headers.headers ?? [])).toMatchObject({ ':status': '200', 'content-type': 'application/grpc' });
    expect(c.dataBytes(1)).toBeGreaterThan(5);
  });

  it('a header list that expands past the limit gets 431 on its stream; the connection goes on', async () => {
    const c = await client();
    // One 4000-byte value added to the dynamic table (literal with incremental indexing, new name),
    // then referenced 5000 times: a 9 KB block that decodes to 20 MB.
    const name = Buffer.from('x-big');
    const value = Buffer.alloc(4000, 0x61);
    const literal = Buffer.concat([Buffer.from([0x40, name.length]), name, Buffer.from([0x7f, 4000 - 127 - 128 * Math.floor((4000 - 127) / 128) + 128, Math.floor((4000 - 127) / 128)]), value]);
    const block = Buffer.concat([grpcRequestBlock(PUT), literal, Buffer.alloc(5000, 0x80 | 62)]);
    c.write(frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, block));
    const refused = await c.next((f) => f.stream === 1 && f.headers !== undefined, 'the answer to the oversized request');
    expect(Object.fromEntries(refused.headers ?? [])).toEqual({ ':status': '431' });
    c.write(frame(T.HEADERS, F.END_HEADERS, 3, grpcRequestBlock(PUT)));
    c.write(frame(T.DATA, F.END_STREAM, 3, putMessage));
    expect((await c.trailers(3))['grpc-status']).toBe('0');
  });

  it('a frame of another stream between HEADERS and CONTINUATION is PROTOCOL_ERROR', async () => {
    const c = await client();
    const block = grpcRequestBlock(PUT);
    c.write(frame(T.HEADERS, 0, 1, block.subarray(0, 5)));
    c.write(frame(T.PING, 0, 0, Buffer.alloc(8)));
    expect((await c.goaway()).code).toBe(PROTOCOL_ERROR);
  });

  it('an unknown method gets a trailers-only answer in grpc-go words', async () => {
    const c = await client();
    c.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock('/etcdserverpb.KV/Nope')));
    c.write(frame(T.DATA, F.END_STREAM, 1, emptyMessage));
    const t = await c.trailers(1);
    expect(t).toMatchObject({ ':status': '200', 'grpc-status': '12', 'grpc-message': 'unknown method Nope for service etcdserverpb.KV' });
  });

  it('many requests of one socket read are all answered, in one connection', async () => {
    const c = await client();
    const parts: Buffer[] = [];
    for (let id = 1; id <= 41; id += 2) {
      parts.push(frame(T.HEADERS, F.END_HEADERS, id, grpcRequestBlock(PUT)), frame(T.DATA, F.END_STREAM, id, putMessage));
    }
    c.write(Buffer.concat(parts));
    for (let id = 1; id <= 41; id += 2) expect((await c.trailers(id))['grpc-status']).toBe('0');
    // Complete requests need no RST_STREAM after their answers.
    expect(c.frames.filter((f) => f.type === T.RST_STREAM)).toEqual([]);
  });

  it('RST_STREAM from the client mid-stream ends that call only', async () => {
    const c = await client();
    const before = service.closedStreams();
    c.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock('/etcdserverpb.Watch/Watch')));
    c.write(frame(T.DATA, 0, 1, watchMessage));
    await c.next((f) => f.stream === 1 && f.type === T.DATA, 'a watch answer');
    c.write(frame(T.RST_STREAM, 0, 1, u32(CANCEL)));
    await waitFor(() => service.closedStreams() > before, { timeoutMs: 5000, what: 'the watch handler to see its stream close' });
    c.write(frame(T.HEADERS, F.END_HEADERS, 3, grpcRequestBlock(PUT)));
    c.write(frame(T.DATA, F.END_STREAM, 3, putMessage));
    expect((await c.trailers(3))['grpc-status']).toBe('0');
    expect(c.frames.some((f) => f.type === T.GOAWAY)).toBe(false);
  });
});

describe('flow control', () => {
  it('sending stops when the client window is used up and resumes on WINDOW_UPDATE', async () => {
    // INITIAL_WINDOW_SIZE 1000 for streams; the connection window stays at 65535.
    const c = await client(settings([[4, 1000]]));
    c.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock('/etcdserverpb.Maintenance/Snapshot')));
    c.write(frame(T.DATA, F.END_STREAM, 1, emptyMessage));
    await waitFor(() => c.dataBytes(1) === 1000, { timeoutMs: 5000, what: 'the first 1000 bytes' });
    // A PING round trip: whatever the server would still send has been sent by its answer.
    c.write(frame(T.PING, 0, 0, Buffer.from('flowctl1')));
    await c.next((f) => f.type === T.PING && f.payload.toString() === 'flowctl1');
    expect(c.dataBytes(1)).toBe(1000);
    // The stream window opens wide, the connection window is the limit (65535 in all).
    c.write(frame(T.WINDOW_UPDATE, 0, 1, u32(10 << 20)));
    await waitFor(() => c.dataBytes(1) === 65535, { timeoutMs: 5000, what: 'the connection window (65535 bytes) used up' });
    c.write(frame(T.PING, 0, 0, Buffer.from('flowctl2')));
    await c.next((f) => f.type === T.PING && f.payload.toString() === 'flowctl2');
    expect(c.dataBytes(1)).toBe(65535);
    expect(c.frames.some((f) => f.stream === 1 && (f.flags & F.END_STREAM) !== 0)).toBe(false);
    // The connection window opens: the rest (40 chunks of 32 KiB, framed) flows, then the trailers.
    c.write(frame(T.WINDOW_UPDATE, 0, 0, u32(10 << 20)));
    expect((await c.trailers(1))['grpc-status']).toBe('0');
    expect(c.dataBytes(1)).toBeGreaterThan(40 * 32768);
    // No DATA frame was larger than the default SETTINGS_MAX_FRAME_SIZE.
    expect(Math.max(...c.frames.filter((f) => f.type === T.DATA).map((f) => f.payload.length))).toBeLessThanOrEqual(16384);
  });

  it('a lowered INITIAL_WINDOW_SIZE mid-stream holds sending back; WINDOW_UPDATE of 0 is PROTOCOL_ERROR', async () => {
    const c = await client(settings([[4, 0]]));
    c.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock('/etcdserverpb.Maintenance/Snapshot')));
    c.write(frame(T.DATA, F.END_STREAM, 1, emptyMessage));
    await c.next((f) => f.stream === 1 && f.headers !== undefined, 'response headers');
    c.write(frame(T.PING, 0, 0, Buffer.from('window00')));
    await c.next((f) => f.type === T.PING && f.payload.toString() === 'window00');
    expect(c.dataBytes(1)).toBe(0);
    c.write(settings([[4, 500]]));
    await waitFor(() => c.dataBytes(1) === 500, { timeoutMs: 5000, what: '500 bytes after the SETTINGS change' });
    c.write(frame(T.WINDOW_UPDATE, 0, 0, u32(0)));
    expect((await c.goaway()).code).toBe(PROTOCOL_ERROR);
  });

  it('a request larger than the initial windows gets WINDOW_UPDATEs as it is read', async () => {
    const c = await client();
    c.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock(PUT)));
    // 1.5 MiB of DATA (more than the 1 MiB stream window we advertise): the test service reads a
    // PutRequest; a message of this size is a value field of 1.5 MiB.
    const value = Buffer.alloc(1536 * 1024, 7);
    const len = value.length;
    const varint: number[] = [];
    for (let n = len; ; ) {
      if (n < 0x80) {
        varint.push(n);
        break;
      }
      varint.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    const msg = grpcMessage(Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12, ...varint]), value]));
    let sent = 0;
    while (sent < 1 << 20) {
      const take = Math.min(16384, msg.length - sent);
      c.write(frame(T.DATA, 0, 1, msg.subarray(sent, sent + take)));
      sent += take;
    }
    await c.next((f) => f.type === T.WINDOW_UPDATE && f.stream === 1, 'a WINDOW_UPDATE for the stream');
    while (sent < msg.length) {
      const take = Math.min(16384, msg.length - sent);
      c.write(frame(T.DATA, sent + take === msg.length ? F.END_STREAM : 0, 1, msg.subarray(sent, sent + take)));
      sent += take;
    }
    expect((await c.trailers(1))['grpc-status']).toBe('0');
  });
});

describe('hostile input', () => {
  it('random frames after a valid preface end in GOAWAY, a close or a live connection, never a crash or a hang', async () => {
    // A seeded generator: the same bytes every run.
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let round = 0; round < 40; round++) {
      const c = await client();
      const frames: Buffer[] = [];
      for (let i = 0; i < 8; i++) {
        const payload = Buffer.alloc(rand(40));
        for (let j = 0; j < payload.length; j++) payload[j] = rand(256);
        frames.push(frame(rand(11), rand(256), rand(3) === 0 ? 0 : rand(9), payload));
      }
      c.write(Buffer.concat(frames));
      c.write(frame(T.PING, 0, 0, Buffer.from('stillup?')));
      await waitFor(() => c.closed || c.frames.some((f) => f.type === T.GOAWAY || (f.type === T.PING && f.payload.toString() === 'stillup?')), {
        timeoutMs: 5000,
        what: `round ${round}: an answer to random frames`,
      });
      c.close();
    }
    // The server still serves.
    const ok = await client();
    ok.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock(PUT)));
    ok.write(frame(T.DATA, F.END_STREAM, 1, putMessage));
    expect((await ok.trailers(1))['grpc-status']).toBe('0');
  });
});

describe('closing', () => {
  it('graceful close: GOAWAY with the last stream id, a call in flight finishes', async () => {
    const local = new GrpcServer({ logger: pino({ level: 'silent' }) });
    installTestService(local);
    const [p2] = (await allocatePorts(1, { from: 10000, to: 11999 })) as [number];
    try {
      await local.listen(p2);
      const c = await RawClient.connect(p2);
      clients.push(c);
      c.start();
      // A watch stays open until the client half-closes.
      c.write(frame(T.HEADERS, F.END_HEADERS, 1, grpcRequestBlock('/etcdserverpb.Watch/Watch')));
      c.write(frame(T.DATA, 0, 1, watchMessage));
      await c.next((f) => f.stream === 1 && f.type === T.DATA, 'a watch answer');
      const closing = local.close(5000);
      const g = await c.goaway();
      expect(g).toEqual({ lastStreamId: 1, code: 0 });
      c.write(frame(T.DATA, F.END_STREAM, 1, Buffer.alloc(0)));
      expect((await c.trailers(1))['grpc-status']).toBe('0');
      await closing;
      await waitFor(() => c.closed, { timeoutMs: 5000, what: 'the connection to end' });
    } finally {
      await local.close(100);
      releasePort(p2);
    }
  });
});

