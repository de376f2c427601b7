// Loopback port allocation inside a range the caller owns (each engineer/suite has its own range,
// so suites running in parallel forks never collide). A port is handed out only after a trial
// bind on 127.0.0.1 succeeds, and never twice by the same process. It is also reserved machine-wide
// for the life of this process by a lock file (os.tmpdir()/dcsgw-port-<port>.lock holding our pid):
// another test process using these helpers will not take it even while it is unbound, e.g. while
// a member that was killed on purpose is down and about to restart on it.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PortRange {
  /** First port of the range (inclusive). */
  from: number;
  /** Last port of the range (inclusive). */
  to: number;
}

const handedOut = new Set<number>();
const lockFiles = new Set<string>();
let lockHook = false;

// DCSGW_PORT_LOCK_DIR keeps the reservations machine-wide when a run points TMPDIR elsewhere
// (e.g. a private TMPDIR to see exactly which files a suite leaves behind)
const lockPath = (port: number) => join(process.env.DCSGW_PORT_LOCK_DIR ?? tmpdir(), `dcsgw-port-${port}.lock`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the machine-wide reservation of `port`; false when a live process holds it. */
function reserve(port: number): boolean {
  const path = lockPath(port);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      lockFiles.add(path);
      if (!lockHook) {
        lockHook = true;
        process.on('exit', () => {
          for (const f of lockFiles) {
            try {
              unlinkSync(f);
            } catch {
              // already gone
            }
          }
        });
      }
      return true;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // removed meanwhile: try again
      }
      if (holder && alive(holder)) return false;
      try {
        unlinkSync(path); // left by a process that is gone
      } catch {
        // someone else cleaned it up first
      }
    }
  }
  return false;
}

/** Resolves true when 127.0.0.1:port can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * `count` distinct free ports from `range`. The scan starts at a random offset so two processes
 * sharing a range rarely probe the same ports at the same moment.
 */
export async function allocatePorts(count: number, range: PortRange): Promise<number[]> {
  const size = range.to - range.from + 1;
  if (size <= 0) throw new Error(`empty port range ${range.from}-${range.to}`);
  const start = Math.floor(Math.random() * size);
  const ports: number[] = [];
  for (let i = 0; i < size && ports.length < count; i++) {
    const port = range.from + ((start + i) % size);
    if (handedOut.has(port)) continue;
    if (!(await isPortFree(port))) continue;
    if (!reserve(port)) continue;
    handedOut.add(port);
    ports.push(port);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} free ports in ${range.from}-${range.to}`);
  return ports;
}

export async function allocatePort(range: PortRange): Promise<number> {
  const [port] = await allocatePorts(1, range);
  return port as number;
}

/** Drops every reservation this process holds (stopAllProcesses calls it: test runners may end a
 * worker without running its 'exit' hooks). Stale lock files are taken over anyway. */
export function releaseAllPorts(): void {
  for (const port of [...handedOut]) releasePort(port);
}

/** Lets a port be handed out again (e.g. after its process is gone for good). */
export function releasePort(port: number): void {
  handedOut.delete(port);
  const path = lockPath(port);
  if (lockFiles.delete(path)) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
