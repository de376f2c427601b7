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
import { CLIENT_PREFACE, frame, lit } from './raw-h2.js';
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

  for (const authority of [`127.0.0.1:${PORT}`, `http://127.0.0.1:${PORT}`]) {
  it(`a client whose first request overtakes its ACK of our early SETTINGS is still served (raw HTTP/2, :authority ${authority.slice(0, 7)}...)`, async () => {
    const block = Buffer.concat([
      Buffer.from([0x83, 0x86]), // :method POST, :scheme http
      lit(4, '/etcdserverpb.KV/Range'),
      lit(1, authority),
      lit(31, 'application/grpc'),
      Buffer.from([0x40, 2]),
      Buffer.from('te'),
      Buffer.from([8]),
      Buffer.from('trailers'),
    ]);
    const sock = net.connect(PORT, '127.0.0.1');
    let received = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    await new Promise((r) => sock.once('connect', r));
    sock.write(Buffer.concat([CLIENT_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
    // Wait for the server's first SETTINGS (sent early by the client port), then send the request BEFORE acking it.
    for (let i = 0; i < 200 && received.length < 9; i++) await new Promise((r) => setTimeout(r, 5));
    sock.write(frame(1, 0x4, 1, block));
    sock.write(frame(0, 0x1, 1, Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x61])));
    sock.write(frame(4, 0x1, 0, Buffer.alloc(0))); // the ACK of that first SETTINGS, late
    let status: string | undefined;
    let reset = false;
    let settingsSeen = 0;
    let settle = 20; // after the answer and our ACK of node's SETTINGS, keep watching for a GOAWAY a little longer
    for (let i = 0; i < 400 && !reset && settle > 0; i++) {
      if (status !== undefined && settingsSeen >= 2) settle--;
      await new Promise((r) => setTimeout(r, 5));
      let pos = 0;
      let settingsNow = 0;
      const seen = new DynamicTableMirror();
      while (pos + 9 <= received.length) {
        const len = received.readUIntBE(pos, 3);
        if (pos + 9 + len > received.length) break;
        const type = received[pos + 3];
        const payload = received.subarray(pos + 9, pos + 9 + len);
        if (type === 3 || type === 7) reset = true; // RST_STREAM or GOAWAY
        // Every later SETTINGS from the server (node's own) is acked at once, as a real client does.
        if (type === 4 && ((received[pos + 4] as number) & 1) === 0 && ++settingsNow > Math.max(1, settingsSeen)) {
          settingsSeen = settingsNow;
          sock.write(frame(4, 0x1, 0, Buffer.alloc(0)));
        }
        if (type === 1) rewriteHeaderBlock(payload, seen, 'grpc-status', (v) => ((status = v.toString()), undefined));
        pos += 9 + len;
      }
    }
    sock.destroy();
    expect(reset).toBe(false);
    expect(status).toBe('0');
  });
  }

  it.skipIf(!existsSync('/usr/bin/etcdctl'))('etcdctl endpoint status with an http:// endpoint (grpc-go, passthrough target)', async () => {
    const out = await new Promise<string>((resolve) => {
      execFile('/usr/bin/etcdctl', [`--endpoints=http://127.0.0.1:${PORT}`, 'endpoint', 'status'], { env: { ...process.env, ETCDCTL_API: '3' } }, (_e, stdout, stderr) =>
        resolve(stdout + stderr),
      );
    });
    expect(out).toMatch(new RegExp(`^http://127.0.0.1:${PORT}, 8e9e05c52164694d, 3.4.23, 20 kB, true, false, 2, \\d+, \\d+, \\n$`));
  });
});
