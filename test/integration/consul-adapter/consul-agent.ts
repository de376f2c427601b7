// A Consul server for the Consul adapter's tests: `bin/dcsgw agent -dev` as a process on loopback
// (no genuine Consul server can be had on these machines; dcsgw's Consul face is verified against
// genuine Consul clients). session_ttl_min is lowered to 1s, as Consul's own configuration allows,
// so that short leases expire within a test's time.
import { join } from 'node:path';
import { allocatePorts, repoRoot, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';

export const CONSUL_ADAPTER_PORTS = { from: 11000, to: 11999 };

export interface ConsulAgentProcess {
  proc: ManagedProcess;
  httpPort: number;
  /** host:port for a consul:// URL. */
  address: string;
  url: string;
}

export async function startConsulAgent(name = 'consul-adapter'): Promise<ConsulAgentProcess> {
  const [httpPort] = await allocatePorts(1, CONSUL_ADAPTER_PORTS);
  const bin = join(repoRoot(), 'bin', 'dcsgw');
  const args = ['agent', '-dev', '-node', name, '-http-port', String(httpPort), '-dns-port', '-1', '-etcd-port', '-1', '-hcl', 'session_ttl_min = "1s"'];
  const proc = spawnManaged(process.execPath, [bin, ...args], { env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' } });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    async () => {
      if (!proc.alive()) throw new Error(`dcsgw agent exited:\n${proc.output()}`);
      try {
        const res = await fetch(`${url}/v1/status/leader`);
        return res.ok && (await res.json()) !== '';
      } catch {
        return false;
      }
    },
    { timeoutMs: 30_000, what: 'the Consul agent to elect itself' },
  );
  return { proc, httpPort: httpPort!, address: `127.0.0.1:${httpPort}`, url };
}
