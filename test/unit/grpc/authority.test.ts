// Clients that send a URL as :authority ("http://127.0.0.1:2379", as etcdctl's per-endpoint
// commands do) must be served like any other, not reset by node's HTTP/2 parser.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixAuthority, isValidAuthority } from '../../../src/gateway/grpc/authority-fix.js';
import { listenClientPort, type ClientPort } from '../../../src/gateway/grpc/client-port.js';
import { DynamicTableMirror, findField, huffmanDecode, rewriteHeaderBlock } from '../../../src/gateway/grpc/hpack.js';
import { GrpcServer } from '../../../src/gateway/grpc/server.js';
import { installTestService } from './test-service.js';

const PORT = 26141;
const CAPTURE_PORT = 26142;

/** The first header block a node HTTP/2 client sends for a request with these headers. */
async function captureHeaderBlock(headers: http2.OutgoingHttpHeaders): Promise<Buffer> {
  let bytes = Buffer.alloc(0);
  const server = net.createServer((s) => s.on('data', (d: Buffer) => (bytes = Buffer.concat([bytes, d]))));
  await new Promise<void>((r) => server.listen(CAPTURE_PORT, '127.0.0.1', () => r()));
  const session = http2.connect(`http://127.0.0.1:${CAPTURE_PORT}`);
  session.on('error', () => undefined);
  const req = session.request(headers);
  req.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 10));
    // preface (24) then frames: find the HEADERS frame
    let pos = 24;
    while (pos + 9 <= bytes.length) {
      const len = bytes.readUIntBE(pos, 3);
      if (bytes[pos + 3] === 1 && pos + 9 + len <= bytes.length) {
        session.destroy();
        await new Promise<void>((r) => server.close(() => r()));
        return bytes.subarray(pos + 9, pos + 9 + len);
      }
      pos += 9 + len;
    }
  }
  throw new Error('no HEADERS frame seen');
}

describe('HPACK reading', () => {
  it('decodes what node (nghttp2) encodes, Huffman included, and rewrites :authority in place', async () => {
    const block = await captureHeaderBlock({ ':method': 'POST', ':path': '/etcdserverpb.KV/Range', ':authority': 'http://127.0.0.1:2379', 'user-agent': 'grpc-go/1.26.0' });
    expect(findField(block, ':authority')?.toString()).toBe('http://127.0.0.1:2379');
    expect(findField(block, ':path')?.toString()).toBe('/etcdserverpb.KV/Range');
    expect(findField(block, 'user-agent')?.toString()).toBe('grpc-go/1.26.0');
    const rewritten = rewriteHeaderBlock(block, new DynamicTableMirror(), ':authority', fixAuthority);
    expect(findField(rewritten, ':authority')?.toString()).toBe('http:__127.0.0.1:2379');
    expect(findField(rewritten, ':path')?.toString()).toBe('/etcdserverpb.KV/Range');
  });

  it('Huffman: RFC 7541 C.4.1 example ("www.example.com")', () => {
    expect(huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex')).toString()).toBe('www.example.com');
    expect(() => huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ffff', 'hex'))).toThrow('padding');
  });

  it('authority alphabet as nghttp2 has it', () => {
    expect(isValidAuthority(Buffer.from('127.0.0.1:2379'))).toBe(true);
    expect(isValidAuthority(Buffer.from('[::1]:2379'))).toBe(true);
    expect(isValidAuthority(Buffer.from('http://127.0.0.1:2379'))).toBe(false);
    expect(fixAuthority(Buffer.from('127.0.0.1:2379'))).toBeUndefined();
  });
});

describe('serving clients with a URL as :authority', () => {
  let server: GrpcServer;
  let port: ClientPort;

  beforeAll(async () => {
    server = new GrpcServer({ logger: pino({ level: 'silent' }) });
    installTestService(server);
    port = await listenClientPort({ host: '127.0.0.1', port: PORT, grpc: server, http1: (_q, r) => r.end() });
  });
  afterAll(async () => {
    await port?.close(300);
    await server?.close(300);
  });

  it('several gRPC calls on one connection with :authority http://127.0.0.1:PORT all succeed', async () => {
    const session = http2.connect(`http://127.0.0.1:${PORT}`);
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const req = session.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Range', ':authority': `http://127.0.0.1:${PORT}`, 'content-type': 'application/grpc', te: 'trailers' });
      req.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x61]));
      req.resume();
      statuses.push(
        await new Promise<string>((resolve, reject) => {
          req.on('trailers', (h) => resolve(String(h['grpc-status'])));
          req.on('error', reject);
          req.on('close', () => resolve(`closed, rst ${req.rstCode}`));
        }),
      );
    }
    session.close();
    expect(statuses).toEqual(['0', '0', '0', '0', '0']);
  });

  it.skipIf(!existsSync('/usr/bin/etcdctl'))('etcdctl endpoint status with an http:// endpoint (grpc-go, passthrough target)', async () => {
    const out = await new Promise<string>((resolve) => {
      execFile('/usr/bin/etcdctl', [`--endpoints=http://127.0.0.1:${PORT}`, 'endpoint', 'status'], { env: { ...process.env, ETCDCTL_API: '3' } }, (_e, stdout, stderr) =>
        resolve(stdout + stderr),
      );
    });
    expect(out).toMatch(new RegExp(`^http://127.0.0.1:${PORT}, 8e9e05c52164694d, 3.4.23, 20 kB, true, false, 2, \\d+, \\d+, \\n$`));
  });
});
