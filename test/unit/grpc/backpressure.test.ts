// A server stream tells its handler when the client reads slower than it writes, and when the
// backlog has gone out, so a producer (a watch) can hold back instead of filling memory.
import http2 from 'node:http2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageCodec } from '../../../src/gateway/grpc/api.js';
import { GrpcServer } from '../../../src/gateway/grpc/server.js';

const PORT = 26151;
const raw: MessageCodec<Buffer> = { decode: (b) => b, encode: (b) => b };

describe('server stream backpressure', () => {
  let server: GrpcServer;
  const seen = { writesBeforeBackpressure: 0, drained: false, totalWritten: 0 };

  beforeAll(async () => {
    server = new GrpcServer({ logger: pino({ level: 'silent' }) });
    server.stream<Buffer, Buffer>('/test.Flood/Flood', raw, raw, (s) => {
      s.onMessage(() => {
        const chunk = Buffer.alloc(64 * 1024, 7);
        while (!s.backpressured && seen.totalWritten < 1000) {
          s.write(chunk);
          seen.totalWritten++;
        }
        seen.writesBeforeBackpressure = seen.totalWritten;
        s.onDrain?.(() => {
          seen.drained = true;
          s.write(Buffer.from('last'));
          s.end();
        });
      });
    });
    await server.listen(PORT);
  });
  afterAll(async () => {
    await server?.close(200);
  });

  it('write() reports backpressure while the client does not read; onDrain fires once it does', async () => {
    const session = http2.connect(`http://127.0.0.1:${PORT}`);
    const req = session.request({ ':method': 'POST', ':path': '/test.Flood/Flood', 'content-type': 'application/grpc', te: 'trailers' });
    req.end(Buffer.from([0, 0, 0, 0, 1, 0x61]));
    req.pause();
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.writesBeforeBackpressure).toBeGreaterThan(0);
    expect(seen.writesBeforeBackpressure).toBeLessThan(1000); // it stopped: the stream said so
    expect(seen.drained).toBe(false);
    let bytes = 0;
    req.on('data', (d: Buffer) => (bytes += d.length));
    const trailers = new Promise<http2.IncomingHttpHeaders>((r) => req.on('trailers', r));
    req.resume();
    expect((await trailers)['grpc-status']).toBe('0');
    expect(seen.drained).toBe(true);
    expect(bytes).toBe(seen.writesBeforeBackpressure * (5 + 64 * 1024) + 5 + 4);
    session.close();
  });
});
