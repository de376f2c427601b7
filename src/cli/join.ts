// --initial-cluster-state=existing: a member added with `etcdctl member add` learns the ID the
// cluster gave it, and the cluster ID, from the running members' peer ports (GET /members, as
// etcd's GetClusterFromRemotePeers does), finding itself by its advertised peer URLs.
import { request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
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

/** GET over https with the peer TLS options (etcd dials its peers with its peer certificate). */
function httpsGet(url: string, tls: ConnectionOptions, timeoutMs: number): Promise<{ status: number; cluster: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...tls, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cluster: res.headers['x-etcd-cluster-id'] as string | undefined, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function fetchMembers(peerUrl: string, timeoutMs: number, tls?: () => ConnectionOptions): Promise<RemoteCluster | undefined> {
  try {
    const url = `${peerUrl.replace(/\/$/, '')}/members`;
    let got: { status: number; cluster: string | undefined | null; body: string };
    if (url.startsWith('https:')) {
      got = await httpsGet(url, tls?.() ?? {}, timeoutMs);
    } else {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      got = { status: res.status, cluster: res.headers.get('x-etcd-cluster-id'), body: await res.text() };
    }
    const cluster = got.cluster;
    if (got.status !== 200 || !cluster) return undefined;
    const list = JSON.parse(got.body) as MemberJson[];
    return {
      clusterId: BigInt('0x' + cluster),
      members: list.map((m) => ({ id: BigInt('0x' + m.id), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs })),
    };
  } catch {
    return undefined;
  }
}

/** Asks every other member of --initial-cluster; the first that answers wins. */
export async function fetchRemoteCluster(self: string, initialCluster: readonly InitialMember[], timeoutMs = 2000, tls?: () => ConnectionOptions): Promise<RemoteCluster> {
  for (const m of initialCluster) {
    if (m.name === self) continue;
    for (const url of m.peerURLs) {
      const found = await fetchMembers(url, timeoutMs, tls);
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
