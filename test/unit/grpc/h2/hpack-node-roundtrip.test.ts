// HpackDecoder and encodeHeaders against an independent HPACK implementation: node's own http2
// client (nghttp2) sends requests with many, repeated, large and sensitive headers to a small
// HTTP/2 server written here on a raw socket, which decodes every header block with HpackDecoder
// (so nghttp2's encoder drives our dynamic table through insertions, evictions and, when we
// advertise a smaller table, size updates) and answers with a block from encodeHeaders that
// nghttp2 must decode back to the same fields.
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../../src/gateway/grpc/h2/hpack-decoder.js';
import { encodeHeaders } from '../../../../src/gateway/grpc/h2/hpack-encoder.js';
import { allocatePort, releasePort } from '../../../support/ports.js';
import { frame } from '../raw-h2.js';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const DATA = 0;
const HEADERS = 1;
const SETTINGS = 4;
const GOAWAY = 7;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const SETTINGS_HEADER_TABLE_SIZE = 1;

interface RawServer {
  port: number;
  /** Every decoded request header list, in arrival order. */
  decoded: Array<Array<[string, string]>>;
  /** Decoder failures (must stay empty). */
  errors: unknown[];
  /** The largest the dynamic table got (octets), to show it was used. */
  largestTable: number;
  close(): Promise<void>;
}

/** A one-purpose HTTP/2 server: advertises `tableSize`, decodes each request's block, answers `answer(fields)`. */
async function rawServer(tableSize: number, answer: (fields: Array<[string, string]>) => Array<[string, string]>): Promise<RawServer> {
  const decoded: Array<Array<[string, string]>> = [];
  const errors: unknown[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    const decoder = new HpackDecoder(tableSize);
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    let block: Buffer[] = [];
    let blockStream = 0;
    const settings = Buffer.alloc(6);
    settings.writeUInt16BE(SETTINGS_HEADER_TABLE_SIZE, 0);
    settings.writeUInt32BE(tableSize, 2);
    socket.write(frame(SETTINGS, 0, 0, settings));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaceSeen) {
        if (buf.length < PREFACE.length) return;
        if (buf.subarray(0, PREFACE.length).toString('latin1') !== PREFACE) return socket.destroy();
        prefaceSeen = true;
        buf = buf.subarray(PREFACE.length);
      }
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3] as number;
        const flags = buf[4] as number;
        const stream = buf.readUInt32BE(5) & 0x7fffffff;
        let payload = buf.subarray(9, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === SETTINGS && !(flags & ACK)) socket.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
        if (type === HEADERS) {
          if (flags & PADDED) payload = payload.subarray(1, payload.length - (payload[0] as number));
          if (flags & PRIORITY) payload = payload.subarray(5);
          block = [payload];
          blockStream = stream;
        } else if (type === CONTINUATION) block.push(payload);
        else continue;
        if (!(flags & END_HEADERS)) continue;
        let fields: Array<[string, string]>;
        try {
          fields = decoder.decode(Buffer.concat(block));
        } catch (err) {
          errors.push(err);
          socket.write(frame(GOAWAY, 0, 0, Buffer.from([0, 0, 0, 0, 0, 0, 0, 9])));
          socket.end();
          return;
        }
        decoded.push(fields);
        result.largestTable = Math.max(result.largestTable, decoder.tableSize);
        socket.write(frame(HEADERS, END_HEADERS, blockStream, encodeHeaders(answer(fields))));
        socket.write(frame(DATA, END_STREAM, blockStream, Buffer.from('ok')));
      }
    });
  });
  const port = await allocatePort({ from: 12000, to: 12999 });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const result: RawServer = {
    port,
    decoded,
    errors,
    largestTable: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      releasePort(port);
    },
  };
  return result;
}

/** One request; resolves with the response headers node decoded. */
function request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<http2.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: true });
    let head: http2.IncomingHttpHeaders | undefined;
    req.on('response', (h) => (head = h));
    req.on('error', reject);
    req.resume();
    req.on('end', () => (head ? resolve(head) : reject(new Error('no response headers'))));
  });
}

/** The request headers a client sends for request i: some repeat every time, some change, some are big. */
function headersFor(i: number): http2.OutgoingHttpHeaders {
  return {
    ':method': i % 3 === 0 ? 'POST' : 'GET',
    ':path': `/v3/kv/range?n=${i}`,
    'content-type': 'application/json',
    'user-agent': 'hpack-roundtrip/1.0',
    'x-same': 'same value every time',
    'x-changing': `value-${i}`,
    [`x-name-${i % 7}`]: 'v'.repeat(10 + (i % 5) * 20),
    'x-big': 'B'.repeat(i % 4 === 0 ? 3000 : 100), // 3 KB entries push the rest out of a 4 KiB table
    'x-latin1': 'caf\u00e9 \u00ff',
    authorization: `token-${i % 2}`,
    'x-secret': 'never index me',
    [http2.sensitiveHeaders]: ['x-secret'],
  };
}

function expectSent(fields: Array<[string, string]>, sent: http2.OutgoingHttpHeaders): void {
  const got = new Map<string, string>();
  for (const [n, v] of fields) got.set(n, v);
  for (const [name, value] of Object.entries(sent)) {
    expect(got.get(name), name).toBe(name === 'x-latin1' ? Buffer.from(String(value), 'latin1').toString('latin1') : String(value));
  }
  expect(got.get(':scheme')).toBe('http');
  expect(got.get(':authority')).toMatch(/^127\.0\.0\.1:\d+$/);
}

const servers: RawServer[] = [];
const clients: http2.ClientHttp2Session[] = [];
afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.close();
});

describe('HPACK against node:http2 (nghttp2)', () => {
  for (const tableSize of [4096, 256, 0]) {
    it(`decodes 200 requests over one connection, table ${tableSize}, and node reads our answers`, async () => {
      const echo = (fields: Array<[string, string]>): Array<[string, string]> => [
        [':status', '200'],
        ['content-type', 'application/json'],
        ['x-fields', String(fields.length)],
        ['x-path', fields.find(([n]) => n === ':path')?.[1] ?? ''],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['x-latin1', fields.find(([n]) => n === 'x-latin1')?.[1] ?? ''],
      ];
      const server = await rawServer(tableSize, echo);
      servers.push(server);
      const client = http2.connect(`http://127.0.0.1:${server.port}`);
      clients.push(client);
      client.on('error', () => {});
      for (let i = 0; i < 200; i++) {
        const sent = headersFor(i);
        const answer = await request(client, sent);
        expect(server.errors).toEqual([]);
        const fields = server.decoded[i] as Array<[string, string]>;
        expectSent(fields, sent);
        expect(answer[':status']).toBe(200);
        expect(answer['content-type']).toBe('application/json');
        expect(answer['x-fields']).toBe(String(fields.length));
        expect(answer['x-path']).toBe(`/v3/kv/range?n=${i}`);
        expect(answer['set-cookie']).toEqual(['a=1', 'b=2']);
        expect(answer['x-latin1']).toBe('caf\u00e9 \u00ff');
      }
      // nghttp2 indexed what repeats: the table filled up to what we allowed (none at all for 0)
      if (tableSize === 0) expect(server.largestTable).toBe(0);
      else expect(server.largestTable).toBeGreaterThan(tableSize / 2);
      client.close();
    });
  }
});
