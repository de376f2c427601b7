// Starting and stopping the servers under test: genuine etcd, dcsgw (bin/dcsgw, etcd's flags),
// and the echo of the gRPC layer. Fresh data directories on every start, loopback ports only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { H2GrpcConnection } from './h2-grpc-client.js';

export type TargetKind = 'etcd' | 'dcsgw' | 'echo';

export interface RunningServer {
  kind: TargetKind;
  endpoints: string[];
  pids: number[];
  logFiles: string[];
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root: bench/ in sources, dist/bench/ when built. */
export const repoRoot = existsSync(join(here, '..', 'package.json')) ? join(here, '..') : join(here, '..', '..');

/** Port plan inside this engineer's range: etcd 265xx, dcsgw 266xx, echo 267xx; member i uses base + 10 i. */
const portBase = Number(process.env['DCSGW_BENCH_PORT_BASE'] ?? 26500); // another engineer's range: set DCSGW_BENCH_PORT_BASE
const BASE: Record<TargetKind, number> = { etcd: portBase, dcsgw: portBase + 100, echo: portBase + 200 };

/** etcd's flags for one loopback member of a new cluster (dcsgw takes the same). */
export function memberArgs(name: string, dir: string, client: number, peer: number, initialCluster: string, token = 'dcsgw-bench'): string[] {
  return [
    '--name', name,
    '--data-dir', dir,
    '--listen-client-urls', `http://127.0.0.1:${client}`,
    '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', initialCluster,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', token,
  ];
}

function commandFor(kind: TargetKind): { cmd: string; pre: string[] } {
  if (kind === 'etcd') return { cmd: '/usr/bin/etcd', pre: [] };
  if (kind === 'dcsgw') return { cmd: process.execPath, pre: [join(repoRoot, 'bin', 'dcsgw')] };
  return { cmd: process.execPath, pre: [join(repoRoot, 'dist', 'bench', 'echo-server.js')] };
}

export function available(kind: TargetKind): string | undefined {
  if (kind === 'etcd' && !existsSync('/usr/bin/etcd')) return 'no /usr/bin/etcd';
  if (kind === 'dcsgw' && !existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) return 'dcsgw is not built (dist/src/cli/main.js missing)';
  if (kind === 'echo' && !existsSync(join(repoRoot, 'dist', 'bench', 'echo-server.js'))) return 'dist/bench/echo-server.js missing (npm run build)';
  return undefined;
}

/** Polls a Range call until it answers OK (a leader exists, the store serves). */
export async function waitServing(endpoint: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const probe = Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x61]); // RangeRequest{key:"a"}
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const conn = new H2GrpcConnection(endpoint);
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 1000);
      conn.unary('/etcdserverpb.KV/Range', probe, (err, status) => {
        clearTimeout(t);
        resolve(!err && status === 0);
      });
    });
    conn.session.destroy();
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not serving at ${endpoint} after ${timeoutMs} ms`);
}

/** `profileDir`: node targets (dcsgw, echo) write a V8 CPU profile there when they stop. */
export async function startServer(kind: TargetKind, members: number, profileDir?: string): Promise<RunningServer> {
  const base = BASE[kind];
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const logFiles: string[] = [];
  const endpoints: string[] = [];
  const { cmd, pre: basePre } = commandFor(kind);
  const pre = profileDir !== undefined && kind !== 'etcd' ? ['--cpu-prof', '--cpu-prof-dir', profileDir, ...basePre] : basePre;
  const names = Array.from({ length: members }, (_, i) => `${kind}${i + 1}`);
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${base + 10 * i + 2}`).join(',');
  for (let i = 0; i < (kind === 'echo' ? 1 : members); i++) {
    const client = base + 10 * i + 1;
    const peer = base + 10 * i + 2;
    const dir = mkdtempSync(join(tmpdir(), `dcsgw-bench-${kind}-`));
    dirs.push(dir);
    const log = join(dir + '.log');
    logFiles.push(log);
    const fd = openSync(log, 'w');
    const args = kind === 'echo' ? [...pre, String(client)] : [...pre, ...memberArgs(names[i] as string, dir, client, peer, initialCluster)];
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env['ETCD_UNSUPPORTED_ARCH'] ?? '' } });
    closeSync(fd);
    children.push(child);
    endpoints.push(`http://127.0.0.1:${client}`);
  }
  // A server that failed to start keeps its log for the error message; after a run they are removed.
  const stopAndClean = async (keepLogs: boolean): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (!keepLogs) for (const f of logFiles) rmSync(f, { force: true });
  };
  const stop = () => stopAndClean(false);
  try {
    await Promise.all(endpoints.map((e, i) => waitServing(e, 30_000, children[i] as ChildProcess)));
  } catch (err) {
    await stopAndClean(true);
    throw new Error(`${kind}: ${(err as Error).message} (logs: ${logFiles.join(', ')})`);
  }
  return { kind, endpoints, pids: children.map((c) => c.pid as number), logFiles, stop };
}
