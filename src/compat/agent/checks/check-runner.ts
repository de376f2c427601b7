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

export class IntervalLoop {
  private timer: NodeJS.Timeout | undefined;
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
    if (this.timer) clearTimeout(this.timer);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.run()
        .catch(() => undefined)
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}

/** The interval an active check runs at: its own, raised to the minimum. */
export function effectiveIntervalMs(intervalNs: number): number {
  return Math.max(MIN_INTERVAL_MS, intervalNs / 1e6);
}
