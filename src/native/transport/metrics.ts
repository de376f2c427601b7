// The peer metrics etcd exports (rafthttp's etcd_network_*), so dashboards built for etcd show
// dcsgw's peer traffic too. Counted per batch, not per message: the hot path stays cheap.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface PeerMetrics {
  sent(toHex: string, bytes: number): void;
  received(fromHex: string, bytes: number): void;
  sendFailed(toHex: string): void;
  peerActive(remoteHex: string, active: boolean): void;
  snapshotSent(toHex: string, ok: boolean): void;
}

export const noPeerMetrics: PeerMetrics = {
  sent: () => undefined,
  received: () => undefined,
  sendFailed: () => undefined,
  peerActive: () => undefined,
  snapshotSent: () => undefined,
};

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

export function createPeerMetrics(registry: Registry, localHex: string): PeerMetrics {
  const sentBytes = counter(registry, 'etcd_network_peer_sent_bytes_total', 'The total number of bytes sent to peers.', ['To']);
  const receivedBytes = counter(registry, 'etcd_network_peer_received_bytes_total', 'The total number of bytes received from peers.', ['From']);
  const sentFailures = counter(registry, 'etcd_network_peer_sent_failures_total', 'The total number of send failures from peers.', ['To']);
  const activePeers = gauge(registry, 'etcd_network_active_peers', 'The current number of active peer connections.', ['Local', 'Remote']);
  const disconnected = counter(registry, 'etcd_network_disconnected_peers_total', 'The total number of disconnected peers.', ['Local', 'Remote']);
  const snapSuccess = counter(registry, 'etcd_network_snapshot_send_success', 'Total number of successful snapshot sends', ['To']);
  const snapFailures = counter(registry, 'etcd_network_snapshot_send_failures', 'Total number of snapshot send failures', ['To']);
  return {
    sent: (to, bytes) => sentBytes.inc({ To: to }, bytes),
    received: (from, bytes) => receivedBytes.inc({ From: from }, bytes),
    sendFailed: (to) => sentFailures.inc({ To: to }),
    peerActive: (remote, active) => {
      if (active) activePeers.inc({ Local: localHex, Remote: remote });
      else {
        activePeers.dec({ Local: localHex, Remote: remote });
        disconnected.inc({ Local: localHex, Remote: remote });
      }
    },
    snapshotSent: (to, ok) => (ok ? snapSuccess : snapFailures).inc({ To: to }),
  };
}
