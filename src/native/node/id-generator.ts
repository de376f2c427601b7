// etcd's idutil.Generator: unique 64-bit IDs without coordination. The top 16 bits are the low
// 16 bits of the member ID; the low 48 bits start at (unix ms << 8) and count up, so IDs from one
// member never repeat across restarts (unless the clock goes back), and two members never collide.
// Used for request IDs (matching applied entries to waiting proposals) and lease IDs.

const SUFFIX_BITS = 48n;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;

export class IdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, nowMs: number = Date.now()) {
    this.prefix = (memberId & 0xffffn) << SUFFIX_BITS;
    this.suffix = ((BigInt(nowMs) & ((1n << 40n) - 1n)) << 8n) & SUFFIX_MASK;
  }

  next(): bigint {
    this.suffix = (this.suffix + 1n) & SUFFIX_MASK;
    return this.prefix | this.suffix;
  }
}

/**
 * Request IDs as plain numbers for the hot path: a per-process random 21-bit prefix above a
 * 32-bit counter stays below 2^53, and only this member ever looks its own IDs up.
 */
export class RequestIdCounter {
  private n = 0;
  private readonly base = Math.floor(Math.random() * 0x1f_ffff) * 0x1_0000_0000;
  next(): number {
    this.n = (this.n + 1) % 0x1_0000_0000;
    return this.base + this.n;
  }
}
