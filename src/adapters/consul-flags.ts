// The Consul face's flags on a consul:// backend. dcsgw keeps a key's Consul metadata (Flags,
// Session, LockIndex, lock-delay) in the system record kv/<key> (src/compat/kv-meta.ts); on a
// genuine Consul the flags belong in the entry's own Flags field, where every Consul client
// (`consul kv get -detailed`, `consul kv export`, consul lock) reads and writes them. So here:
//   - writing a kv/<key> record stores it without its flags ("f") and puts them into <key>'s Flags
//     in the same /v1/txn (deleting the record clears them); a record that held nothing but flags
//     is not stored at all (an older one is deleted): the Flags say it all;
//   - reading kv/<key> records shows each with <key>'s current Flags, and shows one (with no Consul
//     indexes: create and mod revision 0, as if absent to a compare) for a key that has Flags but no
//     record, e.g. one a plain Consul client wrote with ?flags=.
import { inRange, isReserved, coveringPrefix, SYSTEM_PREFIX, type ConsulEntry, type ConsulRange } from './consul-keyspace.js';
import { prefixEnd } from './requests.js';

export const META_PREFIX = `${SYSTEM_PREFIX}kv/`;

/** The user key whose metadata the Consul key `k` is (undefined when it is none). */
export function userKeyOfMeta(k: string): string | undefined {
  return k.startsWith(META_PREFIX) ? k.slice(META_PREFIX.length) : undefined;
}

interface StoredMeta {
  g?: number;
  f?: string;
  d?: number;
  [field: string]: unknown;
}

function decode(value: string | null | Buffer): StoredMeta | undefined {
  try {
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : value ? Buffer.from(value, 'base64').toString('utf8') : '';
    const s = JSON.parse(text) as unknown;
    return s && typeof s === 'object' ? (s as StoredMeta) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A record as written: what is stored (no flags), the flags for the user key's Flags, and whether
 * nothing but the flags (and the generation they belong to) was in it: then no record is kept.
 */
export function splitFlags(record: Buffer): { stored: Buffer; flags: string; flagsOnly: boolean } {
  const s = decode(record);
  if (!s) return { stored: record, flags: '0', flagsOnly: false };
  const flags = typeof s.f === 'string' && /^\d+$/.test(s.f) ? BigInt(s.f).toString() : '0';
  delete s.f;
  const flagsOnly = Object.keys(s).every((k) => k === 'g') && typeof s.g === 'number' && s.g >= 0;
  return { stored: Buffer.from(JSON.stringify(s)), flags, flagsOnly };
}

/**
 * The record of `userKey` as the Consul face is shown it: `record` (as stored, may be absent) with
 * the user entry's Flags; undefined when there is nothing to show.
 */
export function presentMeta(metaConsulKey: string, record: ConsulEntry | undefined, user: ConsulEntry | undefined): ConsulEntry | undefined {
  const flags = user && user.Flags !== '0' ? user.Flags : undefined;
  if (!flags) {
    if (!record) return undefined;
    const s = decode(record.Value);
    if (!s || s.f === undefined) return record;
    delete s.f;
    return { ...record, Value: Buffer.from(JSON.stringify(s)).toString('base64') };
  }
  const s = record ? decode(record.Value) : undefined;
  const generation = s ? (s.g === 0 ? record!.ModifyIndex : s.g) : undefined;
  // a record of an older generation of the key (or none): the flags alone apply, with its lock-delay
  const shown: StoredMeta = s && generation === user!.CreateIndex ? { ...s, f: flags } : { g: user!.CreateIndex, f: flags, ...(s?.d ? { d: s.d } : {}) };
  const value = Buffer.from(JSON.stringify(shown)).toString('base64');
  if (record) return { ...record, Value: value };
  return { Key: metaConsulKey, Value: value, Flags: '0', CreateIndex: 0, ModifyIndex: 0, LockIndex: 0, Version: 1 };
}

const META_BYTES = Buffer.from(META_PREFIX);
const META_END = prefixEnd(META_BYTES);

/** The user keys whose kv/<key> records a system range covers: their range and the prefix to read them by. */
export function metaUserRange(r: ConsulRange, singleKey: string | undefined): { range: ConsulRange; prefix: string } | undefined {
  if (r.keyspace !== 'system') return undefined;
  if (r.single) {
    const u = singleKey === undefined ? undefined : userKeyOfMeta(singleKey);
    if (u === undefined || isReserved(Buffer.from(u, 'utf8'))) return undefined;
    return { range: { keyspace: 'user', lo: Buffer.from(u, 'utf8'), hi: undefined, single: true }, prefix: u };
  }
  const lo = Buffer.compare(r.lo, META_BYTES) > 0 ? r.lo : META_BYTES;
  const hi = r.hi === undefined || Buffer.compare(r.hi, META_END) > 0 ? META_END : r.hi;
  if (Buffer.compare(lo, hi) >= 0) return undefined;
  const range: ConsulRange = {
    keyspace: 'user',
    lo: lo.subarray(META_BYTES.length),
    hi: hi.equals(META_END) ? undefined : hi.subarray(META_BYTES.length),
    single: false,
  };
  return { range, prefix: coveringPrefix(range) };
}

/** The system entries of a range with every kv/<key> record shown as presentMeta() does. */
export function presentMetaRange(systemEntries: ConsulEntry[], userEntries: ConsulEntry[], users: ConsulRange): ConsulEntry[] {
  const byKey = new Map<string, ConsulEntry>();
  for (const u of userEntries) if (inRange(Buffer.from(u.Key, 'utf8'), users)) byKey.set(u.Key, u);
  const out: ConsulEntry[] = [];
  const withRecord = new Set<string>();
  for (const e of systemEntries) {
    const u = userKeyOfMeta(e.Key);
    if (u === undefined) {
      out.push(e);
      continue;
    }
    withRecord.add(u);
    const shown = presentMeta(e.Key, e, byKey.get(u));
    if (shown) out.push(shown);
  }
  for (const [k, u] of byKey) {
    if (withRecord.has(k) || u.Flags === '0') continue;
    out.push(presentMeta(META_PREFIX + k, undefined, u)!);
  }
  return out;
}
