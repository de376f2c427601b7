// Helpers of the DNS and prepared-query tests: a Consul face with its DNS interface on an ephemeral
// port, catalog registration through the HTTP API (as a user does), `dig` run exactly as a user
// runs it (with its output parsed), and raw dns-packet exchanges over UDP and TCP.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import { startConsulDns, type ConsulDnsOptions, type ConsulDnsServer } from '../../../src/gateway/consul/dns/index.js';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import type { AgentIdentity } from '../../../src/gateway/consul/context.js';

const execFileAsync = promisify(execFile);

export interface DnsFace {
  face: ConsulFace;
  dns: ConsulDnsServer;
  port: number;
  close(): Promise<void>;
}

export async function startDnsFace(opts: Partial<Omit<ConsulDnsOptions, 'host' | 'port'>> = {}, agent: Partial<AgentIdentity> = {}): Promise<DnsFace> {
  const face = await startConsulFace({ agent });
  const dns = await startConsulDns(face.ctx, { host: '127.0.0.1', port: 0, ...opts });
  return {
    face,
    dns,
    port: dns.address.port,
    close: async () => {
      await dns.close();
      await face.close();
    },
  };
}

async function http(url: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  return { status: res.status, text: await res.text() };
}

/** PUT /v1/catalog/register; throws unless Consul's 200 "true". */
export async function register(face: ConsulFace, body: Record<string, unknown>): Promise<void> {
  const res = await http(`${face.url}/v1/catalog/register`, 'PUT', body);
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${res.text}`);
}

export async function deregister(face: ConsulFace, body: Record<string, unknown>): Promise<void> {
  const res = await http(`${face.url}/v1/catalog/deregister`, 'PUT', body);
  if (res.status !== 200) throw new Error(`deregister failed: ${res.status} ${res.text}`);
}

export { http };

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigResult {
  stdout: string;
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** The EDNS UDP size of the reply's OPT record, when it has one. */
  ednsUdp: number | undefined;
}

function parseSection(lines: string[], title: string): DigRecord[] {
  const start = lines.indexOf(`;; ${title} SECTION:`);
  if (start < 0) return [];
  const out: DigRecord[] = [];
  for (let i = start + 1; i < lines.length && lines[i]!.trim() !== ''; i++) {
    const parts = lines[i]!.split(/\s+/);
    out.push({ name: parts[0]!, ttl: Number(parts[1]), type: parts[3]!, data: parts.slice(4).join(' ') });
  }
  return out;
}

/** Runs `dig @127.0.0.1 -p PORT <args>` (one try, short timeout) and parses what it prints. */
export async function dig(port: number, ...args: string[]): Promise<DigResult> {
  const { stdout } = await execFileAsync('dig', ['@127.0.0.1', '-p', String(port), ...args, '+tries=1', '+time=3'], { encoding: 'utf8' });
  const lines = stdout.split('\n');
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
  const flags = (/;; flags: ([a-z ]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const edns = /; EDNS: version: \d+, flags:[^;]*; udp: (\d+)/.exec(stdout);
  return {
    stdout,
    status,
    flags,
    answer: parseSection(lines, 'ANSWER'),
    authority: parseSection(lines, 'AUTHORITY'),
    additional: parseSection(lines, 'ADDITIONAL'),
    ednsUdp: edns ? Number(edns[1]) : undefined,
  };
}

/** Sends raw bytes over UDP; resolves with the reply, or undefined when none comes within `timeoutMs`. */
export function udpRaw(port: number, msg: Buffer, timeoutMs = 500): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(undefined);
    }, timeoutMs);
    sock.on('message', (reply) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

/** One question over UDP with dns-packet. */
export async function udpQuery(port: number, packet: Packet): Promise<DecodedPacket> {
  const reply = await udpRaw(port, dnsPacket.encode(packet), 3000);
  if (!reply) throw new Error('no UDP reply');
  return dnsPacket.decode(reply);
}

/** Sends several length-prefixed messages on one TCP connection; resolves with the replies in order. */
export function tcpQueries(port: number, packets: Packet[]): Promise<DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buffered = Buffer.alloc(0);
    const replies: DecodedPacket[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('TCP replies timed out'));
    }, 5000);
    sock.on('error', reject);
    sock.on('connect', () => sock.write(Buffer.concat(packets.map((p) => dnsPacket.streamEncode(p)))));
    sock.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const len = buffered.readUInt16BE(0);
        replies.push(dnsPacket.decode(buffered.subarray(2, 2 + len)));
        buffered = buffered.subarray(2 + len);
      }
      if (replies.length === packets.length) {
        clearTimeout(timer);
        sock.end();
        resolve(replies);
      }
    });
  });
}

export function question(name: string, type: string, extra: Partial<Packet> = {}): Packet {
  return { type: 'query', id: Math.floor(Math.random() * 65535), flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }], ...extra };
}
