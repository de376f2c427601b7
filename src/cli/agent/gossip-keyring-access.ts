// The agent's gossip keyring as its HTTP face reaches it (/v1/operator/keyring, the `encrypted`
// flag of /v1/agent/self): its own ring, and the other members' through their serf ports.
import type { GossipKeyringAccess } from '../../gateway/consul/context.js';
import { askMemberKeyring, gossipKeyringOf } from '../../native/cluster/transport-tls-gossip.js';

/** Undefined without gossip encryption (no key). */
export function gossipKeyringAccess(key: Buffer | undefined): GossipKeyringAccess | undefined {
  if (!key) return undefined;
  const ring = gossipKeyringOf(key);
  return { local: (op, k) => ring.answer(op, k), remote: askMemberKeyring };
}

/** The AgentIdentity field for this key (nothing without one). */
export function withGossipKeyring(key: Buffer | undefined): { gossipKeyring?: GossipKeyringAccess } {
  const access = gossipKeyringAccess(key);
  return access ? { gossipKeyring: access } : {};
}

/** Where the keyring file is kept: the data dir, unless disable_keyring_file (set by -dev too) says not to keep one. */
export function keyringDataDir(merged: Record<string, unknown>, dataDir: string | undefined): string | undefined {
  const off = merged.disable_keyring_file;
  return off === true || off === 'true' ? undefined : dataDir;
}
