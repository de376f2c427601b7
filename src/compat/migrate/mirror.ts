// `dcsgw mirror SRC DST`: keeps DST in step with SRC. First a copy of SRC's prefix at one revision
// (resumable page by page, keys DST holds that SRC lacks are deleted), then SRC's change stream
// (Backend.watch from the copied revision) applied to DST in transactions within its caps.
//
// Delivery is at-least-once and made idempotent by revisions: the checkpoint names the last
// source revision whose changes DST holds, a restart watches from the next one, and what is
// applied for a key is its state at the event's revision (value and Consul flags), so applying a
// change twice leaves DST as applying it once. A source restart resumes the stream from the
// checkpoint; a destination restart is waited out (writes retried); a compaction past the applied
// revision triggers a full re-copy. `--cutover` catches up, stops, verifies key by key and reports.
import type { Event, KeyValue, WatchHandle } from '../../adapters/backend.js';
import { EventType } from '../../adapters/backend.js';
import { prefixEnd, rangeRequest } from '../../adapters/requests.js';
import { META_KEYSPACE, metaFor, metaKey, userKeyOfMeta } from '../kv-meta.js';
import { BackendRecords } from './backend-records.js';
import { BackendSink, isTransient } from './backend-sink.js';
import { CheckpointFile, defaultCheckpointPath, jobName } from './checkpoint.js';
import { batchLimitsOf, parseEndpoint, EndpointError, type Endpoint } from './endpoint.js';
import { KeyMapping } from './key-mapping.js';
import { lagOf, serveMetrics, type MirrorGauges } from './mirror-metrics.js';
import { openStore } from './open-stores.js';
import { keyAfter, type KvRecord } from './record.js';
import { verifyCopy, type VerifyReport } from './verify.js';

export interface MirrorOptions {
  source: string;
  destination: string;
  prefix: string;
  destPrefix?: string;
  checkpoint?: string;
  cutover: boolean;
  metricsAddr?: string;
  /** Status lines and notes (stderr). */
  log?: (line: string) => void;
  /** How often the status line is written (ms). */
  statusEveryMs?: number;
}

export interface MirrorCheckpoint {
  job: string;
  phase: 'copy' | 'stream';
  /** The source revision the (current) copy reads at. */
  copyRevision: number;
  cursor?: string;
  /** Every change of the source up to this revision is in the destination. */
  applied: number;
  keysCopied: number;
  eventsApplied: number;
  updated: string;
}

