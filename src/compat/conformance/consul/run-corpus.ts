import type { ScenarioResult } from '../report.js';
import type { ConsulConformanceTarget } from './target.js';
export async function runConsulCorpus(_o: { target: ConsulConformanceTarget; reference?: ConsulConformanceTarget; select: (n: string) => boolean; progress?: (d: number, t: number, n: string) => void }): Promise<{ results: ScenarioResult[]; referenceLabel: string }> {
  throw new Error('consul corpus: in progress');
}
