// etcd's --force-new-cluster (disaster recovery from one surviving member's data dir): the member
// restarts alone. Its log is cut at the commit index (what no quorum acknowledged is dropped), then
// conf changes are appended and committed on its own authority: itself added if it was not a
// member, every other member removed. Applied as ordinary conf changes, they leave a one-voter
// cluster with the same member and cluster IDs and all committed data.
import { ConfChangeType, EntryType, type Entry } from '../raft/api.js';
import { decodeConfChange, encodeConfChange } from '../raft/index.js';

export interface StandaloneLog {
  /** The committed entries kept from the WAL. */
  kept: Entry[];
  /** How many uncommitted entries were dropped. */
  discarded: number;
  /** The conf changes to append (and commit) after `kept`. */
  appended: Entry[];
  /** The new commit index: the last appended entry (or the old commit when nothing is appended). */
  commit: number;
}

/** The members as of the end of `entries`: the snapshot's voters, then every conf change in order. */
function membersAfter(snapshotVoters: readonly bigint[], entries: readonly Entry[]): bigint[] {
  const ids = new Set(snapshotVoters);
  for (const e of entries) {
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode) ids.add(cc.nodeId);
    else if (cc.type === ConfChangeType.RemoveNode) ids.delete(cc.nodeId);
  }
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function standaloneLog(opts: { snapshotVoters: readonly bigint[]; entries: readonly Entry[]; commit: number; term: number; self: bigint; selfContext: Uint8Array }): StandaloneLog {
  const cut = opts.entries.findIndex((e) => e.index > opts.commit);
  const kept = cut < 0 ? [...opts.entries] : opts.entries.slice(0, cut);
  const ids = membersAfter(opts.snapshotVoters, kept);
  const appended: Entry[] = [];
  let next = opts.commit + 1;
  // self first: raft must never see an empty set of voters
  if (!ids.includes(opts.self)) {
    appended.push({ term: opts.term, index: next++, type: EntryType.ConfChange, data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: opts.self, context: opts.selfContext }) });
  }
  for (const id of ids) {
    if (id === opts.self) continue;
    appended.push({ term: opts.term, index: next++, type: EntryType.ConfChange, data: encodeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) }) });
  }
  return { kept, discarded: opts.entries.length - kept.length, appended, commit: appended.length > 0 ? appended[appended.length - 1]!.index : opts.commit };
}
