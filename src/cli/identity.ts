// The member's identity (member ID, cluster ID), derived on first start and kept in the data dir,
// so a restarted member keeps its IDs as etcd does (etcd reads them back from its WAL metadata).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deriveClusterId, deriveMemberId } from './ids.js';
import type { InitialMember } from './config.js';

export interface MemberIdentity {
  memberId: bigint;
  clusterId: bigint;
  /** Every initial member with its derived ID (the bootstrap membership). */
  members: { id: bigint; name: string; peerURLs: string[] }[];
  /** True when the IDs came from an existing data dir. */
  fromDataDir: boolean;
}

export function identityFile(dataDir: string): string {
  return join(dataDir, 'member', 'dcsgw-identity.json');
}

export function resolveIdentity(dataDir: string, name: string, initialCluster: readonly InitialMember[], token: string): MemberIdentity {
  const members = initialCluster.map((m) => ({ id: deriveMemberId(m.peerURLs, token), name: m.name, peerURLs: [...m.peerURLs] }));
  const file = identityFile(dataDir);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { memberId: string; clusterId: string };
    return { memberId: BigInt('0x' + saved.memberId), clusterId: BigInt('0x' + saved.clusterId), members, fromDataDir: true };
  }
  const self = members.find((m) => m.name === name);
  if (!self) throw new Error(`couldn't find local name "${name}" in the initial cluster configuration`);
  return { memberId: self.id, clusterId: deriveClusterId(members.map((m) => m.id)), members, fromDataDir: false };
}

export function saveIdentity(dataDir: string, identity: MemberIdentity): void {
  const file = identityFile(dataDir);
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ memberId: identity.memberId.toString(16), clusterId: identity.clusterId.toString(16) }) + '\n');
  renameSync(tmp, file);
}
