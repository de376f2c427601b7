// A genuine redis-server (Debian's /usr/bin/redis-server) as a process on loopback for the Redis
// adapter's suites, on a port of their range (10000-10999), with no persistence unless asked.
import { allocatePort, hasBinary, makeTempDir, removeTempDir, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';

export const REDIS_PORTS = { from: 10000, to: 10999 };

export interface RedisServer {
  port: number;
  url: string;
  /** Redis's working directory (a temp dir of its own, removed at stop). */
  dir: string;
  process: ManagedProcess;
  /** Stops the server with `signal` and starts it again on the same port and directory (its files kept). */
  restart(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

let reported = false;
/** For describe.skipIf: true (skip) without redis-server, after printing one line saying so. */
export function skipUnlessRedis(): boolean {
  if (hasBinary('redis-server')) return false;
  if (!reported) {
    reported = true;
    console.warn('SKIP: redis-server not installed (apt-get install redis-server); genuine-Redis tests skipped');
  }
  return true;
}

/**
 * Starts redis-server with `extraArgs` after the defaults (a later option wins). `configFile` (written
 * into `dir` by `writeConfig`) goes first, as redis-server wants it; `readyText` is the log line
 * that says it serves (Sentinel says something else than a data node).
 */
export async function startRedis(
  extraArgs: string[] = [],
  opts: { writeConfig?: (dir: string, port: number) => string; readyText?: string } = {},
): Promise<RedisServer> {
  const port = await allocatePort(REDIS_PORTS);
  // removed by stop(), or by stopAllProcesses() for a server never stopped
  const dir = makeTempDir('dcsgw-redis-');
  const config = opts.writeConfig ? [opts.writeConfig(dir, port)] : [];
  const args = [...config, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs];
  const ready = opts.readyText ?? 'Ready to accept connections';
  const launch = async (): Promise<ManagedProcess> => {
    const proc = spawnManaged('redis-server', args);
    await waitFor(() => proc.output().includes(ready) || !proc.alive(), { timeoutMs: 60_000, what: () => `redis-server on ${port}: ${proc.output()}` });
    if (!proc.alive()) throw new Error(`redis-server exited at start: ${proc.output()}`);
    return proc;
  };
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: await launch(),
    async restart(signal: NodeJS.Signals = 'SIGTERM') {
      await server.process.stop(signal);
      server.process = await launch();
    },
    async stop() {
      await server.process.stop();
      removeTempDir(dir);
    },
  };
  return server;
}
