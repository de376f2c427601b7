// Real-process nemesis tests: three members on loopback, concurrent clients, and a nemesis that
// kills -9 and restarts one member or all at once, pauses them (SIGSTOP/SIGCONT) and partitions one member from
// the other two or slows its links (through the peer proxy for etcd, dcsgw's own fault hook for
// dcsgw); then everything heals and the recorded history must be
// linearizable (etcd KV model with revisions) with no acknowledged write lost.
//   NEMESIS_TARGET=etcd|dcsgw   one implementation only (default: dcsgw, then genuine etcd as the
//                               conformance check of the harness itself)
//   NEMESIS_SECONDS=600         soak length (default 15 s of workload per target in CI)
//   NEMESIS_SEED=<n>            replay a run's choices
//   NEMESIS_FAULTS=kill,slow    only these fault kinds (default all: kill,crash-all,pause,partition,slow)
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { saveHistory } from '../../support/linearizability/index.js';
import { hasBinary, hasDcsgwBuild, stopAllProcesses, type MemberKind } from '../../support/index.js';
import { delaysTookEffect, partitionsTookEffect } from './partitioner.js';
import type { FaultKind } from './nemesis.js';
import { runNemesisScenario } from './scenario.js';

const SECONDS = Number(process.env.NEMESIS_SECONDS ?? 15);
const SEED = Number(process.env.NEMESIS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const requested = process.env.NEMESIS_TARGET as MemberKind | undefined;
const ALL_FAULTS: FaultKind[] = ['kill', 'crash-all', 'pause', 'partition', 'slow'];
const FAULTS: FaultKind[] = process.env.NEMESIS_FAULTS
  ? process.env.NEMESIS_FAULTS.split(',').map((f) => {
      if (!ALL_FAULTS.includes(f as FaultKind)) throw new Error(`NEMESIS_FAULTS: unknown fault ${f} (known: ${ALL_FAULTS.join(',')})`);
      return f as FaultKind;
    })
  : ALL_FAULTS;
const TARGETS: MemberKind[] = requested ? [requested] : ['dcsgw', 'etcd'];

const PORTS: Record<MemberKind, { from: number; to: number }> = {
  etcd: { from: 27000, to: 27399 },
  dcsgw: { from: 27400, to: 27799 },
};

function missing(kind: MemberKind): string | undefined {
  if (kind === 'etcd' && !hasBinary('etcd')) return 'SKIP nemesis vs genuine etcd: /usr/bin/etcd not installed';
  if (kind === 'dcsgw' && !hasDcsgwBuild()) return 'SKIP nemesis vs dcsgw: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs';
  return undefined;
}

afterAll(async () => {
  await stopAllProcesses();
});

for (const kind of TARGETS) {
  const why = missing(kind);
  if (why) console.warn(why);
  describe.skipIf(why !== undefined)(`nemesis against a 3-member ${kind} cluster`, () => {
    test(
      'kill -9 / crash-all / pause / partition / slow links: the history is linearizable and no acknowledged write is lost',
      async () => {
        const lines: string[] = [];
        const report = await runNemesisScenario({
          kind,
          portRange: PORTS[kind],
          seconds: SECONDS,
          seed: SEED,
          faults: FAULTS,
          clientsPerMember: 2,
          keys: 3,
          checkTimeoutMs: 60_000,
          log: (line) => lines.push(line),
        });
        const summary =
          `nemesis ${kind} seed=${report.seed} (replay: NEMESIS_SEED=${report.seed} NEMESIS_TARGET=${kind}): ` +
          `${report.operations.total} ops (${report.operations.acknowledged} acknowledged, ${report.operations.unknown} unknown, ` +
          `${report.operations.dropped} failed reads dropped), faults: ${report.faults.map((f) => `${f.kind}${f.leader ? `(leader${f.newLeaderElected ? '->new leader' : ''})` : ''}`).join(' ')}; ` +
          `check ${report.checkMs.toFixed(0)} ms, ${report.check.steps} steps; partitions ${JSON.stringify(report.partitions)}`;
        console.log(summary);
        console.log(lines.join('\n'));
        if (!report.check.ok || report.lostWrites.length > 0) {
          const file = join(tmpdir(), `nemesis-${kind}-${report.seed}-rev${report.initialRevision}.json`);
          saveHistory(file, report.history);
          console.log(`history saved to ${file} (check again: checkLinearizable(etcdKvModel({ initialRevision: ${report.initialRevision} }), loadHistory(file)))`);
        }
        if (!report.check.ok) console.log(JSON.stringify(report.check.counterexample, null, 2), '\n', lines.join('\n'));
        // the run must have exercised something
        expect(report.faults.length).toBeGreaterThan(0);
        expect(report.operations.acknowledged).toBeGreaterThan(50);
        expect(report.check.timedOut).toBe(false);
        expect(report.check.ok).toBe(true);
        expect(report.lostWrites).toEqual([]);
        // partitions really took effect (the proxy cut peer connections / the hook accepted them)
        if (report.faults.some((f) => f.kind === 'partition')) expect(partitionsTookEffect(report.partitions)).toBe(true);
        if (report.faults.some((f) => f.kind === 'slow')) expect(delaysTookEffect(report.partitions)).toBe(true);
        // and the checker would have seen a stale read in this very history
        if (report.staleReadCheck) expect(report.staleReadCheck).toMatchObject({ ok: false, timedOut: false });
      },
      SECONDS * 1000 + 120_000,
    );
  });
}
