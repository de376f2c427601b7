// The pieces of etcd's clientv3/concurrency (Session, Mutex, Election) that the server-side v3lock
// and v3election services are built from, re-done over the Backend: same keys, same transactions,
// same waits. Errors that come back through etcd's embedded client lose their gRPC code there, so
// the services answer them as UNKNOWN with etcd's text (verified against genuine 3.4.23).
import {
  CompareResult,
  CompareTarget,
  EventType,
  SortOrder,
  SortTarget,
  type Backend,
  type Event,
  type RangeResponse,
  type ResponseHeader,
} from '../../../adapters/backend.js';
import { EtcdError, Errors, GrpcCode, isEtcdError } from '../../../adapters/errors.js';
import { EMPTY_BYTES as EMPTY, prefixEnd, rangeRequest } from '../../../adapters/requests.js';
import type { CallContext } from '../../grpc/api.js';
import { GrpcStatusError } from '../../grpc/api.js';

/** clientv3/concurrency's default session TTL, used when a request carries no lease. */
export const DEFAULT_SESSION_TTL = 60;

// The lock and election services (and the health check) build their reads from here.
export { prefixEnd, rangeRequest };

/** clientv3.WithFirstCreate(): the oldest key under the prefix. */
export function firstCreate(backend: Backend, pfx: Buffer): Promise<RangeResponse> {
  return backend.range(
    rangeRequest(pfx, { rangeEnd: prefixEnd(pfx), sortOrder: SortOrder.ASCEND, sortTarget: SortTarget.CREATE, limit: 1 }),
  );
}

/** A session's lease: the given one, or a fresh lease of the default TTL (orphaned: nobody keeps it alive). */
export async function sessionLease(backend: Backend, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  const res = await backend.leaseGrant({ ttl: DEFAULT_SESSION_TTL, id: 0n });
  return res.id;
}

/** `%x` of an int64 as Go prints it. */
export function leaseHex(lease: bigint): string {
  return lease < 0n ? '-' + (-lease).toString(16) : lease.toString(16);
}

/** Why a wait ended because the call went away: as Go's context errors reach a gRPC client. */
export function contextError(ctx: CallContext): GrpcStatusError {
  if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) {
    return new GrpcStatusError(GrpcCode.DEADLINE_EXCEEDED, 'context deadline exceeded');
  }
  return new GrpcStatusError(GrpcCode.CANCELLED, 'context canceled');
}

/** Errors through etcd's embedded client: same text, code UNKNOWN. Context errors keep their code. */
export function asEmbeddedClientError(err: unknown): Error {
  if (err instanceof GrpcStatusError) return err;
  if (isEtcdError(err)) return new EtcdError(GrpcCode.UNKNOWN, err.message);
  return new EtcdError(GrpcCode.UNKNOWN, err instanceof Error ? err.message : String(err));
}

/** One watch batch as the embedded client would see it. */
export interface WatchBatch {
  events: Event[];
  header: ResponseHeader;
}

/**
 * A backend watch read as an async sequence of batches until `stop()` or the call's signal.
 * Ends by throwing when the backend ends the watch (compaction or cancel).
 */
export function watchBatches(
  backend: Backend,
  key: Buffer,
  rangeEnd: Buffer,
  startRevision: number,
  ctx: CallContext,
): { next(): Promise<WatchBatch>; stop(): void } {
  const queue: WatchBatch[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let stopped = false;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (e: Error) => {
    failure ??= e;
    poke();
  };
  const onAbort = () => fail(contextError(ctx));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const handle = backend.watch(
    { key, rangeEnd, startRevision, prevKv: false, filters: [] },
    {
      onEvents: (events, revision) => {
        const h = backend.header();
        queue.push({ events, header: { clusterId: h.clusterId, memberId: h.memberId, revision, raftTerm: h.raftTerm } });
        poke();
      },
      onCompacted: () => fail(Errors.Compacted),
      onCanceled: (reason) => fail(new Error(reason)),
    },
  );
  if (ctx.signal.aborted) onAbort();
  return {
    async next(): Promise<WatchBatch> {
      for (;;) {
        const b = queue.shift();
        if (b) return b;
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
      }
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      ctx.signal.removeEventListener('abort', onAbort);
      handle.cancel();
    },
  };
}

/** concurrency.waitDelete: until a DELETE of `key` at or after `rev`. */
async function waitDelete(backend: Backend, key: Buffer, rev: number, ctx: CallContext): Promise<void> {
  const w = watchBatches(backend, key, EMPTY, rev, ctx);
  try {
    for (;;) {
      const b = await w.next();
      if (b.events.some((e) => e.type === EventType.DELETE)) return;
    }
  } finally {
    w.stop();
  }
}

/** concurrency.waitDeletes: until no key under pfx was created at or before maxCreateRev. */
export async function waitDeletes(backend: Backend, pfx: Buffer, maxCreateRev: number, ctx: CallContext): Promise<ResponseHeader> {
  for (;;) {
    const resp = await backend.range(
      rangeRequest(pfx, {
        rangeEnd: prefixEnd(pfx),
        sortOrder: SortOrder.DESCEND,
        sortTarget: SortTarget.CREATE,
        limit: 1,
        maxCreateRevision: maxCreateRev,
      }),
    );
    const last = resp.kvs[0];
    if (!last) return resp.header;
    await waitDelete(backend, last.key, resp.header.revision, ctx);
  }
}

/** A compare "create_revision(key) = rev". */
export function createRevisionIs(key: Buffer, rev: number) {
  return { result: CompareResult.EQUAL, target: CompareTarget.CREATE, key, rangeEnd: EMPTY, createRevision: rev };
}
