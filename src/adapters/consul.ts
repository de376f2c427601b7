// The Backend on a genuine Consul cluster (`dcsgw --backend consul://host:8500`): the etcd data
// model, both keyspaces of DESIGN.md ("One keyspace, two views"), on Consul's HTTP API.
//
// - Keys and revisions: consul-keyspace.ts (a user key is the Consul key of the same name; the
//   system keyspace lives under "_dcsgw/sys/"; revision = Consul's index, version in a shadow
//   entry _dcsgw/ver/<key> (consul-versions.ts); Consul's Flags are the Consul face's flags
//   (consul-flags.ts).
// - Reads: one read-only /v1/txn (get-tree of the range and of its version shadows) beside a GET of
//   a key nothing writes, whose 404 carries the whole KV table's index: the header's revision. A linearizable range is ?consistent,
//   a serializable one ?stale (its header: the newest revision seen, or the entries' if newer).
// - Writes and txns: consul-txn.ts (optimistic read, plan, one /v1/txn within Consul's caps).
// - Watches: consul-watch.ts (blocking queries per prefix, changes computed by diff).
// - Leases: consul-leases.ts (TTL sessions with Behavior "delete").
//
// What Consul cannot give is refused with an explicit error (test/contract/README.md lists each):
// history (a range at a revision older than the last change under it, a watch from before it:
// etcd's "required revision has been compacted", with the first revision that can be watched),
// compaction, etcd's snapshot, defragment, alarms, member changes and leader moves. Consul's own
// snapshot (the whole cluster's, /v1/snapshot) passes through for the Consul face.
import { crc32 } from 'node:zlib';
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
  Member,
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
import { EntryCache } from './consul-entry-cache.js';
import { ConsulHttp, consulError, type ConsulBackendOptions } from './consul-http.js';
import { metaUserRange, presentMetaRange } from './consul-flags.js';
import { consulKeyOf, consulRange, coveringPrefix, inRange, isReserved, kvOf, kvPath, PROBE_KEY, type ConsulEntry } from './consul-keyspace.js';
import { ConsulLeases } from './consul-leases.js';
import { byKeyBytes, rangeAnswer } from './consul-range-answer.js';
import { runTxn, type TxnContext } from './consul-txn.js';
import { ensureRevisionKey, readTrees } from './consul-versions.js';
import { ConsulWatches } from './consul-watch.js';
import { WriteJournal } from './consul-write-journal.js';
import { EtcdError, Errors, GrpcCode } from './errors.js';

export type { ConsulBackendOptions } from './consul-http.js';

/** The etcd API release dcsgw's faces speak (as the native store reports it). */
const ETCD_API_VERSION = '3.4.23';
/** Consul keeps a deleted key's tombstone for tombstone_ttl (15 min): list indexes are trusted for revisions younger than this. */
const RECENT_MS = 10 * 60_000;

function unsupported(what: string): EtcdError {
  return new EtcdError(GrpcCode.UNIMPLEMENTED, `dcsgw: ${what} is not available on the Consul backend`);
}

/** A Consul node / server ID (UUID) as a 64-bit etcd member ID. */
function idOfUuid(uuid: string): bigint {
  const hex = uuid.replace(/-/g, '').slice(0, 16);
  const id = /^[0-9a-f]{16}$/i.test(hex) ? BigInt(`0x${hex}`) : 0n;
  return id === 0n ? 1n : id;
}

/** FNV-1a 64 of a text: the cluster ID of a Consul datacenter. */
function fnv64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text)) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h === 0n ? 1n : h;
}

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
}

export class ConsulBackend implements Backend {
  readonly http: ConsulHttp;
  private readonly leasesOf: ConsulLeases;
  private readonly watches: ConsulWatches;
  private lastHeader: ResponseHeader = { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 };
  /** Revisions in the order first seen, with when: a revision is "recent" while Consul keeps the tombstones after it. */
  private readonly revisionLog: Array<{ rev: number; at: number }> = [];
  /** This process's committed writes (for exact watch events). */
  private readonly journal = new WriteJournal();
  private readonly txnCtx: TxnContext;

