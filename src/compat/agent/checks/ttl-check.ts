// A TTL check: its status is whatever the application last reported (pass/warn/fail/update);
// if no report arrives within the TTL it turns critical with Consul's output "TTL expired".
import { DEFAULT_OUTPUT_MAX, longTimeout, type CheckNotify, type CheckRunner, type LongTimer } from './check-runner.js';

export class TtlCheck implements CheckRunner {
  private timer: LongTimer | undefined;
  private lastOutput = '';

  constructor(
    private readonly notify: CheckNotify,
    private readonly ttlMs: number,
    private readonly outputMax: number = DEFAULT_OUTPUT_MAX,
  ) {}

  start(): void {
    this.arm();
  }

  stop(): void {
    this.timer?.clear();
    this.timer = undefined;
  }

  /** Sets the status and restarts the TTL; returns the output as stored (truncated as Consul truncates it). */
  setStatus(status: string, output: string): string {
    const bytes = Buffer.from(output, 'utf8');
    if (bytes.length > this.outputMax) {
      output = `${bytes.subarray(0, this.outputMax).toString('utf8')} ... (captured ${this.outputMax} of ${bytes.length} bytes)`;
    }
    this.notify(status, output);
    this.lastOutput = output;
    this.arm();
    return output;
  }

  private arm(): void {
    this.timer?.clear();
    this.timer = longTimeout(() => {
      this.notify('critical', this.lastOutput === '' ? 'TTL expired' : `TTL expired (last output before timeout follows): ${this.lastOutput}`);
    }, this.ttlMs);
  }
}
