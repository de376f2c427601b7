// etcd's password hashes: bcrypt as Go's golang.org/x/crypto/bcrypt writes them ("$2a$<cost>$..."),
// so an auth store moved into genuine etcd (bbolt snapshot) keeps working passwords, and the
// reverse. bcrypt at cost 10 takes tens to hundreds of milliseconds: the hashing and the checks
// run on a pool of worker threads (one per core, as Go runs them on all cores), never on the event
// loop that carries raft heartbeats, nor on libuv's thread pool that carries the WAL's writes. A
// worker uses the native @node-rs/bcrypt when it loads, else the pure-JavaScript bcryptjs.
// Hashes written by earlier dcsgw versions (salted scrypt, "scrypt1:" prefix) still verify.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

/** Go's bcrypt.MinCost, MaxCost and DefaultCost (etcd's --bcrypt-cost bounds and default). */
export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;
export const BCRYPT_DEFAULT_COST = 10;

const LEGACY_SCRYPT_TAG = Buffer.from('scrypt1:');
const LEGACY_SALT_BYTES = 16;
const LEGACY_KEY_BYTES = 32;

/** A bcrypt salt with Go's "$2a$" version (bcryptjs writes "$2b$"; the algorithm is the same). */
function goSalt(cost: number): string {
  return bcrypt.genSaltSync(cost).replace(/^\$2b\$/, '$2a$');
}

function isBcrypt(stored: Buffer): boolean {
  return stored.length === 60 && stored[0] === 0x24 /* $ */ && stored[1] === 0x32 /* 2 */;
}

function isLegacyScrypt(stored: Buffer): boolean {
  return stored.length === LEGACY_SCRYPT_TAG.length + LEGACY_SALT_BYTES + LEGACY_KEY_BYTES && stored.subarray(0, LEGACY_SCRYPT_TAG.length).equals(LEGACY_SCRYPT_TAG);
}

// ---- the worker threads: started on first use, never keeping the process alive

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcryptjs = require(workerData.bcryptPath);
// hashing keeps bcryptjs (it takes the Go-style salt chosen by the caller); checks, the hot path of
// logins, use the native module when there is one
let compareSync = bcryptjs.compareSync;
if (workerData.nativePath) {
  try {
    compareSync = require(workerData.nativePath).verifySync;
  } catch {}
}
const bcrypt = { hashSync: bcryptjs.hashSync, compareSync };
parentPort.on('message', ({ id, op, password, salt, hash }) => {
  try {
    const value = op === 'hash' ? bcrypt.hashSync(password, salt) : bcrypt.compareSync(password, hash);
    parentPort.postMessage({ id, value });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

type Pending = { resolve: (v: string | boolean) => void; reject: (e: Error) => void };
type Job = { op: 'hash'; password: string; salt: string } | { op: 'compare'; password: string; hash: string };

/** One worker thread and the jobs it has been given. */
class BcryptWorker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  run(msg: Job): Promise<string | boolean> {
    const w = this.ensure();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, ...msg });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const require = createRequire(import.meta.url);
    // the CommonJS build of bcryptjs, loadable by an eval'd worker; the native module when it resolves
    const bcryptPath = require.resolve('bcryptjs');
    let nativePath = '';
    try {
      nativePath = require.resolve('@node-rs/bcrypt');
    } catch {
      // not installed for this platform: bcryptjs alone
    }
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath, nativePath } });
    w.unref();
    w.on('message', (m: { id: number; value?: string | boolean; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.value!);
    });
    const failAll = (err: Error) => {
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`bcrypt worker exited (${code})`)));
    this.worker = w;
    return w;
  }
}

/** A job waiting for a worker; dropped if its caller gave up meanwhile. */
interface Queued {
  job: Job;
  signal: AbortSignal | undefined;
  resolve: (v: string | boolean) => void;
  reject: (e: Error) => void;
}

/**
 * One worker per core, one job each at a time; the rest wait here, so a login whose client has
 * gone (a flood of attempts that time out) is dropped instead of costing a bcrypt round.
 */
class BcryptPool {
  private readonly workers = Array.from({ length: Math.max(1, availableParallelism()) }, () => ({ worker: new BcryptWorker(), busy: false }));
  private readonly queue: Queued[] = [];

  run(job: Job, signal?: AbortSignal): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('bcrypt: caller gave up'));
      this.queue.push({ job, signal, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.workers) {
      if (slot.busy) continue;
      let next = this.queue.shift();
      while (next?.signal?.aborted) {
        next.reject(new Error('bcrypt: caller gave up'));
        next = this.queue.shift();
      }
      if (!next) return;
      const { job, resolve, reject } = next;
      slot.busy = true;
      slot.worker.run(job).then(resolve, reject).finally(() => {
        slot.busy = false;
        this.pump();
      });
    }
  }
}

const worker = new BcryptPool();

/** The proposer's side of UserAdd / UserChangePassword: a Go-compatible bcrypt hash at `cost`. */
export async function hashPasswordAsync(password: string, cost: number = BCRYPT_DEFAULT_COST): Promise<Buffer> {
  const hash = (await worker.run({ op: 'hash', password, salt: goSalt(cost) })) as string;
  return Buffer.from(hash, 'latin1');
}

/** hashPasswordAsync on the calling thread (tests and tools, never the serving path). */
export function hashPasswordSync(password: string, cost: number = BCRYPT_DEFAULT_COST): Buffer {
  return Buffer.from(bcrypt.hashSync(password, goSalt(cost)), 'latin1');
}

/** Whether `password` matches a stored hash (bcrypt, or the legacy scrypt of older data dirs). */
export async function verifyPasswordAsync(stored: Buffer, password: string, signal?: AbortSignal): Promise<boolean> {
  if (isBcrypt(stored)) return (await worker.run({ op: 'compare', password, hash: stored.toString('latin1') }, signal)) as boolean;
  if (!isLegacyScrypt(stored)) return false;
  const salt = stored.subarray(LEGACY_SCRYPT_TAG.length, LEGACY_SCRYPT_TAG.length + LEGACY_SALT_BYTES);
  return new Promise((resolve, reject) =>
    scrypt(password, salt, LEGACY_KEY_BYTES, (err, key) => (err ? reject(err) : resolve(timingSafeEqual(stored.subarray(LEGACY_SCRYPT_TAG.length + LEGACY_SALT_BYTES), key)))),
  );
}

export function verifyPasswordSync(stored: Buffer, password: string): boolean {
  if (isBcrypt(stored)) return bcrypt.compareSync(password, stored.toString('latin1'));
  if (!isLegacyScrypt(stored)) return false;
  const salt = stored.subarray(LEGACY_SCRYPT_TAG.length, LEGACY_SCRYPT_TAG.length + LEGACY_SALT_BYTES);
  return timingSafeEqual(stored.subarray(LEGACY_SCRYPT_TAG.length + LEGACY_SALT_BYTES), scryptSync(password, salt, LEGACY_KEY_BYTES));
}

/** A hash genuine etcd can check (bcrypt); legacy scrypt hashes are dcsgw's own. */
export function isEtcdCompatibleHash(stored: Buffer): boolean {
  return isBcrypt(stored);
}

/** An scrypt hash as dcsgw wrote before bcrypt (tests of old data dirs only). */
export function legacyScryptHash(password: string): Buffer {
  const salt = randomBytes(LEGACY_SALT_BYTES);
  return Buffer.concat([LEGACY_SCRYPT_TAG, salt, scryptSync(password, salt, LEGACY_KEY_BYTES)]);
}
