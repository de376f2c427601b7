// The `mirror` adapter: a Backend that serves everything from a primary store and tees every write
// to a secondary one, so a second store (another etcd, Redis, Consul) follows the first while
// clients keep talking to one. Reads, watches, maintenance and membership are the primary's.
//
// What is copied is what the primary DID, not the request: a txn's compares are evaluated by the
// primary only, and the secondary receives the writes of the branch that ran, as one txn without
// compares (revisions differ between stores, so re-evaluating compares there could take the
// other branch). Puts that keep the old value or lease (ignore_value / ignore_lease) are sent with
// the value and lease the primary had. Writes are applied to the secondary in the primary's commit
// order: writes pass through the primary one at a time, and the secondary's copies queue behind
// each other. A secondary failure never fails the client's write: it is counted, reported to
// onSecondaryError, and visible in secondaryStatus(). Compaction and revisions are the primary's.
import type {
  AlarmRequest,
  Backend,
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Keyspace,
  LeaseGrantRequest,
  LeaseTimeToLiveRequest,
  PutRequest,
  PutResponse,
  RangeRequest,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchListener,
  WatchOptions,
} from './backend.js';

export interface MirrorBackendOptions {
  /** Called for each write the secondary refused or could not take. */
  onSecondaryError?: (err: Error, what: string) => void;
}

export interface SecondaryStatus {
  /** Writes waiting for the secondary. */
  pending: number;
  applied: number;
  failed: number;
  lastError?: string;
}

/** A put whose value or lease the primary decides: the primary is asked for the previous pair. */
const needsPrev = (p: PutRequest) => p.ignoreValue || p.ignoreLease;

/** The put as the secondary must apply it: the value and lease the primary ended with. */
function resolvedPut(req: PutRequest, prev: PutResponse['prevKv']): PutRequest {
  const out: PutRequest = { key: req.key, value: req.value, lease: req.lease, prevKv: false, ignoreValue: false, ignoreLease: false };
  if (req.keyspace) out.keyspace = req.keyspace;
  if (req.ignoreValue) out.value = prev?.value ?? Buffer.alloc(0);
  if (req.ignoreLease) out.lease = prev?.lease ?? 0n;
  return out;
}

function withPrev(ops: RequestOp[]): RequestOp[] {
  return ops.map((op) => {
    if (op.requestPut && needsPrev(op.requestPut)) return { requestPut: { ...op.requestPut, prevKv: true } };
    if (op.requestTxn) return { requestTxn: { ...op.requestTxn, success: withPrev(op.requestTxn.success), failure: withPrev(op.requestTxn.failure) } };
    return op;
  });
}

/** The writes a txn branch made, flattened (nested txns through their own branch taken). */
function writesOf(ops: RequestOp[], responses: ResponseOp[]): RequestOp[] {
  const out: RequestOp[] = [];
  ops.forEach((op, i) => {
    const res = responses[i];
    if (op.requestPut) out.push({ requestPut: resolvedPut(op.requestPut, res?.responsePut?.prevKv) });
    else if (op.requestDeleteRange) out.push({ requestDeleteRange: { ...op.requestDeleteRange, prevKv: false } });
    else if (op.requestTxn && res?.responseTxn) {
      const t = op.requestTxn;
      out.push(...writesOf(res.responseTxn.succeeded ? t.success : t.failure, res.responseTxn.responses));
    }
  });
  return out;
}

/** Removes prevKv the caller did not ask for (it was asked of the primary for the secondary's sake). */
function stripPrev(ops: RequestOp[], responses: ResponseOp[]): ResponseOp[] {
  return responses.map((res, i) => {
    const op = ops[i];
    if (op?.requestPut && res.responsePut && !op.requestPut.prevKv && res.responsePut.prevKv) {
      const { prevKv: _drop, ...rest } = res.responsePut;
      return { responsePut: rest };
    }
    if (op?.requestTxn && res.responseTxn) {
      const t = op.requestTxn;
      return { responseTxn: { ...res.responseTxn, responses: stripPrev(res.responseTxn.succeeded ? t.success : t.failure, res.responseTxn.responses) } };
    }
    return res;
  });
}

export class MirrorBackend implements Backend {
  /** The primary's writes run one at a time, so the secondary's queue is in commit order. */
  private writeChain: Promise<unknown> = Promise.resolve();
  private secondaryChain: Promise<void> = Promise.resolve();
  private readonly stats: SecondaryStatus = { pending: 0, applied: 0, failed: 0 };

  constructor(
    readonly primary: Backend,
    readonly secondary: Backend,
    private readonly options: MirrorBackendOptions = {},
  ) {}

  secondaryStatus(): SecondaryStatus {
    return { ...this.stats };
  }

  /** Resolves once every write so far has been tried on the secondary. */
  async flush(): Promise<void> {
    await this.writeChain.catch(() => undefined);
    await this.secondaryChain;
  }

