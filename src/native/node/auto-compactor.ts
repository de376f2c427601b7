// etcd 3.4's auto-compaction (etcdserver/api/v3compactor), run on the leader only.
//
// periodic (retention is a Go duration such as "30m" or "1h", or a bare number of hours): the
// revision is sampled every retention/10 (at most every 6 min); once a full retention period has
// passed, the oldest sample — the revision of `retention` ago — is compacted, then again every
// min(retention, 1h).
// revision (retention is a number of revisions): every 5 minutes, compact to current - retention
// when that moved since the last compaction.
import type { Logger } from 'pino';

export interface AutoCompactionConfig {
  mode: 'periodic' | 'revision';
  retention: string;
}

export interface CompactorHost {
  isLeader(): boolean;
  currentRevision(): number;
  compact(revision: number): Promise<void>;
  logger: Logger;
}

const HOUR = 3_600_000;
const REVISION_INTERVAL_MS = 5 * 60_000;

/** Go duration ("1h30m", "500ms", "10s") or a bare number of hours, as etcd 3.4 parses --auto-compaction-retention. */
export function parseRetentionMs(s: string): number {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * HOUR;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: HOUR };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== t.length || t.length === 0) throw new Error(`invalid auto-compaction retention ${JSON.stringify(s)}`);
  return total;
}

export class AutoCompactor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cfg: AutoCompactionConfig,
    private readonly host: CompactorHost,
  ) {}

  start(): void {
    if (this.cfg.mode === 'revision') this.startRevision(Number(this.cfg.retention));
    else this.startPeriodic(parseRetentionMs(this.cfg.retention));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private startPeriodic(period: number): void {
    if (!(period > 0)) return;
    const retry = Math.min(period, HOUR) / 10;
    const compactInterval = Math.min(period, HOUR);
    const keep = Math.floor(period / retry) + 1;
    const revs: number[] = [];
    let lastSuccess = Date.now();
    let base = period;
    this.timer = setInterval(() => {
      if (!this.host.isLeader()) {
        // etcd pauses the compactor on followers and starts over when leadership returns.
        revs.length = 0;
        lastSuccess = Date.now();
        base = period;
        return;
      }
      revs.push(this.host.currentRevision());
      if (revs.length > keep) revs.shift();
      if (Date.now() - lastSuccess < base) return;
      base = compactInterval;
      const rev = revs[0]!;
      this.host.logger.info({ revision: rev, 'retention': `${period}ms` }, 'starting auto periodic compaction');
      this.host.compact(rev).then(
        () => (lastSuccess = Date.now()),
        (err: Error) => {
          if (/compacted/.test(err.message)) lastSuccess = Date.now();
          else this.host.logger.warn({ revision: rev, error: err.message }, 'failed auto periodic compaction');
        },
      );
    }, retry);
    this.timer.unref();
  }

  private startRevision(retention: number): void {
    if (!(retention > 0)) return;
    let last = 0;
    this.timer = setInterval(() => {
      if (!this.host.isLeader()) return;
      const rev = this.host.currentRevision() - retention;
      if (rev <= 0 || rev === last) return;
      this.host.logger.info({ revision: rev, 'revision-compaction-retention': retention }, 'starting auto revision compaction');
      this.host.compact(rev).then(
        () => (last = rev),
        (err: Error) => this.host.logger.warn({ revision: rev, error: err.message }, 'failed auto revision compaction'),
      );
    }, REVISION_INTERVAL_MS);
    this.timer.unref();
  }
}
