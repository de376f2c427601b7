// The ACL objects as Consul's HTTP API shows them (tokens, policies, roles), the built-in ones
// every datacenter has, and the rules a token's service and node identities stand for.
import { createHash } from 'node:crypto';
import type { TemplatedPolicyLink } from './templated-policies.js';

export const ANONYMOUS_ACCESSOR_ID = '00000000-0000-0000-0000-000000000002';
export const ANONYMOUS_SECRET_ID = 'anonymous';
export const GLOBAL_MANAGEMENT_ID = '00000000-0000-0000-0000-000000000001';
export const GLOBAL_READ_ONLY_ID = '00000000-0000-0000-0000-000000000002';

export interface PolicyLink {
  ID: string;
  Name: string;
}
export interface ServiceIdentity {
  ServiceName: string;
  Datacenters?: string[];
}
export interface NodeIdentity {
  NodeName: string;
  Datacenter: string;
}

/** A token as stored (links by ID; names are filled at read from the current policies and roles). */
export interface StoredToken {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies: PolicyLink[];
  Roles: PolicyLink[];
  ServiceIdentities: ServiceIdentity[];
  NodeIdentities: NodeIdentity[];
  TemplatedPolicies?: TemplatedPolicyLink[];
  Local: boolean;
  /** The auth method a login created the token through. */
  AuthMethod?: string;
  ExpirationTime?: string;
  CreateTime: string;
}

export interface StoredPolicy {
  ID: string;
  Name: string;
  Description: string;
  Rules: string;
  Datacenters?: string[];
}

export interface StoredRole {
  ID: string;
  Name: string;
  Description: string;
  Policies: PolicyLink[];
  ServiceIdentities: ServiceIdentity[];
  NodeIdentities: NodeIdentity[];
  TemplatedPolicies?: TemplatedPolicyLink[];
}

/** Create / modify revisions of a record (Consul's CreateIndex / ModifyIndex). */
export interface Indexed {
  CreateIndex: number;
  ModifyIndex: number;
}

const GLOBAL_MANAGEMENT_RULES = `acl = "write"
agent_prefix "" {
  policy = "write"
}
event_prefix "" {
  policy = "write"
}
identity_prefix "" {
  policy = "write"
  intentions = "write"
}
key_prefix "" {
  policy = "write"
}
keyring = "write"
node_prefix "" {
  policy = "write"
}
operator = "write"
mesh = "write"
peering = "write"
query_prefix "" {
  policy = "write"
}
service_prefix "" {
  policy = "write"
  intentions = "write"
}
session_prefix "" {
  policy = "write"
}`;

const GLOBAL_READ_ONLY_RULES = `acl = "read"
agent_prefix "" {
  policy = "read"
}
event_prefix "" {
  policy = "read"
}
identity_prefix "" {
  policy = "read"
}
key_prefix "" {
  policy = "read"
}
keyring = "read"
node_prefix "" {
  policy = "read"
}
operator = "read"
mesh = "read"
peering = "read"
query_prefix "" {
  policy = "read"
}
service_prefix "" {
  policy = "read"
}
session_prefix "" {
  policy = "read"
}`;

export const BUILTIN_POLICIES: readonly StoredPolicy[] = [
  { ID: GLOBAL_MANAGEMENT_ID, Name: 'global-management', Description: 'Builtin Policy that grants unlimited access', Rules: GLOBAL_MANAGEMENT_RULES },
  { ID: GLOBAL_READ_ONLY_ID, Name: 'builtin/global-read-only', Description: 'Builtin Policy that grants unlimited read-only access to all components', Rules: GLOBAL_READ_ONLY_RULES },
];

export function isBuiltinPolicy(id: string): boolean {
  return BUILTIN_POLICIES.some((p) => p.ID === id);
}

/** What a service identity grants (Consul's synthetic policy for it). */
export function serviceIdentityRules(name: string): string {
  return `service "${name}" { policy = "write" }\nservice "${name}-sidecar-proxy" { policy = "write" }\nservice_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }`;
}

/** What a node identity grants. */
export function nodeIdentityRules(name: string): string {
  return `node "${name}" { policy = "write" }\nservice_prefix "" { policy = "read" }`;
}

/** What the agent recovery token (tokens.agent_recovery / agent_master) grants on this agent. */
export function agentRecoveryRules(node: string): string {
  return `agent "${node}" { policy = "write" }\nnode_prefix "" { policy = "read" }`;
}

/** A digest of the fields that define an object (Consul's Hash: changes when they change). */
export function hashOf(fields: unknown): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64');
}

/** Names Consul accepts for policies and roles. */
export const NAME_RE = /^[A-Za-z0-9\-_]{1,128}$/;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
