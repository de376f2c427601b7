// The gRPC layer seen by @grpc/grpc-js clients (the reference implementation): unary calls sync and
// async, streams both ways, errors and their texts, deadlines, cancellation, big messages, unknown
// methods, message reassembly.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protoDir } from '../../../src/gateway/etcd/codec/proto-root.js';
import { GrpcServer } from '../../../src/gateway/grpc/server.js';
import { installTestService } from './test-service.js';
import { pino } from 'pino';

const PORT = 26101;
const ADDR = `127.0.0.1:${PORT}`;

type Callback = (err: grpc.ServiceError | null, res: Record<string, unknown>) => void;
type UnaryFn = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;
interface Clients {
  kv: grpc.Client & { Put: UnaryFn; Range: UnaryFn };
  lease: grpc.Client & { LeaseGrant: UnaryFn };
  watch: grpc.Client & { Watch: () => grpc.ClientDuplexStream<object, Record<string, unknown>> };
  maint: grpc.Client & { Snapshot: (req: object) => grpc.ClientReadableStream<Record<string, unknown>> };
}

let server: GrpcServer;
let service: ReturnType<typeof installTestService>;
let c: Clients;

function unary(fn: UnaryFn, client: grpc.Client, req: object, opts: grpc.CallOptions = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    fn.call(client, req, new grpc.Metadata(), opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  return p.then(
    () => ({ code: 0, details: 'no error' }),
    (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
  );
}

beforeAll(async () => {
  server = new GrpcServer({ maxReceiveMessageBytes: 2 * 1024 * 1024, logger: pino({ level: 'silent' }) });
  service = installTestService(server);
  await server.listen(PORT);
  const def = protoLoader.loadSync(['rpc.proto'], { includeDirs: [protoDir()], longs: String, bytes: Buffer, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: Record<string, grpc.ServiceClientConstructor> };
  const make = (name: string) => new (pkg.etcdserverpb[name] as grpc.ServiceClientConstructor)(ADDR, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  c = { kv: make('KV'), lease: make('Lease'), watch: make('Watch'), maint: make('Maintenance') } as unknown as Clients;
});

afterAll(async () => {
  for (const cl of Object.values(c ?? {})) (cl as grpc.Client).close();
  await server?.close(500);
});

describe('unary calls', () => {
  it('a synchronous handler answers, with the header and fields decoded by grpc-js', async () => {
    const res = await unary(c.kv.Put, c.kv, { key: Buffer.from('foo'), value: Buffer.from('bar') });
    expect(res['header']).toMatchObject({ clusterId: '14841639068965178418', memberId: '10276657743932975437', raftTerm: '2' });
    const again = await unary(c.kv.Put, c.kv, { key: Buffer.from('foo'), value: Buffer.from('baz'), prevKv: true });
    expect((again['prevKv'] as Record<string, unknown>)['value']).toEqual(Buffer.from('bar'));
  });

  it('an asynchronous handler answers; many calls in parallel on one connection', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => unary(c.kv.Put, c.kv, { key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })));
    const res = await unary(c.kv.Range, c.kv, { key: Buffer.from('k'), rangeEnd: Buffer.from('l') });
    expect(res['count']).toBe('50');
    expect((res['kvs'] as unknown[]).length).toBe(50);
  });

  it('a thrown EtcdError ends the call with its code and text', async () => {
    expect(await statusOf(unary(c.kv.Put, c.kv, { key: Buffer.alloc(0) }))).toEqual({ code: 3, details: 'etcdserver: key is not provided' });
  });

  it('non-ASCII and % in grpc-message survive the percent-encoding', async () => {
    expect(await statusOf(unary(c.lease.LeaseGrant, c.lease, { TTL: -1 }))).toEqual({ code: 9, details: 'bad ttl: 100% ünïcode' });
  });

  it('a plain Error is UNKNOWN with its message, as grpc-go answers a Go error', async () => {
    expect(await statusOf(unary(c.lease.LeaseGrant, c.lease, { TTL: 0 }))).toEqual({ code: 2, details: 'a plain bug' });
  });

  it('unknown service and method: UNIMPLEMENTED in grpc-go words', async () => {
    const client = new grpc.Client(ADDR, grpc.credentials.createInsecure());
    const call = (path: string) =>
      statusOf(new Promise((resolve, reject) => client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (e, v) => (e ? reject(e) : resolve(v)))));
    expect(await call('/etcdserverpb.KV/Nope')).toEqual({ code: 12, details: 'unknown method Nope for service etcdserverpb.KV' });
    expect(await call('/etcdserverpb.Nope/Range')).toEqual({ code: 12, details: 'unknown service etcdserverpb.Nope' });
    expect(await call('/nope')).toEqual({ code: 8, details: 'malformed method name: "/nope"' });
    client.close();
  });

  it('a message over the receive limit: RESOURCE_EXHAUSTED with grpc-go text; just under it passes', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    expect(await statusOf(unary(c.kv.Put, c.kv, { key: Buffer.from('k'), value: big }))).toEqual({
      code: 8,
      details: 'grpc: received message larger than max (2097160 vs. 2097152)',
    });
    const fits = Buffer.alloc(2 * 1024 * 1024 - 100, 2);
    await unary(c.kv.Put, c.kv, { key: Buffer.from('big'), value: fits });
    const res = await unary(c.kv.Range, c.kv, { key: Buffer.from('big') });
    expect(((res['kvs'] as Record<string, Buffer>[])[0] as Record<string, Buffer>)['value']?.equals(fits)).toBe(true);
  });

  it('a request that is not a valid message: INTERNAL, grpc-go text', async () => {
    const client = new grpc.Client(ADDR, grpc.credentials.createInsecure());
    const res = await statusOf(
      new Promise((resolve, reject) =>
        client.makeUnaryRequest('/etcdserverpb.KV/Put', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 1, 0x6b, 0x12, 1, 0x78, 0xff]), (e, v) => (e ? reject(e) : resolve(v))),
      ),
    );
    expect(res).toEqual({ code: 13, details: 'grpc: error unmarshalling request: unexpected EOF' });
    client.close();
  });
});

