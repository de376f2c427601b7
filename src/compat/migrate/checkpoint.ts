// The checkpoint of an interrupted migration or mirror: a small JSON file replaced atomically
// (written beside, fsynced, renamed, directory fsynced), so after a crash — even kill -9 or a
// power cut — it holds either the previous or the new position, never a torn one.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';

export class CheckpointFile<T extends { job: string }> {
  readonly path: string;
  constructor(path: string) {
    this.path = resolve(path);
  }

  /** The saved state, or undefined when there is none. A checkpoint of another job is refused. */
  load(job: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let state: T;
    try {
      state = JSON.parse(text) as T;
    } catch {
      throw new Error(`checkpoint ${this.path} is not valid JSON; remove it to start over`);
    }
    if (state.job !== job) throw new Error(`checkpoint ${this.path} belongs to another job (${state.job}); remove it or choose another with --checkpoint`);
    return state;
  }

  save(state: T): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  remove(): void {
    try {
      unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** What names one job: the same command line gives the same name, hence the same default file. */
export function jobName(kind: 'migrate' | 'mirror', src: string, dst: string, prefix: string, destPrefix: string | undefined): string {
  return `${kind} ${src} -> ${dst} prefix=${JSON.stringify(prefix)}${destPrefix !== undefined ? ` dest-prefix=${JSON.stringify(destPrefix)}` : ''}`;
}

/** The default checkpoint file of a job: in the working directory, named by a hash of the job. */
export function defaultCheckpointPath(kind: 'migrate' | 'mirror', job: string): string {
  return `.dcsgw-${kind}-${createHash('sha256').update(job).digest('hex').slice(0, 12)}.checkpoint.json`;
}
