// --initial-cluster-state=existing: a member added with `etcdctl member add` learns the ID the
// cluster gave it, and the cluster ID, from the running members' peer ports (GET /members, as
// etcd's GetClusterFromRemotePeers does), finding itself by its advertised peer URLs.
import type { InitialMember } from './config.js';
import { StartupError } from './config.js';

export interface RemoteMember {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface RemoteCluster {
  clusterId: bigint;
  members: RemoteMember[];
}

interface MemberJson {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

async function fetchMembers(peerUrl: string, timeoutMs: number): Promise<RemoteCluster | undefined> {
  try {
    const res = await fetch(`${peerUrl.replace(/\/$/, '')}/members`, { signal: AbortSignal.timeout(timeoutMs) });
    const cluster = res.headers.get('x-etcd-cluster-id');
    if (res.status !== 200 || !cluster) return undefined;
    const list = (await res.json()) as MemberJson[];
    return {
      clusterId: BigInt('0x' + cluster),
      members: list.map((m) => ({ id: BigInt('0x' + m.id), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs })),
    };
  } catch {
    return undefined;
  }
}

/** Asks every other member of --initial-cluster; the first that answers wins. */
export async function fetchRemoteCluster(self: string, initialCluster: readonly InitialMember[], timeoutMs = 2000): Promise<RemoteCluster> {
  for (const m of initialCluster) {
    if (m.name === self) continue;
    for (const url of m.peerURLs) {
      const found = await fetchMembers(url, timeoutMs);
      if (found) return found;
    }
  }
  throw new StartupError('cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs');
}

export function findSelf(remote: RemoteCluster, advertisePeerUrls: readonly string[]): RemoteMember {
  const want = [...advertisePeerUrls].sort().join(',');
  const me = remote.members.find((m) => [...m.peerURLs].sort().join(',') === want);
  if (!me) {
    throw new StartupError(
      `error validating peerURLs: member with peer URLs ${want} is not in the cluster ${remote.clusterId.toString(16)}; add it first with 'etcdctl member add'`,
    );
  }
  return me;
}
