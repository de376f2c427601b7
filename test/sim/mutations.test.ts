import { describe, expect, it } from 'vitest';
import { formatFailure, runSeed } from './run.js';
import { MUTATIONS, type Mutation } from '../../src/native/raft/index.js';

// Each planted bug in the Raft core (config.mutations) must be caught by the simulation's
// checks within 200 seeds; the search stops at the first failing seed.
const CAUGHT_WITHIN = 200;

const mutations: readonly Mutation[] = [
  'commit-old-term-by-count',
  'vote-twice-in-term',
  'no-log-up-to-date-check',
  'follower-no-truncate-conflict',
  'readindex-without-heartbeat',
];

describe('the simulation catches planted bugs', () => {
  for (const mutation of mutations) {
    it(mutation, () => {
      const set = new Set([mutation]);
      for (let seed = 1; seed <= CAUGHT_WITHIN; seed++) {
        const r = runSeed(seed, set);
        if (!r.ok) {
          // Caught. Show what caught it (useful when a check regresses into catching nothing).
          console.log(`${mutation}: ${formatFailure(r).split('\n')[0]}`);
          expect(r.error).toBeDefined();
          return;
        }
      }
      expect.fail(`mutation ${mutation} survived ${CAUGHT_WITHIN} seeds`);
    }, 120_000);
  }
});

it('every mutation the core knows is exercised above', () => {
  expect([...mutations].sort()).toEqual([...MUTATIONS].sort());
});
