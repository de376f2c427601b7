// `dcsgw leave` (also `dcsgw consul leave`): what `consul leave` does — PUT /v1/agent/leave on the
// local agent, which leaves the cluster gracefully (a server leaves the raft configuration, every
// agent's node is marked left, not failed) and shuts down. The Kubernetes manifests run it as the
// agents' preStop hook. Flags, address forms, output and exit codes are the consul CLI's.
import { runAgentPut } from './agent-http-command.js';
import type { CommandResult } from './consul-command.js';

const USAGE = `Usage: consul leave [options]

  Causes the agent to gracefully leave the Consul cluster and shutdown.

HTTP API Options

  -http-addr=<address>
     The \`address\` and port of the Consul HTTP agent. The value can be
     an IP address or DNS address, but it must also include the port.
     This can also be specified via the CONSUL_HTTP_ADDR environment
     variable. The default value is http://127.0.0.1:8500. The scheme
     can also be set to HTTPS by setting the environment variable
     CONSUL_HTTP_SSL=true.

  -token=<value>
     ACL token to use in the request. This can also be specified via the
     CONSUL_HTTP_TOKEN environment variable. If unspecified, the query
     will default to the token of the Consul agent at the HTTP address.
`;

export function runLeave(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runAgentPut(args, env, { path: '/v1/agent/leave', usage: USAGE, ok: 'Graceful leave complete', errorVerb: 'Error leaving' });
}
