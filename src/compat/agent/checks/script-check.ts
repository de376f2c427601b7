// A script check (`args`), run only when the agent enables script checks: exit 0 = passing,
// 1 = warning, anything else = critical; stdout and stderr together are the output (its last
// 4 KiB, prefixed "Captured N of M bytes" when cut); killed after the timeout (default 30 s)
// with Consul's "Timed out (30s) running check".
import { spawn } from 'node:child_process';
import { formatGoDuration } from '../go-duration.js';
import { IntervalLoop, effectiveIntervalMs, DEFAULT_OUTPUT_MAX, type CheckNotify, type CheckRunner, timerDelay } from './check-runner.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export class ScriptCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly args: string[],
    intervalNs: number,
    private readonly timeoutMs: number,
    private readonly outputMax: number = DEFAULT_OUTPUT_MAX,
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
      const timeoutMs = this.timeoutMs > 0 ? this.timeoutMs : DEFAULT_TIMEOUT_MS;
      const max = this.outputMax > 0 ? this.outputMax : DEFAULT_OUTPUT_MAX;
      let kept = Buffer.alloc(0);
      let total = 0;
      const collect = (chunk: Buffer) => {
        total += chunk.length;
        kept = Buffer.concat([kept, chunk]);
        if (kept.length > max) kept = kept.subarray(kept.length - max);
      };
      const output = () => {
        const text = kept.toString('utf8');
        return total > kept.length ? `Captured ${kept.length} of ${total} bytes\n...\n${text}` : text;
      };
      const report = (status: string, text: string) => {
        if (!this.loop.isStopped) this.notify(status, text);
        resolve();
      };
      let timedOut = false;
      const child = spawn(this.args[0]!, this.args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(() => {
        timedOut = true;
        // The whole process group, as Consul kills the check's subtree.
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timerDelay(timeoutMs));
      child.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const text =
          err.code === 'ENOENT' ? `exec: ${JSON.stringify(this.args[0])}: executable file not found in $PATH` : `fork/exec ${this.args[0]}: ${err.message}`;
        report('critical', text);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (timedOut) {
          const out = output();
          const msg = `Timed out (${formatGoDuration(timeoutMs * 1e6)}) running check`;
          report('critical', out.length > 0 ? `${msg}\n\n${out}` : msg);
        } else if (code === 0) report('passing', output());
        else if (code === 1) report('warning', output());
        else report('critical', output());
      });
    });
  }
}
