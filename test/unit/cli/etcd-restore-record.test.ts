// Starting on `etcdctl snapshot restore` output converts etcd's "key" bucket entries (revision key ->
// mvccpb.KeyValue) into the store's records in place: the bytes must be what the store's own record
// encoder writes for the decoded KeyValue (tombstones carrying their revision), for every field shape.
import { describe, expect, it } from 'vitest';
import { appendKvRecord, DumpSectionWriter } from '../../../src/cli/etcd-restore-import.js';
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

/** The dump section holding one item: count, key length, value length, key, value. */
function section(key: Buffer, value: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(1, 0);
  head.writeUInt32LE(key.length, 4);
  head.writeUInt32LE(value.length, 8);
  return Buffer.concat([head, key, value]);
}

describe('store record written from an etcd KeyValue', () => {
  it.each(kvs.map((kv) => [kv.key.toString(), kv] as const))('%s: the record encoder bytes', (_, kv) => {
    const key = revKey(kv.modRevision);
    const pb = encodeKeyValuePb(kv);
    const out = new DumpSectionWriter();
    appendKvRecord(out, key, pb);
    expect(out.finish().equals(section(key, encodeKvRecord({ ...decodeKeyValue(pb) })))).toBe(true);
  });

  it('a tombstone becomes the deletion record at its revision', () => {
    const key = revKey(77, true);
    const out = new DumpSectionWriter();
    appendKvRecord(out, key, encodeTombstonePb(Buffer.from('gone')));
    const expected = encodeKvRecord({ key: Buffer.from('gone'), createRevision: 0, modRevision: 77, version: 0, value: Buffer.alloc(0), lease: 0n });
    expect(out.finish().equals(section(key, expected))).toBe(true);
  });

  it('many items grow the section and keep their order', () => {
    const out = new DumpSectionWriter();
    const parts: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      const kv = { key: Buffer.from(`k${i}`), createRevision: i + 2, modRevision: i + 2, version: 1, value: Buffer.alloc(i % 700, i & 0xff), lease: 0n };
      const key = revKey(i + 2);
      appendKvRecord(out, key, encodeKeyValuePb(kv));
      parts.push(section(key, encodeKvRecord(kv)).subarray(4));
    }
    const count = Buffer.alloc(4);
    count.writeUInt32LE(5000);
    expect(out.finish().equals(Buffer.concat([count, ...parts]))).toBe(true);
  });
});