  constructor(options: ConsulBackendOptions) {
    this.http = new ConsulHttp(options);
    this.leasesOf = new ConsulLeases(this.http, () => this.lastHeader);
    this.txnCtx = {
      http: this.http,
      cache: new EntryCache(),
      leases: this.leasesOf,
      header: () => this.lastHeader,
      probe: () => this.probe(false),
      seen: (rev) => this.seen(rev),
      journal: this.journal,
    };
    this.watches = new ConsulWatches({
      http: this.http,
      leaseOfSession: (s) => this.leasesOf.leaseOfSession(s),
      learnSessionsOf: (e) => this.leasesOf.learnSessionsOf(e),
      journal: this.journal,
      isRecent: (rev) => this.isRecent(rev),
      currentRevision: () => this.lastHeader.revision,
      seen: (rev) => this.seen(rev),
    });
  }

  private seen(revision: number): void {
    if (revision <= this.lastHeader.revision) return;
    this.lastHeader = { ...this.lastHeader, revision };
    const now = Date.now();
    this.revisionLog.push({ rev: revision, at: now });
    while (this.revisionLog.length > 1 && now - this.revisionLog[0]!.at > RECENT_MS) this.revisionLog.shift();
  }

  private isRecent(revision: number): boolean {
    if (revision >= this.lastHeader.revision) return true;
    const first = this.revisionLog[0];
    return first !== undefined && Date.now() - first.at <= RECENT_MS && first.rev <= revision;
  }

  /** The store revision: the KV table's index, from the 404 of a key nothing writes. */
  private async probe(consistent: boolean, stale = false): Promise<ResponseHeader> {
    const res = await this.http.call('GET', kvPath(PROBE_KEY), consistent ? { consistent: '' } : stale ? { stale: '' } : {});
    if (res.status !== 404 && res.status !== 200) throw consulError(res, 'GET', kvPath(PROBE_KEY));
    this.seen(res.index);
    return { ...this.lastHeader, revision: Math.max(res.index, 1) };
  }

  // ---- KV ----

  async range(req: RangeRequest): Promise<RangeResponse> {
    // a read pinned at a revision is never ?stale: a lagging follower could answer from before it
    const mode: Record<string, string> = req.serializable ? (req.revision > 0 ? {} : { stale: '' }) : { consistent: '' };
    const cr = consulRange(req.keyspace, req.key, req.rangeEnd);
    let key: string | undefined;
    if (cr.single) {
      try {
        key = consulKeyOf(req.keyspace, req.key);
      } catch {
        key = undefined; // a key Consul cannot hold, or dcsgw's own: nothing is there
      }
    }
    const prefix = cr.single ? key : coveringPrefix(cr);
    // the Consul face's kv/<key> records show the user keys' Flags: those keys are read alongside
    const users = metaUserRange(cr, key);
    const prefixes = prefix === undefined ? [] : [prefix];
    if (users) prefixes.push(users.prefix);
    // a serializable read may be stale (etcd's own are): its header is the newest revision this
    // process has seen, so it costs one request instead of two
    const [header, trees] = await Promise.all([req.serializable ? Promise.resolve(this.lastHeader) : this.probe(true), readTrees(this.http, prefixes, mode)]);
    let entries = (trees[0] ?? []).filter((e) => inRange(Buffer.from(e.Key, 'utf8'), cr));
    if (users) entries = presentMetaRange(entries, trees[1] ?? [], users.range);
    entries.sort((a, b) => byKeyBytes(a.Key, b.Key));
    const revision = Math.max(header.revision, ...entries.map((e) => e.ModifyIndex));
    this.seen(revision);
    const h = { ...header, revision };
    if (req.revision > 0 && req.revision !== revision) {
      if (req.revision > revision) throw Errors.FutureRev;
      await this.checkUnchangedSince(req.revision, cr.single, entries, prefix);
    }
    await this.leasesOf.learnSessionsOf(entries);
    const leaseOf = (s: string) => this.leasesOf.leaseOfSession(s);
    return rangeAnswer(entries.map((e) => kvOf(e, req.keyspace, leaseOf, req.keysOnly)), req, h);
  }

