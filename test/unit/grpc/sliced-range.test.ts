// A range answer with more kvs than SLICED_RANGE_KVS is encoded in slices, with turns of the event
// loop in between (a million keys would otherwise hold it 100+ ms): the same bytes as the one-go
// encoding, other work runs meanwhile, and a gRPC client receives the whole answer.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValue, RangeRequest, RangeResponse } from '../../../src/adapters/backend.js';
import { fastRangeRequest, fastRangeResponse, SLICED_RANGE_KVS } from '../../../src/gateway/etcd/codec/fast-kv.js';
import { protoDir } from '../../../src/gateway/etcd/codec/proto-root.js';
import { GrpcServer } from '../../../src/gateway/grpc/server.js';
import { allocatePorts, releasePort } from '../../support/ports.js';

function bigRange(n: number): RangeResponse {
  const kvs: KeyValue[] = [];
  for (let i = 0; i < n; i++) {
    kvs.push({ key: Buffer.from(`key/${String(i).padStart(7, '0')}`), value: Buffer.from(`v${i}`), createRevision: i + 2, modRevision: i + 2, version: 1, lease: i % 7 === 0 ? 0x1234n : 0n });
  }
  return { header: { clusterId: 0xabcn, memberId: 0xdefn, revision: n + 1, raftTerm: 3 }, kvs, more: true, count: n + 5 };
}

describe('RangeResponse encoded in slices', () => {
  it('a small answer is left to the one-go encoder', () => {
    expect(fastRangeResponse.encodeFramedSliced?.(bigRange(10))).toBeUndefined();
  });

  it('gives the same bytes as the one-go encoding, and the event loop turns meanwhile', async () => {
    const res = bigRange(SLICED_RANGE_KVS * 2 + 123);
    const whole = fastRangeResponse.encodeFramed?.(res) as Buffer;
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await (fastRangeResponse.encodeFramedSliced?.(res) as Promise<Buffer>);
    ticking = false;
    expect(sliced.equals(whole)).toBe(true);
    expect(turns).toBeGreaterThan(5);
  });
});

describe('through the gRPC server', () => {
  let ports: number[];
  let server: GrpcServer;
  let client: grpc.Client & { Range: (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void };
  const n = SLICED_RANGE_KVS + 1000;

  beforeAll(async () => {
    ports = await allocatePorts(1, { from: 23500, to: 23999 });
    server = new GrpcServer({ logger: pino({ level: 'silent' }) });
    const answer = bigRange(n);
    server.unary<RangeRequest, RangeResponse>('/etcdserverpb.KV/Range', fastRangeRequest, fastRangeResponse, (req) =>
      req.limit === 1 ? { ...answer, kvs: answer.kvs.slice(0, 1) } : Promise.resolve(answer),
    );
    await server.listen(ports[0] as number);
    const def = protoLoader.loadSync(['rpc.proto'], { includeDirs: [protoDir()], longs: String, bytes: Buffer, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: Record<string, grpc.ServiceClientConstructor> };
    client = new (pkg.etcdserverpb['KV'] as grpc.ServiceClientConstructor)(`127.0.0.1:${ports[0] as number}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
    }) as unknown as typeof client;
  });

  afterAll(async () => {
    client?.close();
    await server?.close(500);
    for (const p of ports ?? []) releasePort(p);
  });

  const range = (req: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => client.Range(req, (err, res) => (err ? reject(err) : resolve(res))));

  it('a grpc-js client receives every kv of a sliced answer; a small call in parallel answers too', async () => {
    const [big, small] = await Promise.all([range({ key: Buffer.from('key/') }), range({ key: Buffer.from('key/'), limit: 1 })]);
    const kvs = big['kvs'] as { key: Buffer; lease: string }[];
    expect(kvs.length).toBe(n);
    expect(kvs[n - 1]?.key.toString()).toBe(`key/${String(n - 1).padStart(7, '0')}`);
    expect(kvs[7]?.lease).toBe(String(0x1234));
    expect(big['count']).toBe(String(n + 5));
    expect(big['more']).toBe(true);
    expect((small['kvs'] as unknown[]).length).toBe(1);
  });
});
