// Polling helpers for tests that wait on processes: a condition is retried until it holds or a
// deadline passes, and the failure names what was awaited (and the last error seen) so a red test
// says why it waited in vain.

export interface WaitOptions {
  /** Give up after this many milliseconds (default 15 000). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
  /**
   * Shown in the timeout error: "timed out after 15000 ms waiting for <what>". A function is called
   * at the timeout, so what it shows (e.g. process output) is the state at the end of the wait.
   */
  what?: string | (() => string);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `check` until it returns a value other than `undefined`/`false` (or stops throwing), and
 * returns that value. Throws after the deadline with the last error attached.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : lastError ? `: ${String(lastError)}` : '';
      const what = typeof opts.what === 'function' ? opts.what() : opts.what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? 'condition'}${detail}`);
    }
    await sleep(intervalMs);
  }
}
