// The key index's exact-key map, split in SHARDS Maps by a cheap hash of the key. A JS Map grows
// by rehashing all its entries in one go: at a million keys that held the event loop 100-170 ms
// inside one apply (CPU profile of bench/scale.ts's loads, key-index getOrCreate). Split, a growth
// rehashes one shard, and the shards reach their thresholds at different writes.

const SHARDS = 64;

/** The shard of a key: its length and last eight characters (where keys that share a prefix differ). */
function shardOf(key: string): number {
  let h = key.length;
  for (let i = key.length > 8 ? key.length - 8 : 0; i < key.length; i++) h = Math.imul(h, 31) + key.charCodeAt(i);
  return (h ^ (h >>> 11)) & (SHARDS - 1);
}

export class ShardedMap<V> {
  private readonly shards: Map<string, V>[] = Array.from({ length: SHARDS }, () => new Map<string, V>());
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]!.get(key);
  }

  /** Adds or replaces. */
  set(key: string, value: V): void {
    const shard = this.shards[shardOf(key)]!;
    const before = shard.size;
    shard.set(key, value);
    this.count += shard.size - before;
  }

  delete(key: string): boolean {
    if (!this.shards[shardOf(key)]!.delete(key)) return false;
    this.count--;
    return true;
  }

  clear(): void {
    for (const shard of this.shards) shard.clear();
    this.count = 0;
  }
}
