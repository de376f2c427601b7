// The contract of the peer transport (src/native/transport): how members of a native cluster
// exchange raft messages and the few requests raft itself does not carry. It listens on the
// member's --listen-peer-urls and dials the peers' advertised peer URLs.
import type { Message, NodeId, SnapshotStatus } from '../raft/api.js';

export interface PeerRequestHandler {
  (from: NodeId, body: Buffer): Promise<Buffer>;
}

export interface TransportEvents {
  /** Raft messages that arrived from peers, in arrival order per peer. */
  onMessages(msgs: Message[]): void;
  /** A message to this peer could not be delivered (raft's ReportUnreachable). */
  onUnreachable(id: NodeId): void;
  /** A MsgSnap finished streaming or failed (raft's ReportSnapshot). */
  onSnapshotStatus(id: NodeId, status: SnapshotStatus): void;
}

export interface Transport {
  /** Start listening on the peer URLs and dialing known peers. */
  start(events: TransportEvents): Promise<void>;
  /** Queue messages; never blocks. Heartbeats are never stuck behind a snapshot. Messages to unknown peers are dropped. */
  send(msgs: Message[]): void;
  addPeer(id: NodeId, peerURLs: string[]): void;
  updatePeer(id: NodeId, peerURLs: string[]): void;
  removePeer(id: NodeId): void;
  /** Whether a connection to the peer is currently up (for etcd's "active since" / health). */
  isActive(id: NodeId): boolean;
  /**
   * Request/response to a peer for what raft does not carry (lease keep-alive and time-to-live
   * forwarded to the leader, as etcd does over its peer port). Rejects when unreachable or on timeout.
   */
  request(to: NodeId, route: string, body: Buffer, timeoutMs: number): Promise<Buffer>;
  handle(route: string, handler: PeerRequestHandler): void;
  close(): Promise<void>;
}
