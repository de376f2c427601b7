// Entry of the `dcsgw` command (bin/dcsgw): a drop-in for the etcd 3.4 binary. Same flags, same
// ETCD_* variables, same messages and exit codes; `dcsgw version` is dcsgw's own addition, and
// `dcsgw agent` (or `dcsgw consul agent`) is a drop-in for `consul agent`.
import { writeSync } from 'node:fs';
import { CliExit, StartupError, resolveCli } from './config.js';
import { createEtcdLog, earlyCapnslog } from './etcd-log.js';
import { serve, logStartupError, type RunningServer } from './serve.js';
import { FLAGS_LINE, USAGE_LINE } from './usage-text.js';
import { versionText } from './version.js';
import { takeBackendFlag } from './backend-arg.js';
// The Consul agent, its commands and the --backend adapters are imported only by the command that
// runs them: loading them costs ~0.3 s of CPU, which every etcd member's start and restart paid.

function exitWith(code: number, stdout = '', stderr = ''): never {
  if (stdout) writeSync(1, stdout);
  if (stderr) writeSync(2, stderr);
  process.exit(code);
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (argv[0] === 'version') exitWith(0, versionText());
  // `dcsgw agent ...` takes Consul's agent command line; `dcsgw consul <cmd>` is where a `consul` wrapper lands
  if (argv[0] === 'agent') process.exit(await (await import('./agent/run.js')).runAgent(argv.slice(1)));
  // `dcsgw reload` is `consul reload`: PUT /v1/agent/reload on the local agent (-http-addr / CONSUL_HTTP_ADDR)
  if (argv[0] === 'reload') {
    const result = await (await import('./agent/reload.js')).runReload(argv.slice(1), env);
    exitWith(result.code, result.stdout, result.stderr);
  }
  // `dcsgw leave` is `consul leave`: PUT /v1/agent/leave (the Kubernetes manifests' preStop hook)
  if (argv[0] === 'leave') {
    const result = await (await import('./agent/leave.js')).runLeave(argv.slice(1), env);
    exitWith(result.code, result.stdout, result.stderr);
  }
  if (argv[0] === 'conformance') {
    const { conformanceMain } = await import('./conformance/command.js');
    await conformanceMain(argv.slice(1));
  }
  // `dcsgw migrate SRC DST` / `dcsgw mirror SRC DST`: copying and mirroring between stores (src/compat/migrate)
  if (argv[0] === 'migrate') process.exit(await (await import('./migrate/run.js')).runMigrate(argv.slice(1)));
  if (argv[0] === 'mirror') process.exit(await (await import('./mirror/run.js')).runMirror(argv.slice(1)));
  // `dcsgw tls ca create` / `dcsgw tls cert create`: consul tls's CA and agent certificates (src/cli/tls-command)
  if (argv[0] === 'tls') {
    const result = (await import('./tls-command/run.js')).runTlsCommand(argv.slice(1));
    exitWith(result.code, result.stdout, result.stderr);
  }
  // `dcsgw keygen` is `consul keygen`: a gossip encryption key for `encrypt` (src/cli/keygen.ts)
  if (argv[0] === 'keygen') {
    const result = (await import('./keygen.js')).runKeygen(argv.slice(1));
    exitWith(result.code, result.stdout, result.stderr);
  }
  if (argv[0] === 'consul') {
    const result = await (await import('./agent/consul-command.js')).runConsulCommand(argv.slice(1));
    exitWith(result.code, result.stdout, result.stderr);
  }
  let request;
  let backendUrl: string | undefined;
  try {
    // --backend (dcsgw's own flag) is taken off before etcd's flags are parsed
    ({ argv, backend: backendUrl } = takeBackendFlag(argv, env));
    request = resolveCli(argv, env, earlyCapnslog, (text) => writeSync(2, text));
  } catch (err) {
    if (err instanceof CliExit) exitWith(err.exitCode, err.stdout, err.stderr);
    throw err;
  }
  if (request.kind === 'help') exitWith(0, FLAGS_LINE, USAGE_LINE); // Go prints the usage line first, then etcd the flags
  if (request.kind === 'version') exitWith(0, versionText());

  const { config, notes } = request;
  const log = createEtcdLog({ format: config.logger, level: config.logLevel, outputs: config.logOutputs });
  let running: Pick<RunningServer, 'stop'> | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const name = signal === 'SIGTERM' ? 'terminated' : 'interrupt';
    log.emit({ level: 'notice', pkg: 'pkg/osutil', text: `received ${name} signal, shutting down...`, caller: 'osutil/interrupt_unix.go:64', msg: 'received signal; shutting down', fields: { signal: name } });
    void (running ? running.stop() : Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = backendUrl !== undefined ? await (await import('./backend-flag.js')).serveOverBackend(config, backendUrl, notes, log) : await serve(config, notes, log);
    if (stopping) await running.stop();
  } catch (err) {
    logStartupError(log, err instanceof Error ? err : new Error(String(err)));
    if (!(err instanceof StartupError)) log.logger.error({ err }, 'dcsgw failed to start');
    process.exit(1);
  }
}

await main(process.argv.slice(2), process.env);
