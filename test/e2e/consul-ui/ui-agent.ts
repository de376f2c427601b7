// `bin/dcsgw agent ...` started as a user starts it, for the web UI suites: on ports of this
// suite's range (16000-16999), waited for until "Consul agent running!".
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatePorts, repoRoot, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';

export const UI_PORTS = { from: 16000, to: 16999 };

export interface UiAgent {
  process: ManagedProcess;
  /** http://127.0.0.1:<http port> */
  url: string;
  /** 127.0.0.1:<etcd port>, for etcdctl --endpoints */
  etcd: string;
}

/** True when `npm run build` has produced the UI bundle the agent serves. */
export function uiBuilt(): boolean {
  return existsSync(join(repoRoot(), 'dist', 'ui', 'index.html')) && existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js'));
}

/** `cwd`: the agent's working directory (relative paths in `args` are read from there); a new temp dir by default. */
export async function startUiAgent(args: string[], cwd = mkdtempSync(join(tmpdir(), 'dcsgw-ui-agent-'))): Promise<UiAgent> {
  // Every port the agent may bind comes from this suite's range, so parallel suites never collide
  // on Consul's defaults (8300-8302 for server RPC and gossip).
  const [http, dns, etcd, server, serfLan, serfWan] = await allocatePorts(6, UI_PORTS);
  const ports = ['-http-port', http, '-dns-port', dns, '-etcd-port', etcd, '-server-port', server, '-serf-lan-port', serfLan, '-serf-wan-port', serfWan].map(String);
  const process_ = spawnManaged(process.execPath, [join(repoRoot(), 'bin', 'dcsgw'), 'agent', ...args, ...ports], {
    cwd,
    env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' },
  });
  const running = /agent: Consul agent running!/;
  await waitFor(() => running.test(process_.output()) || !process_.alive(), { timeoutMs: 30_000, what: () => `the agent to start\n${process_.output()}` });
  if (!running.test(process_.output())) throw new Error(`the agent exited before it ran:\n${process_.output()}`);
  const url = `http://127.0.0.1:${http}`;
  // The node registers itself shortly after start-up; the UI's pages list it.
  await waitFor(async () => (await fetch(`${url}/v1/status/leader`).then((r) => r.json())) !== '', { timeoutMs: 15_000, what: 'a leader' });
  return { process: process_, url, etcd: `127.0.0.1:${etcd}` };
}
