// The bulk of a defragmentation (store.ts, "defragmentation"): every record of the store copied
// into a fresh LMDB environment by a worker thread, while the main thread goes on serving.
//
// Why not LMDB's own compacting copy (mdb_env_copy2 with MDB_CP_COMPACT): it opens its output with
// O_DIRECT, so each buffer is a synchronous device write, and it hands its buffer to the writer
// after every overflow value (every value over a page: the 10 KiB values of the scale benchmark),
// so a store of large values becomes hundreds of thousands of small synchronous writes. Here the
// records are put in LMDB's append mode (no search per key, full pages, the same compact layout)
// into an environment without sync, so they go through the page cache, and one fsync at the end
// writes them out in large requests, as etcd's defragmentation does. The copy is opened without
// the write map the store uses (its commits write the pages out instead: measured at about two
// thirds of the CPU of page faults on a fresh mapping) and closed before the store opens it.
//
// The worker opens the store by its path: lmdb-js hands a thread the environment another thread
// of the process already has open for the same file, so it reads the live store through a read
// transaction of its own (a consistent point in time) while batches keep being applied. After the
// copy of that point it copies the records written meanwhile (the kv table is keyed by revision:
// they all sort after the last key copied) in rounds until a round finds few, so the main thread's
// own catch-up before the swap is short.
//
// The worker keeps its handle of the old environment until it is told to release it, after the
// main thread swapped the copy in and closed its own handle: the last handle closed is the one that unmaps the environment (tens
// to hundreds of ms at a million keys), so that happens on the worker's thread too.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What the worker reports once the copy is on disk. */
export interface DefragCopyResult {
  /** The last kv key copied (the main thread catches up with the ones after it); absent when the kv table was empty. */
  lastKvKey: Buffer | undefined;
  records: number;
  bytes: number;
  /** Time of the copy from the first read transaction, of the catch-up rounds after it, and of the fsync. */
  bulkMs: number;
  catchUpMs: number;
  catchUpRounds: number;
  fsyncMs: number;
}

export interface DefragCopyOptions {
  /** The store's directory (the environment to copy, open in this process). */
  storeDir: string;
  /** An empty directory for the copy's data.mdb and lock.mdb. */
  copyDir: string;
  /** lmdb-js open() options: the store's own (the worker's handle of the store must be the store's environment). */
  envOptions: Record<string, unknown>;
  /** The store's named databases; `kvName` is the one keyed by revision that grows while the copy runs. */
  dbNames: string[];
  kvName: string;
  /** The copy's map size (the store's: the copy needs no more, and the store keeps its map size across the swap). */
  mapSize: number;
}

/**
 * How the worker copies. Records per write transaction, and bytes at most (a commit without sync
 * is cheap; an unbounded one holds every dirty page). The catch-up rounds end when one copies
 * fewer records than catchUpEnough, or after maxCatchUpRounds; one more round follows the fsync
 * (what came in during it). Tests change these to force many chunks, or no catch-up in the worker
 * at all (every write since the first read transaction then goes through the main thread's).
 */
export const DEFRAG_COPY_LIMITS = {
  chunkRecords: 20_000,
  chunkBytes: 64 * 1024 * 1024,
  catchUpEnough: 500,
  maxCatchUpRounds: 8,
  catchUpAfterFsync: true,
};

// Plain CommonJS evaluated by the worker: it runs the same from the TypeScript sources (tests) and
// from the build, with lmdb-js resolved by the main thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, fsyncSync, openSync } = require('node:fs');
const { join } = require('node:path');
const { open } = require(workerData.lmdbPath);
const o = workerData.options;
const limits = workerData.limits;
const abortFlag = new Int32Array(workerData.abortFlag);
// values read as views of LMDB's memory, valid until the next read: each is put (copied) at once
const VIEW = { encode: (v) => v, decode: (b, size) => Buffer.from(b.buffer, b.byteOffset, size) };
let oldEnv;
let newEnv;
class Aborted extends Error {}

function copyRange(from, to, range) {
  let records = 0;
  let bytes = 0;
  let lastKey;
  const it = from.getRange(range)[Symbol.iterator]();
  let done = false;
  while (!done) {
    if (Atomics.load(abortFlag, 0) !== 0) throw new Aborted('aborted');
    let chunkRecords = 0;
    let chunkBytes = 0;
    to.transactionSync(() => {
      while (chunkRecords < limits.chunkRecords && chunkBytes < limits.chunkBytes) {
        const r = it.next();
        if (r.done) {
          done = true;
          break;
        }
        const { key, value } = r.value;
        to.putSync(key, value, { append: true });
        chunkRecords++;
        chunkBytes += key.length + value.length;
        lastKey = key;
      }
      if (lastKey !== undefined) lastKey = Buffer.from(lastKey);
    });
    records += chunkRecords;
    bytes += chunkBytes;
  }
  return { records, bytes, lastKey };
}

