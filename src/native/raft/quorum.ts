// Majority arithmetic over the voters (learners never count).

import type { NodeId } from './api.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/** The highest index acknowledged by a majority of `voters`, given each voter's match index. */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number, scratch: number[]): number {
  const n = voters.length;
  if (n === 0) return Number.MAX_SAFE_INTEGER; // no voters: nothing limits (etcd does the same)
  scratch.length = n;
  for (let i = 0; i < n; i++) scratch[i] = matchOf(voters[i]!);
  scratch.sort((a, b) => b - a);
  return scratch[Math.floor(n / 2)]!;
}

export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = Math.floor(voters.length / 2) + 1;
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

export function quorum(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
