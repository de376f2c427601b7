// Puts the declared service methods on a GrpcRouter with their binary codecs, counting each call
// in grpc_server_started_total / grpc_server_handled_total (label children bound once per method).
import { EtcdError, Errors, GrpcCode } from '../../adapters/errors.js';
import { GrpcStatusError, type GrpcRouter, type MessageCodec, type ServerStream } from '../grpc/api.js';
import type { MessageName } from './codecs.js';
import { GRPC_CODE_NAMES, type EtcdMetrics } from './metrics.js';
import { requiresLeader, type LeaderAware } from './leader.js';
import type { MethodDef } from './method.js';

export type BinaryCodecLookup = (name: MessageName) => MessageCodec<unknown>;

/** For methods whose messages are never read (auth management answered UNIMPLEMENTED). */
const IGNORED: MessageCodec<unknown> = {
  decode: () => ({}),
  encode: () => Buffer.alloc(0),
};

/** Byte counts since the last scrape (plain numbers: prom-client's inc() costs too much per message). */
interface ByteCounts {
  received: number;
  sent: number;
}

/** The codec, counting bytes for etcd_network_client_grpc_{received,sent}_bytes_total (5-byte gRPC prefix included). */
function counted(codec: MessageCodec<unknown>, bytes: ByteCounts): MessageCodec<unknown> {
  const out: MessageCodec<unknown> = {
    decode: (buf) => {
      bytes.received += buf.length + 5;
      return codec.decode(buf);
    },
    encode: (msg) => {
      const b = codec.encode(msg);
      bytes.sent += b.length + 5;
      return b;
    },
  };
  const framed = codec.encodeFramed?.bind(codec);
  if (framed) {
    out.encodeFramed = (msg) => {
      const b = framed(msg);
      bytes.sent += b.length;
      return b;
    };
  }
  const sliced = codec.encodeFramedSliced?.bind(codec);
  if (sliced) {
    out.encodeFramedSliced = (msg) => {
      const later = sliced(msg);
      return later?.then((b) => {
        bytes.sent += b.length;
        return b;
      });
    };
  }
  return out;
}

/** Per-method call counts since the last scrape. */
interface CallCounts {
  started: number;
  ok: number;
}

function codeOf(err: unknown): number {
  if (err instanceof EtcdError || err instanceof GrpcStatusError) return err.code;
  return GrpcCode.UNKNOWN;
}

export function registerGrpc(
  router: GrpcRouter,
  methods: MethodDef[],
  codecs: BinaryCodecLookup,
  metrics: EtcdMetrics,
  leader?: LeaderAware,
): void {
  // Streams opened with "require leader": ended with "etcdserver: no leader" when the leader goes.
  const leaderBound = new Set<ServerStream<unknown, unknown>>();
  leader?.onLeaderChange((id) => {
    if (id !== 0n) return;
    for (const s of [...leaderBound]) s.end(Errors.NoLeader);
  });
  const noLeader = leader ? () => !leader.hasLeader() : () => false;
  const bytes: ByteCounts = { received: 0, sent: 0 };
  const flushes: (() => void)[] = [];
  metrics.onScrape(() => {
    metrics.clientGrpcReceivedBytes.inc(bytes.received);
    metrics.clientGrpcSentBytes.inc(bytes.sent);
    bytes.received = 0;
    bytes.sent = 0;
    for (const f of flushes) f();
  });
  for (const m of methods) {
    const [, service = '', name = ''] = /^\/([^/]+)\/(.+)$/.exec(m.path) ?? [];
    const type = m.kind === 'unary' ? 'unary' : m.clientStreaming ? 'bidi_stream' : 'server_stream';
    const counts: CallCounts = { started: 0, ok: 0 };
    const startedCounter = metrics.grpcStarted.labels(type, service, name);
    const okCounter = metrics.grpcHandled.labels(type, service, name, 'OK');
    // Both series exist from the start (0), as go-grpc-prometheus pre-initialises them.
    startedCounter.inc(0);
    okCounter.inc(0);
    flushes.push(() => {
      startedCounter.inc(counts.started);
      okCounter.inc(counts.ok);
      counts.started = 0;
      counts.ok = 0;
    });
    const handledErr = (err: unknown) =>
      metrics.grpcHandled.labels(type, service, name, GRPC_CODE_NAMES[codeOf(err)] ?? 'Unknown').inc();
    const reqCodec = counted(m.req === 'Ignored' ? IGNORED : codecs(m.req), bytes);
    const resCodec = counted(m.res === 'Ignored' ? IGNORED : codecs(m.res), bytes);
    if (m.kind === 'unary') {
      const handler = m.handler;
      const onOk = (v: unknown) => {
        counts.ok++;
        return v;
      };
      const onErr = (e: unknown) => {
        handledErr(e);
        throw e;
      };
      router.unary(m.path, reqCodec, resCodec, (req, ctx) => {
        counts.started++;
        let r: unknown;
        try {
          if (requiresLeader(ctx.metadata) && noLeader()) throw Errors.NoLeader;
          r = handler(req, ctx);
        } catch (e) {
          handledErr(e);
          throw e;
        }
        if (r instanceof Promise) return r.then(onOk, onErr);
        counts.ok++;
        return r;
      });
    } else {
      const handler = m.handler;
      router.stream(m.path, reqCodec, resCodec, (s: ServerStream<unknown, unknown>) => {
        counts.started++;
        // Count the end of the call as the client sees it: the first end() or the stream closing.
        let counted = false;
        const counting: ServerStream<unknown, unknown> = {
          get ctx() {
            return s.ctx;
          },
          get closed() {
            return s.closed;
          },
          onMessage: (cb) => s.onMessage(cb),
          onEnd: (cb) => s.onEnd(cb),
          onClose: (cb) => s.onClose(cb),
          write: (res) => s.write(res),
          end: (error?: Error) => {
            leaderBound.delete(counting);
            if (!counted) {
              counted = true;
              if (error) handledErr(error);
              else counts.ok++;
            }
            s.end(error);
          },
        };
        // etcd's stream interceptor: a learner refuses the stream before anything else
        if (leader?.isLearner()) {
          counting.end(Errors.NotSupportedForLearner);
          return;
        }
        if (requiresLeader(s.ctx.metadata)) {
          if (noLeader()) {
            counting.end(Errors.NoLeader);
            return;
          }
          leaderBound.add(counting);
        }
        s.onClose(() => {
          leaderBound.delete(counting);
          if (!counted) {
            counted = true;
            metrics.grpcHandled.labels(type, service, name, 'Canceled').inc();
          }
        });
        handler(counting);
      });
    }
  }
}
