// A UDP check as Consul runs it: send a datagram to the address and wait for an answer; an
// answer, or silence until the timeout, is passing ("UDP connect <addr>: Success") — UDP has no
// handshake, so only an ICMP refusal (or a local error) makes it critical, with Go's error text.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { IntervalLoop, effectiveIntervalMs, type CheckNotify, type CheckRunner, timerDelay } from './check-runner.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** The datagram sent (any payload does: the check only looks for a refusal). */
const MESSAGE = Buffer.from('Hello from Consul');

export class UdpCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly address: string,
    intervalNs: number,
    private readonly timeoutMs: number,
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
      const report = (status: string, output: string) => {
        if (!this.loop.isStopped) this.notify(status, output);
        resolve();
      };
      if (!m) return report('critical', `dial udp ${this.address}: address ${this.address}: missing port in address`);
      const host = m[1]!;
      const port = Number(m[2]);
      const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
      let done = false;
      const finish = (status: string, output: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.close();
        report(status, output);
      };
      const success = `UDP connect ${this.address}: Success`;
      const timer = setTimeout(() => finish('passing', success), timerDelay(this.timeoutMs > 0 ? this.timeoutMs : DEFAULT_TIMEOUT_MS));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const local = (() => {
          try {
            const a = socket.address();
            return `${a.address}:${a.port}`;
          } catch {
            return '';
          }
        })();
        const what = err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
        finish('critical', `read udp ${local}->${this.address}: read: ${what}`);
      });
      socket.once('message', () => finish('passing', success));
      socket.connect(port, host, () => socket.send(MESSAGE));
    });
  }
}