export interface CutoverReport {
  source: string;
  destination: string;
  revision: number;
  keysCopied: number;
  eventsApplied: number;
  verify: VerifyReport;
  /** Set when the source's prefix changed after the verified revision (writers still running): the destination is behind. */
  sourceChangedAfter?: string;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Mirror {
  readonly gauges: MirrorGauges = { sourceRevision: 0, appliedRevision: 0, eventsApplied: 0, keysCopied: 0, resyncs: 0, sourceErrors: 0, destinationErrors: 0, caughtUp: false };
  private readonly src: Extract<Endpoint, { kind: 'backend' }>;
  private readonly dst: Extract<Endpoint, { kind: 'backend' }>;
  private readonly mapping: KeyMapping;
  private readonly job: string;
  readonly checkpoint: CheckpointFile<MirrorCheckpoint>;
  private stopping = false;
  private wake?: () => void;
  private queue: Event[] = [];
  private watchState: 'ok' | 'canceled' | 'compacted' = 'ok';
  private watchReason = '';

  constructor(private readonly opts: MirrorOptions) {
    const src = parseEndpoint(opts.source);
    const dst = parseEndpoint(opts.destination);
    if (src.kind !== 'backend' || dst.kind !== 'backend') throw new EndpointError('dcsgw mirror needs two stores (etcd://, consul://, redis://); for a file, use dcsgw migrate');
    this.src = src;
    this.dst = dst;
    this.mapping = new KeyMapping(opts.prefix, opts.destPrefix);
    this.job = jobName('mirror', src.display, dst.display, opts.prefix, opts.destPrefix);
    this.checkpoint = new CheckpointFile(opts.checkpoint ?? defaultCheckpointPath('mirror', this.job));
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private save(state: Omit<MirrorCheckpoint, 'job' | 'updated' | 'keysCopied' | 'eventsApplied'>): void {
    this.checkpoint.save({ ...state, job: this.job, keysCopied: this.gauges.keysCopied, eventsApplied: this.gauges.eventsApplied, updated: new Date().toISOString() });
  }

  /** Copies the source prefix at one revision (resuming a copy the checkpoint names); returns that revision. */
  private async copy(source: BackendRecords, sink: BackendSink, dest: BackendRecords, resume?: MirrorCheckpoint): Promise<number> {
    const opening = await source.open(resume?.phase === 'copy' ? resume.copyRevision : undefined);
    let cursor = resume?.phase === 'copy' && resume.copyRevision === opening.revision ? resume.cursor : undefined;
    this.log(`dcsgw mirror: copying ${opening.total ?? '?'} keys of ${this.src.display} at revision ${opening.revision}${cursor ? ' (resumed)' : ''}`);
    let lastDest: Buffer | undefined = cursor ? this.mapping.toDest(Buffer.from(cursor, 'base64')) : undefined;
    const destStart = this.mapping.dest.length > 0 ? this.mapping.dest : Buffer.from([0]);
    for await (const page of source.pages(cursor)) {
      if (this.stopping) return -1;
      const records = page.records.map((r) => ({ ...r, key: this.mapping.toDest(r.key) }));
      const last = records[records.length - 1]!.key;
      const have = new Set(records.map((r) => r.key.toString('latin1')));
      // keys the destination holds in this stretch that the source lacks: the mirror removes them
      const extras = (await dest.keysIn(lastDest ? keyAfter(lastDest) : destStart, last)).filter((k) => !have.has(k.toString('latin1')));
      await sink.apply([...records.map((r) => ({ key: r.key, record: r })), ...extras.map((key) => ({ key, record: null }))]);
      this.gauges.keysCopied += records.length;
      cursor = page.cursor;
      lastDest = last;
      this.save({ phase: 'copy', copyRevision: opening.revision, cursor, applied: resume?.applied ?? 0 });
    }
    const tail = await dest.keysIn(lastDest ? keyAfter(lastDest) : destStart, undefined);
    if (tail.length > 0) await sink.apply(tail.map((key) => ({ key, record: null })));
    this.save({ phase: 'stream', copyRevision: opening.revision, applied: opening.revision });
    return opening.revision;
  }

  /** copy(), resumed from its own checkpoint while a side is down (a restart of either store). */
  private async copyRetrying(source: BackendRecords, sink: BackendSink, dest: BackendRecords, resume: MirrorCheckpoint | undefined): Promise<number> {
    let backoff = 200;
    for (;;) {
      try {
        return await this.copy(source, sink, dest, resume);
      } catch (err) {
        if (!isTransient(err) || this.stopping) throw err;
        this.gauges.sourceErrors++;
        this.log(`dcsgw mirror: copy interrupted (${(err as Error).message}); resuming`);
        await sleep(backoff);
        backoff = Math.min(5000, backoff * 2);
        const saved = this.checkpoint.load(this.job);
        if (saved?.phase === 'copy') resume = saved;
      }
    }
  }

  /** Flags of the put events' keys at `revision` (one read of the metadata span). */
  private async flagsAt(source: BackendRecords, puts: KeyValue[], revision: number): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    if (puts.length === 0) return out;
    const sorted = [...puts].sort((a, b) => Buffer.compare(a.key, b.key));
    const metas = new Map<string, KeyValue>();
    let from = metaKey(sorted[0]!.key);
    const end = keyAfter(metaKey(sorted[sorted.length - 1]!.key));
    for (;;) {
      let res;
      try {
        res = await source.backend.range(rangeRequest(from, { keyspace: META_KEYSPACE, rangeEnd: end, revision, limit: 1000 }));
      } catch {
        // compacted already: the current metadata is as good (a later event brings the key up to date)
        res = await source.backend.range(rangeRequest(from, { keyspace: META_KEYSPACE, rangeEnd: end, limit: 1000 }));
      }
      for (const kv of res.kvs) metas.set(userKeyOfMeta(kv.key).toString('latin1'), kv);
      if (!res.more || res.kvs.length === 0) break;
      from = keyAfter(res.kvs[res.kvs.length - 1]!.key);
    }
    for (const kv of puts) out.set(kv.key.toString('latin1'), metaFor(kv, metas.get(kv.key.toString('latin1'))).meta.flags);
    return out;
  }

  private startWatch(source: BackendRecords, from: number): WatchHandle {
    this.watchState = 'ok';
    const key = this.mapping.source.length > 0 ? this.mapping.source : Buffer.from([0]);
    const rangeEnd = this.mapping.source.length > 0 ? prefixEnd(this.mapping.source) : Buffer.from([0]);
    return source.backend.watch(
      { key, rangeEnd, startRevision: from, prevKv: false, filters: [] },
      {
        onEvents: (events, revision) => {
          this.queue.push(...events);
          if (revision > this.gauges.sourceRevision) this.gauges.sourceRevision = revision;
          this.signal();
        },
        onCompacted: () => {
          this.watchState = 'compacted';
          this.signal();
        },
        onCanceled: (reason) => {
          this.watchState = 'canceled';
          this.watchReason = reason;
          this.signal();
        },
      },
    );
  }

  /** Runs until stop() (or, with --cutover, until both sides are identical and verified). */
  async run(): Promise<CutoverReport | undefined> {
    const sourceBackend = await openStore(this.src);
    const destBackend = await openStore(this.dst);
    const limits = batchLimitsOf(this.dst);
    const sink = new BackendSink(destBackend, this.mapping.dest, { limits, retryForMs: Number.POSITIVE_INFINITY });
    const source = new BackendRecords(sourceBackend, this.mapping.source);
    const dest = new BackendRecords(destBackend, this.mapping.dest).forLookup();
    const metrics = this.opts.metricsAddr ? await serveMetrics(this.opts.metricsAddr, () => this.gauges) : undefined;
    let watch: WatchHandle | undefined;
    const statusTimer = setInterval(() => this.log(this.statusLine()), this.opts.statusEveryMs ?? 5000);
    statusTimer.unref();
    try {
      await sink.open();
      let state = this.checkpoint.load(this.job);
      if (state) this.log(`dcsgw mirror: resuming from ${this.checkpoint.path}: ${state.phase === 'copy' ? 'initial copy' : `changes after source revision ${state.applied}`}`);
      this.gauges.keysCopied = state?.keysCopied ?? 0;
      this.gauges.eventsApplied = state?.eventsApplied ?? 0;
      let applied = !state || state.phase === 'copy' ? await this.copyRetrying(source, sink, dest, state) : state.applied;
      if (applied < 0) return undefined;
      this.gauges.appliedRevision = applied;
      this.gauges.sourceRevision = Math.max(this.gauges.sourceRevision, applied);
      /** The last revision whose changes were applied from events (what the checkpoint may claim). */
      let checkpointed = applied;
      if (this.opts.cutover) this.log(`dcsgw mirror: cutover: applying the source's changes until the destination is in step (the source's writers should be stopped)`);
      /** Events at or below this revision were applied before the current watch began: a replay skips them. */
      let replayFloor = applied;
      watch = this.startWatch(source, applied + 1);
      let idleSince: { revision: number; at: number } | undefined;
      let backoff = 200;
      while (!this.stopping) {
        if (this.watchState === 'compacted') {
          watch.cancel();
          this.queue = [];
          this.gauges.resyncs++;
          this.log(`dcsgw mirror: the source compacted past revision ${checkpointed}: copying again`);
          applied = checkpointed = await this.copyRetrying(source, sink, dest, undefined);
          if (applied < 0) break;
          this.gauges.appliedRevision = applied;
          replayFloor = applied;
          watch = this.startWatch(source, applied + 1);
          continue;
        }
        if (this.watchState === 'canceled' && this.queue.length === 0) {
          this.gauges.sourceErrors++;
          this.log(`dcsgw mirror: the source's change stream ended (${this.watchReason}); resuming after revision ${checkpointed}`);
          await sleep(backoff);
          backoff = Math.min(5000, backoff * 2);
          replayFloor = checkpointed;
          watch = this.startWatch(source, checkpointed + 1);
          continue;
        }
        if (this.queue.length === 0) {
          // idle: learn the source's revision for the lag; when nothing arrives for a while, every change is in
          try {
            const head = await source.backend.progressHeader();
            if (head.revision > this.gauges.sourceRevision) this.gauges.sourceRevision = head.revision;
            backoff = 200;
          } catch {
            this.gauges.sourceErrors++;
          }
          if (this.queue.length === 0 && this.watchState === 'ok' && watch.isSynced()) {
            if (idleSince && idleSince.revision === this.gauges.sourceRevision && Date.now() - idleSince.at >= 300) {
              this.gauges.appliedRevision = Math.max(this.gauges.appliedRevision, this.gauges.sourceRevision);
            } else if (!idleSince || idleSince.revision !== this.gauges.sourceRevision) {
              idleSince = { revision: this.gauges.sourceRevision, at: Date.now() };
            }
          }
          this.gauges.caughtUp = lagOf(this.gauges) === 0;
          if (this.opts.cutover && this.gauges.caughtUp) break;
          if (this.queue.length === 0) await this.waitForWork(this.gauges.caughtUp ? 1000 : 150);
          continue;
        }
        idleSince = undefined;
        this.gauges.caughtUp = false;
        const events = this.queue.splice(0, 5000).filter((e) => e.kv.modRevision > replayFloor);
        if (events.length === 0) continue;
        const maxRev = events[events.length - 1]!.kv.modRevision;
        // a revision split between two batches is whole only after the second: claim the one before
        const whole = this.queue.length > 0 && this.queue[0]!.kv.modRevision === maxRev ? maxRev - 1 : maxRev;
        // the state of each key after these events (a key changed twice is written once)
        const last = new Map<string, Event>();
        for (const e of events) last.set(e.kv.key.toString('latin1'), e);
        const puts = [...last.values()].filter((e) => e.type === EventType.PUT).map((e) => e.kv);
        try {
          const flags = await this.flagsAt(source, puts, maxRev);
          const changes = [...last.values()].map((e) => {
            const key = this.mapping.toDest(e.kv.key);
            const record: KvRecord | null = e.type === EventType.PUT ? { key, value: e.kv.value, flags: flags.get(e.kv.key.toString('latin1')) ?? 0n } : null;
            return { key, record };
          });
          await sink.apply(changes);
          backoff = 200;
        } catch (err) {
          if (!isTransient(err)) throw err;
          // a side is down: the same events are applied again once it answers (applying twice is harmless)
          this.gauges.sourceErrors++;
          this.queue.unshift(...events);
          await sleep(backoff);
          backoff = Math.min(5000, backoff * 2);
          continue;
        }
        checkpointed = whole;
        this.gauges.destinationErrors = sink.retries;
        this.gauges.eventsApplied += events.length;
        this.gauges.appliedRevision = Math.max(this.gauges.appliedRevision, whole);
        if (maxRev > this.gauges.sourceRevision) this.gauges.sourceRevision = maxRev;
        this.save({ phase: 'stream', copyRevision: 0, applied: checkpointed });
      }
      if (!this.opts.cutover || this.stopping) return undefined;
      watch.cancel();
      watch = undefined;
      const at = this.gauges.appliedRevision;
      this.log(`dcsgw mirror: cutover: caught up at source revision ${at}; verifying`);
      const verify = await verifyCopy(new BackendRecords(sourceBackend, this.mapping.source), at, this.mapping, dest);
      const changed = await this.changedSince(source, at);
      const ok = verify.ok && !changed;
      if (ok) this.checkpoint.remove();
      const report: CutoverReport = { source: this.src.display, destination: this.dst.display, revision: at, keysCopied: this.gauges.keysCopied, eventsApplied: this.gauges.eventsApplied, verify, ok };
      if (changed) report.sourceChangedAfter = changed;
      return report;
    } finally {
      clearInterval(statusTimer);
      watch?.cancel();
      metrics?.close();
      await sourceBackend.close().catch(() => undefined);
      await destBackend.close().catch(() => undefined);
    }
  }

  /**
   * Whether the source's prefix moved on after revision `at` (a cutover needs its writers stopped):
   * keys written since, or a different key count (deletes). Undefined when it did not.
   */
  private async changedSince(source: BackendRecords, at: number): Promise<string | undefined> {
    const key = this.mapping.source.length > 0 ? this.mapping.source : Buffer.from([0]);
    const rangeEnd = this.mapping.source.length > 0 ? prefixEnd(this.mapping.source) : Buffer.from([0]);
    // etcd's count ignores the revision filters: the keys themselves are read (names only)
    const written = await source.backend.range(rangeRequest(key, { rangeEnd, keysOnly: true, minModRevision: at + 1 }));
    const now = await source.backend.range(rangeRequest(key, { rangeEnd, countOnly: true }));
    const then = await source.backend.range(rangeRequest(key, { rangeEnd, countOnly: true, revision: at })).catch(() => now);
    if (written.kvs.length === 0 && now.count === then.count) return undefined;
    return `the source changed after revision ${at} (${written.kvs.length} keys written, ${now.count - then.count} keys more or fewer): stop its writers, then run the cutover again`;
  }

  statusLine(): string {
    const g = this.gauges;
    return `mirror  ${this.src.display} -> ${this.dst.display}  applied revision ${g.appliedRevision}  source revision ${g.sourceRevision}  lag ${lagOf(g)}  ${g.eventsApplied} events  ${g.keysCopied} keys copied${g.caughtUp ? '  (in step)' : ''}`;
  }
}
