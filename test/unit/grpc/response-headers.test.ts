// The header fields of a gRPC answer, seen by a raw HTTP/2 client: the same names as genuine etcd
// 3.4 (grpc-go) sends, for an answer with a message and for a trailers-only error. grpc-go sends no
// date header; node:http2 adds one unless told not to.
import http2 from 'node:http2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putRequest } from '../../../src/adapters/requests.js';
import { binaryCodec } from '../../../src/gateway/etcd/codec/index.js';
import { GrpcServer } from '../../../src/gateway/grpc/server.js';
import { skipUnlessBinaries, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';
import { allocatePorts, releasePort } from '../../support/ports.js';
import { installTestService } from './test-service.js';

interface Seen {
  headers: string[];
  trailers: string[];
}

/** Field names of the answer's HEADERS and trailers (sorted; values differ between servers). */
function fieldsOf(port: number, path: string, body: Buffer): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    const seen: Seen = { headers: [], trailers: [] };
    req.on('response', (h) => (seen.headers = Object.keys(h).sort()));
    req.on('trailers', (h) => (seen.trailers = Object.keys(h).sort()));
    req.on('data', () => undefined);
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      resolve(seen);
    });
    const framed = Buffer.alloc(5 + body.length);
    framed.writeUInt32BE(body.length, 1);
    body.copy(framed, 5);
    req.end(framed);
  });
}

const skip = skipUnlessBinaries('etcd');

describe.skipIf(skip)('gRPC answer header fields: ours vs genuine etcd 3.4', () => {
  let ports: number[];
  let etcd: RunningMember;
  let server: GrpcServer;

  beforeAll(async () => {
    ports = await allocatePorts(3, { from: 23500, to: 23999 });
    server = new GrpcServer({ logger: pino({ level: 'silent' }) });
    installTestService(server);
    await server.listen(ports[0] as number);
    etcd = await startEtcd({ clientPort: ports[1] as number, peerPort: ports[2] as number });
  }, 90_000);

  afterAll(async () => {
    await server?.close(200);
    await stopAllProcesses();
    for (const p of ports ?? []) releasePort(p);
  });

  it('an answer with a message: :status and content-type, then grpc-status and an empty grpc-message; no date', async () => {
    const put = binaryCodec('PutRequest').encode(putRequest(Buffer.from('hdr'), Buffer.from('v')));
    const theirs = await fieldsOf(etcd.clientPort, '/etcdserverpb.KV/Put', put);
    const ours = await fieldsOf(ports[0] as number, '/etcdserverpb.KV/Put', put);
    expect(theirs).toEqual({ headers: [':status', 'content-type'], trailers: ['grpc-message', 'grpc-status'] });
    expect(ours).toEqual(theirs);
  });

  it('a trailers-only error: status, content-type, grpc-status and grpc-message in one block; no date', async () => {
    const emptyKey = binaryCodec('PutRequest').encode(putRequest(Buffer.alloc(0), Buffer.from('v')));
    const theirs = await fieldsOf(etcd.clientPort, '/etcdserverpb.KV/Put', emptyKey);
    const ours = await fieldsOf(ports[0] as number, '/etcdserverpb.KV/Put', emptyKey);
    expect(theirs.headers).toEqual([':status', 'content-type', 'grpc-message', 'grpc-status']);
    expect(ours).toEqual(theirs);
  });
});
