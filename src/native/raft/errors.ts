// The errors the Raft core and its storage throw. Hosts match them with instanceof (or by name,
// across module copies), so each has its own class, named as in etcd-io/raft.

export class RaftError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The requested index is older than the storage's first index (it was compacted away). */
export class ErrCompacted extends RaftError {
  constructor() {
    super('ErrCompacted', 'requested index is unavailable due to compaction');
  }
}

/** The requested index is newer than the storage's last index. */
export class ErrUnavailable extends RaftError {
  constructor() {
    super('ErrUnavailable', 'requested entry at index is unavailable');
  }
}

/** A snapshot older than the one the storage already has. */
export class ErrSnapOutOfDate extends RaftError {
  constructor() {
    super('ErrSnapOutOfDate', 'requested index is older than the existing snapshot');
  }
}

/** The storage cannot produce a snapshot right now; the leader retries later. */
export class ErrSnapshotTemporarilyUnavailable extends RaftError {
  constructor() {
    super('ErrSnapshotTemporarilyUnavailable', 'snapshot is temporarily unavailable');
  }
}

/** A proposal that cannot be accepted: no leader known, a leader transfer in progress, or a removed member. */
export class ErrProposalDropped extends RaftError {
  constructor(reason = 'raft proposal dropped') {
    super('ErrProposalDropped', reason);
  }
}

/** Misuse of the API by the host (e.g. bootstrapping a non-empty log). */
export class ErrInvalidUse extends RaftError {
  constructor(message: string) {
    super('ErrInvalidUse', message);
  }
}
