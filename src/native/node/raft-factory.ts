// The one place the node constructs the raft core, so the rest of the node depends only on the
// RaftNode contract (plus bootstrap, which a fresh cluster needs once).
import type { NodeId, RaftConfig, RaftNode } from '../raft/api.js';
import { RawNode } from '../raft/raw-node.js';

export interface HostedRaft extends RaftNode {
  /** Fresh cluster only: AddNode entries for the initial members at term 1, committed at once. */
  bootstrap(peers: ReadonlyArray<{ id: NodeId; context?: Uint8Array }>): void;
}

export function createRaft(cfg: RaftConfig): HostedRaft {
  return new RawNode(cfg);
}
