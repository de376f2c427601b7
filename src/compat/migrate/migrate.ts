// `dcsgw migrate SRC DST`: a streaming copy from one store to another at one point in time of the
// source, page by page (bounded memory), in transactions within the destination's caps, with a
// checkpoint after every page so that running the same command after an interruption (even
// kill -9) continues after the last page the destination is known to hold; then verification.
// Re-writing the pages after the checkpoint is harmless: a key is written with the same value and
// flags again, never twice.
import { existsSync } from 'node:fs';
import { CheckpointFile, defaultCheckpointPath, jobName } from './checkpoint.js';
import { parseEndpoint } from './endpoint.js';
import { KeyMapping } from './key-mapping.js';
import { openSink, openSource, openStore } from './open-stores.js';
import { ProgressReporter } from './progress.js';
import { displayKey, type KvRecord } from './record.js';
import type { RecordSink, RecordSource } from './stores.js';
import { verifyCopy, type VerifyReport } from './verify.js';
import { BackendRecords } from './backend-records.js';

export interface MigrateOptions {
  source: string;
  destination: string;
  prefix: string;
  destPrefix?: string;
  checkpoint?: string;
  dryRun: boolean;
  batch?: number;
  verify: boolean;
  /** Progress and notes go here (stderr); quiet when undefined. */
  progress?: ProgressReporter;
}

export interface MigrateCheckpoint {
  job: string;
  revision: number;
  cursor?: string;
  keys: number;
  bytes: number;
  sink: unknown;
  updated: string;
}

export interface MigrateSummary {
  source: string;
  destination: string;
  prefix: string;
  destPrefix: string;
  dryRun: boolean;
  /** The source revision the copy is a picture of (0 for files). */
  revision: number;
  keys: number;
  bytes: number;
  /** Keys copied by an interrupted run this one resumed after (0 when it started afresh). */
  resumedAfterKeys: number;
  batches: number;
  seconds: number;
  keysPerSecond: number;
  bytesPerSecond: number;
  checkpoint: string;
  rejected: Array<{ key: string; reason: string }>;
  verify?: VerifyReport;
  /** Dry run only: keys the destination already holds under the destination prefix. */
  destinationExistingKeys?: number;
  warnings: string[];
  ok: boolean;
}

function sizeOf(records: KvRecord[]): number {
  let n = 0;
  for (const r of records) n += r.key.length + r.value.length;
  return n;
}

