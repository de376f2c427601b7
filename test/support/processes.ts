// Every child process a test starts is registered here, so that none survives its test file:
// `stopAllProcesses()` (call it in afterAll) stops them gracefully, and a process 'exit' hook
// SIGKILLs whatever is still alive if the test runner exits or crashes first.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { releaseAllPorts } from './ports.js';
import { removeTempDirs } from './temp-dirs.js';

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Everything the process wrote to stdout and stderr so far (capped at the last 1 MiB). */
  output(): string;
  /** True until the process has exited. */
  alive(): boolean;
  /** Sends `signal` (default SIGTERM) and waits for exit; SIGKILL after `graceMs` (default 5 s). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
  /** Sends a signal without waiting (e.g. 'SIGKILL' to simulate a crash, 'SIGSTOP' to freeze it). */
  kill(signal?: NodeJS.Signals): void;
}

const live = new Set<ManagedProcess>();
const OUTPUT_CAP = 1 << 20;

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) {
      try {
        p.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Spawns `command args` with stdout/stderr captured, registered for cleanup. */
export function spawnManaged(command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
  installExitHook();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  let out = '';
  const collect = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > OUTPUT_CAP) out = out.slice(out.length - OUTPUT_CAP);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let isAlive = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      isAlive = false;
      live.delete(managed);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      isAlive = false;
      live.delete(managed);
      out += `\n[spawn error] ${err.message}\n`;
      resolve('spawn-error');
    });
  });
  const managed: ManagedProcess = {
    child,
    pid: child.pid,
    exited,
    output: () => out,
    alive: () => isAlive,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (isAlive) child.kill(signal);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000) {
      if (!isAlive) return exited;
      child.kill(signal);
      const timer = setTimeout(() => {
        if (isAlive) child.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(managed);
  return managed;
}

/**
 * Stops every process this test file started and has not stopped yet, frees its port reservations,
 * and removes the temp dirs made by `makeTempDir` (members' data dirs among them).
 */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', 3_000)));
  releaseAllPorts();
  removeTempDirs();
}
