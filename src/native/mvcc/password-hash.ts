// etcd's password hashes: bcrypt as Go's golang.org/x/crypto/bcrypt writes them ("$2a$<cost>$..."),
// so an auth store moved into genuine etcd (bbolt snapshot) keeps working passwords, and the
// reverse. bcrypt at cost 10 takes hundreds of milliseconds in pure JavaScript: the hashing and
// the checks run on one worker thread, never on the event loop that carries raft heartbeats.
// Hashes written by earlier dcsgw versions (salted scrypt, "scrypt1:" prefix) still verify.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
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

// ---- the worker thread: one, started on first use, not keeping the process alive

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
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

class BcryptWorker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  run(msg: { op: 'hash'; password: string; salt: string } | { op: 'compare'; password: string; hash: string }): Promise<string | boolean> {
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
    // the CommonJS build of bcryptjs, loadable by an eval'd worker
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath } });
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

const worker = new BcryptWorker();

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
export async function verifyPasswordAsync(stored: Buffer, password: string): Promise<boolean> {
  if (isBcrypt(stored)) return (await worker.run({ op: 'compare', password, hash: stored.toString('latin1') })) as boolean;
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
