// Session-lock contenders of a Consul nemesis run: each creates a TTL session (renewed in the
// background) through its home agent, tries `PUT ?acquire=<session>` on one lock key, and while it
// believes it holds the lock confirms it with consistent reads (Session is ours: the key's
// ModifyIndex at that point is the hold's fencing token, LockIndex is reported), then releases.
// Every step is recorded with its call and return times for lock-check.ts.
import { sleep } from '../../support/index.js';
import type { Random } from '../nemesis/random.js';
import { ok, putBool, readKey } from './consul-http.js';

export const LOCK_KEY = 'nemesis/lock';
export const LOCK_DELAY_S = 1;

export interface Confirmation {
  call: number;
  return: number;
  /** The read showed our session holding the key. */
  held: boolean;
  modifyIndex?: number;
  lockIndex?: number;
  holder?: string;
}

export interface Hold {
  contender: number;
  session: string;
  behavior: 'release' | 'delete';
  acquireCall: number;
  acquireReturn: number;
  confirmations: Confirmation[];
  /** The fencing token: ModifyIndex while held (from the first confirmation that saw us). */
  fence?: number;
  lockIndex?: number;
  /**
   * How the holder stopped believing: it released (release answered true/false), destroyed its
   * session while holding (abandoned), or a read / renewal showed it had lost the lock.
   */
  end?: { how: 'released' | 'release-refused' | 'release-unknown' | 'abandoned' | 'abandon-unknown' | 'lost'; call: number; return: number };
}

export interface Renewal {
  session: string;
  call: number;
  return: number;
  alive: boolean;
}

export interface LockLog {
  holds: Hold[];
  renewals: Renewal[];
  acquireAttempts: number;
  acquireRefused: number;
  acquireUnknown: number;
  sessionsCreated: number;
  sessionsInvalidated: number;
}

export function newLockLog(): LockLog {
  return { holds: [], renewals: [], acquireAttempts: 0, acquireRefused: 0, acquireUnknown: 0, sessionsCreated: 0, sessionsInvalidated: 0 };
}

interface Session {
  id: string;
  behavior: 'release' | 'delete';
  gone: boolean;
}

export async function runContender(
  id: number,
  home: string,
  everyone: readonly string[],
  log: LockLog,
  rng: Random,
  shouldStop: () => boolean,
): Promise<void> {
  let session: Session | undefined;
  let renewing: Promise<void> | undefined;
  // any agent can renew or read; the home agent (whose node the session is bound to) first
  const via = (attempt: number): string => (attempt === 0 ? home : everyone[(id + attempt) % everyone.length]!);

  const renewLoop = async (s: Session): Promise<void> => {
    while (!s.gone && !shouldStop()) {
      await sleep(2_000);
      for (let attempt = 0; attempt < 3 && !s.gone; attempt++) {
        const call = performance.now();
        try {
          const text = await ok(via(attempt), 'PUT', `/v1/session/renew/${s.id}`);
          log.renewals.push({ session: s.id, call, return: performance.now(), alive: true });
          void text;
          break;
        } catch (err) {
          if (/: 404 /.test((err as Error).message)) {
            // Session id not found: it was invalidated (TTL, or its node failed)
            log.renewals.push({ session: s.id, call, return: performance.now(), alive: false });
            s.gone = true;
            log.sessionsInvalidated++;
          }
        }
      }
    }
  };

  while (!shouldStop()) {
    if (session === undefined || session.gone) {
      await renewing;
      const behavior = rng.next() < 0.5 ? 'release' : 'delete';
      try {
        const text = await ok(home, 'PUT', '/v1/session/create', JSON.stringify({ Name: `contender-${id}`, TTL: '10s', LockDelay: `${LOCK_DELAY_S}s`, Behavior: behavior }));
        session = { id: (JSON.parse(text) as { ID: string }).ID, behavior, gone: false };
        log.sessionsCreated++;
        renewing = renewLoop(session);
      } catch {
        await sleep(300);
        continue;
      }
    }
    const s = session;
    log.acquireAttempts++;
    const acquireCall = performance.now();
    let acquired: boolean | undefined;
    try {
      acquired = await putBool(home, `/v1/kv/${LOCK_KEY}?acquire=${s.id}`, `contender-${id}`);
    } catch {
      log.acquireUnknown++;
    }
    const acquireReturn = performance.now();
    if (acquired !== true) {
      if (acquired === false) log.acquireRefused++;
      await sleep(acquired === undefined ? 300 : 40 + rng.int(80));
      continue;
    }
    const hold: Hold = { contender: id, session: s.id, behavior: s.behavior, acquireCall, acquireReturn, confirmations: [] };
    log.holds.push(hold);
    const confirm = async (): Promise<boolean> => {
      const call = performance.now();
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const e = await readKey(via(attempt), LOCK_KEY);
          const held = e !== null && e.Session === s.id;
          const c: Confirmation = { call, return: performance.now(), held, ...(e ? { modifyIndex: e.ModifyIndex, lockIndex: e.LockIndex, holder: e.Session ?? '' } : {}) };
          hold.confirmations.push(c);
          if (held && hold.fence === undefined) {
            hold.fence = e!.ModifyIndex;
            hold.lockIndex = e!.LockIndex;
          }
          return held;
        } catch {
          // try another agent once; a read that fails says nothing
        }
      }
      return true; // unknown: keep believing until a read says otherwise
    };
    let lost = !(await confirm());
    const until = performance.now() + rng.between(100, 400);
    while (!lost && !s.gone && performance.now() < until && !shouldStop()) {
      await sleep(60);
      lost = !(await confirm());
    }
    if (lost || s.gone) {
      const t = performance.now();
      hold.end = { how: 'lost', call: t, return: t };
      continue;
    }
    if (rng.next() < 0.15) {
      // walk away without releasing: destroy the session while holding (Consul then frees the
      // lock but refuses every grant for the session's lock-delay)
      const call = performance.now();
      s.gone = true;
      try {
        await ok(home, 'PUT', `/v1/session/destroy/${s.id}`);
        hold.end = { how: 'abandoned', call, return: performance.now() };
      } catch {
        hold.end = { how: 'abandon-unknown', call, return: performance.now() };
      }
      continue;
    }
    const releaseCall = performance.now();
    try {
      const released = await putBool(home, `/v1/kv/${LOCK_KEY}?release=${s.id}`, `contender-${id}`);
      hold.end = { how: released ? 'released' : 'release-refused', call: releaseCall, return: performance.now() };
    } catch {
      hold.end = { how: 'release-unknown', call: releaseCall, return: performance.now() };
    }
    await sleep(20 + rng.int(60));
  }
  if (session && !session.gone) {
    session.gone = true;
    await renewing;
    await ok(home, 'PUT', `/v1/session/destroy/${session.id}`).catch(() => undefined);
  }
}