  /**
   * A range at an older revision is the current state only when nothing it covers changed since:
   * every entry's ModifyIndex, and Consul's list index (which counts deletions while their
   * tombstones are kept) are at or below it. Otherwise the history is gone: etcd's compacted error.
   */
  private async checkUnchangedSince(revision: number, single: boolean, entries: ConsulEntry[], prefix: string | undefined): Promise<void> {
    if (entries.some((e) => e.ModifyIndex > revision)) throw Errors.Compacted;
    if (!this.isRecent(revision)) throw Errors.Compacted;
    if (single && entries.length === 1) return;
    if (prefix === undefined) return;
    const index = (await this.http.call('GET', kvPath(prefix), { keys: '' })).index;
    if (index > revision) throw Errors.Compacted;
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const res = await this.txn({ compare: [], success: [{ requestPut: req }], failure: [] });
    return res.responses[0]!.responsePut!;
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const res = await this.txn({ compare: [], success: [{ requestDeleteRange: req }], failure: [] });
    return res.responses[0]!.responseDeleteRange!;
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    return runTxn(this.txnCtx, req);
  }

  async compact(req: CompactionRequest): Promise<CompactionResponse> {
    const h = await this.probe(true);
    if (req.revision > h.revision) throw Errors.FutureRev;
    throw unsupported('compaction (Consul keeps no history: only the latest value of each key exists)');
  }

