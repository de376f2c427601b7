// The Raft view Consul's status and operator endpoints show, built from the Backend's member list
// and status: every member is a server; its ID (the node ID its agent advertises in the member
// list), node name and server address (its peer address: advertise address + server port); who
// leads; how far each has replicated (known only on the leader, from raft progress). A client
// agent (whose Backend is a server's, over the server RPC) shows the same view, with no "self".
import type { Backend, Member } from '../../adapters/backend.js';
import { readMembers, STATUS_NAME } from '../../native/cluster/member-record.js';

export interface RaftIdentity {
  /** False for a client agent: no raft member is this agent. Absent = a server. */
  server?: boolean;
  nodeName: string;
  nodeId: string;
  advertiseAddr: string;
  ports: { server: number };
  consulVersion: string;
}

export interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
  ProtocolVersion: string;
  LastIndex: number;
}

export interface RaftView {
  servers: RaftServer[];
  /** The Backend member behind each entry of `servers` (same order). */
  members: Member[];
  /** Each server's status in the member list (serf's words: alive, leaving, left, failed; same order), 'alive' when unlisted. */
  serfStatus: string[];
  leaderAddress: string;
  leaderId: string;
  /** The store's raft index and term as this member knows them. */
  index: number;
  term: number;
  applied: number;
  isLeader: boolean;
  selfId: string;
}

const DEFAULT_SERVER_PORT = 8300;

function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

function portOf(url: string | undefined): number | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url).port;
    return p ? Number(p) : undefined;
  } catch {
    return undefined;
  }
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function raftView(backend: Backend, id: RaftIdentity): Promise<RaftView> {
  const [status, list, records] = await Promise.all([backend.status(), backend.memberList(false), readMembers(backend, true).catch(() => [])]);
  const nodeIds = new Map(records.map((r) => [r.Name, r.Tags.id ?? '']));
  const statusOf = new Map(records.map((r) => [r.Name, STATUS_NAME[r.Status] ?? 'none']));
  const selfMemberId = id.server === false ? -1n : status.header.memberId;
  const ownPort = id.ports.server > 0 ? id.ports.server : DEFAULT_SERVER_PORT;
  const progress = new Map((backend.raftStatus?.().progress ?? []).map((p) => [p.id, p.match]));
  const isLeader = status.leader !== 0n && status.leader === status.header.memberId;
  const selfIsLeader = status.leader !== 0n && status.leader === selfMemberId;
  const serverOf = (m: Member): RaftServer => {
    const self = m.id === selfMemberId;
    const host = self ? id.advertiseAddr : hostOf(m.peerURLs[0]);
    const port = self ? ownPort : portOf(m.peerURLs[0]) ?? DEFAULT_SERVER_PORT;
    let lastIndex = 0;
    if (self) lastIndex = status.raftIndex;
    else if (isLeader) lastIndex = progress.get(m.id) ?? 0;
    return {
      ID: self ? id.nodeId : nodeIds.get(m.name) || m.id.toString(16).padStart(16, '0'),
      Node: self ? id.nodeName : m.name,
      Address: joinHostPort(host, port),
      Leader: m.id === status.leader,
      Voter: !m.isLearner,
      ProtocolVersion: '3',
      LastIndex: lastIndex,
    };
  };
  const servers = list.members.map(serverOf);
  const leader = servers.find((s) => s.Leader);
  return {
    servers,
    members: list.members,
    serfStatus: servers.map((s) => statusOf.get(s.Node) ?? 'alive'),
    leaderAddress: leader?.Address ?? '',
    leaderId: leader?.ID ?? '',
    index: status.raftIndex,
    term: status.raftTerm,
    applied: status.raftAppliedIndex,
    isLeader: selfIsLeader,
    selfId: id.nodeId,
  };
}

/** The member behind a raft server ID or address of this view (for raft/peer removal and leader transfer). */
export async function memberOfServer(backend: Backend, id: RaftIdentity, match: { id?: string; address?: string }): Promise<Member | undefined> {
  const view = await raftView(backend, id);
  const index = view.servers.findIndex((s) => (match.id !== undefined && s.ID === match.id) || (match.address !== undefined && s.Address === match.address));
  return index >= 0 ? view.members[index] : undefined;
}
