// The streamed etcd snapshot (Maintenance.Snapshot) is built from the store's records while it is
// sent: the protobuf written straight from a record must be the bytes the protobuf encoder writes,
// and the streamed bbolt file must be the file writeBoltDb writes from the same items in memory.
import { describe, expect, it } from 'vitest';
import { decodeKvRecord, encodeKvRecord } from '../../../src/native/mvcc/kv-record.js';
import { encodeKeyValuePb, encodeTombstonePb } from '../../../src/native/mvcc/kv-protobuf.js';
import { type BoltItems, type StreamedBucket, streamBoltDb, writeBoltDb } from '../../../src/native/node/bbolt-writer.js';
import { isTombstoneKey, keyValuePbLength, writeKeyValuePb } from '../../../src/native/node/etcd-key-value-pb.js';

function revKey(main: number, tombstone = false): Buffer {
  const b = Buffer.alloc(tombstone ? 18 : 17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  if (tombstone) b[17] = 0x74;
  return b;
}

const records: Array<[Buffer, Buffer]> = [
  [revKey(2), encodeKvRecord({ key: Buffer.from('a'), createRevision: 2, modRevision: 2, version: 1, value: Buffer.from('v'), lease: 0n })],
  [revKey(3), encodeKvRecord({ key: Buffer.from('empty'), createRevision: 3, modRevision: 3, version: 1, value: Buffer.alloc(0), lease: 0n })],
  [revKey(200), encodeKvRecord({ key: Buffer.from('leased'), createRevision: 150, modRevision: 200, version: 7, value: Buffer.alloc(300, 1), lease: 0x694d7a1b2c3dn })],
  [revKey(201), encodeKvRecord({ key: Buffer.from('negative-lease'), createRevision: 201, modRevision: 201, version: 1, value: Buffer.from('x'), lease: -5n })],
  [revKey(2 ** 40), encodeKvRecord({ key: Buffer.from('big-revision'), createRevision: 2 ** 40, modRevision: 2 ** 40, version: 2 ** 33, value: Buffer.alloc(20_000, 2), lease: 0n })],
  [revKey(2 ** 40 + 1, true), encodeKvRecord({ key: Buffer.from('a'), createRevision: 0, modRevision: 2 ** 40 + 1, version: 0, value: Buffer.alloc(0), lease: 0n })],
];

function pbOf(key: Buffer, record: Buffer): Buffer {
  const rec = decodeKvRecord(record);
  return isTombstoneKey(key) ? encodeTombstonePb(rec.key) : encodeKeyValuePb(rec);
}

describe('etcd KeyValue protobuf written from a store record', () => {
  it('is the protobuf encoder output, tombstones holding the key alone', () => {
    for (const [key, record] of records) {
      const expected = pbOf(key, record);
      expect(keyValuePbLength(key, record)).toBe(expected.length);
      const out = Buffer.alloc(expected.length + 4, 0xee);
      writeKeyValuePb(key, record, out, 2);
      expect(out.subarray(2, 2 + expected.length)).toEqual(expected);
      expect(out.readUInt16LE(expected.length + 2)).toBe(0xeeee); // nothing written past its length
    }
  });
});

describe('streamed bbolt file', () => {
  /** Many small revisions (several leaves and branch levels) plus values that span pages. */
  function manyRecords(n: number): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    for (let i = 0; i < n; i++) {
      const size = i % 997 === 0 ? 9000 : 40 + (i % 200);
      out.push([revKey(i + 2), encodeKvRecord({ key: Buffer.from(`key/${i}`), createRevision: i + 2, modRevision: i + 2, version: 1, value: Buffer.alloc(size, i & 0xff), lease: 0n })]);
    }
    return out;
  }

  const source = (items: Array<[Buffer, Buffer]>): StreamedBucket => ({
    *entries() {
      for (const [key, value] of items) yield { key, value };
    },
    valueLength: keyValuePbLength,
    writeValue: writeKeyValuePb,
  });

  async function streamed(buckets: Map<string, BoltItems | StreamedBucket>, chunkSize: number): Promise<{ file: Buffer; size: number; chunks: Buffer[] }> {
    const s = await streamBoltDb(buckets, { chunkSize, sliceMs: 1 });
    const chunks: Buffer[] = [];
    for await (const c of s.chunks) chunks.push(c);
    return { file: Buffer.concat(chunks), size: s.size, chunks };
  }

  it.each([0, 1, 6, 30_000])('equals the file written in memory (%i revisions)', async (n) => {
    const items = n === 6 ? records : manyRecords(n);
    const other: BoltItems = [[Buffer.from('consistent_index'), Buffer.alloc(8, 1)]];
    const inMemory = writeBoltDb(new Map([['key', items.map(([k, v]): [Buffer, Buffer] => [k, pbOf(k, v)])], ['meta', other], ['alarm', []]]));
    const { file, size, chunks } = await streamed(new Map<string, BoltItems | StreamedBucket>([['key', source(items)], ['meta', other], ['alarm', []]]), 32 * 1024);
    expect(size).toBe(inMemory.length);
    expect(file.equals(inMemory)).toBe(true);
    // 32 KiB messages as etcd sends, larger only for a leaf that is larger by itself
    for (const c of chunks) expect(c.length <= 32 * 1024 || c.length % 4096 === 0).toBe(true);
  });

  it('with reused buffers, each chunk read before the next is asked for gives the same file', async () => {
    const items = manyRecords(30_000);
    const buckets = (): Map<string, BoltItems | StreamedBucket> => new Map<string, BoltItems | StreamedBucket>([['key', source(items)], ['meta', [[Buffer.from('consistent_index'), Buffer.alloc(8, 1)]]]]);
    const fresh = await streamed(buckets(), 64 * 1024);
    const s = await streamBoltDb(buckets(), { chunkSize: 64 * 1024, sliceMs: 1, reuseBuffers: true });
    const copies: Buffer[] = [];
    const seen = new Set<ArrayBuffer>();
    for await (const c of s.chunks) {
      copies.push(Buffer.from(c));
      seen.add(c.buffer as ArrayBuffer);
    }
    expect(Buffer.concat(copies).equals(fresh.file)).toBe(true);
    expect(copies.length).toBeGreaterThan(10);
    // one buffer filled over and over (no leaf here is larger than a chunk)
    expect(seen.size).toBe(1);
  });

  it('refuses a source that changed between its two passes', async () => {
    const items = manyRecords(100);
    let calls = 0;
    const changing: StreamedBucket = {
      *entries() {
        calls++;
        yield* source(calls === 1 ? items : items.slice(1)).entries();
      },
      valueLength: keyValuePbLength,
      writeValue: writeKeyValuePb,
    };
    await expect(streamed(new Map([['key', changing]]), 32 * 1024)).rejects.toThrow(/bbolt stream/);
  });
});
