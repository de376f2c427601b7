// Loopback port allocation inside a range the caller owns (each engineer/suite has its own range,
// so suites running in parallel forks never collide). A port is handed out only after a trial
// bind on 127.0.0.1 succeeds, and never twice by the same process.
import { createServer } from 'node:net';

export interface PortRange {
  /** First port of the range (inclusive). */
  from: number;
  /** Last port of the range (inclusive). */
  to: number;
}

const handedOut = new Set<number>();

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

/** Lets a port be handed out again (e.g. after its process is gone for good). */
export function releasePort(port: number): void {
  handedOut.delete(port);
}
