// The etcd data model laid out in a genuine Consul cluster's KV store (the Consul adapter).
//
// Keys: a user key is the Consul key of the same bytes, so `etcdctl put a/b` through dcsgw and
// `consul kv get a/b` on the cluster name one record. Consul keys are strings carried in JSON, so
// a key must be valid UTF-8 here (binary values are fine: Consul stores bytes).
//
// Reserved prefix "_dcsgw/" (RESERVED): dcsgw's own records, hidden from every user request and
// refused to user writes:
//   _dcsgw/sys/<key>     the system keyspace of DESIGN.md ("One keyspace, two views"): a system key
//                        k is the Consul key "_dcsgw/sys/" + k
//   _dcsgw/revision      written in every transaction that only deletes, so that the transaction
//                        returns its index (Consul returns no entry for a delete); also read as a
//                        delimiter between the entries of several get-tree operations of one txn
//   _dcsgw/probe         never written: a GET of it answers 404 carrying the index of the whole KV
//                        table, tombstones included (the store revision)
//
//   _dcsgw/ver/<key>     the etcd version of the Consul key <key> once it is above 1, written in the
//                        same /v1/txn as the key (so its ModifyIndex equals the key's) and read
//                        with it (consul-versions.ts)
//
// Revision = Consul's index: create_revision = CreateIndex, mod_revision = ModifyIndex. version:
// the shadow entry above (an entry without one, e.g. written by a plain Consul client, is version
// 1). Consul's own Flags field of a user key IS the key's Consul flags, as every Consul client
// sees them: the Consul face's kv/<key> metadata record carries them through it
// (consul-flags.ts). lease = the session holding the key (leases are sessions: consul-leases.ts).
import { isUtf8 } from 'node:buffer';
import type { KeyValue, Keyspace } from './backend.js';
import { EtcdError, GrpcCode } from './errors.js';
import { prefixEnd } from './requests.js';

export const RESERVED = '_dcsgw/';
export const SYSTEM_PREFIX = '_dcsgw/sys/';
export const REVISION_KEY = '_dcsgw/revision';
export const PROBE_KEY = '_dcsgw/probe';
export const VERSION_PREFIX = '_dcsgw/ver/';

const RESERVED_BYTES = Buffer.from(RESERVED);
const SYSTEM_BYTES = Buffer.from(SYSTEM_PREFIX);
const EMPTY = Buffer.alloc(0);

/** A KV entry as Consul answers it (Flags as its decimal digits: a uint64, beyond a JS number's precision). */
export interface ConsulEntry {
  Key: string;
  Value: string | null;
  Flags: string;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
  /** The etcd version, once known (consul-versions.ts); absent = 1. */
  Version?: number;
}

