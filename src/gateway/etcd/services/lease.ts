// etcdserverpb.Lease. KeepAlive is a bidi stream answered strictly in request order (etcd's
// leaseKeepAlive loop renews one request at a time); a lease that is gone answers TTL 0.
import type { LeaseKeepAliveResponse } from '../../../adapters/backend.js';
import type { ServerStream } from '../../grpc/api.js';
import type { ServiceDeps } from '../deps.js';
import type { LeaseIdRequest } from '../messages.js';
import { stream, unary, type MethodDef } from '../method.js';

export function leaseMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    unary('/etcdserverpb.Lease/LeaseGrant', 'LeaseGrantRequest', 'LeaseGrantResponse', (req) => backend.leaseGrant(req)),
    unary('/etcdserverpb.Lease/LeaseRevoke', 'LeaseRevokeRequest', 'LeaseRevokeResponse', (req) => backend.leaseRevoke(req.id)),
    unary('/etcdserverpb.Lease/LeaseTimeToLive', 'LeaseTimeToLiveRequest', 'LeaseTimeToLiveResponse', (req) =>
      backend.leaseTimeToLive(req),
    ),
    unary('/etcdserverpb.Lease/LeaseLeases', 'LeaseLeasesRequest', 'LeaseLeasesResponse', () => backend.leaseLeases()),
    stream('/etcdserverpb.Lease/LeaseKeepAlive', 'LeaseKeepAliveRequest', 'LeaseKeepAliveResponse', true, (s) =>
      serveKeepAlive(deps, s),
    ),
  ];
}

function serveKeepAlive(deps: ServiceDeps, s: ServerStream<LeaseIdRequest, LeaseKeepAliveResponse>): void {
  // One renewal in flight at a time, in arrival order: a chain of promises per stream (not per request).
  let tail: Promise<void> = Promise.resolve();
  let ended = false;
  s.onMessage((req) => {
    tail = tail.then(async () => {
      if (s.closed || ended) return;
      try {
        const res = await deps.backend.leaseKeepAlive(req.id);
        if (!s.closed) s.write(res);
      } catch (err) {
        ended = true;
        if (!s.closed) s.end(err as Error);
      }
    });
  });
  s.onEnd(() => {
    // etcd returns from the handler on the client's half-close: the call ends OK after pending renewals.
    void tail.then(() => {
      if (!s.closed && !ended) s.end();
    });
  });
}
