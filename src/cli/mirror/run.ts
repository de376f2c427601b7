// `dcsgw mirror SRC DST [flags]`: keeps DST in step with SRC (src/compat/migrate/mirror.ts) until
// interrupted (SIGINT/SIGTERM stop it cleanly; the checkpoint is kept either way), or with
// --cutover until both sides are identical and verified. Exit status as `dcsgw migrate`'s: 0 ok,
// 1 failed, 2 bad command line, 3 the cutover's verification found differences.
import { writeSync } from 'node:fs';
import { EndpointError } from '../../compat/migrate/endpoint.js';
import { Mirror } from '../../compat/migrate/mirror.js';
import { parseCommandFlags, UsageError, type FlagSpec } from '../migrate/command-flags.js';

export const MIRROR_USAGE = `Usage: dcsgw mirror SRC DST [flags]

Copies the keys under a prefix from SRC to DST, then applies SRC's changes to DST as they happen.
Restarted (even after kill -9), it continues from the last source revision applied.

SRC and DST: etcd://host:port[,host:port...], consul://host:port, redis://host:port

Flags:
  --prefix P             mirror the keys starting with P (default: every key)
  --dest-prefix Q        write each key as Q + the rest after P (default: the same key)
  --checkpoint FILE      where the last applied revision is kept (default: .dcsgw-mirror-<job hash>.checkpoint.json here)
  --cutover              catch up, stop, verify both sides key by key, print the report and exit
  --metrics-addr H:P     serve Prometheus metrics on http://H:P/metrics (dcsgw_mirror_lag_revisions, ...)
  --status-interval S    seconds between status lines on stderr (default 5)
  --json                 print the cutover report as JSON
`;

const SPEC: FlagSpec = {
  values: ['prefix', 'dest-prefix', 'checkpoint', 'metrics-addr', 'status-interval'],
  booleans: ['cutover', 'json', 'help'],
};

export async function runMirror(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandFlags(argv, SPEC);
    if (parsed.flags.help) {
      writeSync(1, MIRROR_USAGE);
      return 0;
    }
    if (parsed.args.length !== 2) throw new UsageError(`dcsgw mirror takes SRC and DST (got ${parsed.args.length} arguments)`);
  } catch (err) {
    if (err instanceof UsageError) {
      writeSync(2, `Error: ${err.message}\n\n${MIRROR_USAGE}`);
      return 2;
    }
    throw err;
  }
  const f = parsed.flags;
  const interval = f['status-interval'] !== undefined ? Number(f['status-interval']) : 5;
  if (!(interval > 0)) {
    writeSync(2, `Error: --status-interval must be a positive number of seconds\n`);
    return 2;
  }
  let mirror: Mirror;
  try {
    mirror = new Mirror({
      source: parsed.args[0]!,
      destination: parsed.args[1]!,
      prefix: (f.prefix as string | undefined) ?? '',
      ...(f['dest-prefix'] !== undefined ? { destPrefix: f['dest-prefix'] as string } : {}),
      ...(f.checkpoint !== undefined ? { checkpoint: f.checkpoint as string } : {}),
      cutover: !!f.cutover,
      ...(f['metrics-addr'] !== undefined ? { metricsAddr: f['metrics-addr'] as string } : {}),
      log: (line) => writeSync(2, `${line}\n`),
      statusEveryMs: interval * 1000,
    });
  } catch (err) {
    writeSync(2, `Error: ${(err as Error).message}\n`);
    return err instanceof EndpointError ? 2 : 1;
  }
  const onSignal = () => mirror.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await mirror.run();
    if (!report) {
      writeSync(2, `${mirror.statusLine()}\ndcsgw mirror: stopped; the checkpoint ${mirror.checkpoint.path} resumes it\n`);
      return 0;
    }
    if (f.json) writeSync(1, `${JSON.stringify(report, null, 2)}\n`);
    else {
      const v = report.verify;
      writeSync(
        1,
        (report.ok
          ? `cutover complete: ${report.destination} is identical to ${report.source} at source revision ${report.revision} (${v.checked} keys verified)\n`
          : !v.ok
            ? `cutover verification FAILED at source revision ${report.revision}: ${v.missing} missing, ${v.differing} differing, ${v.extra} extra (source ${v.sourceKeys}, destination ${v.destinationKeys})\n` +
              v.mismatches.slice(0, 20).map((m) => `  ${m.problem}: ${m.key}\n`).join('')
            : `cutover NOT complete: ${report.destination} matched ${report.source} at source revision ${report.revision}, but ${report.sourceChangedAfter}\n`) +
          `${report.keysCopied} keys copied, ${report.eventsApplied} change events applied\n`,
      );
    }
    return report.ok ? 0 : 3;
  } catch (err) {
    writeSync(2, `Error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
