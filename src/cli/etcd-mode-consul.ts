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
import { isEmptyTlsInfo } from '../gateway/tls/tls-info.js';
import type { TlsProtocolSettings } from '../gateway/consul/tls/agent-tls-settings.js';
import { AgentTlsConfigError } from '../gateway/consul/tls/agent-tls-settings.js';
import { loadProtocolTls } from '../gateway/consul/tls/https-tls.js';

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
  let https;
  try {
    http = resolveListenAddr('consul-http-addr', choice.http);
    dns = resolveListenAddr('consul-dns-addr', choice.dns);
    https = resolveListenAddr('consul-https-addr', choice.https ?? { raw: 'off', explicit: false });
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  if (!http && !dns && !https) return undefined;
  // the Consul HTTPS API takes the etcd client port's TLS: its key pair, its CA, client-cert-auth as verify_incoming
  let httpsTls: TlsProtocolSettings | undefined;
  if (https) {
    const client = config.tls.client;
    if (isEmptyTlsInfo(client)) throw new StartupError('--consul-https-addr: needs the client key pair (--cert-file and --key-file)');
    httpsTls = { caFile: client.trustedCaFile, caPath: '', certFile: client.certFile, keyFile: client.keyFile, verifyIncoming: client.clientCertAuth, verifyOutgoing: false, tlsMinVersion: 'TLSv1_2', cipherSuites: [] };
    try {
      loadProtocolTls(httpsTls);
    } catch (err) {
      if (err instanceof AgentTlsConfigError) throw new StartupError(`--consul-https-addr: ${err.message}`);
      throw err;
    }
  }
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
        ...(https && httpsTls ? { https: { host: https.host, port: https.port, tls: httpsTls } } : {}),
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
  if (face.https) {
    const address = formatHostPort(face.https.address.host, face.https.address.port);
    log.emit(ev('info', `serving Consul HTTPS API on ${address}`, 'serving Consul HTTPS API', { address }));
  }
  if (face.dns) {
    const address = formatHostPort(face.dns.address.host, face.dns.address.port);
    log.emit(ev('info', `serving Consul DNS on ${address} (udp and tcp)`, 'serving Consul DNS', { address }));
  }
  return face;
}
