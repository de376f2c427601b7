// `npm run bench` entry (dist/bench/run.js): see ./runner.ts and BENCHMARKS.md.
import { runBench } from './runner.js';

runBench(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
