// The public surface of the Raft core.
export * from './api.js';
export { RawNode } from './raw-node.js';
export { MemoryStorage } from './memory-storage.js';
export { encodeConfChange, decodeConfChange } from './conf-change.js';
export {
  RaftError,
  ErrCompacted,
  ErrUnavailable,
  ErrSnapOutOfDate,
  ErrSnapshotTemporarilyUnavailable,
  ErrProposalDropped,
  ErrInvalidUse,
} from './errors.js';
export { MUTATIONS, type Mutation } from './raft.js';
