// Partitions for dcsgw clusters through dcsgw's own fault-injection hook (src/native/transport
// faults.ts): POST /dcsgw/test/faults on a member's peer port, enabled by
// DCSGW_TEST_PEER_FAULTS=1. A member told a peer is partitioned drops every message to and from
// it (or holds its outbound messages back by delayMs), so telling both sides affects the pair in
// both directions.
import type { Partitioner, PartitionStats } from './partitioner.js';

export class HookPartitioner implements Partitioner {
  private idsByName = new Map<string, string>();
  private readonly peerUrlByName: Map<string, string>;
  private cutPairs = new Set<string>();
  readonly stats: PartitionStats = { applied: 0, failed: 0 };

  /** peerUrls: each member's listen peer URL (where the hook is served). */
  constructor(peerUrls: ReadonlyMap<string, string>) {
    this.peerUrlByName = new Map(peerUrls);
  }

  setMemberIds(nameToId: ReadonlyMap<string, string>): void {
    this.idsByName = new Map(nameToId);
  }

  private async post(name: string, body: object): Promise<boolean> {
    try {
      const res = await fetch(`${this.peerUrlByName.get(name)}/dcsgw/test/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(2_000),
      });
      await res.text();
      if (res.ok) this.stats.applied++;
      else this.stats.failed++;
      return res.ok;
    } catch {
      // the member is down or paused: it will come back without faults (they live in memory)
      this.stats.failed++;
      return false;
    }
  }

  private idOf(name: string): string {
    const id = this.idsByName.get(name);
    if (id === undefined) throw new Error(`no member ID known for ${name} (MemberList did not list it)`);
    return id;
  }

  async partition(sideA: readonly string[], sideB: readonly string[]): Promise<void> {
    await this.applyBetween(sideA, sideB, { partitioned: true });
  }

  async slow(sideA: readonly string[], sideB: readonly string[], delayMs: number): Promise<void> {
    await this.applyBetween(sideA, sideB, { delayMs });
  }

  private async applyBetween(sideA: readonly string[], sideB: readonly string[], fault: object): Promise<void> {
    const plan = new Map<string, Set<string>>();
    const add = (from: string, to: string): void => {
      if (!plan.has(from)) plan.set(from, new Set());
      plan.get(from)!.add(to);
    };
    for (const a of sideA) {
      for (const b of sideB) {
        if (a === b) continue;
        add(a, b);
        add(b, a);
        this.cutPairs.add(a < b ? `${a}|${b}` : `${b}|${a}`);
      }
    }
    await Promise.all(
      [...plan].map(([member, peers]) =>
        this.post(member, { peers: Object.fromEntries([...peers].map((p) => [this.idOf(p), fault])) }),
      ),
    );
  }

  async heal(): Promise<void> {
    this.cutPairs.clear();
    await Promise.all([...this.peerUrlByName.keys()].map((name) => this.post(name, { heal: true })));
  }

  describe(): string {
    return this.cutPairs.size === 0 ? 'healed' : [...this.cutPairs].map((p) => p.replace('|', ' x ')).join(', ');
  }

  async close(): Promise<void> {
    // nothing to release: the hook lives in the members
  }
}
