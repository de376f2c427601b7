// The in-memory lessor (etcd's lease.lessor): leases and the keys attached to them. Grants,
// revocations and checkpoints are replicated commands applied by the store; expiry times belong
// to the primary (leader) alone and are driven by the times the node passes in (no timers here).

/** etcd's MaxLeaseTTL: a grant above it fails with LeaseTTLTooLarge. */
export const MAX_LEASE_TTL = 9_000_000_000;

export class Lease {
  /** Attached user keys, as latin1 key strings (the key index's form): all etcd's TimeToLive lists. */
  readonly keys = new Set<string>();
  /** Attached keys of the system keyspace (e.g. a Consul session record): revoked with the lease, never listed to etcd clients. */
  readonly systemKeys = new Set<string>();
  /** Absolute expiry in ms while this member is primary; Infinity otherwise (etcd's "forever"). */
  expiryMs = Number.POSITIVE_INFINITY;

  constructor(
    readonly id: bigint,
    /** Granted TTL in seconds, after clamping up to the minimum. */
    readonly ttl: number,
    /** Checkpointed remaining TTL in seconds (0 = none): a new primary restarts from it instead of the full TTL. */
    public remainingTtl: number,
    /** Granted in the system keyspace (a Consul session's lease): invisible to user-keyspace lease requests. */
    readonly system = false,
  ) {}
}

export class Lessor {
  readonly leases = new Map<bigint, Lease>();
  private primary = false;

  isPrimary(): boolean {
    return this.primary;
  }

  /** Adds a granted lease (validation is the store's job); on a primary its clock starts now. */
  add(lease: Lease, nowMs: number): void {
    if (this.primary) lease.expiryMs = nowMs + lease.ttl * 1000;
    this.leases.set(lease.id, lease);
  }

  attach(id: bigint, key: string, system = false): void {
    const l = this.leases.get(id);
    if (l) (system ? l.systemKeys : l.keys).add(key);
  }

  detach(id: bigint, key: string, system = false): void {
    const l = this.leases.get(id);
    if (l) (system ? l.systemKeys : l.keys).delete(key);
  }

  renew(id: bigint, nowMs: number): number | undefined {
    const l = this.leases.get(id);
    if (!l) return undefined;
    // An expired lease is on its way to revocation: etcd answers "not found" rather than reviving it.
    if (this.primary && l.expiryMs <= nowMs) return undefined;
    l.remainingTtl = 0;
    l.expiryMs = nowMs + l.ttl * 1000;
    return l.ttl;
  }

  expired(nowMs: number): bigint[] {
    if (!this.primary) return [];
    const out: bigint[] = [];
    for (const l of this.leases.values()) if (l.expiryMs <= nowMs) out.push(l.id);
    return out;
  }

  promote(nowMs: number): void {
    this.primary = true;
    for (const l of this.leases.values()) {
      l.expiryMs = nowMs + (l.remainingTtl > 0 ? l.remainingTtl : l.ttl) * 1000;
    }
  }

  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) l.expiryMs = Number.POSITIVE_INFINITY;
  }

  /** Seconds left, as etcd's TimeToLive reports them (truncated); -1 once expired. */
  remaining(l: Lease, nowMs: number): number {
    if (!Number.isFinite(l.expiryMs)) return l.remainingTtl > 0 ? l.remainingTtl : l.ttl;
    const ms = l.expiryMs - nowMs;
    return ms <= 0 ? -1 : Math.trunc(ms / 1000);
  }
}
