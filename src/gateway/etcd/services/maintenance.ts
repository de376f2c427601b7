// etcdserverpb.Maintenance. Snapshot streams the backend's database and ends, as etcd does, with
// one extra chunk carrying the sha256 of everything sent: `etcdctl snapshot save` checks for it.
import type { ResponseHeader, SnapshotChunk } from '../../../adapters/backend.js';
import { EtcdError, GrpcCode, isEtcdError } from '../../../adapters/errors.js';
import { inlineSha256, offThreadSha256, type StreamHash } from '../../../native/node/sha256-off-thread.js';
import type { ServerStream } from '../../grpc/api.js';
import type { ServiceDeps } from '../deps.js';
import type { Empty } from '../messages.js';
import { stream, unary, type MethodDef } from '../method.js';

export function maintenanceMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    unary('/etcdserverpb.Maintenance/Status', 'StatusRequest', 'StatusResponse', async () => {
      const st = await backend.status();
      // Clients read the etcd version they talk to from here (etcdctl endpoint status): the emulated one.
      return { ...st, version: deps.versions.server };
    }),
    unary('/etcdserverpb.Maintenance/Hash', 'HashRequest', 'HashResponse', () => backend.hash()),
    unary('/etcdserverpb.Maintenance/HashKV', 'HashKVRequest', 'HashKVResponse', (req) => backend.hashKV(req.revision)),
    unary('/etcdserverpb.Maintenance/Alarm', 'AlarmRequest', 'AlarmResponse', (req) => backend.alarm(req).then(withoutHeader)),
    unary('/etcdserverpb.Maintenance/Defragment', 'DefragmentRequest', 'DefragmentResponse', () =>
      backend.defragment().then(withoutHeader),
    ),
    unary('/etcdserverpb.Maintenance/MoveLeader', 'MoveLeaderRequest', 'MoveLeaderResponse', (req) =>
      backend.moveLeader(req.targetID),
    ),
    stream('/etcdserverpb.Maintenance/Snapshot', 'SnapshotRequest', 'SnapshotResponse', false, (s) => {
      void serveSnapshot(deps, s);
    }),
  ];
}

/**
 * etcd 3.4 answers Alarm and Defragment with no header at all (`"header": null`, `{}` on the
 * gateway). The message types require one, so the unset header is made explicit here only.
 */
function withoutHeader<T extends { header: ResponseHeader }>(res: T): T {
  return { ...res, header: undefined as unknown as ResponseHeader };
}

/** etcdctl's snapshot save accepts a file only when (size % 512) == 32: the db part must be whole 512-byte blocks. */
const BLOCK = 512;

/** From this size on the sha256 is computed on a worker thread (starting one costs a few ms). */
const HASH_OFF_THREAD_FROM = 64 * 1024 * 1024;

async function serveSnapshot(deps: ServiceDeps, s: ServerStream<Empty, SnapshotChunk>): Promise<void> {
  let sha: StreamHash | undefined;
  let header = deps.backend.header();
  let sent = 0;
  try {
    // Each blob is copied into its message by s.write before the next is asked for: the native
    // backend may then build the file in one reused buffer (other backends ignore the option).
    const backend = deps.backend as { snapshot(opts?: { transientBlobs?: boolean }): AsyncIterable<SnapshotChunk> };
    for await (const chunk of backend.snapshot({ transientBlobs: true })) {
      if (s.closed) return;
      header = chunk.header;
      sent += chunk.blob.length;
      // A bbolt file is page-aligned, the backend's may not be: pad the end with zeros so the stream
      // etcdctl receives has the shape it verifies. remainingBytes counts the padding too.
      const pad = padFor(sent + chunk.remainingBytes);
      const last = chunk.remainingBytes === 0;
      const blob = last && pad > 0 ? Buffer.concat([chunk.blob, Buffer.alloc(pad)]) : chunk.blob;
      sha ??= sent + chunk.remainingBytes >= HASH_OFF_THREAD_FROM ? offThreadSha256() : inlineSha256();
      const room = sha.update(blob);
      s.write({ header: chunk.header, remainingBytes: last ? 0 : chunk.remainingBytes + pad, blob });
      if (room) await room;
      // The file is built while it is sent: a client reading slower than that holds the building
      // back, rather than the whole file piling up in memory.
      if (s.backpressured && s.onDrain) await new Promise<void>((resolve) => s.onDrain!(resolve));
    }
    if (s.closed) return;
    const digest = await (sha ?? inlineSha256()).digest();
    if (s.closed) return;
    s.write({ header, remainingBytes: 0, blob: digest });
    s.end();
  } catch (err) {
    deps.logger.warn({ err }, 'snapshot stream failed');
    if (!s.closed) s.end(isEtcdError(err) ? err : new EtcdError(GrpcCode.INTERNAL, String((err as Error).message ?? err)));
  } finally {
    sha?.close();
  }
}

function padFor(total: number): number {
  return (BLOCK - (total % BLOCK)) % BLOCK;
}
