// How a nemesis cuts (or slows) the links between members: genuine etcd through the X-Server-From peer
// proxy (peer-proxy.ts), dcsgw through its own fault-injection hook (hook-partitioner.ts).
export interface PartitionStats {
  [counter: string]: number;
}

export interface Partitioner {
  /** Cut every link between the two sides (both directions). */
  partition(sideA: readonly string[], sideB: readonly string[]): Promise<void>;
  /** Delay every message between the two sides by delayMs (both directions). */
  slow(sideA: readonly string[], sideB: readonly string[], delayMs: number): Promise<void>;
  /** Remove every cut and delay. */
  heal(): Promise<void>;
  setMemberIds(nameToId: ReadonlyMap<string, string>): void;
  /** Counters that show the cuts took effect. */
  readonly stats: PartitionStats;
  describe(): string;
  close(): Promise<void>;
}

/** True when the counters show at least one cut (or, for the hook, one accepted fault). */
export function partitionsTookEffect(stats: PartitionStats): boolean {
  return (stats.cut ?? 0) + (stats.refused ?? 0) + (stats.applied ?? 0) > 0;
}

/** True when the counters show slowed traffic (or, for the hook, one accepted fault). */
export function delaysTookEffect(stats: PartitionStats): boolean {
  return (stats.delayed ?? 0) + (stats.applied ?? 0) > 0;
}