  // ---- Watch ----

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    return this.watches.watch(opts, listener);
  }

  progressHeader(): Promise<ResponseHeader> {
    return this.probe(true);
  }

  // ---- Lease ----

  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    return this.leasesOf.grant(req);
  }

  async leaseRevoke(id: bigint, keyspace?: Keyspace): Promise<LeaseRevokeResponse> {
    await this.leasesOf.revoke(id, keyspace);
    return { header: await this.probe(false) };
  }

  leaseKeepAlive(id: bigint, keyspace?: Keyspace): Promise<LeaseKeepAliveResponse> {
    return this.leasesOf.keepAlive(id, keyspace);
  }

  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    return this.leasesOf.timeToLive(req, () => this.allEntries());
  }

  leaseLeases(keyspace?: Keyspace): Promise<LeaseLeasesResponse> {
    return this.leasesOf.leases(keyspace);
  }

  private async allEntries(): Promise<ConsulEntry[]> {
    return (await this.http.json<ConsulEntry[]>('GET', '/v1/kv/', { recurse: '' })).value ?? [];
  }

  // ---- Cluster: Consul's servers, read only ----

  private async raftServers(): Promise<RaftServer[]> {
    const { value } = await this.http.json<{ Servers: RaftServer[] }>('GET', '/v1/operator/raft/configuration');
    return value?.Servers ?? [];
  }

  async memberList(): Promise<MemberListResponse> {
    const servers = await this.raftServers();
    const members: Member[] = servers.map((s) => ({ id: idOfUuid(s.ID), name: s.Node, peerURLs: [`http://${s.Address}`], clientURLs: [], isLearner: !s.Voter }));
    return { header: this.lastHeader, members };
  }

  private membershipRefused(): Promise<never> {
    return Promise.reject(unsupported('changing members (Consul servers join with `consul join` / retry_join and leave with `consul leave`)'));
  }
  memberAdd(): Promise<MemberAddResponse> {
    return this.membershipRefused();
  }
  memberRemove(): Promise<MemberChangeResponse> {
    return this.membershipRefused();
  }
  memberUpdate(): Promise<MemberChangeResponse> {
    return this.membershipRefused();
  }
  memberPromote(): Promise<MemberChangeResponse> {
    return this.membershipRefused();
  }

  // ---- Maintenance ----

  async status(): Promise<StatusResponse> {
    const [servers, self, h] = await Promise.all([
      this.raftServers(),
      this.http.json<{ Stats?: { raft?: Record<string, string> } }>('GET', '/v1/agent/self'),
      this.probe(false),
    ]);
    const raft = self.value?.Stats?.raft ?? {};
    const leader = servers.find((s) => s.Leader);
    const term = Number(raft.term ?? 0) || 0;
    this.lastHeader = { ...this.lastHeader, raftTerm: term };
    return {
      header: { ...h, raftTerm: term },
      version: ETCD_API_VERSION,
      dbSize: 0,
      leader: leader ? idOfUuid(leader.ID) : 0n,
      raftIndex: Number(raft.commit_index ?? raft.last_log_index ?? 0) || 0,
      raftTerm: term,
      raftAppliedIndex: Number(raft.applied_index ?? 0) || 0,
      errors: [],
      dbSizeInUse: 0,
      isLearner: false,
    };
  }

  /** A CRC-32 over the user keys and values with their revisions, in key order. */
  private async digest(userOnly: boolean): Promise<{ hash: number; header: ResponseHeader }> {
    const [header, all] = await Promise.all([this.probe(true), this.allEntries()]);
    let hash = 0;
    const sorted = all.filter((e) => !userOnly || !isReserved(Buffer.from(e.Key, 'utf8'))).sort((a, b) => byKeyBytes(a.Key, b.Key));
    for (const e of sorted) {
      hash = crc32(Buffer.from(e.Key, 'utf8'), hash);
      hash = crc32(Buffer.from(`${e.CreateIndex}:${e.ModifyIndex}:${e.Flags}`), hash);
      if (e.Value) hash = crc32(Buffer.from(e.Value, 'base64'), hash);
    }
    return { hash: hash >>> 0, header };
  }

  async hash(): Promise<HashResponse> {
    return this.digest(false);
  }

  async hashKV(revision: number): Promise<HashKVResponse> {
    const d = await this.digest(true);
    if (revision > d.header.revision) throw Errors.FutureRev;
    if (revision > 0 && revision < d.header.revision) throw Errors.Compacted;
    return { header: d.header, hash: d.hash, compactRevision: d.header.revision };
  }

  async alarm(req: AlarmRequest): Promise<AlarmResponse> {
    if (req.action === 0) return { header: this.lastHeader, alarms: [] };
    throw unsupported('raising or clearing alarms');
  }

  defragment(): Promise<{ header: ResponseHeader }> {
    return Promise.reject(unsupported('defragment (Consul manages its own storage)'));
  }

  moveLeader(): Promise<{ header: ResponseHeader }> {
    return Promise.reject(unsupported('moving the leader (use `consul operator raft transfer-leader`)'));
  }

  // eslint-disable-next-line require-yield
  async *snapshot(): AsyncIterable<SnapshotChunk> {
    throw unsupported("an etcd snapshot (the data is in Consul: use `consul snapshot save` on the cluster)");
  }

  /** Consul's own snapshot of the whole cluster (GET /v1/snapshot), passed through. */
  async consulSnapshot(opts: { stale: boolean }): Promise<{ data: Buffer; index: number }> {
    const res = await this.http.call('GET', '/v1/snapshot', opts.stale ? { stale: '' } : {});
    if (res.status !== 200) throw consulError(res, 'GET', '/v1/snapshot');
    return { data: res.bytes, index: res.index };
  }

  async restoreConsulSnapshot(data: Buffer): Promise<void> {
    const res = await this.http.call('PUT', '/v1/snapshot', {}, data);
    if (res.status !== 200) throw new EtcdError(GrpcCode.INVALID_ARGUMENT, `dcsgw: Consul refused the snapshot: ${res.status} (${res.text.trim()})`);
  }

  header(): ResponseHeader {
    return this.lastHeader;
  }

  /** Resolves once an agent answers with a known leader (trying each agent in turn, for up to `timeoutMs`). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const leader = await this.http.json<string>('GET', '/v1/status/leader');
        if (leader.value) {
          const self = await this.http.json<{ Config?: { NodeID?: string; Datacenter?: string } }>('GET', '/v1/agent/self');
          const cfg = self.value?.Config ?? {};
          this.lastHeader = { ...this.lastHeader, memberId: idOfUuid(cfg.NodeID ?? ''), clusterId: fnv64(`consul/${cfg.Datacenter ?? 'dc1'}`) };
          await ensureRevisionKey(this.http);
          await this.probe(true);
          return;
        }
        throw Errors.NoLeader;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async close(): Promise<void> {
    this.watches.close();
    await this.http.close();
  }
}

export function createConsulBackend(options: ConsulBackendOptions): ConsulBackend {
  return new ConsulBackend(options);
}
