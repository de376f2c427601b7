// What /v1/agent/self and /v1/agent/members say about this agent: its serf member entry (Tags as
// Consul sets them), the Config block clients read (NodeName for `consul lock`/`rtt`,
// SessionTTLMin for Patroni), a DebugConfig subset, the LAN coordinate, and the Stats sections
// `consul info` prints (all values strings, as Consul's are).
import { arch, cpus, platform } from 'node:os';
import type { AgentRuntime } from './agent-runtime.js';
import { formatGoDuration, parseGoDurationNs } from './go-duration.js';
import type { RaftView } from './raft-view.js';

export interface SelfIdentity {
  nodeName: string;
  nodeId: string;
  datacenter: string;
  domain: string;
  advertiseAddr: string;
  server: boolean;
  ports: { http: number; dns: number; serfLan: number; server: number; etcd: number };
  consulVersion: string;
  config: Record<string, unknown>;
}

/** The build identifier this gateway reports beside the Consul version it emulates. */
export const REVISION = 'dcsgw';
const SERF_LAN_DEFAULT = 8301;
const SERF_WAN_DEFAULT = 8302;
const SERVER_DEFAULT = 8300;
const SESSION_TTL_MIN_DEFAULT_NS = 10e9;

export interface SerfMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

function cfg(id: SelfIdentity, ...path: string[]): unknown {
  let v: unknown = id.config;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function cfgNumber(id: SelfIdentity, ...path: string[]): number | undefined {
  const v = cfg(id, ...path);
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

function cfgBool(id: SelfIdentity, ...path: string[]): boolean {
  const v = cfg(id, ...path);
  return v === true || v === 'true';
}

/** Whether ACLs are on (the acl block, or the legacy acl_datacenter key), as Consul reports it. */
function aclsEnabled(id: SelfIdentity): boolean {
  const legacy = cfg(id, 'acl_datacenter');
  return cfgBool(id, 'acl', 'enabled') || (typeof legacy === 'string' && legacy !== '');
}

function sessionTtlMinNs(id: SelfIdentity): number {
  const v = cfg(id, 'session_ttl_min');
  if (typeof v === 'string') return parseGoDurationNs(v) ?? SESSION_TTL_MIN_DEFAULT_NS;
  return SESSION_TTL_MIN_DEFAULT_NS;
}

function serfLanPort(id: SelfIdentity): number {
  return id.ports.serfLan > 0 ? id.ports.serfLan : SERF_LAN_DEFAULT;
}

/** The serf WAN port (ports.serf_wan, Consul's default 8302): where the WAN pool reaches this server. */
export function serfWanPort(id: SelfIdentity): number {
  const p = cfgNumber(id, 'ports', 'serf_wan');
  return p !== undefined && p > 0 ? p : SERF_WAN_DEFAULT;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** This agent as serf lists it (Status 1 = alive). */
export function localMember(id: SelfIdentity): SerfMember {
  const tags: Record<string, string> = {
    build: `${id.consulVersion}:${REVISION}`,
    dc: id.datacenter,
    id: id.nodeId,
    role: id.server ? 'consul' : 'node',
    segment: '',
    vsn: '2',
    vsn_max: '3',
    vsn_min: '2',
  };
  if (id.server) {
    tags.acls = aclsEnabled(id) ? '1' : '0';
    tags.ft_fs = '1';
    tags.ft_si = '1';
    tags.port = String(id.ports.server > 0 ? id.ports.server : SERVER_DEFAULT);
    tags.raft_vsn = '3';
    tags.use_tls = '0';
    tags.wan_join_port = String(serfWanPort(id));
    const expect = cfgNumber(id, 'bootstrap_expect');
    if (expect !== undefined && expect > 0) tags.expect = String(expect);
    else if (cfgBool(id, 'bootstrap') || cfgBool(id, 'dev')) tags.bootstrap = '1';
  }
  return {
    Name: id.nodeName,
    Addr: id.advertiseAddr,
    Port: serfLanPort(id),
    Tags: tags,
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** A fresh Vivaldi coordinate (no RTT samples yet): `consul rtt` computes 0.020 ms from it. */
export function originCoordinate(): { Vec: number[]; Error: number; Adjustment: number; Height: number } {
  return { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 };
}

export function selfConfig(id: SelfIdentity): Record<string, unknown> {
  const primary = cfg(id, 'primary_datacenter');
  return {
    Datacenter: id.datacenter,
    PrimaryDatacenter: typeof primary === 'string' && primary ? primary : id.datacenter,
    NodeName: id.nodeName,
    NodeID: id.nodeId,
    Revision: REVISION,
    Server: id.server,
    Version: id.consulVersion,
    BuildDate: '2025-01-01T00:00:00Z',
    // Not in modern Consul's Config block, but Patroni reads it after "Invalid Session TTL".
    SessionTTLMin: sessionTtlMinNs(id),
  };
}

/**
 * The Envoy releases Consul 1.22 declares support for (its proxysupport list: four major lines,
 * newest first). dcsgw serves no xDS itself; `consul connect envoy` only reads this list to check
 * an Envoy binary's version before it bootstraps one.
 */
const SUPPORTED_ENVOY_VERSIONS = ['1.35.0', '1.34.0', '1.33.0', '1.32.0'];

/** A configured port as Consul's runtime config reports it: -1 when disabled (<= 0). */
function portOr(id: SelfIdentity, name: string, fallback: number): number {
  const v = cfgNumber(id, 'ports', name) ?? fallback;
  return v > 0 ? v : -1;
}

/**
 * The xDS block of /v1/agent/self: the gRPC ports an Envoy would be pointed at. Port prefers the
 * TLS port and falls back to the plaintext one when TLS gRPC is disabled, as Consul does.
 * Defaults are Consul's: grpc disabled and grpc_tls 8503, -dev adds grpc 8502.
 */
export function xdsSelf(id: SelfIdentity): { SupportedProxies: Record<string, string[]>; Port: number; Ports: { Plaintext: number; TLS: number } } {
  const plaintext = portOr(id, 'grpc', -1);
  const tls = portOr(id, 'grpc_tls', 8503);
  return {
    SupportedProxies: { envoy: [...SUPPORTED_ENVOY_VERSIONS] },
    Port: tls > 0 ? tls : plaintext,
    Ports: { Plaintext: plaintext, TLS: tls },
  };
}

/** A sanitized subset of Consul's runtime configuration, under Consul's RuntimeConfig names. */
export function debugConfig(id: SelfIdentity, runtime: AgentRuntime | undefined): Record<string, unknown> {
  const opts = runtime?.options;
  const checkUpdateMs = opts?.checkUpdateIntervalMs ?? 5 * 60_000;
  return {
    ACLsEnabled: aclsEnabled(id),
    AdvertiseAddrLAN: id.advertiseAddr,
    AdvertiseAddrWAN: id.advertiseAddr,
    BindAddr: typeof cfg(id, 'bind_addr') === 'string' ? cfg(id, 'bind_addr') : id.advertiseAddr,
    Bootstrap: cfgBool(id, 'bootstrap'),
    BootstrapExpect: cfgNumber(id, 'bootstrap_expect') ?? 0,
    CheckUpdateInterval: formatGoDuration(checkUpdateMs * 1e6),
    DNSDomain: id.domain,
    DNSPort: id.ports.dns,
    DataDir: typeof cfg(id, 'data_dir') === 'string' ? cfg(id, 'data_dir') : (opts?.dataDir ?? ''),
    Datacenter: id.datacenter,
    DevMode: cfgBool(id, 'dev'),
    EnableLocalScriptChecks: !!(opts?.enableLocalScriptChecks || opts?.enableScriptChecks),
    EnableRemoteScriptChecks: !!opts?.enableScriptChecks,
    HTTPPort: id.ports.http,
    NodeID: id.nodeId,
    NodeMeta: runtime?.metadata ?? {},
    NodeName: id.nodeName,
    PrimaryDatacenter: selfConfig(id).PrimaryDatacenter,
    Revision: REVISION,
    SerfAdvertiseAddrLAN: `tcp://${joinHostPort(id.advertiseAddr, serfLanPort(id))}`,
    SerfAdvertiseAddrWAN: `tcp://${joinHostPort(id.advertiseAddr, serfWanPort(id))}`,
    SerfBindAddrLAN: `tcp://${joinHostPort(id.advertiseAddr, serfLanPort(id))}`,
    SerfPortLAN: id.ports.serfLan,
    ServerMode: id.server,
    ServerPort: id.ports.server,
    SessionTTLMin: formatGoDuration(sessionTtlMinNs(id)),
    Version: id.consulVersion,
  };
}

/** The Stats sections of /v1/agent/self (`consul info`). */
/** The cluster's members as this agent sees them (absent: a lone agent, itself only). */
export interface MembershipCounts {
  members: SerfMember[];
  knownServers: number;
}

export function agentStats(id: SelfIdentity, runtime: AgentRuntime | undefined, raft: RaftView, cluster?: MembershipCounts): Record<string, Record<string, string>> {
  const counts = runtime?.runnerCounts() ?? { monitors: 0, ttls: 0 };
  const stats: Record<string, Record<string, string>> = {
    agent: {
      check_monitors: String(counts.monitors),
      check_ttls: String(counts.ttls),
      checks: String(runtime?.state.checks.size ?? 0),
      services: String(runtime?.state.services.size ?? 0),
    },
    build: { prerelease: '', revision: REVISION, version: id.consulVersion, version_metadata: '' },
    runtime: {
      arch: goArch(),
      cpu_count: String(cpus().length),
      // Go's goroutine count has no Node equivalent; the live handles and requests are the closest measure.
      goroutines: String(process.getActiveResourcesInfo().length),
      max_procs: String(cpus().length),
      os: platform(),
      version: `node${process.versions.node}`,
    },
    serf_lan: serfStats(cluster?.members),
  };
  if (id.server) {
    const leader = raft.servers.find((s) => s.Leader);
    const peers = raft.servers.filter((s) => s.Voter);
    stats.consul = {
      acl: aclsEnabled(id) ? 'enabled' : 'disabled',
      bootstrap: String(cfgBool(id, 'bootstrap') || cfgBool(id, 'dev')),
      known_datacenters: '1',
      leader: String(raft.isLeader),
      leader_addr: leader?.Address ?? '',
      server: 'true',
    };
    stats.raft = {
      applied_index: String(raft.applied),
      commit_index: String(raft.index),
      fsm_pending: '0',
      // A leader reports 0; a follower's time since it heard from the leader is not exposed by the Backend.
      last_contact: raft.isLeader ? '0' : 'never',
      last_log_index: String(raft.index),
      last_log_term: String(raft.term),
      last_snapshot_index: '0',
      last_snapshot_term: '0',
      latest_configuration: `[${raft.servers.map((s) => `{Suffrage:${s.Voter ? 'Voter' : 'Nonvoter'} ID:${s.ID} Address:${s.Address}}`).join(' ')}]`,
      latest_configuration_index: '0',
      num_peers: String(Math.max(0, peers.length - 1)),
      protocol_version: '3',
      protocol_version_max: '3',
      protocol_version_min: '0',
      snapshot_version_max: '1',
      snapshot_version_min: '0',
      state: raft.isLeader ? 'Leader' : leader ? 'Follower' : 'Candidate',
      term: String(raft.term),
    };
    stats.serf_wan = serfStats(undefined);
  } else {
    stats.consul = { known_servers: String(cluster?.knownServers ?? raft.servers.length), server: 'false' };
  }
  return stats;
}

/** Serf's stats: members counted by status (1 alive, 3 left, 4 failed); a lone agent is one member. */
function serfStats(members: SerfMember[] | undefined): Record<string, string> {
  const count = (status: number) => String(members?.filter((m) => m.Status === status).length ?? 0);
  return {
    coordinate_resets: '0',
    encrypted: 'false',
    event_queue: '0',
    event_time: '1',
    failed: count(4),
    health_score: '0',
    intent_queue: '0',
    left: count(3),
    member_time: '1',
    members: String(members?.length ?? 1),
    query_queue: '0',
    query_time: '1',
  };
}

/** Go's GOARCH names for Node's process.arch. */
function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
