// Serves the etcd services of src/gateway/etcd on loopback for tests, with genuine clients:
// - gRPC through a GrpcRouter implemented on @grpc/grpc-js's server (the project's own node:http2
//   layer is another engineer's; this keeps these tests about the services), with the project's
//   binary codecs;
// - the JSON gateway and /health /version /metrics through node:http.
import grpc from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import type { Backend } from '../../../src/adapters/backend.js';
import { EtcdError, GrpcCode } from '../../../src/adapters/errors.js';
import type { CallContext, GrpcRouter, MessageCodec, ServerStream, StreamHandler, UnaryHandler } from '../../../src/gateway/grpc/api.js';
import { GrpcStatusError } from '../../../src/gateway/grpc/api.js';
import { binaryCodec, jsonCodecOf } from '../../../src/gateway/etcd/codec/index.js';
import type { ServiceDeps } from '../../../src/gateway/etcd/deps.js';
import { createEtcdMetrics } from '../../../src/gateway/etcd/metrics.js';
import { allEtcdMethods } from '../../../src/gateway/etcd/services/index.js';
import { registerGrpc } from '../../../src/gateway/etcd/register.js';
import { leaderAware } from '../../../src/gateway/etcd/leader.js';
import { createJsonGateway } from '../../../src/gateway/etcd/gateway.js';
import { createHttpHandler } from '../../../src/gateway/etcd/http.js';
import { allocatePorts } from '../../support/ports.js';

export const PORTS = { from: 25100, to: 25999 };

function statusOf(err: unknown): { code: number; details: string } {
  if (err instanceof EtcdError || err instanceof GrpcStatusError) return { code: err.code, details: err.message };
  return { code: GrpcCode.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;

function ctxOf(call: AnyCall): CallContext {
  const ac = new AbortController();
  (call as grpc.ServerUnaryCall<unknown, unknown>).on('cancelled', () => ac.abort());
  const md: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.metadata.getMap())) md[k] = String(v);
  const deadline = call.getDeadline();
  return { metadata: md, signal: ac.signal, peer: call.getPeer(), deadline: typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : undefined };
}

/** A GrpcRouter over a grpc-js Server: each path becomes a one-method service definition. */
export class GrpcJsRouter implements GrpcRouter {
  constructor(private readonly server: grpc.Server) {}

  private def(path: string, req: MessageCodec<unknown>, res: MessageCodec<unknown>, requestStream: boolean, responseStream: boolean) {
    return {
      m: {
        path,
        requestStream,
        responseStream,
        requestSerialize: (v: unknown) => req.encode(v),
        requestDeserialize: (b: Buffer) => req.decode(b),
        responseSerialize: (v: unknown) => res.encode(v),
        responseDeserialize: (b: Buffer) => res.decode(b),
      },
    };
  }

  unary<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: UnaryHandler<Req, Res>): void {
    this.server.addService(this.def(path, req as MessageCodec<unknown>, res as MessageCodec<unknown>, false, false), {
      m: (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
        const ctx = ctxOf(call as AnyCall);
        Promise.resolve()
          .then(() => handler(call.request, ctx))
          .then(
            (r) => cb(null, r),
            (err: unknown) => cb(statusOf(err) as grpc.ServiceError),
          );
      },
    });
  }

  stream<Req, Res>(path: string, req: MessageCodec<Req>, res: MessageCodec<Res>, handler: StreamHandler<Req, Res>): void {
    // etcd's streaming calls: Watch and LeaseKeepAlive are bidi; Snapshot and Observe server-streaming.
    const bidi = path.endsWith('/Watch') || path.endsWith('/LeaseKeepAlive');
    this.server.addService(this.def(path, req as MessageCodec<unknown>, res as MessageCodec<unknown>, bidi, true), {
      m: ((call: grpc.ServerDuplexStream<Req, Res> & grpc.ServerWritableStream<Req, Res>) => {
        let closed = false;
        const closeCbs: (() => void)[] = [];
        const close = () => {
          if (closed) return;
          closed = true;
          for (const cb of closeCbs) cb();
        };
        call.on('cancelled', close);
        call.on('close', close);
        const s: ServerStream<Req, Res> = {
          ctx: ctxOf(call as AnyCall),
          get closed() {
            return closed;
          },
          onMessage: (cb) => {
            if (bidi) call.on('data', cb);
            else queueMicrotask(() => cb(call.request));
          },
          onEnd: (cb) => {
            if (bidi) call.on('end', cb);
            else queueMicrotask(cb);
          },
          onClose: (cb) => closeCbs.push(cb),
          write: (r) => {
            if (!closed) call.write(r);
          },
          end: (error) => {
            if (closed) return;
            if (error) call.emit('error', statusOf(error));
            else call.end();
            close();
          },
        };
        handler(s);
      }) as grpc.UntypedHandleCall,
    });
  }
}

export interface Frontend {
  grpcAddress: string;
  httpUrl: string;
  deps: ServiceDeps;
  close(): Promise<void>;
}

/** What every front-end test serves with: etcd's default limits, silent logs, a metrics registry of its own. */
export function testServerOptions(backend: Backend) {
  return {
    backend,
    maxRequestBytes: 1.5 * 1024 * 1024,
    maxTxnOps: 128,
    logger: pino({ level: 'silent' }),
    versions: { server: '3.4.23', cluster: '3.4.0' },
    memberName: 'test',
    metrics: createEtcdMetrics(),
  };
}

export async function startFrontend(backend: Backend, over: Partial<ServiceDeps> = {}): Promise<Frontend> {
  const [grpcPort, httpPort] = await allocatePorts(2, PORTS);
  const deps: ServiceDeps = { ...testServerOptions(backend), watchProgressIntervalMs: 0, ...over };
  const methods = allEtcdMethods(deps);
  const server = new grpc.Server();
  registerGrpc(new GrpcJsRouter(server), methods, (n) => binaryCodec(n), deps.metrics, leaderAware(backend));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${grpcPort}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  const http: Server = createServer(createHttpHandler(deps, createJsonGateway(methods, (n) => jsonCodecOf(n))));
  await new Promise<void>((resolve) => http.listen(httpPort, '127.0.0.1', resolve));
  return {
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    deps,
    async close() {
      server.forceShutdown();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
