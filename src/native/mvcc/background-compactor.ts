// Physical removal of compacted revisions in bounded steps between event-loop turns (etcd's
// scheduled compaction, which deletes in batches of --experimental-compaction-batch-limit).
//
// The compaction command itself only moves the compact revision (reads below it fail at once);
// what it leaves behind is garbage nobody can read any more, so removing it later changes no
// answer. The walk visits keys in byte order and each step is one storage transaction, so a
// crash simply restarts the walk on open (every step is idempotent: it removes only revisions
// superseded at the target). Every member ends with the same records: the ones current at the
// compact revision and later, whatever the timing of its steps.

/** Where the walk stands: the keyspace being walked (0 user, 1 system) and the next key to visit. */
export interface CompactionCursor {
  space: number;
  key: string;
}

export interface CompactionSteps {
  /**
   * Compacts up to `limit` keys from `cursor` at `target` in one transaction; returns where to go
   * on, or undefined when the walk is complete (the step then records the target as done).
   */
  step(target: number, cursor: CompactionCursor, limit: number): CompactionCursor | undefined;
  onError(err: unknown): void;
}

export class BackgroundCompactor {
  private target = -1;
  private done = -1;
  private cursor: CompactionCursor = { space: 0, key: '' };
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  private paused = 0;
  private stopped = false;
  /** The longest step so far, in ms, and how many steps ran (a step must stay far below an event-loop stall budget). */
  longestStepMs = 0;
  stepCount = 0;
  private readonly waiters: { rev: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(
    private readonly steps: CompactionSteps,
    /** Keys per step (etcd's --experimental-compaction-batch-limit, 1000 by default). */
    readonly batchLimit: number,
  ) {}

  /** The highest target whose walk has completed. */
  completed(): number {
    return this.done;
  }

  /** Records a completed walk (a compaction small enough to be done inside its apply, or the state found on open). */
  markDone(rev: number): void {
    if (rev > this.done) this.done = rev;
    if (this.target <= this.done) this.target = this.done;
    this.settle();
  }

  /** What storage says is complete (on open or reload): forgets any walk in progress. */
  resetDone(rev: number): void {
    this.done = rev;
    this.target = rev;
    this.cursor = { space: 0, key: '' };
    this.settle();
  }

  /** Starts (or restarts from the first key) a walk at `target`. */
  start(target: number): void {
    if (this.stopped) return;
    if (target <= this.done) return;
    this.target = target;
    this.cursor = { space: 0, key: '' };
    this.schedule();
  }

  /** Resolves once every revision superseded at `rev` is gone (etcd's compaction barrier for --physical). */
  waitFor(rev: number): Promise<void> {
    if (rev <= this.done) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('etcdserver: server stopped'));
    return new Promise((resolve, reject) => this.waiters.push({ rev, resolve, reject }));
  }

  /** Holds the walk (a defragmentation copies the files meanwhile); resume() lets it go on. */
  pause(): void {
    this.paused++;
  }

  resume(): void {
    if (this.paused > 0) this.paused--;
    if (this.paused === 0 && this.target > this.done) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new Error('etcdserver: server stopped'));
  }

  private schedule(): void {
    if (this.scheduled || this.stopped || this.paused > 0) return;
    // setImmediate: I/O callbacks (requests, raft traffic) run between two steps.
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.runStep();
    });
  }

  private runStep(): void {
    if (this.stopped || this.paused > 0 || this.target <= this.done) return;
    const target = this.target;
    let next: CompactionCursor | undefined;
    const t0 = performance.now();
    try {
      next = this.steps.step(target, this.cursor, this.batchLimit);
      this.stepCount++;
      this.longestStepMs = Math.max(this.longestStepMs, performance.now() - t0);
    } catch (err) {
      // The step's transaction was rolled back: try the same keys again on a later turn.
      this.steps.onError(err);
      setTimeout(() => this.schedule(), 100).unref();
      return;
    }
    if (next) {
      this.cursor = next;
      this.schedule();
      return;
    }
    this.done = target;
    this.settle();
  }

  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.rev <= this.done) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
