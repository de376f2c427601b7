// Forwarding of questions outside Consul's domains to the configured recursors, as Consul does:
// each recursor in turn, over the transport the client used (UDP, or TCP for a TCP client), until
// one answers with NOERROR or NXDOMAIN (a truncated one is passed on as it is); the upstream
// answer goes back to the client unchanged. Undefined when every recursor failed (the caller answers
// SERVFAIL).
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { recursorAddress } from './options.js';

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;

function udpExchange(query: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const done = (buf: Buffer | undefined) => {
      clearTimeout(timer);
      sock.removeAllListeners('message');
      sock.close();
      resolve(buf);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg) => {
      // Only the reply to this question (same ID) ends the exchange.
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(msg);
    });
    sock.send(query, port, host, (err) => {
      if (err) done(undefined);
    });
  });
}

function tcpExchange(query: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let buffered = Buffer.alloc(0);
    let settled = false;
    const done = (buf: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(buf);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length >= 2 + len) done(buffered.subarray(2, 2 + len));
      }
    });
  });
}

export async function recurse(query: Buffer, recursors: readonly string[], network: 'udp' | 'tcp', timeoutMs: number): Promise<Buffer | undefined> {
  for (const r of recursors) {
    const { host, port } = recursorAddress(r);
    const reply = network === 'tcp' ? await tcpExchange(query, host, port, timeoutMs) : await udpExchange(query, host, port, timeoutMs);
    if (!reply) continue;
    const rcode = reply.readUInt16BE(2) & 0xf;
    if (rcode === RCODE_NOERROR || rcode === RCODE_NXDOMAIN) return reply;
  }
  return undefined;
}
