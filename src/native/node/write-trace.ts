// Opt-in timing of the write path inside a member, for issue 10's latency breakdown: with
// DCSGW_WRITE_TRACE=<file>, every Ready that persists entries is stamped (hrtime) at its phases and
// the per-phase samples are written to <file> as JSON when the process exits. Off (the default),
// the member only tests one module constant per Ready.
//
// Phases, in order (microseconds):
//   queue   first proposal of the batch handed to raft -> the Ready loop picks it up
//   encode  WAL records encoded into the write buffer
//   fsync   the durable WAL write as the member waits for it (syscall + hand-offs around it)
//   commit  raft storage updated, messages sent, the leader counts its own copy, the commit
//           reaches the apply (a single member commits in the Ready after the sync)
//   apply   committed entries applied to the store and their proposers' promises resolved (the
//           front end encodes and sends the answer right after, outside this phase)
//   total   proposal -> applied
import { writeFileSync } from 'node:fs';

export const WRITE_TRACE_PHASES = ['queue', 'encode', 'fsync', 'commit', 'apply', 'total'] as const;
export type WriteTracePhase = (typeof WRITE_TRACE_PHASES)[number];

export interface WriteTraceDump {
  /** Entries per traced Ready. */
  entries: number[];
  /** How the WAL write was done for each traced Ready: 1 = on the main thread, 0 = on the thread pool. */
  inline: number[];
  phases: Record<WriteTracePhase, number[]>;
}

const MAX_SAMPLES = 500_000;

export class WriteTrace {
  private readonly dump: WriteTraceDump = {
    entries: [],
    inline: [],
    phases: { queue: [], encode: [], fsync: [], commit: [], apply: [], total: [] },
  };
  /** When the oldest proposal not yet in a Ready was made (0: none pending). */
  private firstProposal = 0;
  /** Stamps of the batch being persisted: proposed, Ready start, encoded, synced; empty when none. */
  private batch: number[] = [];
  private batchEntries = 0;
  private batchInline = false;
  private applyStart = 0;

  constructor(private readonly file: string) {
    process.on('exit', () => this.write());
  }

  proposed(): void {
    if (this.firstProposal === 0) this.firstProposal = performance.now();
  }

  /** A Ready carrying new entries starts (the proposals made so far are in it). */
  persistBegin(entries: number): void {
    const now = performance.now();
    this.batch = [this.firstProposal || now, now];
    this.firstProposal = 0;
    this.batchEntries = entries;
  }

  encoded(): void {
    if (this.batch.length === 2) this.batch.push(performance.now());
  }

  synced(inline: boolean): void {
    if (this.batch.length !== 3) return;
    this.batch.push(performance.now());
    this.batchInline = inline;
  }

  /** Committed entries are about to be applied (in the same Ready or a later one). */
  applyBegin(): void {
    if (this.batch.length === 4) this.applyStart = performance.now();
  }

  applyEnd(): void {
    if (this.batch.length !== 4 || this.applyStart === 0 || this.dump.entries.length >= MAX_SAMPLES) return;
    const [proposed, start, encoded, synced] = this.batch as [number, number, number, number];
    const applied = performance.now();
    const p = this.dump.phases;
    p.queue.push(us(start - proposed));
    p.encode.push(us(encoded - start));
    p.fsync.push(us(synced - encoded));
    p.commit.push(us(this.applyStart - synced));
    p.apply.push(us(applied - this.applyStart));
    p.total.push(us(applied - proposed));
    this.dump.entries.push(this.batchEntries);
    this.dump.inline.push(this.batchInline ? 1 : 0);
    this.batch = [];
    this.applyStart = 0;
  }

  write(): void {
    try {
      writeFileSync(this.file, JSON.stringify(this.dump));
    } catch {
      /* best effort at exit */
    }
  }
}

function us(ms: number): number {
  return Math.round(ms * 1000 * 10) / 10;
}

const file = process.env['DCSGW_WRITE_TRACE'];
/** The process's trace, or undefined when DCSGW_WRITE_TRACE is not set. */
export const writeTrace: WriteTrace | undefined = file ? new WriteTrace(file) : undefined;
