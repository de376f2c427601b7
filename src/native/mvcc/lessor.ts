// The in-memory lessor (etcd's lease.lessor): leases and the keys attached to them. Grants,
// revocations and checkpoints are replicated commands applied by the store; expiry times belong
// to the primary (leader) alone and are driven by the times the node passes in (no timers here).
// The leader checks for expired leases every few hundred ms: a queue by expiry makes that check
// cost the leases that are due, not a walk over every lease.

/** etcd's MaxLeaseTTL: a grant above it fails with LeaseTTLTooLarge. */
export const MAX_LEASE_TTL = 9_000_000_000;

export class Lease {
  /** Attached user keys, as latin1 key strings (the key index's form): all etcd's TimeToLive lists. */
  readonly keys = new Set<string>();
  /** Attached keys of the system keyspace (e.g. a Consul session record): revoked with the lease, never listed to etcd clients. */
  readonly systemKeys = new Set<string>();
  private expiry = Number.POSITIVE_INFINITY;
  /** The time of this lease's current entry in its lessor's expiry queue (Infinity: none). */
  scheduledMs = Number.POSITIVE_INFINITY;
  /** The lessor whose expiry queue must hear of an earlier expiry. */
  owner: Lessor | undefined;

  constructor(
    readonly id: bigint,
    /** Granted TTL in seconds, after clamping up to the minimum. */
    readonly ttl: number,
    /** Checkpointed remaining TTL in seconds (0 = none): a new primary restarts from it instead of the full TTL. */
    public remainingTtl: number,
    /** Granted in the system keyspace (a Consul session's lease): invisible to user-keyspace lease requests. */
    readonly system = false,
  ) {}

  /** Absolute expiry in ms while this member is primary; Infinity otherwise (etcd's "forever"). */
  get expiryMs(): number {
    return this.expiry;
  }

  set expiryMs(ms: number) {
    this.expiry = ms;
    // A later expiry (a renewal) needs nothing: the queue entry finds it when it comes due.
    if (ms < this.scheduledMs) this.owner?.schedule(this);
  }
}

/**
 * Leases by expiry (a binary min-heap), so the leader's expiry check looks at the leases that are
 * due instead of all of them. Entries are not removed when a lease is renewed or revoked: an entry
 * that comes due checks its lease (revoked: dropped; renewed: queued again at its new expiry), so
 * a renewal costs nothing here. An expiry moved earlier (a checkpoint) adds an entry; the lease's
 * scheduledMs tells its current entry from the superseded ones.
 */
class ExpiryQueue {
  private at: number[] = [];
  private lease: Lease[] = [];

  get size(): number {
    return this.at.length;
  }

  peek(): number {
    return this.at.length > 0 ? this.at[0]! : Number.POSITIVE_INFINITY;
  }

  push(ms: number, l: Lease): void {
    const { at, lease } = this;
    let i = at.length;
    at.push(ms);
    lease.push(l);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (at[p]! <= ms) break;
      at[i] = at[p]!;
      lease[i] = lease[p]!;
      i = p;
    }
    at[i] = ms;
    lease[i] = l;
  }

  /** Removes the earliest entry; returns its lease and time (in `out`). */
  pop(out: { ms: number }): Lease {
    const { at, lease } = this;
    const top = lease[0]!;
    out.ms = at[0]!;
    const lastAt = at.pop()!;
    const lastLease = lease.pop()!;
    const n = at.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && at[c + 1]! < at[c]!) c++;
        if (at[c]! >= lastAt) break;
        at[i] = at[c]!;
        lease[i] = lease[c]!;
        i = c;
      }
      at[i] = lastAt;
      lease[i] = lastLease;
    }
    return top;
  }

  clear(): void {
    this.at = [];
    this.lease = [];
  }
}

export class Lessor {
  readonly leases = new Map<bigint, Lease>();
  private primary = false;
  private readonly queue = new ExpiryQueue();
  /** Leases found expired and not yet revoked: reported by every expiry check until they are gone. */
  private readonly due = new Set<Lease>();

  isPrimary(): boolean {
    return this.primary;
  }

  /** Adds a granted lease (validation is the store's job); on a primary its clock starts now. */
  add(lease: Lease, nowMs: number): void {
    lease.owner = this;
    this.leases.set(lease.id, lease);
    if (this.primary) lease.expiryMs = nowMs + lease.ttl * 1000;
    // Revoked leases leave their entries behind: rebuild when they outnumber the live ones.
    if (this.queue.size > 2 * this.leases.size + 1024) this.requeueAll();
  }

  /** Queues the lease at its expiry (called by Lease when its expiry moves earlier). */
  schedule(l: Lease): void {
    if (!this.primary || l.owner !== this || !Number.isFinite(l.expiryMs)) return;
    l.scheduledMs = l.expiryMs;
    this.queue.push(l.expiryMs, l);
  }

  private requeueAll(): void {
    this.queue.clear();
    this.due.clear();
    for (const l of this.leases.values()) {
      l.scheduledMs = Number.POSITIVE_INFINITY;
      this.schedule(l);
    }
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

  /** The leases expired at `nowMs` and not revoked yet (primary only): the queue's due entries, not a scan. */
  expired(nowMs: number): bigint[] {
    if (!this.primary) return [];
    const { queue, due } = this;
    const popped = { ms: 0 };
    while (queue.peek() <= nowMs) {
      const l = queue.pop(popped);
      if (popped.ms !== l.scheduledMs || this.leases.get(l.id) !== l) continue; // superseded or revoked
      l.scheduledMs = Number.POSITIVE_INFINITY;
      if (l.expiryMs <= nowMs) due.add(l);
      else this.schedule(l); // renewed since it was queued
    }
    const out: bigint[] = [];
    for (const l of due) {
      if (this.leases.get(l.id) !== l) due.delete(l);
      else if (l.expiryMs > nowMs) {
        due.delete(l); // a checkpoint or an earlier clock: not due (yet)
        this.schedule(l);
      } else out.push(l.id);
    }
    if (queue.size > 2 * this.leases.size + 1024) this.requeueAll();
    return out;
  }

  promote(nowMs: number): void {
    this.primary = true;
    this.queue.clear();
    this.due.clear();
    for (const l of this.leases.values()) {
      l.owner = this;
      l.scheduledMs = Number.POSITIVE_INFINITY;
      l.expiryMs = nowMs + (l.remainingTtl > 0 ? l.remainingTtl : l.ttl) * 1000;
    }
  }

  demote(): void {
    this.primary = false;
    this.queue.clear();
    this.due.clear();
    for (const l of this.leases.values()) {
      l.scheduledMs = Number.POSITIVE_INFINITY;
      l.expiryMs = Number.POSITIVE_INFINITY;
    }
  }

  /** Seconds left, as etcd's TimeToLive reports them (truncated); -1 once expired. */
  remaining(l: Lease, nowMs: number): number {
    if (!Number.isFinite(l.expiryMs)) return l.remainingTtl > 0 ? l.remainingTtl : l.ttl;
    const ms = l.expiryMs - nowMs;
    return ms <= 0 ? -1 : Math.trunc(ms / 1000);
  }
}
