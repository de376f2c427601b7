// The etcd half of `dcsgw conformance`: every live-safe scenario of the corpus against the target,
// compared with the same scenario against a reference cluster (run side by side) or, without
// one, with what genuine etcd 3.4.23 answered when the expectations were recorded.
import type { ScenarioResult } from '../report.js';
import { diffObservations } from '../report.js';
import { genuineEtcd } from './expected-etcd-3.4.23.js';
import { LiveEtcdRunner, type LiveOutcome } from './live-runner.js';
import { liveExclusion } from './live-safety.js';
import type { EtcdConformanceTarget } from './live-target.js';
import type { RecordedTranscripts } from './recorded.js';
import { allScenarios } from './scenarios/index.js';
import type { Scenario } from './types.js';

export interface EtcdCorpusOptions {
  target: EtcdConformanceTarget;
  reference?: EtcdConformanceTarget;
  etcdctl: string;
  select: (name: string) => boolean;
  /** Called after each scenario (progress on stderr). */
  progress?: (done: number, total: number, name: string) => void;
}

export interface EtcdCorpusRun {
  results: ScenarioResult[];
  /** What the reference answers were: a URL or the recording's description. */
  referenceLabel: string;
  /** The target's normalised answers (for --record). */
  transcripts: Record<string, string[]>;
}

/** The corpus a live run selects from: every scenario, each with why it is skipped (if it is). */
export function liveCorpus(select: (name: string) => boolean): Array<{ scenario: Scenario; skip?: string }> {
  return allScenarios.filter((s) => select(s.name)).map((scenario) => {
    const skip = liveExclusion(scenario);
    return skip ? { scenario, skip } : { scenario };
  });
}

async function runAll(runner: LiveEtcdRunner, scenarios: Scenario[], onEach: (o: LiveOutcome, seconds: number) => void): Promise<void> {
  try {
    for (const s of scenarios) {
      const t0 = performance.now();
      let outcome: LiveOutcome;
      try {
        outcome = await runner.run(s);
      } catch (err) {
        outcome = { name: s.name, observations: [`RUN ERROR ${(err as Error).message}`] };
      }
      onEach(outcome, (performance.now() - t0) / 1000);
    }
  } finally {
    await runner.cleanupRun().catch(() => undefined);
  }
}

export async function runEtcdCorpus(opts: EtcdCorpusOptions, recorded: RecordedTranscripts = genuineEtcd): Promise<EtcdCorpusRun> {
  const corpus = liveCorpus(opts.select);
  const runnable = corpus.filter((c) => !c.skip).map((c) => c.scenario);
  const results = new Map<string, ScenarioResult>();
  for (const c of corpus) if (c.skip) results.set(c.scenario.name, { suite: 'etcd', name: c.scenario.name, status: 'skipped', reason: c.skip, seconds: 0 });

  const [target, reference] = await Promise.all([
    LiveEtcdRunner.open(opts.target, { etcdctl: opts.etcdctl }),
    opts.reference ? LiveEtcdRunner.open(opts.reference, { etcdctl: opts.etcdctl }) : Promise.resolve(undefined),
  ]);
  const got = new Map<string, { obs: string[]; seconds: number }>();
  const want = new Map<string, string[]>();
  let done = 0;
  try {
    await Promise.all([
      runAll(target, runnable, (o, seconds) => {
        got.set(o.name, { obs: o.observations, seconds });
        opts.progress?.(++done, runnable.length, o.name);
      }),
      reference ? runAll(reference, runnable, (o) => want.set(o.name, o.observations)) : Promise.resolve(),
    ]);
  } finally {
    target.close();
    reference?.close();
  }

  const transcripts: Record<string, string[]> = {};
  for (const s of runnable) {
    const g = got.get(s.name) ?? { obs: ['(not run)'], seconds: 0 };
    transcripts[s.name] = g.obs;
    const expected = reference ? want.get(s.name) : recorded.scenarios[s.name];
    if (!expected) {
      results.set(s.name, { suite: 'etcd', name: s.name, status: 'error', reason: 'no recorded expectation for this scenario (re-record the corpus)', seconds: g.seconds });
      continue;
    }
    const runError = g.obs.find((o) => o.startsWith('RUN ERROR '));
    if (runError) {
      results.set(s.name, { suite: 'etcd', name: s.name, status: 'error', reason: runError.slice(10), seconds: g.seconds });
      continue;
    }
    const diff = diffObservations(expected, g.obs);
    results.set(s.name, diff === undefined
      ? { suite: 'etcd', name: s.name, status: 'conforms', seconds: g.seconds }
      : { suite: 'etcd', name: s.name, status: 'differs', diff, seconds: g.seconds });
  }
  return {
    results: corpus.map((c) => results.get(c.scenario.name)!).filter(Boolean),
    referenceLabel: opts.reference ? opts.reference.display : `recorded answers of ${recorded.server} (${recorded.etcdctl}, ${recorded.recordedAt})`,
    transcripts,
  };
}
