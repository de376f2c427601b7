// A Consul KV entry (Go's structs.DirEntry) as the HTTP API shows it, built from the user record
// (value, create/mod revisions) and its metadata record (kv-meta.ts).
import type { KeyValue } from '../adapters/backend.js';
import { stringifyWithBigints } from './kv-json.js';
import type { KvMeta } from './kv-meta.js';

export interface KvEntry {
  key: Buffer;
  value: Buffer;
  flags: bigint;
  session: string;
  lockIndex: number;
  createIndex: number;
  modifyIndex: number;
}

export function entryOf(user: KeyValue, meta: KvMeta): KvEntry {
  return {
    key: user.key,
    value: user.value,
    flags: meta.flags,
    session: meta.session,
    lockIndex: meta.lockIndex,
    createIndex: user.createRevision,
    modifyIndex: user.modRevision,
  };
}

/**
 * The entry in Consul's JSON field order: LockIndex, Key, Flags, Value (base64; null when empty,
 * as Consul stores an empty body as a nil slice), Session (omitted when none), CreateIndex, ModifyIndex.
 * `withValue` false blanks Value, as txn results of non-read verbs do.
 */
export function entryJsonObject(e: KvEntry, withValue = true): Record<string, unknown> {
  const o: Record<string, unknown> = {
    LockIndex: e.lockIndex,
    Key: e.key.toString('utf8'),
    Flags: e.flags,
    Value: withValue && e.value.length > 0 ? e.value.toString('base64') : null,
  };
  if (e.session) o.Session = e.session;
  o.CreateIndex = e.createIndex;
  o.ModifyIndex = e.modifyIndex;
  return o;
}

export function entriesJson(entries: readonly KvEntry[]): string {
  return stringifyWithBigints(entries.map((e) => entryJsonObject(e)));
}
