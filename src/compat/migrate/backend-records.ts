// Reading records out of a store through the Backend interface: paged ranges at one revision (so a
// copy of a live store is a consistent point in time and memory stays bounded by the page), with
// each page's Consul flags read from the metadata records of the system keyspace (kv-meta.ts) at
// the same revision. The same reader answers the verification's look-ups on a destination store.
import type { Backend, KeyValue, RangeResponse } from '../../adapters/backend.js';
import { EtcdError, GrpcCode } from '../../adapters/errors.js';
import { prefixEnd, rangeRequest } from '../../adapters/requests.js';
import { META_KEYSPACE, metaFor, metaKey, userKeyOfMeta } from '../kv-meta.js';
import { type KvRecord, type RecordPage, keyAfter } from './record.js';
import type { RecordLookup, RecordSource, SourceOpening } from './stores.js';

/** Bytes one source page aims at: the page size adapts to the values seen so far. */
const PAGE_BYTES = 4 * 1024 * 1024;
const MAX_PAGE_KEYS = 1000;

function isCompacted(err: unknown): boolean {
  return err instanceof EtcdError && err.code === GrpcCode.OUT_OF_RANGE && /compacted/.test(err.message);
}

export class BackendRecords implements RecordSource, RecordLookup {
  private revision = 0;
  private avgRecordBytes = 256;
  readonly warnings: string[] = [];

  constructor(
    readonly backend: Backend,
    private readonly prefix: Buffer,
  ) {}

  private get rangeEnd(): Buffer {
    return this.prefix.length === 0 ? Buffer.from([0]) : prefixEnd(this.prefix);
  }

  async open(resumeRevision?: number): Promise<SourceOpening> {
    const count = await this.backend.range(rangeRequest(this.prefix, { rangeEnd: this.rangeEnd, countOnly: true }));
    this.revision = count.header.revision;
    if (resumeRevision !== undefined && resumeRevision > 0) {
      // resume at the checkpoint's revision while the store still has it, so the copy stays one point in time
      try {
        const at = await this.backend.range(rangeRequest(this.prefix, { rangeEnd: this.rangeEnd, countOnly: true, revision: resumeRevision }));
        this.revision = resumeRevision;
        return { revision: this.revision, total: at.count };
      } catch (err) {
        if (!isCompacted(err)) throw err;
        this.warnings.push(`revision ${resumeRevision} of the interrupted run is compacted in the source: resumed at revision ${this.revision}`);
      }
    }
    return { revision: this.revision, total: count.count };
  }

  private pageLimit(): number {
    return Math.max(1, Math.min(MAX_PAGE_KEYS, Math.floor(PAGE_BYTES / this.avgRecordBytes)));
  }

  /** A range at the copy's revision; if the store compacted it away, the rest is read at the current one (and said so). */
  private async rangeAt(key: Buffer, rangeEnd: Buffer, limit: number, system: boolean): Promise<RangeResponse> {
    const req = rangeRequest(key, { rangeEnd, limit, revision: this.revision, ...(system ? { keyspace: META_KEYSPACE } : {}) });
    try {
      return await this.backend.range(req);
    } catch (err) {
      if (!isCompacted(err) || this.revision === 0) throw err;
      this.warnings.push(`source revision ${this.revision} was compacted during the copy: the rest was read at the current revision`);
      this.revision = 0;
      return this.backend.range({ ...req, revision: 0 });
    }
  }

  /** Flags of `kvs` (one sorted span of user keys) from the metadata records at the same revision. */
  private async withFlags(kvs: KeyValue[]): Promise<KvRecord[]> {
    if (kvs.length === 0) return [];
    const metas = new Map<string, KeyValue>();
    const first = metaKey(kvs[0]!.key);
    const end = keyAfter(metaKey(kvs[kvs.length - 1]!.key));
    let from = first;
    for (;;) {
      const res = await this.rangeAt(from, end, MAX_PAGE_KEYS, true);
      for (const kv of res.kvs) metas.set(userKeyOfMeta(kv.key).toString('latin1'), kv);
      if (!res.more || res.kvs.length === 0) break;
      from = keyAfter(res.kvs[res.kvs.length - 1]!.key);
    }
    return kvs.map((kv) => ({ key: kv.key, value: kv.value, flags: metaFor(kv, metas.get(kv.key.toString('latin1'))).meta.flags }));
  }

  async *pages(cursor: string | undefined): AsyncIterable<RecordPage> {
    let from = cursor ? keyAfter(Buffer.from(cursor, 'base64')) : this.prefix.length === 0 ? Buffer.from([0]) : this.prefix;
    for (;;) {
      const res = await this.rangeAt(from, this.rangeEnd, this.pageLimit(), false);
      if (res.kvs.length === 0) return;
      const records = await this.withFlags(res.kvs);
      let bytes = 0;
      for (const r of records) bytes += r.key.length + r.value.length;
      this.avgRecordBytes = Math.max(64, Math.round((this.avgRecordBytes + bytes / records.length) / 2));
      const last = records[records.length - 1]!.key;
      yield { records, cursor: last.toString('base64') };
      if (!res.more) return;
      from = keyAfter(last);
    }
  }

  async count(): Promise<number> {
    return (await this.backend.range(rangeRequest(this.prefix, { rangeEnd: this.rangeEnd, countOnly: true }))).count;
  }

  /** Every record of the store in [first, last] (keys sorted), read at the store's current revision. */
  async span(first: Buffer, last: Buffer | undefined): Promise<KvRecord[]> {
    const out: KvRecord[] = [];
    let from = first;
    const end = last ? keyAfter(last) : this.rangeEnd;
    for (;;) {
      const res = await this.backend.range(rangeRequest(from, { rangeEnd: end, limit: MAX_PAGE_KEYS, revision: this.revision }));
      out.push(...(await this.withFlags(res.kvs)));
      if (!res.more || res.kvs.length === 0) return out;
      from = keyAfter(res.kvs[res.kvs.length - 1]!.key);
    }
  }

  /** The keys of the store in [first, last] (no last = to the end of the prefix), at the current revision. */
  async keysIn(first: Buffer, last: Buffer | undefined): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let from = first;
    const end = last ? keyAfter(last) : this.rangeEnd;
    for (;;) {
      const res = await this.backend.range(rangeRequest(from, { rangeEnd: end, limit: 10_000, keysOnly: true }));
      for (const kv of res.kvs) out.push(kv.key);
      if (!res.more || res.kvs.length === 0) return out;
      from = keyAfter(res.kvs[res.kvs.length - 1]!.key);
    }
  }

  /** The lookup reads the destination as it is now (revision 0 = current). */
  forLookup(): this {
    this.revision = 0;
    return this;
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
