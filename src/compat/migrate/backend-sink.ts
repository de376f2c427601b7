// Writing records into a store through the Backend interface: transactions that respect the
// destination's caps (ops and bytes), several in flight, each record's Consul flags written in the
// same transaction as its key through the metadata mapping of DESIGN.md ("One keyspace, two
// views"). A metadata record is valid for one generation (create revision) of its key, so the
// generation is read first for flagged keys and the transaction is guarded by it.
import type { Backend, Compare, RequestOp } from '../../adapters/backend.js';
import { CompareResult, CompareTarget } from '../../adapters/backend.js';
import { EtcdError, GrpcCode } from '../../adapters/errors.js';
import { EMPTY_BYTES, prefixEnd, putRequest, rangeRequest } from '../../adapters/requests.js';
import { encodeMeta, EMPTY_META, META_KEYSPACE, metaKey, SAME_TXN_GENERATION } from '../kv-meta.js';
import { BackendRecords } from './backend-records.js';
import type { BatchLimits } from './endpoint.js';
import { type KvRecord, keyAfter, displayKey } from './record.js';
import { RecordRejected, type RecordLookup, type RecordSink } from './stores.js';

/** Framing a key/value op costs beside its bytes in an etcd txn request. */
const OP_OVERHEAD = 32;
const IN_FLIGHT = 4;

/** An error a store gives while it is down or changing leaders: worth retrying, not worth failing for. */
export function isTransient(err: unknown): boolean {
  if (err instanceof EtcdError && (err.code === GrpcCode.UNAVAILABLE || err.code === GrpcCode.DEADLINE_EXCEEDED)) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTCONN)$/.test(code)) return true;
  const message = (err as Error | undefined)?.message ?? '';
  return /no leader|timed out|leader changed|No connection established|ECONNREFUSED|ECONNRESET|connection (is )?closed|socket closed|Connection is closed|not reachable/i.test(message);
}

