// The member list of the cluster, as every agent lists it (/v1/agent/members): one record per
// agent in the replicated store's system keyspace (serf/<node>), written only by the raft leader
// (member-tracker.ts), so every agent — server or client, whichever server it asks — reads the same
// list with the same statuses. The record is serf's Member as Consul shows it (Name, Addr, Port,
// Tags, Status, protocol fields) plus when its status last changed (for reaping).
import type { Backend } from '../../adapters/backend.js';
import { prefixEnd, rangeRequest } from '../../adapters/requests.js';
import type { SerfMember } from '../../compat/agent/agent-self.js';

/** serf's MemberStatus codes, as /v1/agent/members reports them. */
export const MemberStatus = { None: 0, Alive: 1, Leaving: 2, Left: 3, Failed: 4 } as const;
export type MemberStatus = (typeof MemberStatus)[keyof typeof MemberStatus];

export const STATUS_NAME: Record<number, string> = { 0: 'none', 1: 'alive', 2: 'leaving', 3: 'left', 4: 'failed' };

export interface MemberRecord extends SerfMember {
  /** Milliseconds since the epoch when Status last changed (the leader's clock). */
  StatusSince: number;
}

const PREFIX = Buffer.from('serf/', 'latin1');

export function memberKey(name: string): Buffer {
  return Buffer.concat([PREFIX, Buffer.from(name, 'utf8')]);
}

export function isServer(m: SerfMember): boolean {
  return m.Tags.role === 'consul';
}

/** The server RPC address (host:port of 8300) a server member advertises. */
export function serverRpcAddress(m: SerfMember): string {
  const port = m.Tags.port ?? '8300';
  return m.Addr.includes(':') ? `[${m.Addr}]:${port}` : `${m.Addr}:${port}`;
}

/** The serf LAN address (host:port) of a member. */
export function serfAddress(m: Pick<SerfMember, 'Addr' | 'Port'>): string {
  return m.Addr.includes(':') ? `[${m.Addr}]:${m.Port}` : `${m.Addr}:${m.Port}`;
}

/** Every member record; `serializable` reads this server's copy without asking the leader. */
export async function readMembers(backend: Backend, serializable = true): Promise<MemberRecord[]> {
  const res = await backend.range(rangeRequest(PREFIX, { keyspace: 'system', rangeEnd: prefixEnd(PREFIX), serializable }));
  const out: MemberRecord[] = [];
  for (const kv of res.kvs) {
    try {
      out.push(JSON.parse(kv.value.toString('utf8')) as MemberRecord);
    } catch {
      // a record this version cannot read is skipped rather than failing the whole list
    }
  }
  return out;
}

export async function writeMember(backend: Backend, rec: MemberRecord): Promise<void> {
  await backend.put({ keyspace: 'system', key: memberKey(rec.Name), value: Buffer.from(JSON.stringify(rec)), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false });
}

export async function deleteMember(backend: Backend, name: string): Promise<void> {
  await backend.deleteRange({ keyspace: 'system', key: memberKey(name), rangeEnd: Buffer.alloc(0), prevKv: false });
}

/** The record as serf's Member (what /v1/agent/members answers). */
export function asSerfMember(r: MemberRecord): SerfMember {
  const { StatusSince: _since, ...m } = r;
  return m;
}
