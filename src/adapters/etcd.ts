// The Backend on a genuine etcd cluster (`dcsgw --backend etcd://host:port,host:port`): every
// request goes over gRPC to the cluster and its answer comes back as the cluster gave it — the
// revisions, the header with the genuine cluster's and member's IDs, and etcd's errors with its own
// code and text — so dcsgw's etcd face answers what genuine etcd answered. dcsgw keeps no raft, WAL
// or state of its own here.
//
// What dcsgw adds is the system keyspace (DESIGN.md, "One keyspace, two views"), laid out as a
// reserved zone of the genuine keyspace (./etcd-keyspace.ts): system requests are mapped into it,
// user requests are clipped out of it, user writes into it are refused. Leases of the system
// keyspace are told apart by a marker key attached to them. What genuine etcd cannot be asked
// through its API (Consul's whole-store snapshot, raft status) is absent, which the callers treat
// as unsupported by this backend.
import type {
  AlarmRequest,
  AlarmResponse,
  Backend,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  Keyspace,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddRequest,
  MemberAddResponse,
  MemberChangeResponse,
  MemberListResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  SnapshotChunk,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './backend.js';
import { EtcdConnection, isUnreachable, method, toEtcdError, type EtcdConnectionOptions } from './etcd-connection.js';
import { EtcdKeepAlives } from './etcd-keepalive.js';
import { HIDDEN_KEY, inZone, LEASE_MARKER_PREFIX, leaseIdOfMarker, leaseMarkerKey, prefixEnd } from './etcd-keyspace.js';
import { inKv, inKvs, inTxn, outDelete, outPut, outRange, outTxn } from './etcd-keyspace-requests.js';
import { startEtcdWatch } from './etcd-watch.js';
import { Errors } from './errors.js';
import { putRequest, rangeRequest } from './requests.js';

const M = {
  range: method('KV', 'Range'),
  put: method('KV', 'Put'),
  deleteRange: method('KV', 'DeleteRange'),
  txn: method('KV', 'Txn'),
  compact: method('KV', 'Compact', 'CompactionRequest', 'CompactionResponse'),
  leaseGrant: method('Lease', 'LeaseGrant'),
  leaseRevoke: method('Lease', 'LeaseRevoke'),
  leaseTimeToLive: method('Lease', 'LeaseTimeToLive'),
  leaseLeases: method('Lease', 'LeaseLeases'),
  memberList: method('Cluster', 'MemberList'),
  memberAdd: method('Cluster', 'MemberAdd'),
  memberRemove: method('Cluster', 'MemberRemove'),
  memberUpdate: method('Cluster', 'MemberUpdate'),
  memberPromote: method('Cluster', 'MemberPromote'),
  status: method('Maintenance', 'Status'),
  hash: method('Maintenance', 'Hash'),
  hashKV: method('Maintenance', 'HashKV'),
  alarm: method('Maintenance', 'Alarm'),
  defragment: method('Maintenance', 'Defragment'),
  snapshot: method('Maintenance', 'Snapshot'),
  moveLeader: method('Maintenance', 'MoveLeader'),
};

export type EtcdBackendOptions = EtcdConnectionOptions;

export class EtcdBackend implements Backend {
  readonly conn: EtcdConnection;
  private readonly keepAlives: EtcdKeepAlives;
  private lastHeader: ResponseHeader = { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 };
  /** Lease IDs known to be system leases (a marker was seen or written): spares a read per keep-alive. */
  private readonly systemLeases = new Set<bigint>();
  private readonly watches = new Set<WatchHandle>();

  constructor(options: EtcdBackendOptions) {
    this.conn = new EtcdConnection(options);
    this.keepAlives = new EtcdKeepAlives(this.conn, (h) => this.seen(h));
  }

  private seen(h: ResponseHeader | undefined): void {
    if (h && h.revision >= this.lastHeader.revision) this.lastHeader = h;
  }

  private async call<Req, Res extends { header: ResponseHeader }>(m: { path: string; request: string; response: string }, req: Req): Promise<Res> {
    const res = await this.conn.unary<Req, Res>(m, req);
    this.seen(res.header);
    return res;
  }

  // ---- KV ----

  async range(req: RangeRequest): Promise<RangeResponse> {
    const res = await this.call<RangeRequest, RangeResponse>(M.range, outRange(req));
    return req.keyspace === 'system' ? { ...res, kvs: inKvs(res.kvs, 'system') } : res;
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const res = await this.call<PutRequest, PutResponse>(M.put, outPut(req));
    return res.prevKv && req.keyspace === 'system' ? { ...res, prevKv: inKv(res.prevKv, 'system') } : res;
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const res = await this.call<DeleteRangeRequest, DeleteRangeResponse>(M.deleteRange, outDelete(req));
    return req.keyspace === 'system' ? { ...res, prevKvs: inKvs(res.prevKvs, 'system') } : res;
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    const res = await this.call<TxnRequest, TxnResponse>(M.txn, outTxn(req));
    return inTxn(req, res);
  }

  compact(req: CompactionRequest): Promise<CompactionResponse> {
    return this.call(M.compact, req);
  }

  // ---- Watch ----

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    // the watch leaves the live set however it ends, so close() cancels only the running ones
    let handle: WatchHandle | undefined;
    const forget = () => handle && this.watches.delete(handle);
    const tracked: WatchListener = {
      onEvents: (events, revision) => listener.onEvents(events, revision),
      onCompacted: (compactRevision, revision) => {
        forget();
        listener.onCompacted(compactRevision, revision);
      },
      onCanceled: (reason) => {
        forget();
        listener.onCanceled(reason);
      },
    };
    const inner = startEtcdWatch(this.conn, opts, tracked, (h) => this.seen(h));
    handle = {
      cancel: () => {
        forget();
        inner.cancel();
      },
      isSynced: () => inner.isSynced(),
    };
    this.watches.add(handle);
    return handle;
  }

  async progressHeader(): Promise<ResponseHeader> {
    // a linearizable read of a key nothing writes: the cluster's current revision, once it is known
    const res = await this.call<RangeRequest, RangeResponse>(M.range, rangeRequest(HIDDEN_KEY, { countOnly: true }));
    return res.header;
  }

  // ---- Lease ----

  private async isSystemLease(id: bigint): Promise<boolean> {
    if (this.systemLeases.has(id)) return true;
    const res = await this.call<RangeRequest, RangeResponse>(M.range, rangeRequest(leaseMarkerKey(id), { countOnly: true }));
    if (res.count > 0) this.systemLeases.add(id);
    return res.count > 0;
  }

  /** True when the lease is the asker's keyspace's (or is unknown, which etcd answers itself). */
  private async ownsLease(id: bigint, keyspace: Keyspace | undefined): Promise<boolean> {
    return (await this.isSystemLease(id)) === (keyspace === 'system');
  }

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    const res = await this.call<{ ttl: number; id: bigint }, LeaseGrantResponse>(M.leaseGrant, { ttl: req.ttl, id: req.id });
    if (req.keyspace !== 'system') return res;
    try {
      await this.call<PutRequest, PutResponse>(M.put, putRequest(leaseMarkerKey(res.id), Buffer.alloc(0), { lease: res.id }));
      this.systemLeases.add(res.id);
    } catch (err) {
      await this.call(M.leaseRevoke, { id: res.id }).catch(() => undefined);
      throw err;
    }
    return res;
  }

  async leaseRevoke(id: bigint, keyspace?: Keyspace): Promise<LeaseRevokeResponse> {
    if (!(await this.ownsLease(id, keyspace))) throw Errors.LeaseNotFound;
    const res = await this.call<{ id: bigint }, LeaseRevokeResponse>(M.leaseRevoke, { id });
    this.systemLeases.delete(id);
    return res;
  }

  async leaseKeepAlive(id: bigint, keyspace?: Keyspace): Promise<LeaseKeepAliveResponse> {
    if (!(await this.ownsLease(id, keyspace))) return { header: this.header(), id, ttl: 0 };
    const res = await this.keepAlives.keepAlive(id);
    if (res.ttl <= 0) this.systemLeases.delete(id);
    return res;
  }

  async leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    if (!(await this.ownsLease(req.id, req.keyspace))) return { header: this.header(), id: req.id, ttl: -1, grantedTtl: 0, keys: [] };
    const res = await this.call<{ id: bigint; keys: boolean }, LeaseTimeToLiveResponse>(M.leaseTimeToLive, { id: req.id, keys: req.keys });
    // the marker and system keys are dcsgw's: TimeToLive lists the user keys attached, as the native store does
    return { ...res, keys: res.keys.filter((k) => !inZone(k)) };
  }

  async leaseLeases(keyspace?: Keyspace): Promise<LeaseLeasesResponse> {
    const res = await this.call<Record<string, never>, LeaseLeasesResponse>(M.leaseLeases, {});
    const markers = await this.call<RangeRequest, RangeResponse>(
      M.range,
      rangeRequest(LEASE_MARKER_PREFIX, { rangeEnd: prefixEnd(LEASE_MARKER_PREFIX), keysOnly: true, revision: res.header.revision }),
    ).catch(() => this.call<RangeRequest, RangeResponse>(M.range, rangeRequest(LEASE_MARKER_PREFIX, { rangeEnd: prefixEnd(LEASE_MARKER_PREFIX), keysOnly: true })));
    const system = new Set(markers.kvs.map((kv) => leaseIdOfMarker(kv.key)));
    const want = keyspace === 'system';
    return { ...res, leases: res.leases.filter((l) => system.has(l.id) === want) };
  }

  // ---- Cluster: membership changes pass through to the genuine cluster ----

  memberList(linearizable: boolean): Promise<MemberListResponse> {
    return this.call(M.memberList, { linearizable });
  }
  memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    return this.call(M.memberAdd, req);
  }
  memberRemove(id: bigint): Promise<MemberChangeResponse> {
    return this.call(M.memberRemove, { id });
  }
  memberUpdate(id: bigint, peerURLs: string[]): Promise<MemberChangeResponse> {
    return this.call(M.memberUpdate, { id, peerURLs });
  }
  memberPromote(id: bigint): Promise<MemberChangeResponse> {
    return this.call(M.memberPromote, { id });
  }

  // ---- Maintenance: answered by the member the adapter talks to ----

  status(): Promise<StatusResponse> {
    return this.call(M.status, {});
  }
  hash(): Promise<HashResponse> {
    return this.call(M.hash, {});
  }
  hashKV(revision: number): Promise<HashKVResponse> {
    return this.call(M.hashKV, { revision });
  }
  alarm(req: AlarmRequest): Promise<AlarmResponse> {
    return this.call(M.alarm, req);
  }
  defragment(): Promise<{ header: ResponseHeader }> {
    return this.call(M.defragment, {});
  }
  moveLeader(targetID: bigint): Promise<{ header: ResponseHeader }> {
    return this.call(M.moveLeader, { targetID });
  }

  async *snapshot(): AsyncIterable<SnapshotChunk> {
    await this.conn.authenticateOnce();
    const stream = this.conn.serverStream<Record<string, never>, SnapshotChunk>(M.snapshot, {});
    try {
      for await (const chunk of stream as AsyncIterable<SnapshotChunk>) {
        this.seen(chunk.header);
        yield chunk;
      }
    } catch (err) {
      throw toEtcdError(err);
    } finally {
      stream.cancel();
    }
  }

  header(): ResponseHeader {
    return this.lastHeader;
  }

  /** Resolves once some endpoint answers Status (trying each in turn, for up to `timeoutMs`). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.status();
        await this.progressHeader();
        return;
      } catch (err) {
        if (!isUnreachable(err) && !(toEtcdError(err).code === 14)) throw toEtcdError(err);
        if (Date.now() > until) throw toEtcdError(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async close(): Promise<void> {
    // open streams would keep the channels (and the process) alive: end them with the backend
    for (const w of [...this.watches]) w.cancel();
    this.keepAlives.close();
    this.conn.close();
  }
}

export function createEtcdBackend(options: EtcdBackendOptions): EtcdBackend {
  return new EtcdBackend(options);
}
