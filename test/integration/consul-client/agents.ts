// Agents of one Consul datacenter as a user starts them (`bin/dcsgw agent ...` processes on their
// own loopback addresses), and what the tests ask them: HTTP (JSON, status, body), DNS through
// genuine `dig`, and their log. Shared by the client-agent suites and the lab.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';

/** The dcsgw entry script (DCSGW_BIN: another one, e.g. a copy of a build being tried out, as test/support's members use it). */
export const bin = process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw');

export interface AgentSpec {
  node: string;
  /** The agent's own loopback address (bind, advertise and client address). */
  addr: string;
  dataDir: string;
  server?: boolean;
  /** -backend=URL (the agent keeps no data of its own). */
  backend?: string;
  httpPort: number;
  dnsPort: number;
  configDir?: string;
  /** More flags (-hcl fragments, -retry-join, ...). */
  extra?: string[];
}

export interface Agent {
  readonly spec: AgentSpec;
  proc: ManagedProcess;
  readonly url: string;
  /** Starts it again with the same flags and data dir (after stop or kill). */
  restart(): Promise<void>;
}

export function agentArgs(s: AgentSpec): string[] {
  return [
    'agent',
    ...(s.server ? ['-server'] : []),
    ...(s.backend ? [`-backend=${s.backend}`] : []),
    `-node=${s.node}`,
    `-bind=${s.addr}`,
    `-client=${s.addr}`,
    `-http-port=${s.httpPort}`,
    `-dns-port=${s.dnsPort}`,
    '-etcd-port=-1',
    `-data-dir=${s.dataDir}`,
    ...(s.configDir ? [`-config-dir=${s.configDir}`] : []),
    ...(s.extra ?? []),
  ];
}

export function spawnAgent(args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
  return spawnManaged(process.execPath, [bin, ...args], { env: { ...process.env, DCSGW_BACKEND: '', ...env } });
}

export async function waitForLine(p: ManagedProcess, re: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(() => re.test(p.output()) || !p.alive(), { timeoutMs, what });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output so far ---\n${p.output()}`);
  }
  if (!re.test(p.output())) throw new Error(`the agent exited (${String(await p.exited)}) before ${what}\n${p.output()}`);
}

export async function startAgent(spec: AgentSpec, waitJoined = true): Promise<Agent> {
  const agent: Agent = {
    spec,
    proc: spawnAgent(agentArgs(spec)),
    url: `http://${spec.addr}:${spec.httpPort}`,
    async restart() {
      if (agent.proc.alive()) await agent.proc.stop('SIGKILL');
      agent.proc = spawnAgent(agentArgs(spec));
      await waitForLine(agent.proc, /agent: Synced node info/, `${spec.node} synced its node again`, 90_000);
    },
  };
  // a loaded CI machine can take tens of seconds to start a node process: the wait is generous, the test's own steps are not
  await waitForLine(agent.proc, waitJoined ? /agent: Synced node info/ : /agent: Consul agent running!/, `${spec.node} ${waitJoined ? 'synced its node' : 'running'}`, 90_000);
  return agent;
}

export async function http(a: Agent | string, path: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const base = typeof a === 'string' ? a : a.url;
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: await res.text() };
}

export async function json<T = unknown>(a: Agent | string, path: string): Promise<T> {
  const r = await http(a, path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

export async function put(a: Agent | string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return http(a, path, { method: 'PUT', ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
}

/** `dig @addr -p port name TYPE +short` (genuine dig): the answer lines. */
export function dig(addr: string, port: number, name: string, type = 'A'): string[] {
  const r = spawnSync('dig', [`@${addr}`, '-p', String(port), name, type, '+short', '+time=2', '+tries=1'], { encoding: 'utf8', timeout: 10_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith(';'));
}

/** Polls until `check` holds; the last value is in the error. */
export async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last === undefined ? String(lastErr) : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The service IDs the catalog lists under `name`, through agent `a`. */
export async function catalogIds(a: Agent, name: string): Promise<string[]> {
  const list = await json<Array<{ ServiceID: string; Node: string }>>(a, `/v1/catalog/service/${name}`);
  return list.map((s) => `${s.Node}/${s.ServiceID}`).sort();
}
