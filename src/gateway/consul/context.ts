// What every Consul HTTP route plugin (routes/*.ts) and the DNS server are given.
import type { Logger } from 'pino';
import type { ConsulCore } from '../../compat/consul-core.js';
import type { AgentRuntime } from '../../compat/agent/agent-runtime.js';

/** This agent's identity and the configuration its endpoints report (filled by src/cli's agent wiring). */
export interface AgentIdentity {
  nodeName: string;
  /** UUID. */
  nodeId: string;
  datacenter: string;
  /** DNS domain with its trailing dot, Consul's default "consul.". */
  domain: string;
  /** The address other agents and the catalog use for this node (-advertise, else -bind). */
  advertiseAddr: string;
  server: boolean;
  /** Ports as configured (-1 = disabled). */
  ports: { http: number; dns: number; serfLan: number; server: number; etcd: number };
  /** The Consul release this agent answers as (consul version, /v1/agent/self, Server header). */
  consulVersion: string;
  /** The merged agent configuration (JSON form of -config-file/-config-dir and flags), for /v1/agent/self's DebugConfig. */
  config: Record<string, unknown>;
  /** Started with -dev: Consul then pretty-prints every JSON answer. */
  devMode?: boolean;
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
