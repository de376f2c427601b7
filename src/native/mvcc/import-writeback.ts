// A bulk import (MvccStore.importSections) writes the whole store in one LMDB transaction through
// the write map: its pages stay dirty in the page cache (the kernel's own writeback starts only at
// a tenth of the RAM, or after 30 s) until the closing sync, which then writes all of them at once
// while the disk sat idle during the import. An fdatasync of the file every few tens of MiB,
// started on the thread pool while the import goes on, writes them back meanwhile, so the closing
// sync finds little left. The pages of the unfinished transaction written early are harmless:
// LMDB's meta page names the committed state, and an import cut short is done again from the start.
import { closeSync, fdatasync, openSync } from 'node:fs';
import { join } from 'node:path';

const DEFAULT_EVERY_BYTES = 64 * 1024 * 1024;

export class ImportWriteback {
  private readonly fd: number;
  private written = 0;
  private nextAt: number;
  private readonly pending: Array<Promise<void>> = [];
  private closed = false;

  /** `dir`: the store's directory (LMDB's data.mdb is in it). */
  constructor(
    dir: string,
    private readonly everyBytes = DEFAULT_EVERY_BYTES,
  ) {
    this.fd = openSync(join(dir, 'data.mdb'), 'r');
    this.nextAt = everyBytes;
  }

  /** Counts bytes put; every `everyBytes` a writeback starts (its outcome is the closing sync's to report). */
  wrote(bytes: number): void {
    this.written += bytes;
    if (this.written < this.nextAt) return;
    this.nextAt = this.written + this.everyBytes;
    this.pending.push(new Promise<void>((resolve) => fdatasync(this.fd, () => resolve())));
  }

  /** How many writebacks were started. */
  get started(): number {
    return this.pending.length;
  }

  /** Waits for the writebacks started (the event loop must turn) and closes the file; again: nothing. */
  async done(): Promise<void> {
    await Promise.all(this.pending);
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
