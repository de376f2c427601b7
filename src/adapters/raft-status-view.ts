// Raft's status in the names etcd's raft.Status uses (StateLeader, StateReplicate...), for
// /debug/vars "raft.status" — tools that read it (etcd's own docs, monitoring scripts) match on them.
import { type RaftStatus, StateType } from '../native/raft/api.js';
import type { RaftStatusView } from './backend.js';

const RAFT_STATES: Record<StateType, RaftStatusView['raftState']> = {
  [StateType.Follower]: 'StateFollower',
  [StateType.Candidate]: 'StateCandidate',
  [StateType.Leader]: 'StateLeader',
  [StateType.PreCandidate]: 'StatePreCandidate',
};

const PROGRESS_STATES = { probe: 'StateProbe', replicate: 'StateReplicate', snapshot: 'StateSnapshot' } as const;

export function raftStatusView(st: RaftStatus): RaftStatusView {
  return {
    id: st.id,
    term: st.hardState.term,
    vote: st.hardState.vote,
    commit: st.hardState.commit,
    lead: st.softState.lead,
    raftState: RAFT_STATES[st.softState.raftState],
    applied: st.applied,
    progress: [...(st.progress ?? [])].map(([id, p]) => ({ id, match: p.match, next: p.next, state: PROGRESS_STATES[p.state] })),
    leadTransferee: st.leadTransferee,
  };
}
