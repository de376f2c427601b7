// What a migration moves: one key with its value and its Consul flags. Leases, revisions and
// sessions are the source store's own and do not travel (a migrated key is written fresh).
import { createHash } from 'node:crypto';

export interface KvRecord {
  key: Buffer;
  value: Buffer;
  /** Consul's uint64 Flags (0 when the store has none, as on genuine etcd). */
  flags: bigint;
}

/** A page of records in source order, and where the source stands after it (for the checkpoint). */
export interface RecordPage {
  records: KvRecord[];
  cursor: string;
}

/** The per-key hash verification compares: value and flags, so a change in either is reported. */
export function recordHash(r: Pick<KvRecord, 'value' | 'flags'>): string {
  return createHash('sha256').update(r.value).update(`\0${r.flags.toString()}`).digest('hex').slice(0, 32);
}

/** How reports name a key: as text when it is UTF-8, else as base64 so nothing is lost. */
export function displayKey(key: Buffer): string {
  const text = key.toString('utf8');
  return Buffer.from(text, 'utf8').equals(key) ? text : `base64:${key.toString('base64')}`;
}

/** The smallest key after `key` in byte order. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

export const compareKeys = (a: Buffer, b: Buffer): number => Buffer.compare(a, b);
