// One simulation run per seed: chaos, then healing, then the final checks.

import { InvariantViolation } from './checker.js';
import { SimCluster } from './cluster.js';

const CHAOS_STEPS = 600;

export interface SimResult {
  seed: number;
  ok: boolean;
  error?: string;
  trace: string[];
  stats: string;
  counts: SimCluster['counts'];
  nodes: string[];
}

export function runSeed(seed: number, mutations?: ReadonlySet<string>): SimResult {
  const voters = seed % 2 === 0 ? 3 : 5;
  const sim = new SimCluster({ seed, voters, steps: CHAOS_STEPS, mutations });
  try {
    for (let i = 0; i < CHAOS_STEPS; i++) sim.step();
    sim.healAndSettle(600);
    sim.checkFinal();
    return { seed, ok: true, trace: [], stats: sim.stats(), counts: sim.counts, nodes: [] };
  } catch (err) {
    const msg = err instanceof InvariantViolation ? err.message : `crash: ${(err as Error).stack ?? String(err)}`;
    return { seed, ok: false, error: msg, trace: sim.traceTail(), stats: sim.stats(), counts: sim.counts, nodes: sim.describeNodes() };
  }
}

export function formatFailure(r: SimResult): string {
  return [
    `seed ${r.seed} failed: ${r.error}`,
    `replay: SIM_SEED=${r.seed} npx vitest run test/sim`,
    `state: ${r.stats}`,
    ...r.nodes.map((l) => `  ${l}`),
    'trace tail:',
    ...r.trace.map((l) => `  ${l}`),
  ].join('\n');
}
