// The safety properties of Raft, checked against what the simulated nodes do. Each failure throws
// an InvariantViolation naming the property, so a failing seed says what broke.
//
// - election safety: at most one leader per term.
// - log matching: an entry (index, term) is created once; wherever it appears, the entry before
//   it has the same term (by induction: logs that share an entry share the whole prefix).
// - leader completeness: a newly elected leader's log holds every entry applied anywhere so far.
// - state machine safety: no two nodes apply different entries at the same index (also across a
//   node's restarts, when it re-applies from its snapshot).
// - leader commit rule (§5.4.2, Figure 2): a leader advances its commit index only to an entry of
//   its own term (older entries are committed indirectly). Breaking it is the figure-8 bug, whose
//   full consequence (a committed entry overwritten) needs a rare schedule; the rule is observable
//   at every step.
// - durability of acknowledged writes and linearizable reads: checked by the simulation at the end
//   and at each read (see cluster.ts).

import type { Entry, NodeId } from '../../src/native/raft/index.js';
import type { RaftLog } from '../../src/native/raft/log.js';

export class InvariantViolation extends Error {
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
  }
}

function entryKey(e: Entry): string {
  return `${e.term}/${e.type}/${Buffer.from(e.data).toString('latin1')}`;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** index -> key of the entry applied there (by anyone). */
  private readonly applied = new Map<number, { key: string; term: number; by: NodeId }>();
  private maxApplied = 0;
  /** `${index}:${term}` -> the term of the entry before it, as first seen. */
  private readonly prevTermOf = new Map<string, number>();

  observeLeader(id: NodeId, term: number, log: RaftLog, becameLeader: boolean): void {
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== id) {
      throw new InvariantViolation('election safety', `term ${term} has two leaders: ${other} and ${id}`);
    }
    this.leaderOfTerm.set(term, id);
    if (becameLeader) this.checkLeaderCompleteness(id, term, log);
  }

  private checkLeaderCompleteness(id: NodeId, term: number, log: RaftLog): void {
    if (log.lastIndex() < this.maxApplied) {
      throw new InvariantViolation(
        'leader completeness',
        `leader ${id} of term ${term} has lastIndex ${log.lastIndex()} < applied index ${this.maxApplied}`,
      );
    }
    const from = log.firstIndex();
    for (let i = from; i <= this.maxApplied; i++) {
      const a = this.applied.get(i);
      if (a === undefined) continue;
      const t = log.term(i);
      if (t !== a.term) {
        throw new InvariantViolation(
          'leader completeness',
          `leader ${id} of term ${term} has term ${t} at index ${i}, but an entry of term ${a.term} was applied there by ${a.by}`,
        );
      }
    }
  }

  /** Called every step for each leader that was already leader of the same term at the previous step. */
  observeLeaderCommit(id: NodeId, term: number, prevCommit: number, log: RaftLog): void {
    if (log.committed > prevCommit && log.term(log.committed) !== term) {
      throw new InvariantViolation(
        'leader commit rule',
        `leader ${id} of term ${term} advanced its commit index ${prevCommit} -> ${log.committed}, to an entry of term ${log.term(log.committed)}`,
      );
    }
  }

  observeApply(id: NodeId, e: Entry): void {
    const key = entryKey(e);
    const prev = this.applied.get(e.index);
    if (prev === undefined) {
      this.applied.set(e.index, { key, term: e.term, by: id });
      if (e.index > this.maxApplied) this.maxApplied = e.index;
    } else if (prev.key !== key) {
      throw new InvariantViolation(
        'state machine safety',
        `node ${id} applied ${key} at index ${e.index}, node ${prev.by} applied ${prev.key}`,
      );
    }
  }

  /** Log matching over a node's whole (uncompacted) log. */
  checkLog(id: NodeId, log: RaftLog): void {
    const first = log.firstIndex();
    const last = log.lastIndex();
    let prevTerm = log.term(first - 1);
    for (let i = first; i <= last; i++) {
      const t = log.term(i);
      const k = `${i}:${t}`;
      const seen = this.prevTermOf.get(k);
      if (seen === undefined) {
        this.prevTermOf.set(k, prevTerm);
      } else if (seen !== prevTerm && prevTerm >= 0) {
        throw new InvariantViolation(
          'log matching',
          `node ${id} has entry (index ${i}, term ${t}) after term ${prevTerm}; elsewhere it follows term ${seen}`,
        );
      }
      if (t < prevTerm) {
        throw new InvariantViolation('log matching', `node ${id}: terms decrease at index ${i} (${prevTerm} -> ${t})`);
      }
      prevTerm = t;
    }
  }
}
