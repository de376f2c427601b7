// The Prometheus metrics of the client port, under etcd's names where a counterpart exists, in one
// registry that /metrics serves. Other parts of dcsgw increment them through `etcdMetrics` (e.g.
// the native node: etcdMetrics.hasLeader.set(1); etcdMetrics.proposalsCommitted.set(index)).
// Label sets of grpc_server_handled_total are bound once per method so the hot path only adds.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface EtcdMetrics {
  readonly registry: Registry;
  /**
   * Hot-path counts are kept in plain numbers and pushed into the counters at scrape time: a
   * hook registered here runs before the grpc_* and byte counters are read (it must push deltas).
   */
  onScrape(hook: () => void): void;
  // etcd_server_*
  hasLeader: Gauge;
  isLeader: Gauge;
  isLearner: Gauge;
  leaderChanges: Counter;
  proposalsCommitted: Gauge;
  proposalsApplied: Gauge;
  proposalsPending: Gauge;
  proposalsFailed: Counter;
  healthSuccess: Counter;
  healthFailures: Counter;
  serverVersion: Gauge<'server_version'>;
  clusterVersion: Gauge<'cluster_version'>;
  // disk: observed by the store (the native WAL and state machine), in seconds
  walFsyncDuration: Histogram;
  backendCommitDuration: Histogram;
  // mvcc
  dbTotalSize: Gauge;
  dbTotalSizeInUse: Gauge;
  keysTotal: Gauge;
  putTotal: Counter;
  rangeTotal: Counter;
  deleteTotal: Counter;
  txnTotal: Counter;
  watchers: Gauge;
  watchStreams: Gauge;
  eventsSent: Counter;
  // gRPC (go-grpc-prometheus names)
  grpcStarted: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  grpcHandled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  grpcMsgReceived: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  grpcMsgSent: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  clientGrpcReceivedBytes: Counter;
  clientGrpcSentBytes: Counter;
}

export function createEtcdMetrics(registry = new Registry()): EtcdMetrics {
  const registers = [registry];
  const hooks: (() => void)[] = [];
  const runHooks = () => {
    for (const h of hooks) h();
  };
  const pushed = <L extends string = string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers, collect: runHooks });
  const gauge = <L extends string = string>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers });
  const counter = <L extends string = string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const grpcLabels: ('grpc_type' | 'grpc_service' | 'grpc_method')[] = ['grpc_type', 'grpc_service', 'grpc_method'];
  return {
    registry,
    onScrape: (hook) => hooks.push(hook),
    hasLeader: gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.'),
    isLeader: gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.'),
    isLearner: gauge('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.'),
    leaderChanges: counter('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.'),
    proposalsCommitted: gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.'),
    proposalsApplied: gauge('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.'),
    proposalsPending: gauge('etcd_server_proposals_pending', 'The current number of pending proposals to commit.'),
    proposalsFailed: counter('etcd_server_proposals_failed_total', 'The total number of failed proposals seen.'),
    healthSuccess: counter('etcd_server_health_success', 'The total number of successful health checks'),
    healthFailures: counter('etcd_server_health_failures', 'The total number of failed health checks'),
    serverVersion: gauge('etcd_server_version', 'Which version is running. 1 for \'server_version\' label with current version.', ['server_version']),
    clusterVersion: gauge('etcd_cluster_version', 'Which version is running. 1 for \'cluster_version\' label with current cluster version', ['cluster_version']),
    // etcd's buckets: 1 ms doubling to ~8 s.
    walFsyncDuration: new Histogram({
      name: 'etcd_disk_wal_fsync_duration_seconds',
      help: 'The latency distributions of fsync called by WAL.',
      buckets: Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i),
      registers,
    }),
    backendCommitDuration: new Histogram({
      name: 'etcd_disk_backend_commit_duration_seconds',
      help: 'The latency distributions of commit called by backend.',
      buckets: Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i),
      registers,
    }),
    dbTotalSize: gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.'),
    dbTotalSizeInUse: gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.'),
    keysTotal: gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.'),
    putTotal: counter('etcd_mvcc_put_total', 'Total number of puts seen by this member.'),
    rangeTotal: counter('etcd_mvcc_range_total', 'Total number of ranges seen by this member.'),
    deleteTotal: counter('etcd_mvcc_delete_total', 'Total number of deletes seen by this member.'),
    txnTotal: counter('etcd_mvcc_txn_total', 'Total number of txns seen by this member.'),
    watchers: gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.'),
    watchStreams: gauge('etcd_debugging_mvcc_watch_stream_total', 'Total number of watch streams.'),
    eventsSent: pushed('etcd_debugging_mvcc_events_total', 'Total number of events sent by this member.'),
    grpcStarted: pushed('grpc_server_started_total', 'Total number of RPCs started on the server.', grpcLabels),
    grpcHandled: pushed('grpc_server_handled_total', 'Total number of RPCs completed on the server, regardless of success or failure.', [
      ...grpcLabels,
      'grpc_code',
    ]),
    grpcMsgReceived: pushed('grpc_server_msg_received_total', 'Total number of RPC stream messages received on the server.', grpcLabels),
    grpcMsgSent: pushed('grpc_server_msg_sent_total', 'Total number of gRPC stream messages sent by the server.', grpcLabels),
    clientGrpcReceivedBytes: pushed('etcd_network_client_grpc_received_bytes_total', 'The total number of bytes received from grpc clients.'),
    clientGrpcSentBytes: pushed('etcd_network_client_grpc_sent_bytes_total', 'The total number of bytes sent to grpc clients.'),
  };
}

/** The process-wide metrics: what /metrics serves and what other parts of dcsgw increment. */
export const etcdMetrics: EtcdMetrics = createEtcdMetrics();
let defaultsCollected = false;
/** Process metrics (process_*, nodejs_*) once per process, as etcd exposes process_* and go_*. */
export function collectProcessMetrics(m: EtcdMetrics = etcdMetrics): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: m.registry });
  // dcsgw's own: the longest the event loop was blocked since the previous scrape (what a client
  // waiting on this member felt), so a benchmark can tell each phase's worst stall from outside
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  new Gauge({
    name: 'dcsgw_event_loop_max_stall_seconds',
    help: 'The longest event-loop stall since the previous scrape, in seconds (perf_hooks.monitorEventLoopDelay).',
    registers: [m.registry],
    collect() {
      this.set(delay.max / 1e9);
      delay.reset();
    },
  });
}

/** grpc status code number -> the name go-grpc-prometheus uses as grpc_code. */
export const GRPC_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;
