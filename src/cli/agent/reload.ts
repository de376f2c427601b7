// `dcsgw reload` (also `dcsgw consul reload`): what `consul reload` does — PUT /v1/agent/reload on
// the local agent's HTTP API, which re-reads the agent's configuration files (new service and
// check definitions dropped into -config-dir are registered, removed ones deregistered). The
// agent is found as the consul CLI finds it: -http-addr, else CONSUL_HTTP_ADDR, else
// 127.0.0.1:8500 (forms "host:port", "http://host:port", "https://host:port", "unix:///path");
// -token / CONSUL_HTTP_TOKEN is sent as X-Consul-Token. Output and exit codes are the CLI's.
import { HTTP_API_OPTIONS, parseHttpAddr, runAgentPut } from './agent-http-command.js';
import type { CommandResult } from './consul-command.js';

export { parseHttpAddr };

const USAGE = `Usage: consul reload

  Causes the agent to reload configurations. This can be used instead
  of sending the SIGHUP signal to the agent.

${HTTP_API_OPTIONS}`;

export function runReload(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runAgentPut(args, env, { path: '/v1/agent/reload', usage: USAGE, ok: 'Configuration reload triggered', errorVerb: 'Error reloading' });
}
