// The last state this process saw of single Consul keys (its own writes and reads), so that a
// transaction's read phase (consul-txn.ts) can skip the GET of a key it knows: a put of a key this
// process wrote before is then one /v1/txn instead of a GET and a /v1/txn. Safe because every such
// state is only used behind a guard (cas / check-index / check-not-exists at the cached index): if
// another client changed the key since, Consul rolls the transaction back, the key is forgotten
// here and the transaction is read and planned again from Consul. Bounded: the newest entries, and
// only entries with small values (the cache keeps values for prev_kv and value compares).
import type { ConsulEntry } from './consul-keyspace.js';

const MAX_ENTRIES = 4096;
const MAX_VALUE_CHARS = 4096;

export class EntryCache {
  private readonly entries = new Map<string, ConsulEntry | null>();

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): ConsulEntry | null | undefined {
    return this.entries.get(key);
  }

  /** Records what `key` is now (null = absent). */
  set(key: string, entry: ConsulEntry | null): void {
    this.entries.delete(key);
    if (entry && entry.Value && entry.Value.length > MAX_VALUE_CHARS) return;
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