function isTooLarge(err: unknown): boolean {
  return err instanceof EtcdError && /too large|too many operations|exceeds|size|over .*limit|limit of/i.test(err.message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BackendSinkOptions {
  limits: BatchLimits;
  /** How long a write keeps retrying a store that does not answer (a restart of the destination). */
  retryForMs?: number;
}

export class BackendSink implements RecordSink {
  batches = 0;
  /** Writes retried because the store did not answer (a restart, a leader change). */
  retries = 0;
  readonly warnings: string[] = [];
  readonly rejected: RecordRejected[] = [];
  /** When the destination already held Consul metadata under the prefix, a record without flags clears a stale one. */
  private destHasMeta = false;

  constructor(
    readonly backend: Backend,
    private readonly destPrefix: Buffer,
    private readonly options: BackendSinkOptions,
  ) {}

  async open(): Promise<void> {
    const start = metaKey(this.destPrefix);
    const res = await this.backend.range(rangeRequest(start, { keyspace: META_KEYSPACE, rangeEnd: prefixEnd(start), countOnly: true }));
    this.destHasMeta = res.count > 0;
  }

  /**
   * Applies changes of keys (a record to write, or null: the key is gone), one final state per key,
   * in transactions within the caps; a deleted key's Consul metadata goes with it.
   */
  async apply(changes: Array<{ key: Buffer; record: KvRecord | null }>): Promise<void> {
    const puts: KvRecord[] = [];
    const deletes: Buffer[] = [];
    for (const c of changes) (c.record ? puts.push(c.record) : deletes.push(c.key));
    if (puts.length > 0) await this.write(puts);
    const perTxn = Math.max(1, Math.floor(this.options.limits.maxOps / 2));
    for (let i = 0; i < deletes.length; i += perTxn) {
      const success: RequestOp[] = [];
      for (const key of deletes.slice(i, i + perTxn)) {
        success.push({ requestDeleteRange: { key, rangeEnd: EMPTY_BYTES, prevKv: false } });
        success.push({ requestDeleteRange: { keyspace: META_KEYSPACE, key: metaKey(key), rangeEnd: EMPTY_BYTES, prevKv: false } });
      }
      await this.retrying(() => this.backend.txn({ compare: [], success, failure: [] }));
      this.batches++;
    }
  }

  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + (this.options.retryForMs ?? 30_000);
    let delay = 100;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err) || Date.now() > giveUpAt) throw err;
        this.retries++;
        await sleep(delay);
        delay = Math.min(2000, delay * 2);
      }
    }
  }

  /** Splits records into transactions within the caps. */
  private groups(records: KvRecord[]): KvRecord[][] {
    const { maxOps, maxBytes } = this.options.limits;
    const out: KvRecord[][] = [];
    let cur: KvRecord[] = [];
    let ops = 0;
    let bytes = 0;
    for (const r of records) {
      const rOps = 1 + (r.flags !== 0n || this.destHasMeta ? 1 : 0);
      const rBytes = r.key.length + r.value.length + OP_OVERHEAD + (rOps > 1 ? r.key.length + 64 : 0);
      if (cur.length > 0 && (ops + rOps > maxOps || bytes + rBytes > maxBytes)) {
        out.push(cur);
        cur = [];
        ops = 0;
        bytes = 0;
      }
      cur.push(r);
      ops += rOps;
      bytes += rBytes;
    }
    if (cur.length > 0) out.push(cur);
    return out;
  }

  async write(records: KvRecord[]): Promise<void> {
    // once flags have been written here, a later record without flags must clear its key's (a mirror's flags 5 -> 0)
    if (!this.destHasMeta && records.some((r) => r.flags !== 0n)) this.destHasMeta = true;
    const groups = this.groups(records);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) await this.writeGroup(groups[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, groups.length) }, worker));
  }

  /** The create revision of each flagged key in the destination now (0 = absent). */
  private async generations(flagged: KvRecord[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (flagged.length === 0) return out;
    const sorted = [...flagged].sort((a, b) => Buffer.compare(a.key, b.key));
    const wanted = new Set(sorted.map((r) => r.key.toString('latin1')));
    let from = sorted[0]!.key;
    const end = keyAfter(sorted[sorted.length - 1]!.key);
    for (;;) {
      const res = await this.backend.range(rangeRequest(from, { rangeEnd: end, keysOnly: true, limit: 1000 }));
      for (const kv of res.kvs) if (wanted.has(kv.key.toString('latin1'))) out.set(kv.key.toString('latin1'), kv.createRevision);
      if (!res.more || res.kvs.length === 0) return out;
      from = keyAfter(res.kvs[res.kvs.length - 1]!.key);
    }
  }

  private async txnOf(group: KvRecord[]): Promise<{ compare: Compare[]; success: RequestOp[] }> {
    const flagged = group.filter((r) => r.flags !== 0n);
    const gens = await this.generations(flagged);
    const compare: Compare[] = [];
    const success: RequestOp[] = [];
    for (const r of group) {
      success.push({ requestPut: putRequest(r.key, r.value) });
      if (r.flags !== 0n) {
        const gen = gens.get(r.key.toString('latin1')) ?? 0;
        // the guard: the key is still the generation the record is written for
        compare.push({ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: r.key, rangeEnd: EMPTY_BYTES, createRevision: gen });
        const meta = encodeMeta({ ...EMPTY_META, flags: r.flags }, gen === 0 ? SAME_TXN_GENERATION : gen);
        success.push({ requestPut: putRequest(metaKey(r.key), meta, { keyspace: META_KEYSPACE }) });
      } else if (this.destHasMeta) {
        success.push({ requestDeleteRange: { keyspace: META_KEYSPACE, key: metaKey(r.key), rangeEnd: EMPTY_BYTES, prevKv: false } });
      }
    }
    return { compare, success };
  }

  private async writeGroup(group: KvRecord[]): Promise<void> {
    const giveUpAt = Date.now() + (this.options.retryForMs ?? 30_000);
    let delay = 100;
    for (let attempt = 0; ; attempt++) {
      try {
        const { compare, success } = await this.txnOf(group);
        const res = await this.backend.txn({ compare, success, failure: [] });
        this.batches++;
        if (res.succeeded) return;
        // a flagged key changed generation between the read and the write: read again
        if (attempt < 10) continue;
        throw new Error(`the destination keeps changing under keys ${group.map((r) => displayKey(r.key)).slice(0, 3).join(', ')}`);
      } catch (err) {
        if (isTooLarge(err)) {
          if (group.length === 1) {
            this.rejected.push(new RecordRejected(group[0]!.key, `${(err as Error).message} (value of ${group[0]!.value.length} bytes)`));
            return;
          }
          const half = Math.ceil(group.length / 2);
          await this.writeGroup(group.slice(0, half));
          await this.writeGroup(group.slice(half));
          return;
        }
        if (!isTransient(err) || Date.now() > giveUpAt) throw err;
        this.retries++;
        await sleep(delay);
        delay = Math.min(2000, delay * 2);
      }
    }
  }

  async checkpointState(): Promise<unknown> {
    return null;
  }

  async finish(): Promise<void> {}

  async lookup(): Promise<RecordLookup> {
    return new BackendRecords(this.backend, this.destPrefix).forLookup();
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
