// The Consul face of an etcd-mode member (`dcsgw` with etcd's flags, `npm start`): Consul HTTP and
// DNS over the member's own store, placed by --consul-http-addr / --consul-dns-addr. The member is
// the Consul node: its etcd name is the node name (unique in the cluster, as Consul needs), its
// node ID is derived from the member ID (stable across restarts without another file in etcd's
// data dir), its address is the host of its first advertised client URL.
import { createHash } from 'node:crypto';
import type { Backend } from '../adapters/backend.js';
import { CONSUL_VERSION, type AgentIdentity } from '../gateway/consul/context.js';
import { ConsulListenError, formatHostPort, startConsulFace, type ConsulFaceHandle } from '../gateway/consul/start.js';
import { StartupError, type ServeConfig } from './config.js';
import { resolveListenAddr } from './consul-listen.js';
import type { EtcdLog, EtcdLogEvent } from './etcd-log.js';

/** A UUID (version 4 layout) from the member ID: the same member always gets the same node ID. */
export function nodeIdOfMember(memberId: bigint, clusterId: bigint): string {
  const h = createHash('sha256').update(`dcsgw-node-id:${clusterId.toString(16)}:${memberId.toString(16)}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function advertiseHost(config: ServeConfig): string {
  const first = config.advertiseClientUrls[0];
  if (!first) return '127.0.0.1';
  try {
    const host = new URL(first).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' ? '127.0.0.1' : host;
  } catch {
    return '127.0.0.1';
  }
}

function ev(level: EtcdLogEvent['level'], text: string, msg: string, fields: Record<string, unknown>): EtcdLogEvent {
  return { level, pkg: 'dcsgw', text, caller: 'cli/etcd-mode-consul.ts', msg, fields };
}

/**
 * Starts Consul HTTP and DNS beside the etcd client port. Returns undefined when both are off.
 * Throws StartupError (logged as etcd logs a fatal configuration error) for a bad address or an
 * explicitly chosen one that is taken.
 */
export async function startConsulBesideEtcd(config: ServeConfig, backend: Backend, ids: { memberId: bigint; clusterId: bigint }, log: EtcdLog): Promise<ConsulFaceHandle | undefined> {
  const choice = config.consulListen;
  if (!choice) return undefined;
  let http;
  let dns;
  try {
    http = resolveListenAddr('consul-http-addr', choice.http);
    dns = resolveListenAddr('consul-dns-addr', choice.dns);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  if (!http && !dns) return undefined;
  const ports = { http: http?.port ?? -1, dns: dns?.port ?? -1, serfLan: -1, server: -1, etcd: Number(new URL(config.advertiseClientUrls[0] ?? 'http://127.0.0.1:2379').port || 2379) };
  const agent: AgentIdentity = {
    nodeName: config.name,
    nodeId: nodeIdOfMember(ids.memberId, ids.clusterId),
    datacenter: 'dc1',
    domain: 'consul.',
    advertiseAddr: advertiseHost(config),
    server: true,
    ports,
    consulVersion: CONSUL_VERSION,
    config: { node_name: config.name, datacenter: 'dc1', data_dir: config.dataDir, server: true, ports: { http: ports.http, dns: ports.dns, etcd: ports.etcd } },
  };
  let face: ConsulFaceHandle;
  try {
    face = await startConsulFace(
      backend,
      agent,
      {
        ...(http ? { http: { host: http.host, port: http.port, skipIfTaken: !http.explicit } } : {}),
        ...(dns ? { dns: { host: dns.host, port: dns.port, skipIfTaken: !dns.explicit } } : {}),
        // nothing is written to the store until the Consul face is used: etcd clients of a member
        // nobody reaches through Consul see exactly genuine etcd's revisions
        runtime: { start: 'first-request' },
      },
      log.logger.child({ module: 'consul' }),
    );
  } catch (err) {
    if (err instanceof ConsulListenError) throw new StartupError(`--consul-${err.listener}-addr: ${err.message}`);
    throw err;
  }
  for (const s of face.skipped) {
    const flag = `--consul-${s.listener}-addr`;
    log.emit(ev('warn', `running without the Consul ${s.listener === 'http' ? 'HTTP API' : 'DNS interface'} on ${s.address} (${s.reason}); set ${flag} to choose another address, or off`, 'running without a Consul listener', { listener: s.listener, address: s.address, error: s.reason }));
  }
  if (face.http) {
    const address = formatHostPort(face.http.address.host, face.http.address.port);
    log.emit(ev('info', `serving Consul HTTP API on ${address}`, 'serving Consul HTTP API', { address }));
  }
  if (face.dns) {
    const address = formatHostPort(face.dns.address.host, face.dns.address.port);
    log.emit(ev('info', `serving Consul DNS on ${address} (udp and tcp)`, 'serving Consul DNS', { address }));
  }
  return face;
}
