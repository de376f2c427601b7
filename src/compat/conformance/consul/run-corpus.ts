// The Consul half of `dcsgw conformance`: every scenario of the Consul HTTP corpus against the
// target agent, compared with a reference agent's answers (run side by side) or, without one, with
// genuine Consul's documented answers written in the corpus.
import { diffObservations, type ScenarioResult } from '../report.js';
import { ConsulHttpRunner, renderExpected, type ConsulOutcome } from './http-runner.js';
import { consulScenarios } from './scenarios.js';
import type { ConsulConformanceTarget } from './target.js';
import type { ConsulScenario } from './types.js';

export interface ConsulCorpusOptions {
  target: ConsulConformanceTarget;
  reference?: ConsulConformanceTarget;
  select: (name: string) => boolean;
  progress?: (done: number, total: number, name: string) => void;
}

async function runAll(runner: ConsulHttpRunner, scenarios: ConsulScenario[], expectShape: boolean, onEach: (o: ConsulOutcome, seconds: number) => void): Promise<void> {
  await runner.connect();
  try {
    for (const s of scenarios) {
      const t0 = performance.now();
      let outcome: ConsulOutcome;
      try {
        outcome = await runner.run(s, expectShape);
      } catch (err) {
        outcome = { name: s.name, observations: [`RUN ERROR ${(err as Error).message}`] };
      }
      onEach(outcome, (performance.now() - t0) / 1000);
    }
  } finally {
    await runner.cleanupRun();
  }
}

export async function runConsulCorpus(opts: ConsulCorpusOptions): Promise<{ results: ScenarioResult[]; referenceLabel: string }> {
  const scenarios = consulScenarios.filter((s) => opts.select(s.name));
  const got = new Map<string, { obs: string[]; seconds: number }>();
  const want = new Map<string, string[]>();
  let done = 0;
  const target = new ConsulHttpRunner(opts.target);
  const reference = opts.reference ? new ConsulHttpRunner(opts.reference) : undefined;
  await Promise.all([
    runAll(target, scenarios, !reference, (o, seconds) => {
      got.set(o.name, { obs: o.observations, seconds });
      opts.progress?.(++done, scenarios.length, o.name);
    }),
    reference ? runAll(reference, scenarios, false, (o) => want.set(o.name, o.observations)) : Promise.resolve(),
  ]);
  const results = scenarios.map((s): ScenarioResult => {
    const g = got.get(s.name) ?? { obs: ['(not run)'], seconds: 0 };
    const runError = g.obs.find((o) => o.startsWith('RUN ERROR '));
    if (runError) return { suite: 'consul', name: s.name, status: 'error', reason: runError.slice(10), seconds: g.seconds };
    const expected = reference ? (want.get(s.name) ?? ['(not run on the reference)']) : s.steps.map((st) => renderExpected(st, s.name));
    const diff = diffObservations(expected, g.obs);
    return diff === undefined
      ? { suite: 'consul', name: s.name, status: 'conforms', seconds: g.seconds }
      : { suite: 'consul', name: s.name, status: 'differs', diff, seconds: g.seconds };
  });
  return {
    results,
    referenceLabel: opts.reference ? opts.reference.display : "genuine Consul's documented answers (the corpus's expectations)",
  };
}
