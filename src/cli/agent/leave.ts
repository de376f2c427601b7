// `dcsgw leave` (also `dcsgw consul leave`): what `consul leave` does — PUT /v1/agent/leave on the
// local agent, which leaves the cluster gracefully (a server leaves the raft configuration, every
// agent's node is marked left, not failed) and shuts down. The Kubernetes manifests run it as the
// agents' preStop hook. Flags, address forms, output and exit codes are the consul CLI's.
import { HTTP_API_OPTIONS, runAgentPut } from './agent-http-command.js';
import type { CommandResult } from './consul-command.js';

const USAGE = `Usage: consul leave [options]

  Causes the agent to gracefully leave the Consul cluster and shutdown.

${HTTP_API_OPTIONS}`;

export function runLeave(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runAgentPut(args, env, { path: '/v1/agent/leave', usage: USAGE, ok: 'Graceful leave complete', errorVerb: 'Error leaving' });
}
