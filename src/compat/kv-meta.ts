// Consul KV metadata beside a user record (DESIGN.md, "One keyspace, two views"): Flags, Session,
// LockIndex and the lock-delay window live in the system record kv/<user key bytes>, written in
// the same backend txn as the user record. A record is valid only for the generation (create
// revision) of the user key it was written for: if an etcd client deletes and re-creates the key,
// the old Flags/Session/LockIndex no longer apply; if it merely overwrites the value, they survive.
// The lock-delay window belongs to the key NAME, not a generation (Consul keeps it per key, even
// after the key is deleted by an invalidated session), so it is honoured whatever the generation.
import type { KeyValue } from '../adapters/backend.js';
import { SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

/** The Consul-only part of a KV entry. Flags is uint64: kept as bigint so 0x2ddccbc058a50c18 (consul lock) survives. */
export interface KvMeta {
  flags: bigint;
  session: string;
  lockIndex: number;
  /** Epoch milliseconds until which an acquire is refused (lock-delay); 0 = none. */
  lockDelayUntil: number;
}

export const EMPTY_META: Readonly<KvMeta> = Object.freeze({ flags: 0n, session: '', lockIndex: 0, lockDelayUntil: 0 });

/**
 * How the stored record names its generation:
 * - a positive number: the user key's create revision;
 * - 0: "the user key was created in the same txn as this record" (its create revision is then this
 *   record's own mod revision: unknown before the txn commits, known to every later reader);
 * - -1: no generation (a record kept only for a lock-delay window of a deleted key).
 */
export type MetaGeneration = number;
export const SAME_TXN_GENERATION = 0;
export const NO_GENERATION = -1;

interface StoredMeta {
  g: number;
  f?: string;
  s?: string;
  l?: number;
  d?: number;
}

export function metaKey(userKey: Buffer): Buffer {
  return systemKey(SystemPrefix.kvMeta, userKey);
}

export const META_KEYSPACE = SYSTEM;

/** The user key a metadata key belongs to. */
export function userKeyOfMeta(metaKeyBytes: Buffer): Buffer {
  return metaKeyBytes.subarray(SystemPrefix.kvMeta.length);
}

export function encodeMeta(meta: KvMeta, generation: MetaGeneration): Buffer {
  const s: StoredMeta = { g: generation };
  if (meta.flags !== 0n) s.f = meta.flags.toString();
  if (meta.session) s.s = meta.session;
  if (meta.lockIndex) s.l = meta.lockIndex;
  if (meta.lockDelayUntil) s.d = meta.lockDelayUntil;
  return Buffer.from(JSON.stringify(s));
}

export interface DecodedMeta {
  /** Flags/Session/LockIndex as they apply to `user` (EMPTY_META's when stale or absent). */
  meta: KvMeta;
  /** True when the record applies to the current generation of the user key. */
  valid: boolean;
}

/** The metadata that applies to `user` (undefined = the user key does not exist) given the stored record `record`. */
export function metaFor(user: KeyValue | undefined, record: KeyValue | undefined): DecodedMeta {
  if (!record || record.value.length === 0) return { meta: { ...EMPTY_META }, valid: false };
  let s: StoredMeta;
  try {
    s = JSON.parse(record.value.toString('utf8')) as StoredMeta;
  } catch {
    return { meta: { ...EMPTY_META }, valid: false };
  }
  const lockDelayUntil = typeof s.d === 'number' ? s.d : 0;
  const generation = s.g === SAME_TXN_GENERATION ? record.modRevision : s.g;
  const valid = !!user && generation > 0 && generation === user.createRevision;
  if (!valid) return { meta: { ...EMPTY_META, lockDelayUntil }, valid: false };
  return {
    meta: { flags: s.f ? BigInt(s.f) : 0n, session: s.s ?? '', lockIndex: s.l ?? 0, lockDelayUntil },
    valid: true,
  };
}

/** True when nothing Consul-specific needs storing (no record needed). */
export function isEmptyMeta(meta: KvMeta, now: number): boolean {
  return meta.flags === 0n && !meta.session && meta.lockIndex === 0 && meta.lockDelayUntil <= now;
}
