// What every check runner shares: a notifier that receives (status, output), and the interval loop
// Consul uses for active checks (a random first pause within one interval so checks registered
// together do not fire together, then one run per interval; runs never overlap).

export type CheckNotify = (status: string, output: string) => void;

export interface CheckRunner {
  start(): void;
  stop(): void;
}

/** Consul raises any interval below one second to one second. */
export const MIN_INTERVAL_MS = 1000;
/** Consul keeps at most this much check output by default (4 KiB). */
export const DEFAULT_OUTPUT_MAX = 4096;

/** Node's timers hold at most 2^31-1 ms (about 24.8 days) and fire at once beyond it; Go durations go much further. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** A delay as one Node timer can hold it (a check timeout beyond ~24.8 days waits that long instead). */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** setTimeout for any delay: a longer one is waited out in steps. Unref'd, as every agent timer. */
export function longTimeout(fn: () => void, ms: number): LongTimer {
  let handle: NodeJS.Timeout;
  const arm = (left: number) => {
    handle = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(Math.max(0, left), MAX_TIMER_MS));
    handle.unref();
  };
  arm(ms);
  return { clear: () => clearTimeout(handle) };
}

export class IntervalLoop {
  private timer: LongTimer | undefined;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(Math.random() * this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.clear();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = longTimeout(() => {
      void this.run()
        .catch(() => undefined)
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
  }
}

/** The interval an active check runs at: its own, raised to the minimum. */
export function effectiveIntervalMs(intervalNs: number): number {
  return Math.max(MIN_INTERVAL_MS, intervalNs / 1e6);
}
