// Runs the genuine `etcdctl` (v3 API) against given endpoints and captures what a user sees.
import { spawn } from 'node:child_process';

export interface EtcdctlOptions {
  /** Extra environment (ETCDCTL_API=3 is always set; the rest of process.env is inherited). */
  env?: Record<string, string>;
  /** Written to stdin, then stdin is closed (txn -i, lock/elect input, `user add` passwords...). */
  input?: string;
  /** SIGKILL etcdctl after this long (default 15 000 ms); `timedOut` says it happened. */
  timeoutMs?: number;
  /** Send SIGINT instead of SIGKILL at the timeout (etcdctl watch/lock/elect exit cleanly on it). */
  interruptAtTimeout?: boolean;
  /** SIGINT etcdctl as soon as this holds for its stdout so far (a watch that has printed what was expected). */
  interruptWhen?: (stdout: string) => boolean;
  /** Wait this long after interruptWhen held before the SIGINT (lets the rest of an event print). */
  interruptGraceMs?: number;
  /** SIGINT etcdctl when this signal aborts (stop a background watch/lock/elect from elsewhere). */
  signal?: AbortSignal;
  /** Called with the whole stdout so far after every chunk. */
  onStdout?: (stdout: string) => void;
  /** Keep stdin open after `input` until etcdctl exits (watch -i reads commands until EOF and fails on it). */
  keepStdinOpen?: boolean;
  /** Binary to run (default `etcdctl` from $PATH). */
  binary?: string;
}

export interface EtcdctlResult {
  stdout: string;
  /** stdout as bytes (for `-w protobuf`). */
  stdoutBytes: Buffer;
  stderr: string;
  /** Exit code; -1 when it ended on a signal. */
  code: number;
  /** True when the timeout (not interruptWhen or signal) ended it. */
  timedOut: boolean;
}

/** `etcdctl --endpoints=<endpoints> <args...>`. Never throws for a non-zero exit. */
export function etcdctl(
  endpoints: string | readonly string[],
  args: readonly string[],
  opts: EtcdctlOptions = {},
): Promise<EtcdctlResult> {
  const eps = typeof endpoints === 'string' ? endpoints : endpoints.join(',');
  const fullArgs = [`--endpoints=${eps}`, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(opts.binary ?? 'etcdctl', fullArgs, {
      env: { ...process.env, ETCDCTL_API: '3', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let interrupted = false;
    let whenSeen = false;
    const interrupt = () => {
      if (interrupted) return;
      interrupted = true;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
    };
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      if (opts.interruptWhen || opts.onStdout) {
        const all = Buffer.concat(out).toString('utf8');
        opts.onStdout?.(all);
        if (!whenSeen && opts.interruptWhen?.(all)) {
          whenSeen = true;
          setTimeout(interrupt, opts.interruptGraceMs ?? 0).unref();
        }
      }
    });
    if (opts.signal) {
      if (opts.signal.aborted) interrupt();
      else opts.signal.addEventListener('abort', interrupt, { once: true });
    }
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {
      // etcdctl may exit before reading all input; that is its answer, not ours to fail on
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (opts.interruptAtTimeout) interrupt();
      else child.kill('SIGKILL');
    }, opts.timeoutMs ?? 15_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolve({
        stdout: bytes.toString('utf8'),
        stdoutBytes: bytes,
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? -1,
        timedOut,
      });
    });
    if (opts.keepStdinOpen) {
      if (opts.input !== undefined) child.stdin.write(opts.input);
      child.once('exit', () => child.stdin.destroy());
    } else if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
