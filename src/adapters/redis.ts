// The Backend on Redis (`dcsgw --backend redis://host:port`): the etcd model — one global revision,
// per-key create/mod revision and version, history for reads and watches at past revisions,
// compaction, atomic txns, leases with expiry — kept in Redis data structures and changed only by
// the Lua scripts of ./redis-scripts.ts, each request one script, so Redis's single-threaded
// execution makes every request atomic and every revision one step. Both keyspaces of DESIGN.md
// ("One keyspace, two views") are separate structures under the store's prefix: no etcd request
// can name a system key, and user keys may hold any bytes (a NUL-led key is an ordinary key here).
//
// Several dcsgw processes may share one store: the revision, the history and the lease clocks
// (Redis's TIME) are Redis's, and each process reads the change stream for its own watchers.
//
// What Redis cannot honour answers with an explicit error (test/contract/README.md lists them):
// there is one "member" (the Redis endpoint), so membership changes are refused; Consul's
// whole-store snapshot and raft status are absent. Snapshot writes etcd's bbolt format from the
// kept history (./redis-snapshot.ts), so genuine etcd can be restored from it.
// Durability is Redis's own: run it with appendonly yes / appendfsync always (and replicas with
// WAIT-backed failover) for etcd's guarantee that an acknowledged write survives a crash.
import { createHash, randomBytes } from 'node:crypto';
import { MaxRetriesPerRequestError } from 'ioredis';
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
  RequestOp,
  ResponseHeader,
  SnapshotChunk,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './backend.js';
import { EtcdError, Errors, GrpcCode } from './errors.js';
import { decodeKvReply, deleteArgs, parseRecord, rangeArgs, txnArgs, type Arg, type HeaderOf, type Reply } from './redis-codec.js';
import { EMPTY_BYTES } from './requests.js';
import { createRedisClient, lastConnectionError, ScriptRunner, type RedisClient } from './redis-connection.js';
import { SCRIPTS } from './redis-scripts.js';
import type { RedisBackendOptions } from './redis-url.js';
import { pino } from 'pino';
import { AutoCompactor } from '../native/node/auto-compactor.js';
import { redisSnapshotDb } from './redis-snapshot.js';
import { RedisWatchHub } from './redis-watch.js';

/** The etcd API release dcsgw serves (what Status reports as the member's version). */
const ETCD_API_VERSION = '3.4.23';
/** etcd's default minimum lease TTL: ceil(1.5 x the 1 s election timeout). */
const MIN_LEASE_TTL = 2;
const MAX_LEASE_TTL = 9_000_000_000;
const LEASE_EXPIRY_INTERVAL_MS = 250;
const LEASE_EXPIRY_BATCH = 64;
const COMPACT_BATCH = 256;
const HASH_BATCH = 256;
const SNAPSHOT_CHUNK = 32 * 1024;
/** etcd's cluster version for a 3.4 cluster (what a snapshot's "cluster" bucket holds). */
const CLUSTER_VERSION = '3.4.0';

/** The errors the scripts raise ("DCSGW <NAME>") as etcd's. */
const SCRIPT_ERRORS: Record<string, EtcdError> = {
  FUTUREREV: Errors.FutureRev,
  COMPACTED: Errors.Compacted,
  LEASENOTFOUND: Errors.LeaseNotFound,
  LEASEEXIST: Errors.LeaseExist,
  KEYNOTFOUND: Errors.KeyNotFound,
};