export async function migrate(opts: MigrateOptions): Promise<MigrateSummary> {
  const src = parseEndpoint(opts.source);
  const dst = parseEndpoint(opts.destination);
  const mapping = new KeyMapping(opts.prefix, opts.destPrefix);
  const job = jobName('migrate', src.display, dst.display, opts.prefix, opts.destPrefix);
  const checkpoint = new CheckpointFile<MigrateCheckpoint>(opts.checkpoint ?? defaultCheckpointPath('migrate', job));
  const progress = opts.progress;
  const started = Date.now();
  const summary: MigrateSummary = {
    source: src.display,
    destination: dst.display,
    prefix: opts.prefix,
    destPrefix: mapping.dest.toString('utf8'),
    dryRun: opts.dryRun,
    revision: 0,
    keys: 0,
    bytes: 0,
    resumedAfterKeys: 0,
    batches: 0,
    seconds: 0,
    keysPerSecond: 0,
    bytesPerSecond: 0,
    checkpoint: checkpoint.path,
    rejected: [],
    warnings: [],
    ok: false,
  };
  let state = opts.dryRun ? undefined : checkpoint.load(job);
  const source: RecordSource = await openSource(src, mapping);
  let sink: RecordSink | undefined;
  let sourceClosed = false;
  try {
    const opening = await source.open(state?.revision);
    summary.revision = opening.revision;
    if (!opts.dryRun) {
      sink = await openSink(dst, mapping, opts.batch ? { maxOps: opts.batch } : {});
      if (state && (sink as { resumable?: boolean }).resumable === false) {
        progress?.note(`dcsgw migrate: ${dst.display} is written again from the start (a snapshot file is written whole); the source is read again`);
        state = { ...state, cursor: undefined, keys: 0, bytes: 0, sink: null };
      }
      if (state && opening.revision !== state.revision) {
        // the checkpoint's point in time is gone: what was copied is re-copied at the new one
        state = { ...state, cursor: undefined, keys: 0, bytes: 0 };
      }
      await sink.open(state?.sink);
    } else if (dst.kind === 'backend') {
      const dest = await openStore(dst);
      summary.destinationExistingKeys = await new BackendRecords(dest, mapping.dest).count();
      await dest.close();
    } else {
      summary.destinationExistingKeys = existsSync(dst.path) ? -1 : 0;
    }
    if (state?.cursor) {
      summary.resumedAfterKeys = state.keys;
      progress?.note(`dcsgw migrate: resuming from ${checkpoint.path}: ${state.keys} keys already copied (source revision ${opening.revision})`);
    }
    summary.keys = state?.keys ?? 0;
    summary.bytes = state?.bytes ?? 0;
    let total = opening.total;
    const counts = () => ({ keys: summary.keys, bytes: summary.bytes, ...(total !== undefined ? { total } : {}) });

    // the next page is read while the current one is written
    const pages = source.pages(state?.cursor)[Symbol.asyncIterator]();
    let next = pages.next();
    for (;;) {
      const step = await next;
      if (step.done) break;
      next = pages.next();
      next.catch(() => undefined);
      const page = step.value;
      const mapped = mapping.identity ? page.records : page.records.map((r) => ({ ...r, key: mapping.toDest(r.key) }));
      if (sink) {
        await sink.write(mapped);
        checkpoint.save({ job, revision: opening.revision, cursor: page.cursor, keys: summary.keys + mapped.length, bytes: summary.bytes + sizeOf(mapped), sink: await sink.checkpointState(), updated: new Date().toISOString() });
      }
      summary.keys += mapped.length;
      summary.bytes += sizeOf(mapped);
      // a file source that cannot count its keys up front: the total is estimated from how far through it the copy is
      if (opening.total === undefined && source.fractionAt) {
        const f = source.fractionAt(page.cursor);
        if (f > 0) total = Math.max(summary.keys, Math.round(summary.keys / f));
      }
      progress?.update(counts());
    }
    if (sink) await sink.finish();
    progress?.done(counts());
    summary.batches = sink?.batches ?? 0;
    const rejected = (sink as { rejected?: Array<{ key: Buffer; message: string }> } | undefined)?.rejected ?? [];
    summary.rejected = rejected.map((r) => ({ key: displayKey(r.key), reason: r.message }));
    summary.seconds = (Date.now() - started) / 1000;
    const copied = summary.keys - summary.resumedAfterKeys;
    summary.keysPerSecond = Math.round(copied / Math.max(summary.seconds, 0.001));
    summary.bytesPerSecond = Math.round((summary.bytes - (state?.bytes ?? 0)) / Math.max(summary.seconds, 0.001));
    if (sink) checkpoint.remove();

    summary.warnings.push(...source.warnings);
    // the copy's reader goes before the verification opens its own (a snapshot source holds an index of its keys)
    await source.close();
    sourceClosed = true;
    if (sink && opts.verify) {
      progress?.note(`dcsgw migrate: verifying ${summary.keys} keys against ${dst.display}`);
      const again = await openSource(src, mapping);
      try {
        summary.verify = await verifyCopy(again, opening.revision, mapping, await sink.lookup());
      } finally {
        await again.close();
      }
    }
    summary.warnings.push(...(sink?.warnings ?? []));
    summary.ok = summary.rejected.length === 0 && (summary.verify?.ok ?? true);
    return summary;
  } finally {
    await sink?.close().catch(() => undefined);
    if (!sourceClosed) await source.close().catch(() => undefined);
  }
}
