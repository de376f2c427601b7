// The same raw calls against genuine etcd 3.4 and against our layer: the gRPC statuses a client
// sees for transport-level errors must match, and our JSON codec must write what etcd's gateway
// writes for the same response.
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RangeResponse } from '../../../src/adapters/backend.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { binaryCodec, jsonCodecOf } from '../../../src/gateway/etcd/codec/index.js';
import { GrpcServer } from '../../../src/gateway/grpc/server.js';
import { skipUnlessBinaries, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';
import { installTestService } from './test-service.js';

const OURS = 26131;
const ETCD_CLIENT = 26132;
const ETCD_PEER = 26133;

const skip = skipUnlessBinaries('etcd');

describe.skipIf(skip)('transport-level answers: ours vs genuine etcd 3.4', () => {
  let etcd: RunningMember;
  let server: GrpcServer;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    server = new GrpcServer({ logger: pino({ level: 'silent' }) });
    installTestService(server);
    await server.listen(OURS);
    etcd = await startEtcd({ clientPort: ETCD_CLIENT, peerPort: ETCD_PEER });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close(200);
    await stopAllProcesses();
  });

  function call(port: number, path: string, body: Buffer): Promise<{ code: number; details: string; body?: Buffer }> {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    clients.push(client);
    return new Promise((resolve) =>
      client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, (err, v) =>
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', body: v as Buffer }),
      ),
    );
  }

  async function both(path: string, body: Buffer): Promise<void> {
    const theirs = await call(ETCD_CLIENT, path, body);
    const ours = await call(OURS, path, body);
    expect(ours).toEqual(theirs);
  }

  function putFrame(key: string, valueSize: number): Buffer {
    return binaryCodec('PutRequest').encode(putRequest(Buffer.from(key), Buffer.alloc(valueSize, 1)));
  }

  it('unknown method, unknown service, malformed name', async () => {
    await both('/etcdserverpb.KV/Nope', Buffer.alloc(0));
    await both('/etcdserverpb.Nope/Range', Buffer.alloc(0));
    await both('/nope', Buffer.alloc(0));
  });

  it('a message over 2 MiB (etcd default --max-request-bytes + 512 KiB)', async () => {
    await both('/etcdserverpb.KV/Put', putFrame('k', 2 * 1024 * 1024));
  });

  it('a truncated message', async () => {
    await both('/etcdserverpb.KV/Put', Buffer.from([0x0a, 1, 0x6b, 0x12, 1, 0x78, 0xff]));
  });

  it('JSON: our codec writes the gateway JSON etcd writes for the same Range response', async () => {
    await call(ETCD_CLIENT, '/etcdserverpb.KV/Put', putFrame('jsonkey', 5));
    const rangeReq = binaryCodec('RangeRequest').encode(rangeRequest(Buffer.from('jsonkey')));
    const bin = await call(ETCD_CLIENT, '/etcdserverpb.KV/Range', rangeReq);
    const decoded = binaryCodec<RangeResponse>('RangeResponse').decode(bin.body as Buffer);
    const res = await fetch(`${etcd.clientUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('jsonkey').toString('base64') }) });
    const gatewayText = await res.text();
    expect(JSON.stringify(jsonCodecOf('RangeResponse').toJson(decoded))).toBe(gatewayText);

    const members = await call(ETCD_CLIENT, '/etcdserverpb.Cluster/MemberList', Buffer.alloc(0));
    const memberJson = await (await fetch(`${etcd.clientUrl}/v3/cluster/member/list`, { method: 'POST', body: '{}' })).text();
    expect(JSON.stringify(jsonCodecOf('MemberListResponse').toJson(binaryCodec('MemberListResponse').decode(members.body as Buffer)))).toBe(memberJson);
  });
});
