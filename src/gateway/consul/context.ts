// What every Consul HTTP route plugin (routes/*.ts) and the DNS server are given.
import type { Logger } from 'pino';
import type { ConsulCore } from '../../compat/consul-core.js';
import type { AgentRuntime } from '../../compat/agent/agent-runtime.js';
import type { SelfIdentity } from '../../compat/agent/agent-self.js';
import type { AgentCluster } from '../../compat/agent/join.js';

/**
 * This agent's identity and the configuration its endpoints report (filled by src/cli's agent
 * wiring): the fields /v1/agent/self reports (compat's SelfIdentity — nodeName; nodeId, a UUID;
 * datacenter; domain, with its trailing dot, Consul's default "consul."; advertiseAddr, the address
 * other agents and the catalog use for this node (-advertise, else -bind); server; ports as
 * configured, -1 = disabled; consulVersion, the release answered as (consul version,
 * /v1/agent/self, Server header); config, the merged agent configuration (JSON form of
 * -config-file/-config-dir and flags) for DebugConfig), plus what only the HTTP face needs.
 */
export interface AgentIdentity extends SelfIdentity {
  /** Started with -dev: Consul then pretty-prints every JSON answer. */
  devMode?: boolean;
  /** The agent's cluster membership (src/native/cluster); absent for an agent alone (members = itself). */
  cluster?: AgentCluster;
  /** The gossip encryption keyring (`encrypt`); absent when gossip encryption is off. */
  gossipKeyring?: GossipKeyringAccess;
}

export type KeyringOperationName = 'list' | 'install' | 'use' | 'remove';

/** One member's answer to a keyring operation, in serf's words (its key query response). */
export interface MemberKeyringAnswer {
  Result: boolean;
  Message: string;
  Keys: string[];
  PrimaryKey: string;
}

/** This agent's gossip keyring and the way to the other members' (src/native/cluster/transport-tls-gossip.ts). */
export interface GossipKeyringAccess {
  /** Runs the operation on this agent's own ring. */
  local(op: KeyringOperationName, key: Buffer): MemberKeyringAnswer;
  /** Sends the operation to another member's serf LAN address (host:port); rejects when it does not answer. */
  remote(address: string, op: KeyringOperationName, key: Buffer, timeoutMs: number): Promise<MemberKeyringAnswer>;
}

export interface ConsulContext {
  core: ConsulCore;
  agent: AgentIdentity;
  logger: Logger;
  /** This agent's local services, checks and check runners (set by start.ts's startConsulFace). */
  runtime?: AgentRuntime;
}

/** The Consul release emulated. */
export const CONSUL_VERSION = '1.22.1';