/** `cause`: the client's newest connection error, named when the request failed for want of a connection. */
function toEtcdError(err: unknown, cause?: Error): EtcdError {
  if (err instanceof EtcdError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const m = /^DCSGW ([A-Z]+)/.exec(message);
  if (m && SCRIPT_ERRORS[m[1]!]) return SCRIPT_ERRORS[m[1]!]!;
  // Redis at its maxmemory refuses writes: etcd's answer for a store out of space
  if (message.startsWith('OOM ')) return Errors.NoSpace;
  if (cause && (err instanceof MaxRetriesPerRequestError || /Connection is closed|max retries per request/i.test(message))) {
    return new EtcdError(GrpcCode.UNAVAILABLE, `dcsgw: Redis backend unreachable: ${cause.message}`);
  }
  return new EtcdError(GrpcCode.UNAVAILABLE, `dcsgw: Redis backend: ${message}`);
}

function unsupported(what: string): EtcdError {
  return new EtcdError(GrpcCode.UNIMPLEMENTED, `dcsgw: ${what} is not supported by the Redis backend`);
}

/** A read of one key at the current revision with no filter: the common case, served by the small 'get' script. */
function isPlainGet(r: RangeRequest): boolean {
  return r.rangeEnd.length === 0 && r.revision === 0 && r.minModRevision === 0 && r.maxModRevision === 0 && r.minCreateRevision === 0 && r.maxCreateRevision === 0;
}

const innerHeader: HeaderOf = (revision) => ({ clusterId: 0n, memberId: 0n, revision, raftTerm: 0 });

const userLease = (k: Keyspace | undefined): string => (k === 'system' ? 's' : 'u');

export class RedisBackend implements Backend {
  private readonly client: RedisClient;
  private readonly scripts: ScriptRunner;
  private readonly hub: RedisWatchHub;
  private readonly prefix: string;
  private clusterId = 0n;
  private readonly memberId: bigint;
  private lastRev = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiring = false;
  private compactor: AutoCompactor | undefined;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RedisBackendOptions) {
    this.prefix = `{${options.namespace ?? 'dcsgw'}}:`;
    this.client = createRedisClient(options, 'requests');
    this.scripts = new ScriptRunner(this.client, this.prefix);
    // the member is the Redis endpoint: every gateway in front of it names it with the same ID
    this.memberId = createHash('sha256').update(`${options.mode} ${options.nodes.map((n) => `${n.host}:${n.port}`).join(',')} ${this.prefix}`).digest().readBigUInt64BE(0) & 0x7fffffffffffffffn;
    this.hub = new RedisWatchHub({
      reader: createRedisClient(options, 'stream'),
      eventsKey: `${this.prefix}events`,
      readHistory: (from, count) => this.run('watchRead', [String(from), String(count)]),
      currentRevision: async () => (await this.revisions()).revision,
      onRevision: (rev) => this.seen(rev),
    });
  }

  private seen(rev: number): void {
    if (rev > this.lastRev) this.lastRev = rev;
  }

  private hdr = (revision: number): ResponseHeader => {
    this.seen(revision);
    return { clusterId: this.clusterId, memberId: this.memberId, revision, raftTerm: 1 };
  };

  private async run(script: keyof typeof SCRIPTS, args: Arg[]): Promise<Reply> {
    try {
      return await this.scripts.run(SCRIPTS[script], args);
    } catch (err) {
      throw toEtcdError(err, lastConnectionError(this.client));
    }
  }

  /**
   * With min-replicas, a write is acknowledged only once that many replicas have it (WAIT covers
   * every earlier write of this connection); when they do not in time, the answer is etcd's for a
   * proposal not committed in time: the write may or may not survive a failover.
   */
  private async replicated(): Promise<void> {
    const n = this.options.minReplicas;
    if (n === undefined) return;
    let acked: number;
    try {
      acked = Number(await this.client.call('WAIT', n, this.options.replicaTimeoutMs ?? 5000));
    } catch (err) {
      throw toEtcdError(err);
    }
    if (acked < n) throw Errors.Timeout;
  }

  private async revisions(): Promise<{ revision: number; compactRevision: number }> {
    const [revision, compactRevision] = (await this.run('revision', [])) as [number, number];
    this.seen(revision);
    this.hub.noteCompaction(compactRevision);
    return { revision, compactRevision };
  }

  // ---- KV ----

  private async kv(success: RequestOp[], failure: RequestOp[], args: Arg[], header: HeaderOf = this.hdr) {
    const reply = (await this.run('kv', args)) as Reply[];
    return decodeKvReply(success, failure, reply, header);
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    if (isPlainGet(req)) {
      // one key now: a small script and no generic request tree
      const [rev, rec] = (await this.run('get', [req.keyspace === 'system' ? 's' : 'u', req.key])) as [number, Buffer | undefined];
      const kv = rec ? parseRecord(req.key, rec) : undefined;
      const found = kv !== undefined && kv.version > 0;
      if (!found || req.countOnly) return { header: this.hdr(rev), kvs: [], more: false, count: found ? 1 : 0 };
      if (req.keysOnly) kv.value = EMPTY_BYTES;
      return { header: this.hdr(rev), kvs: [kv], more: false, count: 1 };
    }
    const r = await this.kv([{ requestRange: req }], [], rangeArgs(req));
    return r.responses[0]!.responseRange!;
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const f = (b: boolean) => (b ? '1' : '0');
    const args = [req.keyspace === 'system' ? 's' : 'u', req.key, req.value, req.lease.toString(), f(req.prevKv), f(req.ignoreValue), f(req.ignoreLease)];
    const [rev, prev] = (await this.run('put', args)) as [number, Buffer | undefined];
    await this.replicated();
    return prev ? { header: this.hdr(rev), prevKv: parseRecord(req.key, prev) } : { header: this.hdr(rev) };
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const r = await this.kv([{ requestDeleteRange: req }], [], deleteArgs(req));
    await this.replicated();
    return r.responses[0]!.responseDeleteRange!;
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    // the responses inside a txn carry the revision alone, as etcd's do
    const r = await this.kv(req.success, req.failure, txnArgs(req), innerHeader);
    await this.replicated();
    return { header: this.hdr(r.revision), succeeded: r.succeeded, responses: r.responses };
  }

  async compact(req: CompactionRequest): Promise<CompactionResponse> {
    const rev = (await this.run('compact', [String(req.revision)])) as number;
    await this.replicated();
    this.hub.noteCompaction(req.revision);
    // the history of each key is trimmed in batches, so no single script holds Redis for long
    for (const ks of ['u', 's']) {
      let cursor: Buffer | string = '';
      do {
        cursor = (await this.run('compactStep', [ks, cursor, String(COMPACT_BATCH)])) as Buffer;
      } while (cursor.length > 0);
    }
    return { header: this.hdr(rev) };
  }

  // ---- Watch ----

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    return this.hub.watch(opts, listener);
  }

  async progressHeader(): Promise<ResponseHeader> {
    return this.hdr((await this.revisions()).revision);
  }

  // ---- Lease ----

  async leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    if (req.ttl > MAX_LEASE_TTL) throw Errors.LeaseTTLTooLarge;
    const ttl = Math.max(req.ttl, MIN_LEASE_TTL);
    for (let attempt = 0; ; attempt++) {
      // etcd's server-chosen IDs are positive int64s
      const id = req.id !== 0n ? req.id : randomBytes(8).readBigUInt64BE(0) & 0x3fffffffffffffffn || 1n;
      try {
        const rev = (await this.run('leaseGrant', [id.toString(), String(ttl), userLease(req.keyspace)])) as number;
        await this.replicated();
        return { header: this.hdr(rev), id, ttl, error: '' };
      } catch (err) {
        if (req.id !== 0n || err !== Errors.LeaseExist || attempt > 5) throw err;
      }
    }
  }

  async leaseRevoke(id: bigint, keyspace?: Keyspace): Promise<LeaseRevokeResponse> {
    const rev = (await this.run('leaseRevoke', [id.toString(), userLease(keyspace)])) as number;
    await this.replicated();
    return { header: this.hdr(rev) };
  }

  async leaseKeepAlive(id: bigint, keyspace?: Keyspace): Promise<LeaseKeepAliveResponse> {
    const [rev, ttl] = (await this.run('leaseKeepAlive', [id.toString(), userLease(keyspace)])) as [number, number];
    return { header: this.hdr(rev), id, ttl };
  }

  async leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    const reply = (await this.run('leaseTtl', [req.id.toString(), userLease(req.keyspace), req.keys ? '1' : '0'])) as Reply[];
    const rev = reply[0] as number;
    const remainingMs = reply[1] as number;
    if (reply[2] === 0) return { header: this.hdr(rev), id: req.id, ttl: -1, grantedTtl: 0, keys: [] };
    const keys = (reply.slice(3) as Buffer[]).sort(Buffer.compare);
    // etcd reports whole seconds left, truncated; an expired lease not yet reaped reads as gone
    const ttl = remainingMs <= 0 ? -1 : Math.trunc(remainingMs / 1000);
    return { header: this.hdr(rev), id: req.id, ttl, grantedTtl: reply[2] as number, keys };
  }

  async leaseLeases(keyspace?: Keyspace): Promise<LeaseLeasesResponse> {
    const ids = (await this.client.callBuffer('ZRANGE', `${this.prefix}leases:${userLease(keyspace)}`, 0, -1).catch((err: unknown) => {
      throw toEtcdError(err);
    })) as Buffer[];
    const { revision } = await this.revisions();
    return { header: this.hdr(revision), leases: ids.map((b) => ({ id: BigInt(b.toString('latin1')) })) };
  }

  /** Revokes the leases whose time is up (any gateway over the store may do it: each revoke is one atomic script). */
  private async expireLeases(): Promise<void> {
    if (this.expiring || this.closed) return;
    this.expiring = true;
    try {
      for (;;) {
        const [revoked, rev] = (await this.run('leaseExpire', [String(LEASE_EXPIRY_BATCH)])) as [number, number];
        // the tick also keeps the revision fresh on an idle gateway (the auto-compactor samples it)
        this.seen(rev);
        if (this.closed || revoked < LEASE_EXPIRY_BATCH) break;
      }
    } catch {
      // Redis unreachable: the next tick tries again
    } finally {
      this.expiring = false;
    }
  }

  // ---- Cluster: one member, the Redis endpoint ----

  private member(): Member {
    return { id: this.memberId, name: 'redis', peerURLs: [this.options.display], clientURLs: [], isLearner: false };
  }

  async memberList(): Promise<MemberListResponse> {
    return { header: this.hdr((await this.revisions()).revision), members: [this.member()] };
  }
  async memberAdd(): Promise<MemberAddResponse> {
    throw unsupported('adding a member (the Redis endpoint is the one member; scale Redis with replicas, Sentinel or Cluster)');
  }
  async memberRemove(id: bigint): Promise<MemberChangeResponse> {
    if (id !== this.memberId) throw Errors.MemberNotFound;
    throw unsupported('removing a member (the Redis endpoint is the one member)');
  }
  async memberUpdate(id: bigint): Promise<MemberChangeResponse> {
    if (id !== this.memberId) throw Errors.MemberNotFound;
    throw unsupported('updating a member (the Redis endpoint is given by the --backend URL)');
  }
  async memberPromote(id: bigint): Promise<MemberChangeResponse> {
    if (id !== this.memberId) throw Errors.MemberNotFound;
    throw Errors.MemberNotLearner;
  }

  // ---- Maintenance ----

  async status(): Promise<StatusResponse> {
    const { revision } = await this.revisions();
    const info = String(await this.client.call('INFO', 'memory').catch((err: unknown) => {
      throw toEtcdError(err);
    }));
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return {
      header: this.hdr(revision),
      version: ETCD_API_VERSION,
      dbSize: field('used_memory'),
      leader: this.memberId,
      raftIndex: revision,
      raftTerm: 1,
      raftAppliedIndex: revision,
      errors: [],
      dbSizeInUse: field('used_memory_dataset'),
      isLearner: false,
    };
  }

  /**
   * CRC-32 over the user keyspace's stored versions up to `revision` (0 = now), in key order: equal
   * for equal histories, blind to the system keyspace. Not etcd's bbolt-page hash (no bbolt here).
   */
  private async userHash(revision: number): Promise<{ hash: number; revision: number; compactRevision: number }> {
    const now = await this.revisions();
    if (revision > now.revision) throw Errors.FutureRev;
    if (revision !== 0 && revision < now.compactRevision) throw Errors.Compacted;
    const at = revision === 0 ? now.revision : revision;
    let hash = 0;
    let min: string | Buffer = '-';
    for (;;) {
      const keys = (await this.client.callBuffer('ZRANGEBYLEX', `${this.prefix}all:u`, min, '+', 'LIMIT', 0, HASH_BATCH)) as Buffer[];
      if (keys.length === 0) break;
      const pipe = this.client.pipeline();
      for (const k of keys) pipe.zrangebyscoreBuffer(Buffer.concat([Buffer.from(`${this.prefix}h:u:`), k]), '-inf', at);
      const results = (await pipe.exec()) ?? [];
      keys.forEach((k, i) => {
        hash = crc32(k, hash);
        for (const rec of (results[i]?.[1] as Buffer[] | undefined) ?? []) hash = crc32(rec, hash);
      });
      if (keys.length < HASH_BATCH) break;
      min = Buffer.concat([Buffer.from('('), keys[keys.length - 1]!]);
    }
    return { hash, revision: now.revision, compactRevision: now.compactRevision };
  }

  async hash(): Promise<HashResponse> {
    const h = await this.userHash(0);
    return { header: this.hdr(h.revision), hash: h.hash };
  }

  async hashKV(revision: number): Promise<HashKVResponse> {
    const h = await this.userHash(revision);
    return { header: this.hdr(h.revision), hash: h.hash, compactRevision: h.compactRevision };
  }

  async alarm(req: AlarmRequest): Promise<AlarmResponse> {
    // Redis has no alarms of etcd's kind (a full Redis refuses writes: etcd's "database space exceeded")
    if (req.action === 1) throw unsupported('activating an alarm');
    return { header: this.hdr((await this.revisions()).revision), alarms: [] };
  }

  async defragment(): Promise<{ header: ResponseHeader }> {
    // nothing to give back: Redis manages its own memory (activedefrag)
    return { header: this.hdr((await this.revisions()).revision) };
  }

  /** etcd's bbolt database of the user keyspace (./redis-snapshot.ts), in etcd's 32 KiB chunks. */
  async *snapshot(): AsyncIterable<SnapshotChunk> {
    const now = await this.revisions();
    let db: Buffer;
    try {
      db = await redisSnapshotDb({ client: this.client, prefix: this.prefix, revision: now.revision, compactRevision: now.compactRevision, member: this.member(), clusterVersion: CLUSTER_VERSION });
    } catch (err) {
      throw toEtcdError(err);
    }
    const header = this.hdr(now.revision);
    for (let off = 0; off < db.length; off += SNAPSHOT_CHUNK) {
      const blob = db.subarray(off, off + SNAPSHOT_CHUNK);
      yield { header, remainingBytes: db.length - off - blob.length, blob };
    }
  }

  async moveLeader(targetID: bigint): Promise<{ header: ResponseHeader }> {
    if (targetID !== this.memberId) throw Errors.BadLeaderTransferee;
    return { header: this.hdr((await this.revisions()).revision) };
  }

  header(): ResponseHeader {
    return { clusterId: this.clusterId, memberId: this.memberId, revision: this.lastRev, raftTerm: 1 };
  }

  /** Resolves once Redis answers (retrying for up to `timeoutMs`), the store's identity is known and the change stream is read. */
  ready(timeoutMs = 30_000): Promise<void> {
    this.started ??= this.start(timeoutMs);
    return this.started;
  }

  private async start(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.revisions();
        break;
      } catch (err) {
        if (this.closed || Date.now() > until) {
          const cause = lastConnectionError(this.client);
          throw cause && !(err as Error).message.includes(cause.message) ? new EtcdError(GrpcCode.UNAVAILABLE, `${(err as Error).message} (${cause.message})`) : err;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // the cluster ID belongs to the store: the first gateway picks it, every later one reads it
    const metaKey = `${this.prefix}meta`;
    await this.client.hsetnx(metaKey, 'cluster-id', (randomBytes(8).readBigUInt64BE(0) & 0x7fffffffffffffffn || 1n).toString());
    this.clusterId = BigInt((await this.client.hget(metaKey, 'cluster-id'))!);
    this.expiryTimer = setInterval(() => void this.expireLeases(), LEASE_EXPIRY_INTERVAL_MS);
    this.expiryTimer.unref();
    if (this.options.autoCompaction) {
      this.compactor = new AutoCompactor(this.options.autoCompaction, {
        // every gateway over the store may run one: a compaction another one already made fails harmlessly
        isLeader: () => !this.closed,
        currentRevision: () => this.lastRev,
        compact: async (revision) => {
          await this.compact({ revision, physical: false });
        },
        logger: this.options.logger ?? pino({ level: 'silent' }),
      });
      this.compactor.start();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.compactor?.stop();
    await this.hub.close();
    this.client.disconnect();
  }
}

export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  return new RedisBackend(options);
}
