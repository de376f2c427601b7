// The gRPC layer with canned answers and no store: the floor of what the layer costs per call.
// Started as its own process by the runner (target "echo") so its CPU can be measured alone.
//   node dist/bench/echo-server.js <port>
import { pino } from 'pino';
import type { KeyValue, PutRequest, PutResponse, RangeRequest, RangeResponse, ResponseHeader } from '../src/adapters/backend.js';
import { binaryCodec } from '../src/gateway/etcd/codec/index.js';
import { listenClientPort } from '../src/gateway/grpc/client-port.js';
import { GrpcServer } from '../src/gateway/grpc/server.js';

const port = Number(process.argv[2] ?? 26700);
const server = new GrpcServer({ logger: pino({ level: 'warn' }) });
let revision = 1;
const header = (): ResponseHeader => ({ clusterId: 0x1234567890abcdefn, memberId: 0xfedcba0987654321n, revision, raftTerm: 2 });
const value = Buffer.alloc(256, 97);

server.unary<PutRequest, PutResponse>('/etcdserverpb.KV/Put', binaryCodec('PutRequest'), binaryCodec('PutResponse'), () => {
  revision++;
  return { header: header() };
});
server.unary<RangeRequest, RangeResponse>('/etcdserverpb.KV/Range', binaryCodec('RangeRequest'), binaryCodec('RangeResponse'), (req) => {
  const kv: KeyValue = { key: req.key, value, createRevision: 2, modRevision: revision, version: 1, lease: 0n };
  return { header: header(), kvs: [kv], more: false, count: 1 };
});

await listenClientPort({
  host: '127.0.0.1',
  port,
  grpc: server,
  http1: (_req, res) => {
    res.statusCode = 404;
    res.end();
  },
});
process.on('SIGTERM', () => process.exit(0));
process.send?.('listening');
