// etcdserverpb.Cluster: peer URL checks as etcd's types.NewURLs, then the backend.
import { Errors } from '../../../adapters/errors.js';
import type { ServiceDeps } from '../deps.js';
import { unary, type MethodDef } from '../method.js';

/** etcd's types.NewURLs: at least one URL; each http/https/unix/unixs, "host:port" (Go's SplitHostPort), no path. */
const PEER_URL = /^(https?|unixs?):\/\/(\[[^\]]*\]|[^/:[\]]*):[^/:]*$/;

export function checkPeerURLs(urls: string[]): void {
  if (urls.length === 0) throw Errors.MemberBadURLs;
  for (const raw of urls) if (!PEER_URL.test(raw.trim())) throw Errors.MemberBadURLs;
}

export function clusterMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    unary('/etcdserverpb.Cluster/MemberList', 'MemberListRequest', 'MemberListResponse', () => backend.memberList(false)),
    unary('/etcdserverpb.Cluster/MemberAdd', 'MemberAddRequest', 'MemberAddResponse', (req) => {
      checkPeerURLs(req.peerURLs);
      return backend.memberAdd(req);
    }),
    unary('/etcdserverpb.Cluster/MemberRemove', 'MemberRemoveRequest', 'MemberRemoveResponse', (req) => backend.memberRemove(req.id)),
    unary('/etcdserverpb.Cluster/MemberUpdate', 'MemberUpdateRequest', 'MemberUpdateResponse', (req) => {
      checkPeerURLs(req.peerURLs);
      return backend.memberUpdate(req.id, req.peerURLs);
    }),
    unary('/etcdserverpb.Cluster/MemberPromote', 'MemberPromoteRequest', 'MemberPromoteResponse', (req) =>
      backend.memberPromote(req.id),
    ),
  ];
}
