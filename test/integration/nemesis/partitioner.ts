// How a nemesis cuts the links between members: genuine etcd through the X-Server-From peer
// proxy (peer-proxy.ts), dcsgw through its own fault-injection hook (hook-partitioner.ts).
export interface PartitionStats {
  [counter: string]: number;
}

export interface Partitioner {
  /** Cut every link between the two sides (both directions). */
  partition(sideA: readonly string[], sideB: readonly string[]): Promise<void>;
  heal(): Promise<void>;
  setMemberIds(nameToId: ReadonlyMap<string, string>): void;
  /** Counters that show the cuts took effect. */
  readonly stats: PartitionStats;
  describe(): string;
  close(): Promise<void>;
}

/** True when the counters show at least one cut that took effect. */
export function partitionsTookEffect(stats: PartitionStats): boolean {
  return (stats.cut ?? 0) + (stats.refused ?? 0) + (stats.applied ?? 0) > 0;
}
