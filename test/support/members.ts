// Start genuine etcd (/usr/bin/etcd) or dcsgw (`node bin/dcsgw`, same flags) on loopback ports,
// from a fresh data dir, and wait until it serves. Both take exactly etcd's flags, so a test can
// run the same scenario against either by swapping `startEtcd` for `startDcsgw`.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdctl } from './etcdctl.js';
import { allocatePorts, isPortFree, type PortRange } from './ports.js';
import { spawnManaged, type ManagedProcess } from './processes.js';
import { repoRoot, whichBinary } from './binaries.js';
import { sleep } from './wait.js';
import { adoptTempDir, makeTempDir, removeTempDir } from './temp-dirs.js';

export type MemberKind = 'etcd' | 'dcsgw';

export interface MemberOptions {
  /** --name (default "default", etcd's own default). */
  name?: string;
  /** Where to take ports from when clientPort/peerPort are not given. */
  portRange?: PortRange;
  clientPort?: number;
  peerPort?: number;
  /** --advertise-client-urls (default the listen URL). */
  advertiseClientUrl?: string;
  /** --initial-advertise-peer-urls (default the listen URL). Member/cluster IDs derive from it and the token. */
  advertisePeerUrl?: string;
  /** --initial-cluster (default `<name>=<advertisePeerUrl>`). */
  initialCluster?: string;
  /** --initial-cluster-token (default "etcd-cluster", etcd's default). */
  initialClusterToken?: string;
  /** --initial-cluster-state (default "new"). */
  initialClusterState?: 'new' | 'existing';
  /** Reuse this data dir (e.g. a restart); otherwise a fresh temp dir is made, removed on stop() or by stopAllProcesses(). */
  dataDir?: string;
  /** More flags, appended as given (e.g. ['--auto-compaction-retention', '1']). */
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Wait until /health says healthy (default true; set false for cluster members started one by one). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

export interface RunningMember {
  kind: MemberKind;
  name: string;
  /** [clientUrl], ready to pass to etcdctl or a client. */
  endpoints: string[];
  clientUrl: string;
  peerUrl: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  pid: number;
  process: ManagedProcess;
  /** The options it was started with, ports and data dir filled in (for restart()). */
  options: MemberOptions;
  /** Graceful stop (SIGTERM, SIGKILL after 5 s); removes the data dir if this helper created it, unless keepDataDir. */
  stop(opts?: { keepDataDir?: boolean }): Promise<void>;
  /** Send a signal (default SIGKILL: a crash) without waiting; the data dir stays. */
  kill(signal?: NodeJS.Signals): void;
  /** Start again with the same flags and data dir (or `overrides.dataDir`), once this one has exited. */
  restart(overrides?: Partial<MemberOptions>): Promise<RunningMember>;
  /** Its stdout+stderr so far. */
  output(): string;
}

/**
 * Whether process `pid` holds the listening socket of 127.0.0.1:`port` (Linux /proc); undefined
 * when that cannot be told. Guards against a health check answered by ANOTHER server that took
 * the port (e.g. while a crashed member was down) before ours found it in use and exited.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  if (!existsSync('/proc/net/tcp')) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] ("0100007F:5DC1"), st is f[3] ("0A" = LISTEN), inode is f[9]
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return false;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1] as string)) return true;
    }
  } catch {
    return undefined;
  }
  return false;
}

/**
 * Resolves when `clientUrl` answers /health with {"health":"true"} (or, lacking /health, etcdctl
 * endpoint health succeeds). Fails at once, with the process output, if `proc` exits meanwhile.
 */
// the default wait is generous: a loaded 2-core CI machine has been seen taking over 30 s to start a node process
export async function waitHealthy(clientUrl: string, timeoutMs = 60_000, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (proc && !proc.alive()) {
      throw new Error(`process exited (${await proc.exited}) before serving:\n${proc.output().slice(-3000)}`);
    }
    try {
      // a squatter on our port would answer /health for us: only our own listener counts
      if (proc && listensOn(proc.pid, Number(new URL(clientUrl).port)) === false) throw new Error('our process does not listen yet');
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.status === 200 && body.includes('"true"')) return;
      last = `/health answered ${res.status} ${body.slice(0, 200)}`;
      if (res.status === 404) {
        const r = await etcdctl(clientUrl, ['endpoint', 'health'], { timeoutMs: 5_000 });
        if (r.code === 0) return;
        last = r.stderr.slice(-300);
      }
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${clientUrl} to be healthy: ${last}`);
    await sleep(100);
  }
}

async function startMember(kind: MemberKind, opts: MemberOptions): Promise<RunningMember> {
  const name = opts.name ?? 'default';
  let clientPort = opts.clientPort;
  let peerPort = opts.peerPort;
  if (clientPort === undefined || peerPort === undefined) {
    if (!opts.portRange) throw new Error('startMember: give clientPort+peerPort or a portRange');
    const ports = await allocatePorts(2, opts.portRange);
    clientPort ??= ports[0];
    peerPort ??= ports[1];
  }
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerListen = `http://127.0.0.1:${peerPort}`;
  const advertisePeerUrl = opts.advertisePeerUrl ?? peerListen;
  const ownsDir = opts.dataDir === undefined;
  // removed by stop(), or by stopAllProcesses() for a member never stopped or restarted from it
  const dataDir = opts.dataDir ?? makeTempDir(`${kind}-${name}-`);
  const flags = [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', opts.advertiseClientUrl ?? clientUrl,
    '--listen-peer-urls', peerListen,
    '--initial-advertise-peer-urls', advertisePeerUrl,
    '--initial-cluster', opts.initialCluster ?? `${name}=${advertisePeerUrl}`,
    '--initial-cluster-token', opts.initialClusterToken ?? 'etcd-cluster',
    '--initial-cluster-state', opts.initialClusterState ?? 'new',
    ...(opts.extraArgs ?? []),
  ];
  let command: string;
  let args: string[];
  if (kind === 'etcd') {
    command = whichBinary('etcd') ?? 'etcd';
    args = flags;
  } else {
    // DCSGW_BIN: run another entry script with the same flags (e.g. a local build being tried out)
    command = process.execPath;
    args = [process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw'), ...flags];
  }
  // a port taken meanwhile (by another suite, while this member was down) is a clear error here,
  // not a health check answered by someone else's server
  if (!(await isPortFree(clientPort as number))) throw new Error(`${kind} ${name}: client port ${clientPort} is already in use`);
  const proc = spawnManaged(command, args, { env: { ...process.env, ...opts.env }, cwd: tmpdir() });
  const filled: MemberOptions = { ...opts, name, clientPort, peerPort, dataDir };
  const member: RunningMember = {
    kind,
    name,
    endpoints: [clientUrl],
    clientUrl,
    peerUrl: advertisePeerUrl,
    clientPort: clientPort as number,
    peerPort: peerPort as number,
    dataDir,
    pid: proc.pid,
    process: proc,
    options: filled,
    output: () => proc.output(),
    kill: (signal: NodeJS.Signals = 'SIGKILL') => proc.kill(signal),
    async stop(stopOpts = {}) {
      await proc.stop();
      if (ownsDir && !stopOpts.keepDataDir) removeTempDir(dataDir);
    },
    async restart(overrides = {}) {
      await proc.exited;
      // the same data dir unless another is given; one this helper made stays removed by
      // stopAllProcesses() (stop() may have removed it already: the process then makes it again)
      const nextDir = overrides.dataDir ?? dataDir;
      if (ownsDir && nextDir === dataDir) adoptTempDir(dataDir);
      const next = await startMember(kind, { ...filled, ...overrides, dataDir: nextDir, initialClusterState: overrides.initialClusterState ?? filled.initialClusterState });
      return next;
    },
  };
  if (opts.waitReady ?? true) {
    try {
      await waitHealthy(clientUrl, opts.readyTimeoutMs ?? 60_000, proc);
    } catch (err) {
      await proc.stop('SIGKILL');
      throw new Error(`${kind} ${name} did not become ready: ${(err as Error).message}\n--- output ---\n${proc.output().slice(-4000)}`);
    }
  }
  return member;
}

/** Genuine etcd from $PATH (Debian's etcd-server: /usr/bin/etcd). */
export function startEtcd(opts: MemberOptions): Promise<RunningMember> {
  return startMember('etcd', opts);
}

/** dcsgw (`node bin/dcsgw`, or `node $DCSGW_BIN`; needs the build: `node scripts/ensure-ready.mjs`). */
export function startDcsgw(opts: MemberOptions): Promise<RunningMember> {
  return startMember('dcsgw', opts);
}

export function startMemberOfKind(kind: MemberKind, opts: MemberOptions): Promise<RunningMember> {
  return startMember(kind, opts);
}

export interface ClusterOptions extends Omit<MemberOptions, 'name' | 'clientPort' | 'peerPort' | 'initialCluster' | 'dataDir'> {
  portRange: PortRange;
  /** Member names (default m1..mN). */
  names?: string[];
  /** Ports to use instead of allocating: [client1, peer1, client2, peer2, ...]. */
  ports?: number[];
}

/** An N-member cluster (all started at once with one --initial-cluster), resolved when every member is healthy. */
export async function startCluster(kind: MemberKind, size: number, opts: ClusterOptions): Promise<RunningMember[]> {
  const names = opts.names ?? Array.from({ length: size }, (_, i) => `m${i + 1}`);
  const ports = opts.ports ?? (await allocatePorts(2 * size, opts.portRange));
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[2 * i + 1]}`).join(',');
  const members = await Promise.all(
    names.map((n, i) =>
      startMember(kind, { ...opts, name: n, clientPort: ports[2 * i], peerPort: ports[2 * i + 1], initialCluster, waitReady: false }),
    ),
  );
  try {
    await Promise.all(members.map((m) => waitHealthy(m.clientUrl, opts.readyTimeoutMs ?? 90_000, m.process)));
  } catch (err) {
    await Promise.all(members.map((m) => m.stop()));
    throw err;
  }
  // give followers a moment to learn the leader's commit index, so reads everywhere see the same state
  await sleep(50);
  return members;
}
