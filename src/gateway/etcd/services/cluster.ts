// etcdserverpb.Cluster: peer URL checks as etcd's types.NewURLs, then the backend.
import type { ResponseHeader } from '../../../adapters/backend.js';
import { Errors } from '../../../adapters/errors.js';
import type { ServiceDeps } from '../deps.js';
import { unary, type MethodDef } from '../method.js';

/** etcd's types.NewURLs: at least one URL; each http/https/unix/unixs, "host:port" (Go's SplitHostPort), no path. */
const PEER_URL = /^(https?|unixs?):\/\/(\[[^\]]*\]|[^/:[\]]*):[^/:]*$/;

export function checkPeerURLs(urls: string[]): void {
  if (urls.length === 0) throw Errors.MemberBadURLs;
  for (const raw of urls) if (!PEER_URL.test(raw.trim())) throw Errors.MemberBadURLs;
}

/** etcd's ClusterServer builds its headers without a revision (cluster ID, member ID, raft term only). */
function noRevision<T extends { header: ResponseHeader }>(res: T): T {
  return { ...res, header: { ...res.header, revision: 0 } };
}

export function clusterMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    unary('/etcdserverpb.Cluster/MemberList', 'MemberListRequest', 'MemberListResponse', () => backend.memberList(false).then(noRevision)),
    unary('/etcdserverpb.Cluster/MemberAdd', 'MemberAddRequest', 'MemberAddResponse', (req) => {
      checkPeerURLs(req.peerURLs);
      return backend.memberAdd(req).then(noRevision);
    }),
    unary('/etcdserverpb.Cluster/MemberRemove', 'MemberRemoveRequest', 'MemberRemoveResponse', (req) =>
      backend.memberRemove(req.id).then(noRevision),
    ),
    unary('/etcdserverpb.Cluster/MemberUpdate', 'MemberUpdateRequest', 'MemberUpdateResponse', (req) => {
      checkPeerURLs(req.peerURLs);
      return backend.memberUpdate(req.id, req.peerURLs).then(noRevision);
    }),
    unary('/etcdserverpb.Cluster/MemberPromote', 'MemberPromoteRequest', 'MemberPromoteResponse', (req) =>
      backend.memberPromote(req.id).then(noRevision),
    ),
  ];
}
