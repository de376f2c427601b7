// Differential conformance: every scenario (scenarios/) runs against genuine etcd 3.4.23 and the
// target, both started from fresh data dirs with the same member name, advertised peer URL and
// cluster token (so member and cluster IDs match), and their normalised answers must be identical
// (harness/normalise.ts lists what is normalised and why).
//   CONFORMANCE_TARGET=dcsgw (default when built) | etcd (self-check of the harness: all must match)
//   CONFORMANCE_ONLY=<regex> runs only the matching scenarios.
// Prints `conformance: N identical, M differ` and a compact diff per differing scenario; the full
// report goes to .tmp/conformance-report.txt.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocatePorts, hasDcsgwBuild, repoRoot, skipUnlessBinaries, startMemberOfKind, stopAllProcesses, type MemberKind, type RunningMember,
} from '../support/index.js';
import { compareRuns, dumpAll } from './harness/compare.js';
import { TargetRunner, type ScenarioOutcome } from './harness/runner.js';
import { knownDifferences } from './known-differences.js';
import { allScenarios } from '../../src/compat/conformance/etcd/scenarios/index.js';

const RANGE = { from: 23001, to: 23499 };
const SHARED = { name: 'conformance', advertisePeerUrl: 'http://127.0.0.1:23000', initialClusterToken: 'dcsgw-conformance' };
// Default: dcsgw when built; without a build, the harness self-check (genuine vs genuine).
const targetKind: MemberKind =
  process.env.CONFORMANCE_TARGET === 'etcd' ? 'etcd' : process.env.CONFORMANCE_TARGET === 'dcsgw' || hasDcsgwBuild() ? 'dcsgw' : 'etcd';

// CONFORMANCE_ONLY=<regex>: run only the scenarios whose names match (while working on a few)
const only = process.env.CONFORMANCE_ONLY ? new RegExp(process.env.CONFORMANCE_ONLY) : undefined;
const selected = allScenarios.filter((s) => !only || only.test(s.name));

async function runAll(runner: TargetRunner): Promise<ScenarioOutcome[]> {
  const ordered = [...selected.filter((s) => !s.late), ...selected.filter((s) => s.late)];
  const out: ScenarioOutcome[] = [];
  for (const s of ordered) out.push(await runner.run(s));
  return out;
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))(`conformance: genuine etcd vs ${targetKind}`, () => {
  let genuine: RunningMember;
  let target: RunningMember;

  beforeAll(async () => {
    const [c1, p1, c2, p2] = await allocatePorts(4, RANGE);
    [genuine, target] = await Promise.all([
      startMemberOfKind('etcd', { ...SHARED, clientPort: c1, peerPort: p1 }),
      startMemberOfKind(targetKind, { ...SHARED, clientPort: c2, peerPort: p2 }),
    ]);
  });
  afterAll(stopAllProcesses);

  it(`every scenario answers as genuine etcd does (${selected.length} scenarios)`, { timeout: 300_000 }, async () => {
    const a = new TargetRunner(genuine);
    const b = new TargetRunner(target);
    let results: [ScenarioOutcome[], ScenarioOutcome[]];
    try {
      results = await Promise.all([runAll(a), runAll(b)]);
    } finally {
      a.close();
      b.close();
    }
    const { identical, differ } = compareRuns(results[0], results[1]);
    const known = targetKind === 'etcd' ? {} : knownDifferences;
    const unexpected = differ.filter((d) => !(d.name in known));
    // a filtered run cannot tell whether an unselected known difference is fixed
    const fixed = Object.keys(known).filter((n) => identical.includes(n));
    const unknownNames = Object.keys(known).filter((n) => !allScenarios.some((s) => s.name === n));

    const lines = [`conformance: ${identical.length} identical, ${differ.length} differ (genuine etcd vs ${targetKind})`];
    for (const d of differ) lines.push(`${d.name}${d.name in known ? ` [known: ${known[d.name]}]` : ' [UNEXPECTED]'}\n${d.diff}`);
    for (const n of fixed) lines.push(`${n}: now identical, remove it from known-differences.ts`);
    for (const n of unknownNames) lines.push(`${n}: listed in known-differences.ts but no such scenario`);
    const report = lines.join('\n');
    mkdirSync(join(repoRoot(), '.tmp'), { recursive: true });
    // a filtered run (CONFORMANCE_ONLY) writes beside the full report instead of over it
    writeFileSync(join(repoRoot(), '.tmp', `conformance-report-${targetKind}${only ? '-only' : ''}.txt`), report + '\n\n' + dumpAll(results) + '\n');
    console.log(report.length > 20_000 ? report.slice(0, 20_000) + '\n... (full report in .tmp/)' : report);

    expect(unexpected.map((d) => d.name), 'differences not in known-differences.ts').toEqual([]);
    expect(fixed, 'known differences that are now identical').toEqual([]);
    expect(unknownNames, 'known differences naming no scenario').toEqual([]);
  });
});
