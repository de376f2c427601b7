// Garbage-collection counters in the shape of Go's runtime.MemStats (NumGC, PauseTotalNs, the
// 256-entry PauseNs/PauseEnd rings, LastGC), for /debug/vars' memstats: monitoring that graphs
// etcd's GC pauses gets V8's pauses instead of zeros. V8 reports every collection as a
// performance entry; one observer per process, started when the first client port is served.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

/** Go keeps the last 256 pauses: the most recent at PauseNs[(NumGC+255)%256]. */
export const GC_RING = 256;

export interface GcStats {
  numGC: number;
  numForcedGC: number;
  pauseTotalNs: number;
  /** Unix time in ns of the end of the last collection (0 before the first). */
  lastGC: number;
  pauseNs: number[];
  pauseEnd: number[];
}

const stats: GcStats = { numGC: 0, numForcedGC: 0, pauseTotalNs: 0, lastGC: 0, pauseNs: new Array<number>(GC_RING).fill(0), pauseEnd: new Array<number>(GC_RING).fill(0) };
let observer: PerformanceObserver | undefined;

/** Counts one collection (exported for tests: a real GC cannot be provoked on demand). */
export function recordGc(durationMs: number, endUnixMs: number, forced: boolean): void {
  const i = stats.numGC % GC_RING;
  const pause = Math.round(durationMs * 1e6);
  const end = Math.round(endUnixMs * 1e6);
  stats.pauseNs[i] = pause;
  stats.pauseEnd[i] = end;
  stats.pauseTotalNs += pause;
  stats.lastGC = end;
  stats.numGC++;
  if (forced) stats.numForcedGC++;
}

/** Starts counting (idempotent). */
export function trackGarbageCollection(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const flags = (e as PerformanceEntry & { detail?: { flags?: number } }).detail?.flags ?? 0;
      recordGc(e.duration, performance.timeOrigin + e.startTime + e.duration, (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

export function gcStats(): Readonly<GcStats> {
  return stats;
}
