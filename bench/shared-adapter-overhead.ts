// The measuring core of the adapter-overhead benches (etcd, Redis, Consul): a run of N operations
// at a given number in flight, timed, with the CPU each process spent on it per operation; rounds
// that interleave every case and concurrency (the machine is shared: a slow spell hits every case
// alike) and medians over them.
import { createServer } from 'node:net';
import { processCpuUs } from './proc-cpu.js';

/** Cumulative CPU time of one process, in microseconds. */
export type CpuMeter = () => number;

/** This Node process (the client side: the adapter or the plain calls). */
export const ownCpu: CpuMeter = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Another process, from /proc/<pid>/stat. */
export const cpuOf =
  (pid: number): CpuMeter =>
  () =>
    processCpuUs(pid);

export interface Sample<M extends string> {
  opsPerSec: number;
  /** CPU microseconds per operation, by meter. */
  us: Record<M, number>;
}

/** `opsPerRun` calls of `op(i)`, `concurrency` of them in flight at a time. */
export async function measure<M extends string>(opsPerRun: number, concurrency: number, op: (i: number) => Promise<unknown>, meters: Record<M, CpuMeter>): Promise<Sample<M>> {
  const names = Object.keys(meters) as M[];
  const before = names.map((n) => meters[n]());
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < opsPerRun) await op(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const us = {} as Record<M, number>;
  names.forEach((n, i) => (us[n] = (meters[n]() - before[i]!) / opsPerRun));
  return { opsPerSec: opsPerRun / seconds, us };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `rounds` rounds, each running every case at every concurrency once (progress on stderr); returns
 * the samples of one case at one concurrency.
 */
export async function interleavedRounds<C extends { name: string }, S>(
  rounds: number,
  concurrencies: number[],
  cases: C[],
  run: (c: C, concurrency: number) => Promise<S>,
): Promise<(name: string, concurrency: number) => S[]> {
  const samples = new Map<string, S[]>();
  for (let r = 0; r < rounds; r++) {
    for (const concurrency of concurrencies) {
      for (const c of cases) {
        const k = `${c.name}@${concurrency}`;
        samples.set(k, [...(samples.get(k) ?? []), await run(c, concurrency)]);
      }
    }
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  return (name, concurrency) => samples.get(`${name}@${concurrency}`) ?? [];
}

/** The first loopback port in [from, to] that binds, skipping `taken` (and adding the one found to it). */
export async function freePort(from: number, to: number, taken = new Set<number>()): Promise<number> {
  for (let p = from; p <= to; p++) {
    if (taken.has(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) {
      taken.add(p);
      return p;
    }
  }
  throw new Error('no free port');
}
