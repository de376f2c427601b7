// Runs the genuine `etcdctl` (v3 API) against given endpoints and captures what a user sees.
import { runEtcdctl } from '../../src/compat/conformance/etcd/etcdctl-process.js';

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
  // the conformance command's runner: one way of running etcdctl for the product and its tests
  return runEtcdctl([], [`--endpoints=${eps}`, ...args], {
    binary: opts.binary ?? 'etcdctl',
    env: opts.env,
    input: opts.input,
    keepStdinOpen: opts.keepStdinOpen,
    timeoutMs: opts.timeoutMs ?? 15_000,
    interruptAtTimeout: opts.interruptAtTimeout ?? false,
    interruptWhen: opts.interruptWhen,
    graceMs: opts.interruptGraceMs,
    signal: opts.signal,
    onStdout: opts.onStdout,
  });
}