/** JSON.parse of a Consul answer, keeping every digit of each Flags (a uint64) as a string. */
export function parseConsulJson<T>(text: string): T {
  return JSON.parse(text.replace(/([{,]\s*)"Flags"\s*:\s*(\d+)/g, '$1"Flags":"$2"')) as T;
}

/** JSON.stringify of operations whose Flags are digit strings, writing them as JSON numbers. */
export function stringifyConsulJson(value: unknown): string {
  return JSON.stringify(value).replace(/([{,])"Flags":"(\d+)"/g, '$1"Flags":$2');
}

export function notUtf8Error(): EtcdError {
  return new EtcdError(GrpcCode.INVALID_ARGUMENT, 'dcsgw: keys must be valid UTF-8 on the Consul backend (Consul keys are strings)');
}

export function reservedKeyError(): EtcdError {
  return new EtcdError(GrpcCode.INVALID_ARGUMENT, `dcsgw: keys beginning with "${RESERVED}" are reserved for dcsgw's own records on the Consul backend`);
}

export const isReserved = (consulKey: Buffer): boolean => startsWith(consulKey, RESERVED_BYTES);

export function startsWith(b: Buffer, prefix: Buffer): boolean {
  return b.length >= prefix.length && b.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** The Consul key of a key of `keyspace` (throws for keys Consul cannot hold or the user may not write). */
export function consulKeyOf(keyspace: Keyspace | undefined, key: Buffer): string {
  if (!isUtf8(key)) throw notUtf8Error();
  const text = key.toString('utf8');
  if (keyspace === 'system') return SYSTEM_PREFIX + text;
  if (text.startsWith(RESERVED)) throw reservedKeyError();
  return text;
}

/** A key range in Consul-key bytes: [lo, hi), hi undefined = to the end; `single` = the key lo alone. */
export interface ConsulRange {
  keyspace: Keyspace;
  lo: Buffer;
  hi: Buffer | undefined;
  single: boolean;
}

const isFromKey = (rangeEnd: Buffer): boolean => rangeEnd.length === 1 && rangeEnd[0] === 0;

export function consulRange(keyspace: Keyspace | undefined, key: Buffer, rangeEnd: Buffer): ConsulRange {
  const ks: Keyspace = keyspace ?? 'user';
  if (ks === 'system') {
    const lo = Buffer.concat([SYSTEM_BYTES, key]);
    if (rangeEnd.length === 0) return { keyspace: ks, lo, hi: undefined, single: true };
    return { keyspace: ks, lo, hi: isFromKey(rangeEnd) ? prefixEnd(SYSTEM_BYTES) : Buffer.concat([SYSTEM_BYTES, rangeEnd]), single: false };
  }
  if (rangeEnd.length === 0) return { keyspace: ks, lo: key, hi: undefined, single: true };
  return { keyspace: ks, lo: key, hi: isFromKey(rangeEnd) ? undefined : rangeEnd, single: false };
}

/** True when the Consul key belongs to the range as its keyspace sees it. */
export function inRange(consulKey: Buffer, r: ConsulRange): boolean {
  if (r.single) return consulKey.equals(r.lo);
  if (r.keyspace === 'user' ? isReserved(consulKey) : !startsWith(consulKey, SYSTEM_BYTES)) return false;
  if (Buffer.compare(consulKey, r.lo) < 0) return false;
  return r.hi === undefined || Buffer.compare(consulKey, r.hi) < 0;
}

/** The longest Consul prefix (a whole UTF-8 string) holding every key of the range. */
export function coveringPrefix(r: ConsulRange): string {
  if (r.single) return r.lo.toString('utf8');
  const hi = r.hi ?? EMPTY;
  let n = 0;
  while (n < r.lo.length && n < hi.length && r.lo[n] === hi[n]) n++;
  let p = r.lo.subarray(0, n);
  while (p.length > 0 && !isUtf8(p)) p = p.subarray(0, p.length - 1);
  return p.toString('utf8');
}

/** True when [lo, hi) is exactly the keys with prefix lo (etcd's --prefix form). */
export function isPrefixRange(r: ConsulRange): boolean {
  return !r.single && r.lo.length > 0 && r.hi !== undefined && prefixEnd(r.lo).equals(r.hi) && isUtf8(r.lo);
}

/** True when a user get-tree / delete-tree of `prefix` could reach dcsgw's reserved records. */
export function prefixTouchesReserved(prefix: string): boolean {
  return RESERVED.startsWith(prefix) || prefix.startsWith(RESERVED);
}

/** The key as the keyspace of the range sees it. */
export function keyOf(consulKey: string, keyspace: Keyspace | undefined): Buffer {
  return keyspace === 'system' ? Buffer.from(consulKey.slice(SYSTEM_PREFIX.length), 'utf8') : Buffer.from(consulKey, 'utf8');
}

/** The etcd version of an entry (consul-versions.ts fills it in; an entry without one is version 1). */
export function versionOf(e: ConsulEntry): number {
  return e.Version ?? 1;
}

export function valueOf(e: ConsulEntry): Buffer {
  return e.Value ? Buffer.from(e.Value, 'base64') : EMPTY;
}

export function kvOf(e: ConsulEntry, keyspace: Keyspace | undefined, leaseOfSession: (s: string) => bigint, keysOnly = false): KeyValue {
  return {
    key: keyOf(e.Key, keyspace),
    createRevision: e.CreateIndex,
    modRevision: e.ModifyIndex,
    version: versionOf(e),
    value: keysOnly ? EMPTY : valueOf(e),
    lease: e.Session ? leaseOfSession(e.Session) : 0n,
  };
}

/** The KV path of a Consul key (each segment escaped, slashes kept). */
export function kvPath(consulKey: string): string {
  return `/v1/kv/${consulKey.split('/').map(encodeURIComponent).join('/')}`;
}
