// An alias check mirrors the health of another service instance (or node): critical if any of its
// checks is critical, else warning if any is warning, else passing. A local alias (no node, or
// this node) follows the agent's own state on every change; an alias of another node reads that
// node's checks from the catalog (polled; Consul uses a blocking query for the same effect).
import type { HealthCheckRecord } from '../health-check.js';
import type { CheckNotify, CheckRunner } from './check-runner.js';

export interface AliasSource {
  /** Every check of this agent (node and service checks). */
  localChecks(): HealthCheckRecord[];
  localServiceExists(serviceId: string): boolean;
  /** Subscribes to changes of the agent's state; returns the unsubscribe function. */
  onLocalChange(listener: () => void): () => void;
  remoteNodeChecks(node: string): Promise<HealthCheckRecord[]>;
  remoteServiceExists(node: string, serviceId: string): Promise<boolean>;
}

const REMOTE_POLL_MS = 2000;

export class AliasCheck implements CheckRunner {
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private lastReported = '';

  constructor(
    private readonly notify: CheckNotify,
    private readonly ownCheckId: string,
    /** '' = this agent's node. */
    private readonly node: string,
    private readonly serviceId: string,
    private readonly source: AliasSource,
  ) {}

  start(): void {
    this.stopped = false;
    if (this.node === '') {
      this.unsubscribe = this.source.onLocalChange(() => this.updateLocal());
      // The first evaluation after registration has finished (the check itself is being added).
      setImmediate(() => this.updateLocal());
    } else {
      void this.pollRemote();
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private updateLocal(): void {
    if (this.stopped) return;
    const checks = this.source.localChecks().filter((c) => c.CheckID !== this.ownCheckId);
    this.process(checks, this.source.localServiceExists(this.serviceId));
  }

  private async pollRemote(): Promise<void> {
    if (this.stopped) return;
    try {
      const checks = await this.source.remoteNodeChecks(this.node);
      const exists = this.serviceId === '' || (await this.source.remoteServiceExists(this.node, this.serviceId));
      if (!this.stopped) this.process(checks, exists);
    } catch (err) {
      if (!this.stopped) this.report('critical', `Failure checking aliased node or service: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.pollRemote(), REMOTE_POLL_MS);
      this.timer.unref();
    }
  }

  private process(checks: HealthCheckRecord[], serviceExists: boolean): void {
    let health = 'passing';
    let msg = 'No checks found.';
    let serviceFound = false;
    for (const chk of checks) {
      if (this.node !== '' && chk.Node !== this.node) continue;
      const serviceMatch = chk.ServiceID === this.serviceId;
      if (chk.ServiceID !== '' && !serviceMatch) continue;
      if (serviceMatch) serviceFound = true;
      if (chk.Status === 'critical' || chk.Status === 'warning') {
        health = chk.Status;
        msg = `Aliased check ${JSON.stringify(chk.Name)} failing: ${chk.Output}`;
        if (chk.Status === 'critical') break;
      } else if (health === 'passing') {
        msg = 'All checks passing.';
      }
    }
    if (!serviceFound && !serviceExists) {
      msg = `Service ${this.serviceId} could not be found on node ${this.node}`;
      health = 'critical';
    }
    this.report(health, msg);
  }

  private report(status: string, output: string): void {
    const key = `${status}\u0000${output}`;
    if (key === this.lastReported) return;
    this.lastReported = key;
    this.notify(status, output);
  }
}
