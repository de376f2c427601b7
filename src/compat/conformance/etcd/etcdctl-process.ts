// Runs the user's genuine `etcdctl` (v3 API) for a conformance step and captures what a user sees:
// stdout (also as bytes), stderr, exit code. Long-running commands (watch, lock, elect) are ended
// with SIGINT, as a user at a terminal ends them.
import { spawn } from 'node:child_process';
import type { CtlRun } from './templates.js';

export interface EtcdctlRunOptions {
  binary: string;
  /** More environment (ETCDCTL_API=3 is always set; the rest of process.env is inherited). */
  env?: Record<string, string> | undefined;
  input?: string | undefined;
  /** Keep stdin open after `input` until etcdctl exits (watch -i fails on EOF). */
  keepStdinOpen?: boolean | undefined;
  timeoutMs: number;
  /** SIGINT (not SIGKILL) at the timeout. */
  interruptAtTimeout: boolean;
  /** SIGINT once stdout satisfies this, `graceMs` later (lets the rest of an event print). */
  interruptWhen?: ((stdout: string) => boolean) | undefined;
  graceMs?: number;
  signal?: AbortSignal;
  onStdout?: (stdout: string) => void;
}

export function runEtcdctl(endpoints: readonly string[], args: readonly string[], opts: EtcdctlRunOptions): Promise<CtlRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(opts.binary, [...(endpoints.length ? [`--endpoints=${endpoints.join(',')}`] : []), ...args], {
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
      if (!opts.interruptWhen && !opts.onStdout) return;
      const all = Buffer.concat(out).toString('utf8');
      opts.onStdout?.(all);
      if (!whenSeen && opts.interruptWhen?.(all)) {
        whenSeen = true;
        setTimeout(interrupt, opts.graceMs ?? 0).unref();
      }
    });
    if (opts.signal) {
      if (opts.signal.aborted) interrupt();
      else opts.signal.addEventListener('abort', interrupt, { once: true });
    }
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // etcdctl may exit before reading all its input: that is its answer, not an error of ours
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      if (opts.interruptAtTimeout) interrupt();
      else child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolvePromise({ stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1, timedOut });
    });
    if (opts.keepStdinOpen) {
      if (opts.input !== undefined) child.stdin.write(opts.input);
      child.once('exit', () => child.stdin.destroy());
    } else if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** `etcdctl version`'s first line, e.g. "etcdctl version: 3.4.23"; undefined when it cannot run. */
export async function etcdctlVersion(binary: string): Promise<string | undefined> {
  try {
    const r = await runEtcdctl([], ['version'], { binary, timeoutMs: 10_000, interruptAtTimeout: false });
    return r.code === 0 ? r.stdout.split('\n')[0]?.trim() : undefined;
  } catch {
    return undefined;
  }
}