describe('deadlines and cancellation', () => {
  it('grpc-timeout: the server ends the call DEADLINE_EXCEEDED and aborts ctx.signal', async () => {
    // The client's own deadline would fire at the same time; give it a longer one and send a short grpc-timeout by hand.
    const session = http2.connect(`http://${ADDR}`);
    const req = session.request({ ':method': 'POST', ':path': '/etcdserverpb.Lease/LeaseGrant', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '50m' });
    const body = Buffer.from([0, 0, 0, 0, 2, 0x08, 0x05]); // TTL = 5
    req.end(body);
    const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve) => {
      req.on('response', (h) => {
        if (h['grpc-status'] !== undefined) resolve(h); // trailers-only
      });
      req.on('trailers', resolve);
      req.resume();
    });
    expect(trailers['grpc-status']).toBe('4');
    expect(trailers['grpc-message']).toBe('context deadline exceeded');
    session.close();
  });

  it('client cancel of a stream: the server sees onClose', async () => {
    const before = service.closedStreams();
    const call = c.watch.Watch();
    call.on('error', () => undefined);
    call.write({ createRequest: { key: Buffer.from('foo') } });
    await new Promise((r) => call.once('data', r));
    call.cancel();
    for (let i = 0; i < 500 && service.closedStreams() === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(service.closedStreams()).toBe(before + 1);
  });
});

describe('streams', () => {
  it('bidirectional: many messages per request, in order; half-close ends with OK; onClose fires after end()', async () => {
    const closedBefore = service.closedStreams();
    const call = c.watch.Watch();
    const got: Record<string, unknown>[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (m: Record<string, unknown>) => got.push(m));
      call.on('end', () => resolve());
      call.on('error', reject);
    });
    call.write({ createRequest: { key: Buffer.from('a') } });
    call.write({ createRequest: { key: Buffer.from('b') } });
    await new Promise((r) => setTimeout(r, 50));
    call.end();
    await ended;
    expect(got.length).toBe(8);
    expect(got.map((m) => m['watchId'])).toEqual(['1', '1', '1', '1', '2', '2', '2', '2']);
    expect(got[0]?.['created']).toBe(true);
    const ev = (got[3]?.['events'] as Record<string, Record<string, unknown>>[])[0];
    expect(ev?.['kv']?.['value']).toEqual(Buffer.from('v2'));
    expect(service.closedStreams()).toBe(closedBefore + 1);
  });

  it('a stream ended with an error after messages: status in the trailers', async () => {
    const call = c.watch.Watch();
    const got: unknown[] = [];
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('data', (m) => {
        got.push(m);
        if (got.length === 4) call.write({ cancelRequest: { watchId: 1 } });
      });
      call.on('error', resolve);
      call.write({ createRequest: { key: Buffer.from('x') } });
    });
    expect(got.length).toBe(4);
    expect([err.code, err.details]).toEqual([1, 'etcdserver: watch canceled']);
  });

  it('server-streaming: 40 x 32 KiB chunks arrive whole and in order', async () => {
    const chunks: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = c.maint.Snapshot({});
      call.on('data', (m: Record<string, unknown>) => chunks.push(m));
      call.on('end', resolve);
      call.on('error', reject);
    });
    expect(chunks.length).toBe(40);
    expect(chunks.every((m, i) => (m['blob'] as Buffer).length === 32768 && (m['blob'] as Buffer)[0] === i)).toBe(true);
    expect(chunks[39]?.['remainingBytes']).toBe('0');
  });
});

describe('framing', () => {
  it('messages split across DATA frames at every byte, and several messages in one frame', async () => {
    const session = http2.connect(`http://${ADDR}`);
    const req = session.request({ ':method': 'POST', ':path': '/etcdserverpb.Watch/Watch', 'content-type': 'application/grpc', te: 'trailers' });
    // Two WatchRequests {create_request {key: "ab"}} back to back, written one byte at a time, then two more in one write.
    const one = Buffer.from([0, 0, 0, 0, 6, 0x0a, 0x04, 0x0a, 0x02, 0x61, 0x62]);
    const frames: Buffer[] = [];
    req.on('data', (d: Buffer) => frames.push(d));
    const done = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on('trailers', resolve));
    for (const byte of Buffer.concat([one, one])) {
      req.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    req.write(Buffer.concat([one, one]));
    req.end();
    const trailers = await done;
    expect(trailers['grpc-status']).toBe('0');
    // 4 creates x 4 responses each; count length-prefixed messages in the reply.
    const all = Buffer.concat(frames);
    let n = 0;
    for (let pos = 0; pos < all.length; n++) pos += 5 + all.readUInt32BE(pos + 1);
    expect(n).toBe(16);
    session.close();
  });
});