function run() {
  oldEnv = open({ path: o.storeDir, ...o.envOptions });
  newEnv = open({ path: o.copyDir, ...o.envOptions, useWritemap: false, mapSize: o.mapSize });
  const dbOpts = { keyEncoding: 'binary', compression: false, cache: false };
  const from = o.dbNames.map((name) => oldEnv.openDB({ name, ...dbOpts, encoder: VIEW }));
  const to = o.dbNames.map((name) => newEnv.openDB({ name, ...dbOpts, encoding: 'binary' }));
  const kv = o.dbNames.indexOf(o.kvName);
  const t0 = performance.now();
  let records = 0;
  let bytes = 0;
  let lastKvKey;
  let transaction = oldEnv.useReadTransaction();
  try {
    for (let i = 0; i < from.length; i++) {
      const r = copyRange(from[i], to[i], { transaction });
      records += r.records;
      bytes += r.bytes;
      if (i === kv) lastKvKey = r.lastKey;
    }
  } finally {
    transaction.done();
  }
  const t1 = performance.now();
  let rounds = 0;
  // the records committed since the last read: returns how many
  const catchUp = () => {
    rounds++;
    // a read transaction of its own (lmdb-js would hand the same one back otherwise)
    oldEnv.resetReadTxn();
    transaction = oldEnv.useReadTransaction();
    let r;
    try {
      const range = lastKvKey === undefined ? { transaction } : { start: lastKvKey, exclusiveStart: true, transaction };
      r = copyRange(from[kv], to[kv], range);
    } finally {
      transaction.done();
    }
    records += r.records;
    bytes += r.bytes;
    if (r.lastKey !== undefined) lastKvKey = r.lastKey;
    return r.records;
  };
  while (rounds < limits.maxCatchUpRounds && catchUp() >= limits.catchUpEnough);
  const t2 = performance.now();
  const fd = openSync(join(o.copyDir, 'data.mdb'), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const t3 = performance.now();
  // what came in during the fsync (the main thread's fsync covers it), so the main thread's own catch-up is short
  if (limits.catchUpAfterFsync) catchUp();
  // closed before the main thread opens it with the store's options (its write map)
  newEnv.close();
  newEnv = undefined;
  parentPort.postMessage({ kind: 'copied', lastKvKey, records, bytes, bulkMs: t1 - t0, catchUpMs: t2 - t1 + (performance.now() - t3), catchUpRounds: rounds, fsyncMs: t3 - t2 });
}

function closeAll() {
  // when the main thread closed its handle of the old environment already, this unmaps it
  for (const env of [oldEnv, newEnv]) {
    try {
      if (env) env.close();
    } catch {}
  }
  oldEnv = newEnv = undefined;
}

parentPort.on('message', (m) => {
  if (m !== 'release') return;
  closeAll();
  parentPort.postMessage({ kind: 'released' });
  parentPort.close();
});
try {
  run();
} catch (err) {
  parentPort.postMessage({ kind: err instanceof Aborted ? 'aborted' : 'error', message: String((err && err.message) || err) });
}
`;

type WorkerMessage =
  | ({ kind: 'copied'; lastKvKey: Uint8Array | undefined } & Omit<DefragCopyResult, 'lastKvKey'>)
  | { kind: 'aborted' | 'error'; message: string }
  | { kind: 'released' };

/**
 * One copy on its worker thread. `copied` settles once the copy is on disk (or failed, or was
 * aborted); `release()` must follow in every case, after the main thread closed its own handle of
 * the environment it no longer uses: it closes the worker's handles and ends the thread.
 */
export class DefragCopy {
  readonly copied: Promise<DefragCopyResult>;
  private readonly worker: Worker;
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly exited: Promise<void>;
  private releasing: Promise<void> | undefined;

  constructor(opts: DefragCopyOptions) {
    const lmdbPath = createRequire(import.meta.url).resolve('lmdb');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        lmdbPath,
        options: opts,
        abortFlag: this.abortFlag.buffer,
        limits: { ...DEFRAG_COPY_LIMITS },
      },
    });
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.copied = new Promise<DefragCopyResult>((resolve, reject) => {
      this.worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'copied') resolve({ ...m, lastKvKey: m.lastKvKey === undefined ? undefined : Buffer.from(m.lastKvKey) });
        else if (m.kind === 'aborted' || m.kind === 'error') reject(new Error(`defragmentation copy ${m.kind === 'aborted' ? 'aborted' : `failed: ${m.message}`}`));
      });
      this.worker.on('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`defragmentation copy worker exited (${code})`)));
    });
    // Once copied, the worker only waits to be released: a process that is ending does not wait for
    // it. (A rejection nobody awaited yet is not unhandled: the caller awaits copied, then release.)
    this.copied.catch(() => undefined).finally(() => this.worker.unref());
  }

  /** Stops the copy at its next chunk (the store is closing): `copied` then rejects. */
  abort(): void {
    Atomics.store(this.abortFlag, 0, 1);
  }

  /** Closes the worker's handles of both environments and ends the thread. */
  release(): Promise<void> {
    this.releasing ??= (() => {
      this.abort();
      this.worker.postMessage('release');
      return this.exited;
    })();
    return this.releasing;
  }
}
