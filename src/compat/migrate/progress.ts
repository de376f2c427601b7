// The progress line on stderr: keys, bytes, rate and ETA. On a terminal it is redrawn in place
// (at most 10 times a second); otherwise one plain line every few seconds, so a log stays readable.
export interface ProgressCounts {
  keys: number;
  bytes: number;
  total?: number;
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressReporter {
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly tty: boolean;
  private drawn = false;
  private lastKeys = -1;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean } = process.stderr,
    private readonly quiet = false,
    /** Keys and bytes already done by an interrupted run, so the rate counts only this run's work. */
    private readonly base: ProgressCounts = { keys: 0, bytes: 0 },
  ) {
    this.tty = !!stream.isTTY;
  }

  line(c: ProgressCounts): string {
    const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
    const keyRate = (c.keys - this.base.keys) / secs;
    const byteRate = (c.bytes - this.base.bytes) / secs;
    const parts = [this.label];
    if (c.total !== undefined && c.total > 0) {
      const frac = Math.min(1, c.keys / c.total);
      if (this.tty) parts.push(`[${'='.repeat(Math.floor(frac * 24)).padEnd(24, ' ')}]`);
      parts.push(`${(frac * 100).toFixed(1)}%`, `${c.keys.toLocaleString('en-US')}/${c.total.toLocaleString('en-US')} keys`);
    } else {
      parts.push(`${c.keys.toLocaleString('en-US')} keys`);
    }
    parts.push(human(c.bytes), `${Math.round(keyRate).toLocaleString('en-US')} keys/s`, `${human(byteRate)}/s`);
    if (c.total !== undefined && c.total > 0) parts.push(`ETA ${duration(keyRate > 0 ? Math.max(0, c.total - c.keys) / keyRate : Infinity)}`);
    return parts.join('  ');
  }

  update(c: ProgressCounts, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    const every = this.tty ? 100 : 5000;
    if (!force && now - this.lastDraw < every) return;
    if (force && !this.tty && c.keys === this.lastKeys) return;
    this.lastDraw = now;
    this.lastKeys = c.keys;
    if (this.tty) {
      this.stream.write(`\r\x1b[K${this.line(c)}`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.line(c)}\n`);
    }
  }

  /** Ends the redrawn line (a terminal's cursor goes to a fresh line). */
  done(c: ProgressCounts): void {
    if (this.quiet) return;
    this.update(c, true);
    if (this.tty && this.drawn) this.stream.write('\n');
  }

  note(text: string): void {
    if (this.quiet) return;
    this.stream.write(this.tty && this.drawn ? `\r\x1b[K${text}\n` : `${text}\n`);
  }
}
