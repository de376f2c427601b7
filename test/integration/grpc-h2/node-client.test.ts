// node's own HTTP/2 client (nghttp2: an HTTP/2 implementation independent of ours) against our
// transport on a client port: a streamed answer far larger than the client's windows, a request
// larger than ours, many calls multiplexed on one connection, a non-gRPC request beside them, and
// a client that goes away mid-stream.
import http2 from 'node:http2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenClientPort, type ClientPort } from '../../../src/gateway/grpc/client-port.js';
import { GrpcServer, type HttpHandler } from '../../../src/gateway/grpc/server.js';
import { allocatePorts, releasePort } from '../../support/ports.js';
import { waitFor } from '../../support/wait.js';
import { installTestService } from '../../unit/grpc/test-service.js';

let server: GrpcServer;
let port: ClientPort;
let service: ReturnType<typeof installTestService>;
let portNumber: number;
const savedTransport = process.env['DCSGW_GRPC_TRANSPORT'];

const httpHandler: HttpHandler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ url: req.url, httpVersion: req.httpVersion }));
};

function grpcFrame(payload: Buffer): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

interface Answer {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One gRPC call with node's client: the request body as given, the whole answer read. */
function call(session: http2.ClientHttp2Session, path: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  process.env['DCSGW_GRPC_TRANSPORT'] = 'own';
  server = new GrpcServer({ logger: pino({ level: 'silent' }) });
  service = installTestService(server);
  [portNumber] = (await allocatePorts(1, { from: 10000, to: 11999 })) as [number];
  port = await listenClientPort({ host: '127.0.0.1', port: portNumber, grpc: server, http1: httpHandler });
});

afterAll(async () => {
  await port?.close(500);
  await server?.close(500);
  if (portNumber) releasePort(portNumber);
  if (savedTransport === undefined) delete process.env['DCSGW_GRPC_TRANSPORT'];
  else process.env['DCSGW_GRPC_TRANSPORT'] = savedTransport;
});

describe('node:http2 client against our own transport', () => {
  it('a streamed answer of 1.3 MB through a 16 KiB client window, a 1.9 MiB request, 200 calls at once, and a JSON request on the same connection', async () => {
    // A small window makes the server wait for the client's WINDOW_UPDATEs all through the answer.
    const session = http2.connect(`http://127.0.0.1:${portNumber}`, { settings: { initialWindowSize: 16384 } });
    try {
      const snapshot = await call(session, '/etcdserverpb.Maintenance/Snapshot', grpcFrame(Buffer.alloc(0)));
      expect(snapshot.headers[':status']).toBe(200);
      expect(snapshot.trailers['grpc-status']).toBe('0');
      // 40 messages, each a 32 KiB blob plus header fields, every one whole and in order.
      let pos = 0;
      let messages = 0;
      while (pos < snapshot.body.length) {
        const len = snapshot.body.readUInt32BE(pos + 1);
        const msg = snapshot.body.subarray(pos + 5, pos + 5 + len);
        expect(msg.includes(Buffer.alloc(32768, messages))).toBe(true);
        pos += 5 + len;
        messages++;
      }
      expect(messages).toBe(40);
      expect(pos).toBe(snapshot.body.length);

      const value = Buffer.alloc(1900 * 1024, 9);
      const put = grpcFrame(Buffer.concat([Buffer.from([0x0a, 0x03, ...Buffer.from('big'), 0x12, ...varint(value.length)]), value]));
      const answer = await call(session, '/etcdserverpb.KV/Put', put);
      expect(answer.trailers['grpc-status']).toBe('0');
      const range = await call(session, '/etcdserverpb.KV/Range', grpcFrame(Buffer.from([0x0a, 0x03, ...Buffer.from('big')])));
      expect(range.trailers['grpc-status']).toBe('0');
      expect(range.body.includes(value)).toBe(true);

      const many = await Promise.all(
        Array.from({ length: 200 }, (_, i) => call(session, '/etcdserverpb.KV/Put', grpcFrame(Buffer.from([0x0a, 0x04, ...Buffer.from(`k${String(i).padStart(3, '0')}`)])))),
      );
      expect(many.every((a) => a.trailers['grpc-status'] === '0' && a.body.length > 5)).toBe(true);

      const json = session.request({ ':method': 'GET', ':path': '/version' });
      let text = '';
      json.setEncoding('utf8');
      json.on('data', (d: string) => (text += d));
      await new Promise((r) => json.on('end', r));
      expect(JSON.parse(text)).toEqual({ url: '/version', httpVersion: '2.0' });
    } finally {
      session.close();
    }
  });

  it('a client that goes away mid-stream ends the call on the server', async () => {
    const before = service.closedStreams();
    const session = http2.connect(`http://127.0.0.1:${portNumber}`);
    const req = session.request({ ':method': 'POST', ':path': '/etcdserverpb.Watch/Watch', 'content-type': 'application/grpc', te: 'trailers' });
    req.write(grpcFrame(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x6b])));
    await new Promise((r) => req.once('data', r));
    session.destroy();
    await waitFor(() => service.closedStreams() > before, { timeoutMs: 5000, what: 'the watch to see its client gone' });
  });
});
