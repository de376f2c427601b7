// The cluster's member list, as etcd's membership.RaftCluster keeps it: changed only by applied
// raft entries (conf changes carry the member's raft attributes in their context; a member's name
// and client URLs arrive by its own "publish attributes" entry after it starts), so every member
// agrees. Persisted inside raft snapshots (toJSON) and rebuilt by replaying the WAL after them.
import type { Member } from '../../adapters/backend.js';
import { type ConfChange, ConfChangeType } from '../raft/api.js';

/** What a conf change entry's context holds (JSON, IDs as hex strings). */
export interface ConfChangeContext {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}
export interface MemberAttributes {
  id: string;
  name: string;
  clientURLs: string[];
}
export interface MembersJson {
  members: ConfChangeContext[];
  removed: string[];
  clusterVersion: string;
}

export const idHex = (id: bigint) => id.toString(16);
const fromHex = (s: string) => BigInt(`0x${s}`);

export function encodeMemberContext(m: Member): Uint8Array {
  const ctx: ConfChangeContext = {
    id: idHex(m.id),
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
    isLearner: m.isLearner,
  };
  return Buffer.from(JSON.stringify(ctx));
}

export type MembershipEvent =
  | { kind: 'added'; member: Member }
  | { kind: 'removed'; id: bigint }
  | { kind: 'updated'; member: Member };

export class MemberStore {
  private readonly byId = new Map<bigint, Member>();
  private readonly removedIds = new Set<bigint>();
  clusterVersion = '';

  list(): Member[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(copy);
  }
  get(id: bigint): Member | undefined {
    const m = this.byId.get(id);
    return m ? copy(m) : undefined;
  }
  has(id: bigint): boolean {
    return this.byId.has(id);
  }
  isRemoved(id: bigint): boolean {
    return this.removedIds.has(id);
  }
  /** etcd calls a member "started" once it has published its name. */
  isStarted(id: bigint): boolean {
    return (this.byId.get(id)?.name ?? '') !== '';
  }

  /** Applies a committed conf change; idempotent (restart replays entries already reflected in a snapshot). */
  applyConfChange(cc: ConfChange): MembershipEvent | undefined {
    const ctx = cc.context.length > 0 ? (JSON.parse(Buffer.from(cc.context).toString('utf8')) as ConfChangeContext) : undefined;
    switch (cc.type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearnerNode: {
        const existing = this.byId.get(cc.nodeId);
        if (existing && cc.type === ConfChangeType.AddNode && existing.isLearner) {
          existing.isLearner = false; // promotion of a learner
          return { kind: 'updated', member: copy(existing) };
        }
        if (existing || this.removedIds.has(cc.nodeId)) return undefined;
        const m: Member = {
          id: cc.nodeId,
          name: ctx?.name ?? '',
          peerURLs: ctx?.peerURLs ?? [],
          clientURLs: ctx?.clientURLs ?? [],
          isLearner: cc.type === ConfChangeType.AddLearnerNode,
        };
        this.byId.set(m.id, m);
        return { kind: 'added', member: copy(m) };
      }
      case ConfChangeType.RemoveNode:
        this.removedIds.add(cc.nodeId);
        if (!this.byId.delete(cc.nodeId)) return undefined;
        return { kind: 'removed', id: cc.nodeId };
      case ConfChangeType.UpdateNode: {
        const m = this.byId.get(cc.nodeId);
        if (!m || !ctx) return undefined;
        m.peerURLs = ctx.peerURLs;
        return { kind: 'updated', member: copy(m) };
      }
    }
    return undefined;
  }

  applyAttributes(attrs: MemberAttributes): void {
    const m = this.byId.get(fromHex(attrs.id));
    if (!m) return; // etcd ignores attributes of removed members
    m.name = attrs.name;
    m.clientURLs = attrs.clientURLs;
  }

  toJSON(): MembersJson {
    return {
      members: [...this.byId.values()].map((m) => ({
        id: idHex(m.id),
        name: m.name,
        peerURLs: m.peerURLs,
        clientURLs: m.clientURLs,
        isLearner: m.isLearner,
      })),
      removed: [...this.removedIds].map(idHex),
      clusterVersion: this.clusterVersion,
    };
  }

  /** Replaces everything with a snapshot's member list. */
  load(json: MembersJson): void {
    this.byId.clear();
    this.removedIds.clear();
    for (const c of json.members) {
      const id = fromHex(c.id);
      this.byId.set(id, { id, name: c.name, peerURLs: c.peerURLs, clientURLs: c.clientURLs, isLearner: c.isLearner });
    }
    for (const r of json.removed) this.removedIds.add(fromHex(r));
    this.clusterVersion = json.clusterVersion;
  }
}

function copy(m: Member): Member {
  return { id: m.id, name: m.name, peerURLs: [...m.peerURLs], clientURLs: [...m.clientURLs], isLearner: m.isLearner };
}
