// The lessor's expiry queue against the plain rule it replaces: on the primary, a lease is expired
// when its expiry time is <= now, and is reported by every check until it is revoked. Random
// grants, renewals, checkpoints (an expiry moved earlier or later), revocations, demotions and
// promotions, and checks at clock times that sometimes go backwards.
import { describe, expect, it } from 'vitest';
import { Lease, Lessor } from '../../../src/native/mvcc/lessor.js';
import { mulberry32 as rng } from '../../support/prng.js';

/** What the check must answer: every lease whose expiry is due, by a walk over all of them. */
function scan(lessor: Lessor, nowMs: number): bigint[] {
  if (!lessor.isPrimary()) return [];
  return [...lessor.leases.values()].filter((l) => l.expiryMs <= nowMs).map((l) => l.id);
}

const sorted = (ids: bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('lease expiry queue', () => {
  it('reports exactly the due leases, again on every check until revoked, whatever happened to them', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rand = rng(seed);
      const lessor = new Lessor();
      let now = 1_000_000;
      let nextId = 1n;
      lessor.promote(now);
      for (let step = 0; step < 400; step++) {
        const ids = [...lessor.leases.keys()];
        const pick = () => ids[Math.floor(rand() * ids.length)]!;
        const r = rand();
        if (r < 0.25) lessor.add(new Lease(nextId++, 1 + Math.floor(rand() * 20), 0), now);
        else if (r < 0.4 && ids.length > 0) lessor.renew(pick(), now);
        else if (r < 0.5 && ids.length > 0) {
          // A checkpoint as the store applies it: the expiry moves to now + remaining (earlier or later).
          const l = lessor.leases.get(pick())!;
          l.remainingTtl = 1 + Math.floor(rand() * 20);
          if (lessor.isPrimary()) l.expiryMs = now + l.remainingTtl * 1000;
        } else if (r < 0.6 && ids.length > 0) lessor.leases.delete(pick()); // revoke
        else if (r < 0.62) lessor.demote();
        else if (r < 0.65) lessor.promote(now);
        now += Math.floor(rand() * 3000) - 500; // mostly forward, sometimes back
        const got = sorted(lessor.expired(now));
        const want = sorted(scan(lessor, now));
        if (got.join() !== want.join()) expect(got, `seed ${seed} step ${step}`).toEqual(want);
      }
    }
  });

  it('a renewed lease is not reported at its old expiry; a lease revoked and granted again under its ID follows the new grant', () => {
    const lessor = new Lessor();
    lessor.promote(0);
    lessor.add(new Lease(1n, 10, 0), 0);
    lessor.add(new Lease(2n, 10, 0), 0);
    lessor.renew(1n, 5_000);
    expect(lessor.expired(10_000)).toEqual([2n]);
    expect(lessor.expired(10_001)).toEqual([2n]); // until it is revoked
    lessor.leases.delete(2n);
    lessor.add(new Lease(2n, 30, 0), 10_001);
    expect(lessor.expired(14_999)).toEqual([]);
    expect(lessor.expired(15_000)).toEqual([1n]);
    expect(lessor.expired(40_001)).toEqual([1n, 2n]);
  });
});
