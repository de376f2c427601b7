// Mutual exclusion of Consul session locks, judged from the contenders' log (lock-workload.ts).
// A client's belief alone cannot be the judge: a holder whose session was invalidated (its node
// failed, its TTL lapsed while an agent was paused) believes until it looks, which Consul
// documents; fencing by the key's ModifyIndex / LockIndex / Session is what users rely on. A
// violation is something the store itself said that puts two holders in the lock at once:
//   same-fence:   two sessions confirmed holding at one ModifyIndex;
//   stale-confirm: a read called after another hold with a higher fence was confirmed still
//                 showed the older holder (the store went back to it);
//   double-grant: a hold was granted while the previous holder still held the key: that holder's
//                 release, called after the grant had returned, answered true (Consul answers
//                 true only to the session holding the key).
// Besides violations it reports the belief overlaps (informational) and the lock-delay gaps.
import { LOCK_DELAY_S, type Hold, type LockLog } from './lock-workload.js';

export interface LockReport {
  holds: number;
  confirmedHolds: number;
  endings: Record<string, number>;
  violations: string[];
  /** Pairs of holds whose belief windows overlapped (the older one learned it had lost only later). */
  beliefOverlaps: number;
  gaps: {
    /** ms from a release acknowledged to the next grant acknowledged. */
    afterRelease: number[];
    /**
     * ms from the destroy call of a session destroyed while holding (acknowledged) to the next
     * grant's answer: lock-delay applies, so never below it (the destroy took effect after its call).
     */
    afterAbandon: number[];
    /** ms from the last moment a lost holder was confirmed to the next grant (includes lock-delay). */
    afterLoss: number[];
  };
}

function beliefEnd(h: Hold): number {
  return h.end ? h.end.call : Infinity;
}

/** Gaps (ms) shorter than lock-delay after a destroyed holder's session: grants Consul would have refused. */
export function lockDelayBreaches(r: LockReport): number[] {
  // measured from the destroy's call, so the gap can only overstate the delay (5 ms: timer granularity)
  return r.gaps.afterAbandon.filter((g) => g < LOCK_DELAY_S * 1000 - 5);
}

export function checkLocks(log: LockLog): LockReport {
  const violations: string[] = [];
  const confirmed = log.holds.filter((h) => h.fence !== undefined).sort((a, b) => a.fence! - b.fence!);
  const endings: Record<string, number> = {};
  for (const h of log.holds) endings[h.end?.how ?? 'open'] = (endings[h.end?.how ?? 'open'] ?? 0) + 1;

  // same-fence
  for (let i = 1; i < confirmed.length; i++) {
    const a = confirmed[i - 1]!;
    const b = confirmed[i]!;
    if (a.fence === b.fence && a.session !== b.session) violations.push(`same-fence: sessions ${a.session} and ${b.session} both confirmed at ModifyIndex ${a.fence}`);
  }
  // stale-confirm
  for (const older of confirmed) {
    for (const newer of confirmed) {
      if (newer.fence! <= older.fence! || newer.session === older.session) continue;
      const newerSeen = newer.confirmations.find((c) => c.held);
      if (!newerSeen) continue;
      const late = older.confirmations.find((c) => c.held && c.call > newerSeen.return);
      if (late) violations.push(`stale-confirm: contender ${older.contender} (fence ${older.fence}) confirmed holding at ${late.call.toFixed(0)} ms after contender ${newer.contender} (fence ${newer.fence}) was confirmed at ${newerSeen.return.toFixed(0)} ms`);
    }
  }
  // double-grant
  for (let i = 1; i < confirmed.length; i++) {
    const prev = confirmed[i - 1]!;
    const next = confirmed[i]!;
    if (prev.session === next.session) continue;
    // Consul answers a release true only when the releasing session holds the key
    if (prev.end?.how === 'released' && prev.end.call > next.acquireReturn) {
      violations.push(`double-grant: contender ${next.contender} granted (fence ${next.fence}) at ${next.acquireReturn.toFixed(0)} ms while contender ${prev.contender} still held it (fence ${prev.fence}): its release called at ${prev.end.call.toFixed(0)} ms answered true`);
    }
  }

  let beliefOverlaps = 0;
  const afterRelease: number[] = [];
  const afterAbandon: number[] = [];
  const afterLoss: number[] = [];
  for (let i = 1; i < confirmed.length; i++) {
    const prev = confirmed[i - 1]!;
    const next = confirmed[i]!;
    if (prev.session === next.session) continue;
    if (beliefEnd(prev) > next.acquireReturn) beliefOverlaps++;
    if (prev.end?.how === 'released') afterRelease.push(next.acquireReturn - prev.end.return);
    else if (prev.end?.how === 'abandoned') afterAbandon.push(next.acquireReturn - prev.end.call);
    else if (prev.end?.how === 'lost') {
      const lastSeen = Math.max(...prev.confirmations.filter((c) => c.held).map((c) => c.return));
      afterLoss.push(next.acquireReturn - lastSeen);
    }
  }
  return { holds: log.holds.length, confirmedHolds: confirmed.length, endings, violations, beliefOverlaps, gaps: { afterRelease, afterAbandon, afterLoss } };
}

function stats(xs: number[]): string {
  if (xs.length === 0) return 'none';
  const s = xs.slice().sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `n=${s.length} min=${s[0]!.toFixed(0)} median=${q(0.5).toFixed(0)} p90=${q(0.9).toFixed(0)} max=${s[s.length - 1]!.toFixed(0)} ms`;
}

export function describeLockReport(r: LockReport, log: LockLog): string {
  return [
    `locks: ${log.acquireAttempts} acquire attempts (${r.holds} granted, ${log.acquireRefused} refused, ${log.acquireUnknown} unknown), ${r.confirmedHolds} holds confirmed with a fence; endings ${JSON.stringify(r.endings)}`,
    `locks: sessions created ${log.sessionsCreated}, found invalidated by a renewal ${log.sessionsInvalidated}, renewals ${log.renewals.length}`,
    `locks: violations ${r.violations.length}; belief overlaps (an invalidated holder not yet aware) ${r.beliefOverlaps}`,
    `lock-delay ${LOCK_DELAY_S}s: next grant after an explicit release ${stats(r.gaps.afterRelease)}; after a session destroyed while holding ${stats(r.gaps.afterAbandon)}; after a holder found it had lost the lock (node failed, TTL) ${stats(r.gaps.afterLoss)}`,
  ].join('\n');
}
