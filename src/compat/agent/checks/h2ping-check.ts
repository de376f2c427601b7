// An H2PING check as Consul runs it: open an HTTP/2 connection (TLS unless h2ping_use_tls is
// false) and send a PING; the ack is passing ("HTTP2 ping was successful"), a failed dial or ping
// critical with Consul's texts.
import { connect } from 'node:http2';
import { IntervalLoop, effectiveIntervalMs, type CheckNotify, type CheckRunner, timerDelay } from './check-runner.js';
import { goDialError } from './go-net-errors.js';

const DEFAULT_TIMEOUT_MS = 10_000;

export interface H2pingCheckOptions {
  target: string;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
  intervalNs: number;
  timeoutMs: number;
}

export class H2pingCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly opts: H2pingCheckOptions,
  ) {
    this.loop = new IntervalLoop(effectiveIntervalMs(opts.intervalNs), () => this.check());
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private check(): Promise<void> {
    const { target, useTls } = this.opts;
    return new Promise((resolve) => {
      let done = false;
      let connected = false;
      const session = connect(`${useTls ? 'https' : 'http'}://${target}`, useTls ? { rejectUnauthorized: !this.opts.tlsSkipVerify, ...(this.opts.tlsServerName ? { servername: this.opts.tlsServerName } : {}) } : {});
      const finish = (status: string, output: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        session.destroy();
        if (!this.loop.isStopped) this.notify(status, output);
        resolve();
      };
      const timer = setTimeout(
        () => finish('critical', connected ? 'HTTP2 ping failed: context deadline exceeded' : `Failed to dial to ${target}: dial tcp ${target}: i/o timeout`),
        timerDelay(this.opts.timeoutMs > 0 ? this.opts.timeoutMs : DEFAULT_TIMEOUT_MS),
      );
      session.once('error', (err) => finish('critical', connected ? `HTTP2 ping failed: ${err.message}` : `Failed to dial to ${target}: ${goDialError(target, err)}`));
      session.once('connect', () => {
        connected = true;
        session.ping((err) => (err ? finish('critical', `HTTP2 ping failed: ${err.message}`) : finish('passing', 'HTTP2 ping was successful')));
      });
    });
  }
}
