// `dcsgw consul <command> [args]`: the subset of the `consul` command line that dcsgw itself
// provides, so a `consul` wrapper script can be `exec dcsgw consul "$@"`. `agent` runs the agent;
// `version` prints as `consul version` does; `keyring`, `leave`, `reload` and `tls` do what the
// consul CLI's do. Every other command is a client of the HTTP API that dcsgw serves: it is
// refused with a message naming what to use instead.
import { runAgent } from './run.js';
import { runConsulVersion } from './consul-version.js';
import { runLeave } from './leave.js';
import { runReload } from './reload.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runConsulCommand(args: readonly string[]): Promise<CommandResult> {
  const [cmd, ...rest] = args;
  if (cmd === 'version' || cmd === '-version' || cmd === '--version' || cmd === '-v') return runConsulVersion(rest);
  if (cmd === 'agent') return { code: await runAgent(rest), stdout: '', stderr: '' };
  if (cmd === 'reload') return runReload(rest);
  if (cmd === 'leave') return runLeave(rest);
  if (cmd === 'tls') return (await import('../tls-command/run.js')).runTlsCommand(rest);
  if (cmd === 'keyring') return (await import('./keyring-command.js')).runKeyring(rest);
  const what = cmd === undefined ? 'no command given' : `"${cmd}" is not provided by dcsgw`;
  return {
    code: 1,
    stdout: '',
    stderr: `dcsgw consul: ${what}: only "agent", "keyring", "leave", "reload", "tls" and "version" are; other consul commands are clients of the HTTP API, run them with the consul CLI against this agent (CONSUL_HTTP_ADDR)\n`,
  };
}
