// v3lockpb.Lock, as etcd's v3lock server does it with concurrency.Mutex: the lock key is
// name + "/" + lease in hex, put if absent in one txn that also fetches the oldest holder; if
// someone older holds it, wait for every older key under the prefix to be deleted.
import { EMPTY_BUFFER, requestPut, requestRange } from './ops.js';
import type { ServiceDeps } from '../deps.js';
import type { CallContext } from '../../grpc/api.js';
import type { LockRequest, LockResponse } from '../messages.js';
import { unary, type MethodDef } from '../method.js';
import { asEmbeddedClientError, createRevisionIs, leaseHex, prefixEnd, rangeRequest, sessionLease, waitDeletes } from './concurrency.js';
import { SortOrder, SortTarget } from '../../../adapters/backend.js';

export function lockMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    unary('/v3lockpb.Lock/Lock', 'LockRequest', 'LockResponse', async (req, ctx) => {
      try {
        return await lock(deps, req, ctx);
      } catch (err) {
        throw asEmbeddedClientError(err);
      }
    }),
    unary('/v3lockpb.Lock/Unlock', 'UnlockRequest', 'UnlockResponse', async (req) => {
      try {
        const res = await backend.deleteRange({ key: req.key, rangeEnd: EMPTY_BUFFER, prevKv: false });
        return { header: res.header };
      } catch (err) {
        throw asEmbeddedClientError(err);
      }
    }),
  ];
}

async function lock(deps: ServiceDeps, req: LockRequest, ctx: CallContext): Promise<LockResponse> {
  const { backend } = deps;
  const lease = await sessionLease(backend, req.lease);
  const pfx = Buffer.concat([req.name, Buffer.from('/')]);
  const myKey = Buffer.concat([pfx, Buffer.from(leaseHex(lease))]);
  const getOwner = requestRange(
    rangeRequest(pfx, { rangeEnd: prefixEnd(pfx), sortOrder: SortOrder.ASCEND, sortTarget: SortTarget.CREATE, limit: 1 }),
  );
  const resp = await backend.txn({
    compare: [createRevisionIs(myKey, 0)],
    success: [requestPut(myKey, EMPTY_BUFFER, lease), getOwner],
    failure: [requestRange(rangeRequest(myKey)), getOwner],
  });
  let myRev = resp.header.revision;
  if (!resp.succeeded) myRev = resp.responses[0]!.responseRange!.kvs[0]!.createRevision;
  const owner = resp.responses[1]!.responseRange!.kvs;
  if (owner.length === 0 || owner[0]!.createRevision === myRev) return { header: resp.header, key: myKey };
  try {
    const header = await waitDeletes(backend, pfx, myRev - 1, ctx);
    return { header, key: myKey };
  } catch (err) {
    // Mutex.Lock releases the key it queued when the wait fails.
    await backend.deleteRange({ key: myKey, rangeEnd: EMPTY_BUFFER, prevKv: false }).catch(() => undefined);
    throw err;
  }
}
