// GET /v1/agent/metrics: go-metrics' in-memory summary (Timestamp, Gauges, Points, Counters,
// Samples) with Consul's metric names where this agent has the same quantity, and the Prometheus
// text form of the same gauges (names with '.' turned into '_', as Consul's Prometheus sink does).
import { hostname } from 'node:os';
import type { AgentRuntime } from './agent-runtime.js';
import type { RaftView } from './raft-view.js';

export interface MetricsSummary {
  Timestamp: string;
  Gauges: Array<{ Name: string; Value: number; Labels: Record<string, string> }>;
  Points: unknown[];
  Counters: unknown[];
  Samples: unknown[];
}

/** go-metrics' interval timestamp: Go's time.Time.String() of the 10 s interval start, in UTC. */
function intervalTimestamp(now: Date): string {
  const d = new Date(Math.floor(now.getTime() / 10_000) * 10_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

/**
 * Gauges as go-metrics names them: "consul." + (hostname + "." unless telemetry.disable_hostname) + key
 * ("consul.myhost.runtime.alloc_bytes", what the Go client's own test looks for).
 */
export function agentMetrics(runtime: AgentRuntime | undefined, raft: RaftView, opts: { disableHostname: boolean }): MetricsSummary {
  const mem = process.memoryUsage();
  const voters = raft.servers.filter((s) => s.Voter).length;
  const gauges: Array<[string, number]> = [
    ['runtime.alloc_bytes', mem.heapUsed],
    ['runtime.sys_bytes', mem.rss],
    ['runtime.num_goroutines', process.getActiveResourcesInfo().length],
    ['autopilot.healthy', raft.leaderAddress !== '' ? 1 : 0],
    ['autopilot.failure_tolerance', Math.max(0, voters - (Math.floor(voters / 2) + 1))],
    ['raft.applied_index', raft.applied],
    ['raft.last_index', raft.index],
    ['server.isLeader', raft.isLeader ? 1 : 0],
    ['agent.local.services', runtime?.state.services.size ?? 0],
    ['agent.local.checks', runtime?.state.checks.size ?? 0],
  ];
  const prefix = opts.disableHostname ? 'consul.' : `consul.${hostname()}.`;
  return {
    Timestamp: intervalTimestamp(new Date()),
    Gauges: gauges.map(([key, Value]) => ({ Name: prefix + key, Value, Labels: {} })),
    Points: [],
    Counters: [],
    Samples: [],
  };
}

export function prometheusText(m: MetricsSummary): string {
  let out = '';
  for (const g of m.Gauges) {
    const name = g.Name.replace(/[^a-zA-Z0-9_:]/g, '_');
    out += `# HELP ${name} ${name}\n# TYPE ${name} gauge\n${name} ${g.Value}\n`;
  }
  return out;
}