  private tee(what: string, apply: () => Promise<unknown>): void {
    this.stats.pending++;
    this.secondaryChain = this.secondaryChain.then(async () => {
      try {
        await apply();
        this.stats.applied++;
      } catch (err) {
        this.stats.failed++;
        this.stats.lastError = `${what}: ${(err as Error).message}`;
        this.options.onSecondaryError?.(err as Error, what);
      } finally {
        this.stats.pending--;
      }
    });
  }

  /** Runs `fn` on the primary after the previous write, then queues its copy. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  range(req: RangeRequest) {
    return this.primary.range(req);
  }

  put(req: PutRequest): Promise<PutResponse> {
    return this.serialized(async () => {
      const res = await this.primary.put(needsPrev(req) ? { ...req, prevKv: true } : req);
      const copy = resolvedPut(req, res.prevKv);
      this.tee('put', () => this.secondary.put(copy));
      if (!req.prevKv && res.prevKv) {
        const { prevKv: _drop, ...rest } = res;
        return rest;
      }
      return res;
    });
  }

  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    return this.serialized(async () => {
      const res = await this.primary.deleteRange(req);
      // sent even when the primary had nothing to delete: a secondary that holds more converges
      this.tee('delete', () => this.secondary.deleteRange({ ...req, prevKv: false }));
      return res;
    });
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    return this.serialized(async () => {
      const asked: TxnRequest = { ...req, success: withPrev(req.success), failure: withPrev(req.failure) };
      const res = await this.primary.txn(asked);
      const branch = res.succeeded ? req.success : req.failure;
      const writes = writesOf(res.succeeded ? asked.success : asked.failure, res.responses);
      if (writes.length > 0) this.tee('txn', () => this.secondary.txn({ compare: [], success: writes, failure: [] }));
      return { ...res, responses: stripPrev(branch, res.responses) };
    });
  }

  compact(req: CompactionRequest) {
    return this.primary.compact(req);
  }

  watch(opts: WatchOptions, listener: WatchListener) {
    return this.primary.watch(opts, listener);
  }
  progressHeader() {
    return this.primary.progressHeader();
  }

  // Leases: granted under the primary's ID on both, so a put with that lease means the same on both.
  leaseGrant(req: LeaseGrantRequest) {
    return this.serialized(async () => {
      const res = await this.primary.leaseGrant(req);
      if (!res.error) this.tee('lease grant', () => this.secondary.leaseGrant({ ...req, id: res.id, ttl: res.ttl }));
      return res;
    });
  }
  leaseRevoke(id: bigint, keyspace?: Keyspace) {
    return this.serialized(async () => {
      const res = await this.primary.leaseRevoke(id, keyspace);
      this.tee('lease revoke', () => this.secondary.leaseRevoke(id, keyspace));
      return res;
    });
  }
  async leaseKeepAlive(id: bigint, keyspace?: Keyspace) {
    const res = await this.primary.leaseKeepAlive(id, keyspace);
    if (res.ttl > 0) this.tee('lease keep-alive', () => this.secondary.leaseKeepAlive(id, keyspace));
    return res;
  }
  leaseTimeToLive(req: LeaseTimeToLiveRequest) {
    return this.primary.leaseTimeToLive(req);
  }
  leaseLeases(keyspace?: Keyspace) {
    return this.primary.leaseLeases(keyspace);
  }

  memberList(linearizable: boolean) {
    return this.primary.memberList(linearizable);
  }
  memberAdd(req: Parameters<Backend['memberAdd']>[0]) {
    return this.primary.memberAdd(req);
  }
  memberRemove(id: bigint) {
    return this.primary.memberRemove(id);
  }
  memberUpdate(id: bigint, peerURLs: string[]) {
    return this.primary.memberUpdate(id, peerURLs);
  }
  memberPromote(id: bigint) {
    return this.primary.memberPromote(id);
  }

  status() {
    return this.primary.status();
  }
  hash() {
    return this.primary.hash();
  }
  hashKV(revision: number) {
    return this.primary.hashKV(revision);
  }
  alarm(req: AlarmRequest) {
    return this.primary.alarm(req);
  }
  defragment() {
    return this.primary.defragment();
  }
  snapshot() {
    return this.primary.snapshot();
  }
  moveLeader(targetID: bigint) {
    return this.primary.moveLeader(targetID);
  }

  header() {
    return this.primary.header();
  }
  async ready(timeoutMs?: number): Promise<void> {
    // adapters' ready() takes how long to wait for their store (OpenedBackend)
    type Waiting = { ready(timeoutMs?: number): Promise<void> };
    await Promise.all([(this.primary as Waiting).ready(timeoutMs), (this.secondary as Waiting).ready(timeoutMs)]);
  }
  async close(): Promise<void> {
    await this.flush();
    await Promise.all([this.primary.close(), this.secondary.close()]);
  }
}

export function createMirrorBackend(primary: Backend, secondary: Backend, options?: MirrorBackendOptions): MirrorBackend {
  return new MirrorBackend(primary, secondary, options);
}
