// A TCP check: passing when a connection to the address opens ("TCP connect <addr>: Success"),
// or, with tcp_use_tls, when a TLS handshake over it completes ("TCP+TLS connect <addr>: Success");
// critical with Go's dial error otherwise. Timeout defaults to 10 s as Consul's dialer.
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { IntervalLoop, effectiveIntervalMs, type CheckNotify, type CheckRunner, timerDelay } from './check-runner.js';
import { goDialError } from './go-net-errors.js';

const DEFAULT_TIMEOUT_MS = 10_000;

export class TcpCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly address: string,
    intervalNs: number,
    private readonly timeoutMs: number,
    private readonly tls?: { skipVerify: boolean; serverName: string },
  ) {
    this.loop = new IntervalLoop(effectiveIntervalMs(intervalNs), () => this.check());
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private check(): Promise<void> {
    return new Promise((resolve) => {
      const m = /^\[?(.*?)\]?:(\d+)$/.exec(this.address);
      if (!m) {
        this.notify('critical', `dial tcp ${this.address}: address ${this.address}: missing port in address`);
        resolve();
        return;
      }
      const host = m[1]!;
      const port = Number(m[2]);
      const socket = this.tls
        ? tlsConnect({ host, port, rejectUnauthorized: !this.tls.skipVerify, servername: this.tls.serverName || host })
        : connect({ host, port });
      const kind = this.tls ? 'TCP+TLS' : 'TCP';
      const timeoutMs = this.timeoutMs > 0 ? this.timeoutMs : DEFAULT_TIMEOUT_MS;
      const timer = setTimeout(() => finish({ code: 'DIAL_TIMEOUT' }), timerDelay(timeoutMs));
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        if (this.loop.isStopped) return resolve();
        if (err) this.notify('critical', goDialError(this.address, err));
        else this.notify('passing', `${kind} connect ${this.address}: Success`);
        resolve();
      };
      socket.once(this.tls ? 'secureConnect' : 'connect', () => finish());
      socket.once('error', (err) => finish(err));
    });
  }
}
