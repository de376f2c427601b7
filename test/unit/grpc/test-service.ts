// A tiny in-memory etcd-like service on the gRPC layer, for the layer's tests: real etcd method
// paths and codecs, trivial behaviour.
import type { KeyValue, PutRequest, PutResponse, RangeRequest, RangeResponse, ResponseHeader } from '../../../src/adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../../src/adapters/errors.js';
import { binaryCodec } from '../../../src/gateway/etcd/codec/index.js';
import type { WatchRequest, WatchResponse } from './watch-types.js';
import type { GrpcServer } from '../../../src/gateway/grpc/server.js';

export function installTestService(server: GrpcServer): { closedStreams: () => number } {
  const store = new Map<string, KeyValue>();
  let revision = 1;
  let closedStreams = 0;
  const header = (): ResponseHeader => ({ clusterId: 14841639068965178418n, memberId: 10276657743932975437n, revision, raftTerm: 2 });

  // Synchronous handler: answered without a promise.
  server.unary<PutRequest, PutResponse>('/etcdserverpb.KV/Put', binaryCodec('PutRequest'), binaryCodec('PutResponse'), (req) => {
    if (req.key.length === 0) throw Errors.EmptyKey;
    const prev = store.get(req.key.toString('latin1'));
    revision++;
    store.set(req.key.toString('latin1'), {
      key: req.key,
      value: req.value,
      createRevision: prev?.createRevision ?? revision,
      modRevision: revision,
      version: (prev?.version ?? 0) + 1,
      lease: req.lease,
    });
    return req.prevKv && prev ? { header: header(), prevKv: prev } : { header: header() };
  });

  // Asynchronous handler.
  server.unary<RangeRequest, RangeResponse>('/etcdserverpb.KV/Range', binaryCodec('RangeRequest'), binaryCodec('RangeResponse'), async (req) => {
    await new Promise((r) => setImmediate(r));
    const from = req.key.toString('latin1');
    const to = req.rangeEnd.toString('latin1');
    const kvs = [...store.values()]
      .filter((kv) => {
        const k = kv.key.toString('latin1');
        return to === '' ? k === from : to === '\0' ? k >= from : k >= from && k < to;
      })
      .sort((a, b) => Buffer.compare(a.key, b.key));
    return { header: header(), kvs: req.countOnly ? [] : kvs, more: false, count: kvs.length };
  });

  // Waits for the call's signal: used for deadlines and cancellation.
  server.unary<{ ttl: number; id: bigint }, unknown>('/etcdserverpb.Lease/LeaseGrant', binaryCodec('LeaseGrantRequest'), binaryCodec('LeaseGrantResponse'), (req, ctx) => {
    if (req.ttl < 0) throw new EtcdError(GrpcCode.FAILED_PRECONDITION, 'bad ttl: 100% ünïcode');
    if (req.ttl === 0) throw new Error('a plain bug');
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
    });
  });

  // Bidirectional: answers every request; ends when the client half-closes.
  server.stream<WatchRequest, WatchResponse>('/etcdserverpb.Watch/Watch', binaryCodec('WatchRequest'), binaryCodec('WatchResponse'), (s) => {
    let id = 0;
    s.onMessage((req) => {
      if (req.createRequest) {
        id++;
        s.write({ header: header(), watchId: id, created: true, canceled: false, compactRevision: 0, cancelReason: '', fragment: false, events: [] });
        for (let i = 0; i < 3; i++) {
          s.write({
            header: header(),
            watchId: id,
            created: false,
            canceled: false,
            compactRevision: 0,
            cancelReason: '',
            fragment: false,
            events: [{ type: 0, kv: { key: req.createRequest.key, value: Buffer.from(`v${i}`), createRevision: 2, modRevision: 2 + i, version: 1 + i, lease: 0n } }],
          });
        }
      } else if (req.cancelRequest) {
        s.end(new EtcdError(GrpcCode.CANCELLED, 'etcdserver: watch canceled'));
      }
    });
    s.onEnd(() => s.end());
    s.onClose(() => closedStreams++);
  });

  // Maintenance.Status, for etcdctl's per-endpoint commands.
  server.unary<Record<string, never>, unknown>('/etcdserverpb.Maintenance/Status', binaryCodec('StatusRequest'), binaryCodec('StatusResponse'), () => ({
    header: header(),
    version: '3.4.23',
    dbSize: 20480,
    leader: 10276657743932975437n,
    raftIndex: revision,
    raftTerm: 2,
    raftAppliedIndex: revision,
    errors: [],
    dbSizeInUse: 16384,
    isLearner: false,
  }));

  // Server-streaming: N big chunks.
  server.stream<Record<string, never>, unknown>('/etcdserverpb.Maintenance/Snapshot', binaryCodec('SnapshotRequest'), binaryCodec('SnapshotResponse'), (s) => {
    s.onMessage(() => {
      const chunks = 40;
      for (let i = 0; i < chunks; i++) {
        s.write({ header: header(), remainingBytes: (chunks - 1 - i) * 32768, blob: Buffer.alloc(32768, i) });
      }
      s.end();
    });
  });

  return { closedStreams: () => closedStreams };
}
