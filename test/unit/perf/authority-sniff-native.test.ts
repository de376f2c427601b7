// A client that sends its first request while the client port's early SETTINGS is still in flight
// (its ACK comes right after the request) must still get node's native HTTP/2 path, not the
// rewriting Duplex: that path costs a JS stream hop on every later read and write of the connection.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { sniffFirstRequest } from '../../../src/gateway/grpc/authority-fix.js';
import { CLIENT_PREFACE, frame, lit } from '../grpc/raw-h2.js';

const PORT = 29451;

const handed: { conn: net.Socket | Duplex; socket: net.Socket }[] = [];
const server = net.createServer((socket) => {
  socket.once('data', (first: Buffer) => {
    socket.resume();
    sniffFirstRequest(socket, first, (conn) => handed.push({ conn, socket }));
  });
});

afterAll(async () => {
  for (const h of handed) h.socket.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

async function requestBeforeAck(authority: string, sendAck: boolean): Promise<boolean> {
  const before = handed.length;
  const sock = net.connect(PORT, '127.0.0.1');
  let received = 0;
  sock.on('data', (d: Buffer) => (received += d.length));
  await new Promise((r) => sock.once('connect', r));
  sock.write(Buffer.concat([CLIENT_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
  for (let i = 0; i < 200 && received < 9; i++) await new Promise((r) => setTimeout(r, 5));
  const block = Buffer.concat([Buffer.from([0x83, 0x86]), lit(4, '/etcdserverpb.KV/Range'), lit(1, authority)]);
  sock.write(frame(1, 0x4, 1, block));
  await new Promise((r) => setTimeout(r, 20));
  if (sendAck) sock.write(frame(4, 0x1, 0, Buffer.alloc(0)));
  for (let i = 0; i < 300 && handed.length === before; i++) await new Promise((r) => setTimeout(r, 5));
  sock.destroy();
  const h = handed[handed.length - 1];
  if (handed.length === before || !h) throw new Error('the connection was never handed over');
  return h.conn === h.socket;
}

describe('client port: first request overtaking the ACK of our early SETTINGS', () => {
  it('a valid :authority keeps the socket native once the late ACK arrives', async () => {
    await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', () => r()));
    expect(await requestBeforeAck('127.0.0.1:2379', true)).toBe(true);
  });

  it('a URL as :authority still goes through the rewriter', async () => {
    expect(await requestBeforeAck('http://127.0.0.1:2379', true)).toBe(false);
  });
});
