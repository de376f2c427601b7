// gRPC, UDP, H2PING and TCP+TLS checks run by the agent (reference §2.6): the standard gRPC
// health protocol against a real gRPC server (@grpc/grpc-js), SERVING / NOT_SERVING / unknown
// service / refused; UDP checks that pass on silence and fail on an ICMP refusal; an HTTP/2 PING
// against a node:http2 server — with Consul's outputs.
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
const put = (p: string, body?: unknown) => fetch(`${face.url}${p}`, { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const checks = async () => (await (await fetch(`${face.url}/v1/agent/checks`)).json()) as Record<string, { Status: string; Output: string; Type: string }>;

async function settled(id: string, ok: (c: { Status: string; Output: string }) => boolean): Promise<{ Status: string; Output: string; Type: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const c = (await checks())[id];
    if (c && ok(c)) return c;
    if (Date.now() > deadline) throw new Error(`check ${id} never settled: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// grpc.health.v1 by hand: HealthCheckRequest{service=1}, HealthCheckResponse{status=1}.
let serving: Record<string, number> = { '': 1, db: 2 };
let server: grpc.Server;
let grpcPort = 0;

function serviceOf(req: Buffer): string {
  return req.length > 2 && req[0] === 0x0a ? req.subarray(2, 2 + req[1]!).toString('utf8') : '';
}

beforeAll(async () => {
  face = await startConsulFace({ agent: { nodeName: 'probe' } });
  server = new grpc.Server();
  const raw = (b: Buffer) => b;
  server.addService(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    } as grpc.ServiceDefinition,
    {
      Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const status = serving[serviceOf(call.request)];
        if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else cb(null, Buffer.from([0x08, status]));
      },
    },
  );
  grpcPort = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
});
afterAll(async () => {
  server?.forceShutdown();
  await face?.close();
});

describe('gRPC checks', () => {
  it('pass on SERVING and fail on NOT_SERVING, an unknown service and a refused connection', async () => {
    const target = `127.0.0.1:${grpcPort}`;
    expect((await put('/v1/agent/check/register', { Name: 'g-all', GRPC: target, Interval: '1s' })).status).toBe(200);
    expect((await put('/v1/agent/check/register', { Name: 'g-db', GRPC: `${target}/db`, Interval: '1s' })).status).toBe(200);
    expect((await put('/v1/agent/check/register', { Name: 'g-none', GRPC: `${target}/nope`, Interval: '1s' })).status).toBe(200);
    expect((await put('/v1/agent/check/register', { Name: 'g-down', GRPC: '127.0.0.1:1', Interval: '1s', Status: 'passing' })).status).toBe(200);
    const all = await settled('g-all', (c) => c.Status === 'passing');
    expect(all).toMatchObject({ Type: 'grpc', Output: `gRPC check ${target}: success` });
    expect((await settled('g-db', (c) => c.Output !== '')).Output).toBe(`gRPC ${target}/db serving status: NOT_SERVING`);
    expect((await settled('g-none', (c) => c.Output !== '')).Output).toBe('rpc error: code = NotFound desc = unknown service');
    const down = await settled('g-down', (c) => c.Status === 'critical');
    expect(down.Output).toMatch(/^rpc error: code = Unavailable desc = .*connection refused/);
    serving = { '': 2, db: 1 };
    await settled('g-all', (c) => c.Status === 'critical');
    await settled('g-db', (c) => c.Status === 'passing');
  });
});

describe('UDP checks', () => {
  let listener: Socket;
  let port = 0;
  beforeAll(async () => {
    listener = createSocket('udp4');
    listener.on('message', (_m, from) => listener.send('pong', from.port, from.address));
    await new Promise<void>((r) => listener.bind(0, '127.0.0.1', r));
    port = listener.address().port;
  });
  afterAll(() => listener.close());

  it('passes when the port answers and fails with a refusal when nothing listens', async () => {
    expect((await put('/v1/agent/check/register', { Name: 'u-ok', UDP: `127.0.0.1:${port}`, Interval: '1s' })).status).toBe(200);
    const ok = await settled('u-ok', (c) => c.Status === 'passing');
    expect(ok).toMatchObject({ Type: 'udp', Output: `UDP connect 127.0.0.1:${port}: Success` });
    // A port nobody listens on: the kernel answers with ICMP port unreachable.
    const closed = createSocket('udp4');
    await new Promise<void>((r) => closed.bind(0, '127.0.0.1', r));
    const deadPort = closed.address().port;
    closed.close();
    expect((await put('/v1/agent/check/register', { Name: 'u-dead', UDP: `127.0.0.1:${deadPort}`, Interval: '1s', Timeout: '2s', Status: 'passing' })).status).toBe(200);
    const dead = await settled('u-dead', (c) => c.Status === 'critical');
    expect(dead.Output).toMatch(new RegExp(`^read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${deadPort}: read: connection refused$`));
  });
});

describe('H2PING checks', () => {
  let h2: Http2Server;
  let port = 0;
  beforeAll(async () => {
    h2 = createH2Server();
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    port = (h2.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => h2.close(r));
  });

  it('pass when the server acks a PING (h2ping_use_tls false) and fail when the dial is refused', async () => {
    expect((await put('/v1/agent/check/register', { Name: 'h2-ok', H2PING: `127.0.0.1:${port}`, H2PingUseTLS: false, Interval: '1s' })).status).toBe(200);
    const ok = await settled('h2-ok', (c) => c.Status === 'passing');
    expect(ok).toMatchObject({ Type: 'h2ping', Output: 'HTTP2 ping was successful' });
    expect((await put('/v1/agent/check/register', { Name: 'h2-down', H2PING: '127.0.0.1:1', h2ping_use_tls: false, Interval: '1s', Status: 'passing' })).status).toBe(200);
    const down = await settled('h2-down', (c) => c.Status === 'critical');
    expect(down.Output).toBe('Failed to dial to 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused');
  });
});
