// ReadIndex bookkeeping on the leader (etcd-io/raft's readOnly, "safe" option): each request
// remembers the commit index when it arrived and which voters acknowledged a heartbeat carrying
// its context; once a quorum did, it and every request queued before it are answered.

import type { Message, NodeId } from './api.js';

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

function key(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString('latin1');
}

export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Queues a request (its first entry's data is the ctx) at the leader's current commit index. */
  addRequest(index: number, m: Message): void {
    const k = key(m.entries[0]!.data);
    if (this.pending.has(k)) return;
    this.pending.set(k, { req: m, index, acks: new Set() });
    this.queue.push(k);
  }

  /** Records an ack (heartbeat response carrying ctx); returns the acks so far, or undefined. */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | undefined {
    const rs = this.pending.get(key(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns the request with ctx and every request queued before it. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const k = key(ctx);
    const at = this.queue.indexOf(k);
    if (at === -1) return [];
    const done = this.queue.splice(0, at + 1);
    const out: ReadIndexStatus[] = [];
    for (const d of done) {
      const rs = this.pending.get(d);
      if (rs) out.push(rs);
      this.pending.delete(d);
    }
    return out;
  }

  /** The ctx of the newest pending request (sent with heartbeats), or undefined. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.req.entries[0]!.data;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
