// The block `consul agent` prints on stdout before its log lines (hidden with -log-json), field by
// field as Consul lays it out, so an operator sees the same start-up summary.
import { CONSUL_VERSION } from '../../gateway/consul/context.js';
import { CONSUL_BUILD_DATE } from './consul-version.js';
import type { AgentRuntimeConfig } from './runtime-config.js';

/** Go's time.Time String() for a UTC instant: "2025-11-26 00:00:00 +0000 UTC". */
function goTimeString(iso: string): string {
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

export function startingBanner(cfg: AgentRuntimeConfig, nodeId: string): string {
  const info = (s: string): string => `    ${s}\n`;
  const segment = cfg.server ? '<all>' : '';
  const { https, grpc, internalRpc: rpc } = cfg.tls;
  return (
    '==> Starting Consul agent...\n' +
    info(`          Version: '${CONSUL_VERSION}'`) +
    info(`       Build Date: '${goTimeString(CONSUL_BUILD_DATE)}'`) +
    info(`          Node ID: '${nodeId}'`) +
    info(`        Node name: '${cfg.nodeName}'`) +
    info(`       Datacenter: '${cfg.datacenter}' (Segment: '${segment}')`) +
    info(`           Server: ${cfg.server} (Bootstrap: ${cfg.bootstrap})`) +
    info(`      Client Addr: [${cfg.clientAddrs.join(' ')}] (HTTP: ${cfg.ports.http}, HTTPS: ${cfg.ports.https}, gRPC: ${cfg.ports.grpc}, gRPC-TLS: ${cfg.ports.grpcTls}, DNS: ${cfg.ports.dns})`) +
    info(`     Cluster Addr: ${cfg.advertiseAddr} (LAN: ${cfg.ports.serfLan}, WAN: ${cfg.ports.serfWan})`) +
    info(`Gossip Encryption: ${cfg.encrypt !== ''}`) +
    info(` Auto-Encrypt-TLS: ${cfg.tls.autoEncrypt}`) +
    info(`     ACLs Enabled: ${cfg.aclEnabled}`) +
    info(`        HTTPS TLS: Verify Incoming: ${https.verifyIncoming}, Verify Outgoing: ${https.verifyOutgoing}, Min Version: ${https.tlsMinVersion}`) +
    info(`         gRPC TLS: Verify Incoming: ${grpc.verifyIncoming}, Min Version: ${grpc.tlsMinVersion}`) +
    info(` Internal RPC TLS: Verify Incoming: ${rpc.verifyIncoming}, Verify Outgoing: ${rpc.verifyOutgoing} (Verify Hostname: ${rpc.verifyServerHostname}), Min Version: ${rpc.tlsMinVersion}`) +
    '\n' +
    '==> Log data will now stream in as it occurs:\n\n'
  );
}
