// `dcsgw consul version [-format=json]`: what `consul version` prints for the Consul release this
// agent answers as, so a `consul` wrapper script (`exec dcsgw consul "$@"`) satisfies tools that
// check the version first (the Go client's test server runs `consul version -format=json`).
import { REVISION } from '../../compat/agent/agent-self.js';
import { CONSUL_VERSION } from '../../gateway/consul/context.js';

/** The revision field: there is no Consul commit behind dcsgw; the same value /v1/agent/self reports. */
export function consulRevision(): string {
  return REVISION;
}

/** The build date reported for the emulated release (RFC 3339), the one /v1/agent/self's Config.BuildDate shows. */
export const CONSUL_BUILD_DATE = '2025-01-01T00:00:00Z';

const PROTOCOL = { Default: 2, Min: 2, Max: 3 };

export function consulVersionText(): string {
  return (
    `Consul v${CONSUL_VERSION}\n` +
    `Revision ${consulRevision()}\n` +
    `Build Date ${CONSUL_BUILD_DATE}\n` +
    `Protocol ${PROTOCOL.Default} spoken by default, understands ${PROTOCOL.Min} to ${PROTOCOL.Max} (agent will automatically use protocol >2 when speaking to compatible agents)\n`
  );
}

export function consulVersionJson(): string {
  const info = { Version: CONSUL_VERSION, Revision: consulRevision(), Prerelease: '', FIPS: '', BuildDate: CONSUL_BUILD_DATE, RPC: PROTOCOL };
  return JSON.stringify(info, null, 2) + '\n';
}

/** Runs `version [-format=json|pretty]`; returns the exit code and what to print. */
export function runConsulVersion(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  let format = 'pretty';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--?format(?:=(.*))?$/.exec(a);
    if (m) {
      format = m[1] ?? args[++i] ?? '';
      continue;
    }
    if (/^--?(h|help)$/.test(a)) return { code: 0, stdout: '\nUsage: consul version [options]\n\n  Prints the Consul version\n\nCommand Options:\n\n  -format=<string>\n     Output format {pretty|json} (default: pretty)\n', stderr: '' };
    return { code: 1, stdout: '', stderr: `flag provided but not defined: ${a.replace(/^--/, '-').replace(/=.*$/, '')}\n` };
  }
  if (format === 'json') return { code: 0, stdout: consulVersionJson(), stderr: '' };
  if (format === 'pretty') return { code: 0, stdout: consulVersionText(), stderr: '' };
  return { code: 1, stdout: '', stderr: `Invalid format: ${format}\n` };
}
