// PUT /v1/agent/join/<addr>, /v1/agent/members and /v1/agent/force-leave/<node>: the agent's
// membership in the cluster. An agent that runs in a cluster (src/native/cluster) gives its
// AgentCluster to the HTTP face; an agent without one (no serf port bound) answers for itself
// alone, and a join never pretends: an address that does not answer fails with memberlist's error
// text, as Consul's does; joining this agent's own serf address succeeds (serf counts itself); any
// other reachable agent is refused with a message that says why.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { AgentError } from './agent-error.js';
import type { SerfMember } from './agent-self.js';
import { goDialError, joinHostPort } from './checks/go-net-errors.js';

/** An agent's view of the cluster's membership (what the agent endpoints answer from). */
export interface AgentCluster {
  /** The LAN pool (every agent), or with `wan` the servers as the WAN pool names them. */
  members(wan: boolean): Promise<SerfMember[]>;
  /** Joins through these serf LAN addresses; resolves with how many answered, else rejects with an AgentError. */
  join(addrs: string[], wan: boolean): Promise<number>;
  /** Marks a failed member left (or, with prune, forgets it at once); AgentError when unknown. */
  forceLeave(node: string, prune: boolean): Promise<void>;
  /** How many servers this agent knows. */
  knownServers(): number;
}

const SERF_LAN_PORT = 8301;
const SERF_WAN_PORT = 8302;
const DIAL_TIMEOUT_MS = 10_000;

/** memberlist's multierror text for one failed address. */
function joinFailure(address: string, why: string): AgentError {
  return new AgentError(500, `1 error occurred:\n\t* Failed to join ${address}: ${why}\n\n`);
}

function splitHostPort(addr: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const colons = addr.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = addr.split(':');
    return { host: host!, port: /^\d+$/.test(port!) ? Number(port) : defaultPort };
  }
  return { host: addr, port: defaultPort };
}

/** The agent's own address, any address of this machine's interfaces, or localhost. */
function isThisHost(host: string, advertise: string): boolean {
  if (host === advertise || host === 'localhost') return true;
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.address === host) return true;
  return false;
}

function dial(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('i/o timeout'), { code: 'DIAL_TIMEOUT' }));
    }, DIAL_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

export async function joinLan(addr: string, opts: { self: { Addr: string; Port: number }; wan: boolean }): Promise<void> {
  // memberlist fills a missing port with its own bind port (serf LAN or WAN).
  const { host, port } = splitHostPort(addr, opts.wan ? SERF_WAN_PORT : opts.self.Port || SERF_LAN_PORT);
  const target = joinHostPort(host, port);
  const own = isThisHost(host, opts.self.Addr) && port === (opts.wan ? SERF_WAN_PORT : opts.self.Port);
  if (own) return;
  try {
    await dial(host, port);
  } catch (err) {
    throw joinFailure(target, goDialError(target, err));
  }
  throw joinFailure(target, 'joining another agent is not supported by this dcsgw yet (single-agent shape; clustering is a later issue)');
}
