// `dcsgw migrate SRC DST [flags]`: the command line of the migration (src/compat/migrate/migrate.ts).
// Exit status: 0 copied (and verified), 1 failed, 2 bad command line, 3 copied but verification
// found mismatches or the destination refused some keys.
import { writeSync } from 'node:fs';
import { EndpointError } from '../../compat/migrate/endpoint.js';
import { migrate, type MigrateSummary } from '../../compat/migrate/migrate.js';
import { ProgressReporter } from '../../compat/migrate/progress.js';
import { parseCommandFlags, UsageError, type FlagSpec } from './command-flags.js';

export const MIGRATE_USAGE = `Usage: dcsgw migrate SRC DST [flags]

Copies every key (value and Consul flags) under a prefix from SRC to DST, shows progress on
stderr, and verifies the destination key by key. Interrupted (even by kill -9), the same command
resumes from its checkpoint.

SRC and DST: etcd://host:port[,host:port...], consul://host:port, redis://host:port,
  file:dump.json (consul kv export format), file:snap.db (etcd v3 snapshot)

Flags:
  --prefix P         copy the keys starting with P (default: every key)
  --dest-prefix Q    write each key as Q + the rest after P (default: the same key)
  --checkpoint FILE  where progress is kept (default: .dcsgw-migrate-<job hash>.checkpoint.json here)
  --dry-run          read the source and report what would be copied; write nothing
  --batch N          at most N operations per destination transaction (default: the store's cap)
  --no-verify        skip the verification
  --json             print the summary as JSON on stdout
`;

const SPEC: FlagSpec = {
  values: ['prefix', 'dest-prefix', 'checkpoint', 'batch'],
  booleans: ['dry-run', 'no-verify', 'json', 'help', 'quiet'],
};

function print(text: string, fd = 1): void {
  writeSync(fd, text);
}

export function humanSummary(s: MigrateSummary): string {
  const lines: string[] = [];
  const verb = s.dryRun ? 'would copy' : 'copied';
  lines.push(`${verb} ${s.keys} keys (${s.bytes} bytes) from ${s.source} to ${s.destination} at source revision ${s.revision}` + (s.resumedAfterKeys ? ` (resumed after ${s.resumedAfterKeys})` : ''));
  if (!s.dryRun) lines.push(`${s.batches} batches in ${s.seconds.toFixed(2)}s: ${s.keysPerSecond} keys/s, ${(s.bytesPerSecond / 1e6).toFixed(2)} MB/s`);
  if (s.destinationExistingKeys !== undefined && s.destinationExistingKeys !== 0) lines.push(s.destinationExistingKeys > 0 ? `the destination already holds ${s.destinationExistingKeys} keys under "${s.destPrefix}"` : 'the destination file exists and would be replaced');
  for (const r of s.rejected) lines.push(`rejected by the destination: ${r.key}: ${r.reason}`);
  if (s.verify) {
    const v = s.verify;
    lines.push(
      v.ok
        ? `verified: ${v.checked} keys identical (source ${v.sourceKeys}, destination ${v.destinationKeys})`
        : `verification FAILED: ${v.missing} missing, ${v.differing} differing, ${v.extra} extra (source ${v.sourceKeys} keys, destination ${v.destinationKeys})`,
    );
    // the terminal gets the first ones; --json carries up to a thousand, and the counts are exact
    for (const m of v.mismatches.slice(0, 20)) lines.push(`  ${m.problem}: ${m.key}`);
    const unlisted = v.missing + v.differing + v.extra - Math.min(20, v.mismatches.length);
    if (unlisted > 0) lines.push(`  ... and ${unlisted} more (--json lists up to 1000)`);
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

export async function runMigrate(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandFlags(argv, SPEC);
    if (parsed.flags.help) {
      print(MIGRATE_USAGE);
      return 0;
    }
    if (parsed.args.length !== 2) throw new UsageError(`dcsgw migrate takes SRC and DST (got ${parsed.args.length} arguments)`);
  } catch (err) {
    if (err instanceof UsageError) {
      print(`Error: ${err.message}\n\n${MIGRATE_USAGE}`, 2);
      return 2;
    }
    throw err;
  }
  const f = parsed.flags;
  const batch = f.batch !== undefined ? Number(f.batch) : undefined;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1)) {
    print(`Error: --batch must be a positive integer (got "${String(f.batch)}")\n`, 2);
    return 2;
  }
  // Ctrl-C: what is copied stays copied and the checkpoint says how far; say how to carry on
  const onSignal = (signal: NodeJS.Signals) => {
    print(`\ndcsgw migrate: interrupted; run the same command again to resume from its checkpoint\n`, 2);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  if (!f['dry-run']) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    const summary = await migrate({
      source: parsed.args[0]!,
      destination: parsed.args[1]!,
      prefix: (f.prefix as string | undefined) ?? '',
      ...(f['dest-prefix'] !== undefined ? { destPrefix: f['dest-prefix'] as string } : {}),
      ...(f.checkpoint !== undefined ? { checkpoint: f.checkpoint as string } : {}),
      dryRun: !!f['dry-run'],
      ...(batch !== undefined ? { batch } : {}),
      verify: !f['no-verify'],
      progress: new ProgressReporter('migrate', process.stderr, !!f.quiet),
    });
    print(f.json ? `${JSON.stringify(summary, null, 2)}\n` : humanSummary(summary));
    return summary.ok ? 0 : 3;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (f.json) print(`${JSON.stringify({ ok: false, error: message }, null, 2)}\n`);
    print(`Error: ${message}\n`, 2);
    return err instanceof EndpointError ? 2 : 1;
  }
}
