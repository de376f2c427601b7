// Fault injection for nemesis and unit tests: drop, delay or cut the traffic between this member
// and chosen peers, in both directions as seen from this member (outbound messages are held back,
// inbound ones discarded). Off unless a test turns it on: programmatically (transport.faults), or
// through the peer port's admin route, which exists only when DCSGW_TEST_PEER_FAULTS=1.

export interface PeerFault {
  /** Drop everything to/from the peer. */
  partitioned?: boolean;
  /** Probability in [0, 1] that a batch to/from the peer is dropped. */
  dropRate?: number;
  /** Milliseconds added before a batch to the peer is sent. */
  delayMs?: number;
}

export class FaultInjector {
  private readonly faults = new Map<bigint, PeerFault>();

  constructor(private readonly random: () => number = Math.random) {}

  set(peer: bigint, fault: PeerFault): void {
    this.faults.set(peer, { ...this.faults.get(peer), ...fault });
  }
  partition(...peers: bigint[]): void {
    for (const p of peers) this.set(p, { partitioned: true });
  }
  /** Remove every fault (or only the given peer's). */
  heal(peer?: bigint): void {
    if (peer === undefined) this.faults.clear();
    else this.faults.delete(peer);
  }
  /** Whether a batch to or from `peer` must be dropped now. */
  drops(peer: bigint): boolean {
    const f = this.faults.get(peer);
    if (!f) return false;
    if (f.partitioned) return true;
    return f.dropRate !== undefined && f.dropRate > 0 && this.random() < f.dropRate;
  }
  delayOf(peer: bigint): number {
    return this.faults.get(peer)?.delayMs ?? 0;
  }
  isPartitioned(peer: bigint): boolean {
    return this.faults.get(peer)?.partitioned === true;
  }
  snapshot(): Record<string, PeerFault> {
    return Object.fromEntries([...this.faults].map(([id, f]) => [id.toString(16), f]));
  }
}
