// Starting on `etcdctl snapshot restore` output converts etcd's "key" bucket entries (revision key ->
// mvccpb.KeyValue) into the store's records in place: the bytes must be what the store's own record
// encoder writes for the decoded KeyValue (tombstones carrying their revision), for every field shape.
import { describe, expect, it } from 'vitest';
import { kvRecordOf, RecordScratch } from '../../../src/cli/etcd-restore-import.js';
import { decodeKeyValue } from '../../../src/compat/migrate/etcd-snapshot-file.js';
import { encodeKvRecord } from '../../../src/native/mvcc/kv-record.js';
import { encodeKeyValuePb, encodeTombstonePb } from '../../../src/native/mvcc/kv-protobuf.js';

function revKey(main: number, tombstone = false): Buffer {
  const b = Buffer.alloc(tombstone ? 18 : 17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  if (tombstone) b[17] = 0x74;
  return b;
}

const kvs = [
  { key: Buffer.from('a'), createRevision: 2, modRevision: 2, version: 1, value: Buffer.from('v'), lease: 0n },
  { key: Buffer.from('empty-value'), createRevision: 3, modRevision: 9, version: 4, value: Buffer.alloc(0), lease: 0n },
  { key: Buffer.from('leased'), createRevision: 150, modRevision: 200, version: 7, value: Buffer.alloc(300, 1), lease: 0x694d7a1b2c3dn },
  { key: Buffer.from('negative-lease'), createRevision: 201, modRevision: 201, version: 1, value: Buffer.from('x'), lease: -5n },
  { key: Buffer.from('large'), createRevision: 2 ** 40, modRevision: 2 ** 40, version: 2 ** 33, value: Buffer.alloc(200_000, 2), lease: 0n },
];

describe('store record written from an etcd KeyValue', () => {
  it.each(kvs.map((kv) => [kv.key.toString(), kv] as const))('%s: the record encoder bytes', (_, kv) => {
    const pb = encodeKeyValuePb(kv);
    expect(kvRecordOf(revKey(kv.modRevision), pb, new RecordScratch()).equals(encodeKvRecord({ ...decodeKeyValue(pb) }))).toBe(true);
  });

  it('a tombstone becomes the deletion record at its revision', () => {
    const record = kvRecordOf(revKey(77, true), encodeTombstonePb(Buffer.from('gone')), new RecordScratch());
    expect(record.equals(encodeKvRecord({ key: Buffer.from('gone'), createRevision: 0, modRevision: 77, version: 0, value: Buffer.alloc(0), lease: 0n }))).toBe(true);
  });

  it('one scratch serves records of every size, each whole when returned', () => {
    const scratch = new RecordScratch();
    for (const size of [10, 100_000, 5, 300_000, 0]) {
      const kv = { key: Buffer.from(`k${size}`), createRevision: 2, modRevision: 3, version: 2, value: Buffer.alloc(size, size & 0xff), lease: 0n };
      expect(kvRecordOf(revKey(3), encodeKeyValuePb(kv), scratch).equals(encodeKvRecord(kv))).toBe(true);
    }
  });
});
