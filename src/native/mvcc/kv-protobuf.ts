// etcd's protobuf forms of a stored revision (mvccpb.KeyValue), as etcd writes them in its "key"
// bucket: the bytes its snapshot file holds and its HashKV hashes. A tombstone is a KeyValue with
// the key alone.
function varint(n: bigint): number[] {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
/** A minimal protobuf writer: varint and length-delimited fields, zero values omitted (proto3). */
export class Pb {
  private readonly out: Buffer[] = [];
  private cur: number[] = [];
  int(field: number, v: bigint | number): this {
    const n = BigInt(v);
    if (n !== 0n) this.cur.push(field << 3, ...varint(n));
    return this;
  }
  bytes(field: number, b: Buffer): this {
    if (b.length === 0) return this;
    this.cur.push((field << 3) | 2, ...varint(BigInt(b.length)));
    this.out.push(Buffer.from(this.cur), b);
    this.cur = [];
    return this;
  }
  finish(): Buffer {
    this.out.push(Buffer.from(this.cur));
    return Buffer.concat(this.out);
  }
}

/** mvccpb.KeyValue: key=1, create_revision=2, mod_revision=3, version=4, value=5, lease=6. */
export function encodeKeyValuePb(kv: { key: Buffer; createRevision: number; modRevision: number; version: number; value: Buffer; lease: bigint }): Buffer {
  return new Pb()
    .bytes(1, kv.key)
    .int(2, kv.createRevision)
    .int(3, kv.modRevision)
    .int(4, kv.version)
    .bytes(5, kv.value)
    .int(6, kv.lease)
    .finish();
}


/** A deletion's record: mvccpb.KeyValue{key} (etcd's tombstone value). */
export function encodeTombstonePb(key: Buffer): Buffer {
  return new Pb().bytes(1, key).finish();
}
