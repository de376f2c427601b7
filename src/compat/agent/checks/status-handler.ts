// Consul's success_before_passing / failures_before_warning / failures_before_critical: an active
// check's result reaches the agent's state only after enough consecutive results of its kind.
// Both counters start at their thresholds, so the very first result is applied at once (as
// Consul's StatusHandler does); a flap afterwards needs the full run of results.
import type { CheckNotify } from './check-runner.js';

export class StatusHandler {
  private successCounter: number;
  private failuresCounter: number;

  constructor(
    private readonly inner: CheckNotify,
    private readonly successBeforePassing: number,
    private readonly failuresBeforeWarning: number,
    private readonly failuresBeforeCritical: number,
  ) {
    this.successCounter = successBeforePassing;
    this.failuresCounter = failuresBeforeCritical;
  }

  readonly update: CheckNotify = (status, output) => {
    if (status === 'passing' || status === 'warning') {
      this.successCounter++;
      this.failuresCounter = 0;
      if (this.successCounter >= this.successBeforePassing) this.inner(status, output);
      return;
    }
    this.failuresCounter++;
    this.successCounter = 0;
    if (this.failuresCounter >= this.failuresBeforeCritical) {
      this.inner(status, output);
      return;
    }
    // Unset failures_before_warning counts as failures_before_critical.
    if (this.failuresCounter >= this.failuresBeforeWarning) this.inner('warning', output);
  };
}
