// v3electionpb.Election, as etcd's v3election server does it with concurrency.Election: the
// candidate key is name + "/" + lease in hex; the leader is the oldest key under the prefix.
// Error texts are concurrency's ("election: no leader", "election: not leader") with code UNKNOWN.
import { EventType, type KeyValue, type ResponseHeader } from '../../../adapters/backend.js';
import { EtcdError, GrpcCode } from '../../../adapters/errors.js';
import type { CallContext, ServerStream } from '../../grpc/api.js';
import type { ServiceDeps } from '../deps.js';
import type { CampaignRequest, CampaignResponse, LeaderKey, LeaderRequest, LeaderResponse } from '../messages.js';
import { stream, unary, type MethodDef } from '../method.js';
import {
  asEmbeddedClientError,
  createRevisionIs,
  firstCreate,
  leaseHex,
  prefixEnd,
  rangeRequest,
  sessionLease,
  waitDeletes,
  watchBatches,
} from './concurrency.js';
import { requestDelete, requestPut, requestRange } from './ops.js';

export const ErrElectionNoLeader = new EtcdError(GrpcCode.UNKNOWN, 'election: no leader');
export const ErrElectionNotLeader = new EtcdError(GrpcCode.UNKNOWN, 'election: not leader');
export const ErrMissingLeaderKey = new EtcdError(GrpcCode.UNKNOWN, '"leader" field must be provided');

const keyPrefix = (name: Buffer) => Buffer.concat([name, Buffer.from('/')]);

async function embedded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asEmbeddedClientError(err);
  }
}

export function electionMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    unary('/v3electionpb.Election/Campaign', 'CampaignRequest', 'CampaignResponse', (req, ctx) => embedded(() => campaign(deps, req, ctx))),
    unary('/v3electionpb.Election/Proclaim', 'ProclaimRequest', 'ProclaimResponse', (req) =>
      embedded(async () => {
        if (!req.leader) throw ErrMissingLeaderKey;
        return { header: await proclaim(deps, req.leader, req.value) };
      }),
    ),
    unary('/v3electionpb.Election/Leader', 'LeaderRequest', 'LeaderResponse', (req) =>
      embedded(async () => {
        const resp = await firstCreate(backend, keyPrefix(req.name));
        const kv = resp.kvs[0];
        if (!kv) throw ErrElectionNoLeader;
        return { header: resp.header, kv };
      }),
    ),
    unary('/v3electionpb.Election/Resign', 'ResignRequest', 'ResignResponse', (req) =>
      embedded(async () => {
        if (!req.leader) throw ErrMissingLeaderKey;
        const l = req.leader;
        const resp = await backend.txn({ compare: [createRevisionIs(l.key, l.rev)], success: [requestDelete(l.key)], failure: [] });
        return { header: resp.header };
      }),
    ),
    stream('/v3electionpb.Election/Observe', 'LeaderRequest', 'LeaderResponse', false, (s) => {
      s.onMessage((req) => void observe(deps, req, s));
    }),
  ];
}

async function proclaim(deps: ServiceDeps, leader: LeaderKey, value: Buffer): Promise<ResponseHeader> {
  const resp = await deps.backend.txn({
    compare: [createRevisionIs(leader.key, leader.rev)],
    success: [requestPut(leader.key, value, leader.lease)],
    failure: [],
  });
  if (!resp.succeeded) throw ErrElectionNotLeader;
  return resp.header;
}

async function campaign(deps: ServiceDeps, req: CampaignRequest, ctx: CallContext): Promise<CampaignResponse> {
  const { backend } = deps;
  const lease = await sessionLease(backend, req.lease);
  const pfx = keyPrefix(req.name);
  const key = Buffer.concat([pfx, Buffer.from(leaseHex(lease))]);
  const resp = await backend.txn({
    compare: [createRevisionIs(key, 0)],
    success: [requestPut(key, req.value, lease)],
    failure: [requestRange(rangeRequest(key))],
  });
  let rev = resp.header.revision;
  const leader: LeaderKey = { name: req.name, key, rev, lease };
  const resign = () =>
    backend.txn({ compare: [createRevisionIs(key, leader.rev)], success: [requestDelete(key)], failure: [] }).catch(() => undefined);
  if (!resp.succeeded) {
    const kv = resp.responses[0]!.responseRange!.kvs[0]!;
    rev = leader.rev = kv.createRevision;
    if (!kv.value.equals(req.value)) {
      try {
        await proclaim(deps, leader, req.value);
      } catch (err) {
        await resign();
        throw err;
      }
    }
  }
  try {
    await waitDeletes(backend, pfx, rev - 1, ctx);
  } catch (err) {
    if (ctx.signal.aborted) await resign();
    throw err;
  }
  return { header: resp.header, leader };
}

/** concurrency.Election.observe: the current leader, then every change of it, until the call ends. */
async function observe(deps: ServiceDeps, req: LeaderRequest, s: ServerStream<LeaderRequest, LeaderResponse>): Promise<void> {
  const { backend } = deps;
  const pfx = keyPrefix(req.name);
  const ctx = s.ctx;
  const send = (header: ResponseHeader, kv: KeyValue) => {
    if (!s.closed) s.write({ header, kv });
  };
  try {
    while (!s.closed) {
      const resp = await firstCreate(backend, pfx);
      let kv = resp.kvs[0];
      let hdr = resp.header;
      if (!kv) {
        // Wait for the first put under the prefix.
        const w = watchBatches(backend, pfx, prefixEnd(pfx), resp.header.revision, ctx);
        try {
          while (!kv) {
            const b = await w.next();
            const put = b.events.find((e) => e.type === EventType.PUT);
            if (put) {
              kv = put.kv;
              hdr = { ...b.header, revision: put.kv.modRevision };
            }
          }
        } finally {
          w.stop();
        }
      }
      send(hdr, kv);
      // Follow that leader key until it is deleted.
      const w = watchBatches(backend, kv.key, Buffer.alloc(0), hdr.revision + 1, ctx);
      try {
        let deleted = false;
        while (!deleted) {
          const b = await w.next();
          for (const ev of b.events) {
            if (ev.type === EventType.DELETE) {
              deleted = true;
              break;
            }
            send(b.header, ev.kv);
          }
        }
      } finally {
        w.stop();
      }
    }
  } catch (err) {
    if (!s.closed) s.end(asEmbeddedClientError(err));
  }
}
