// Comparing two runs of the same scenarios and rendering compact diffs.
import type { ScenarioOutcome } from './runner.js';

export interface Difference {
  name: string;
  diff: string;
}

/** The first differing lines of each differing step (a few lines of context, not a full dump). */
export function diffOutcome(genuine: ScenarioOutcome, target: ScenarioOutcome, maxLines = 6): string | undefined {
  const parts: string[] = [];
  const steps = Math.max(genuine.observations.length, target.observations.length);
  for (let i = 0; i < steps; i++) {
    const a = genuine.observations[i] ?? '(no step)';
    const b = target.observations[i] ?? '(no step)';
    if (a === b) continue;
    const al = a.split('\n');
    const bl = b.split('\n');
    let first = 0;
    while (first < al.length && first < bl.length && al[first] === bl[first]) first++;
    const head = al[0] ?? '';
    parts.push(`  step ${i + 1}: ${head.slice(0, 160)}`);
    for (const l of al.slice(first, first + maxLines)) parts.push(`    - etcd:  ${l.slice(0, 300)}`);
    for (const l of bl.slice(first, first + maxLines)) parts.push(`    + dcsgw: ${l.slice(0, 300)}`);
  }
  return parts.length ? parts.join('\n') : undefined;
}

export function compareRuns(genuine: ScenarioOutcome[], target: ScenarioOutcome[]): { identical: string[]; differ: Difference[] } {
  const identical: string[] = [];
  const differ: Difference[] = [];
  genuine.forEach((g, i) => {
    const t = target[i];
    const diff = t ? diffOutcome(g, t) : '  (not run on target)';
    if (diff === undefined) identical.push(g.name);
    else differ.push({ name: g.name, diff });
  });
  return { identical, differ };
}

/** Both runs side by side, scenario by scenario (the full report file). */
export function dumpAll([g, t]: [ScenarioOutcome[], ScenarioOutcome[]]): string {
  return g.map((s, i) => `=== ${s.name}\n--- etcd\n${s.observations.join('\n')}\n--- target\n${t[i]?.observations.join('\n') ?? ''}`).join('\n');
}
