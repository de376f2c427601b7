// The leader's view of one follower: what it has (match), what to send next (next), and how:
// probe (one MsgApp per heartbeat until we find where the logs agree), replicate (optimistic
// pipelining within the inflights window) or snapshot (waiting for a snapshot to land).

import { Inflights } from './inflights.js';
import type { ProgressView } from './api.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe: a MsgApp is outstanding, wait for the answer or the next heartbeat. */
  probeSent = false;
  pendingSnapshot = 0;
  /** Heard from it since the last check-quorum round. */
  recentActive = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to n. Returns false if it is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /** Replicate state: we sent entries up to n, assume they will land. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * A rejection of the MsgApp at index `rejected`; `matchHint` is the follower's hint of where the
   * logs may agree. Returns false if the rejection is stale (answers an older message).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false; // stale
      this.next = this.match + 1; // directly back to the last known match
      return true;
    }
    if (this.next - 1 !== rejected) return false; // stale: not the probe we are waiting for
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  view(): ProgressView {
    return { match: this.match, next: this.next, state: this.state, isLearner: this.isLearner, recentActive: this.recentActive };
  }
}
