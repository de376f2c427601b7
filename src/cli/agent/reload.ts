// `dcsgw reload` (also `dcsgw consul reload`): what `consul reload` does — PUT /v1/agent/reload on
// the local agent's HTTP API, which re-reads the agent's configuration files (new service and
// check definitions dropped into -config-dir are registered, removed ones deregistered). The
// agent is found as the consul CLI finds it: -http-addr, else CONSUL_HTTP_ADDR, else
// 127.0.0.1:8500 (forms "host:port", "http://host:port", "https://host:port", "unix:///path");
// -token / CONSUL_HTTP_TOKEN is sent as X-Consul-Token. Output and exit codes are the CLI's.
import { parseHttpAddr, runAgentPut } from './agent-http-command.js';
import type { CommandResult } from './consul-command.js';

export { parseHttpAddr };

const USAGE = `Usage: consul reload

  Causes the agent to reload configurations. This can be used instead
  of sending the SIGHUP signal to the agent.

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

export function runReload(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runAgentPut(args, env, { path: '/v1/agent/reload', usage: USAGE, ok: 'Configuration reload triggered', errorVerb: 'Error reloading' });
}
