// A store revision is (main, sub): `main` counts write transactions, `sub` orders the changes inside
// one. Records are keyed in LMDB by the 17-byte big-endian form etcd uses in bbolt
// (8 bytes main, '_', 8 bytes sub), with a trailing 't' marking a tombstone, so byte order is
// revision order and history scans are plain range reads.

export const REV_KEY_BYTES = 17;
const TOMBSTONE_MARK = 0x74; // 't'
const SEPARATOR = 0x5f; // '_'
const TWO_32 = 0x1_0000_0000;

export function encodeRevKey(main: number, sub: number, tombstone: boolean): Buffer {
  const b = Buffer.allocUnsafe(tombstone ? REV_KEY_BYTES + 1 : REV_KEY_BYTES);
  writeRevKey(b, main, sub);
  if (tombstone) b[REV_KEY_BYTES] = TOMBSTONE_MARK;
  return b;
}

/** Writes the 17-byte key of (main, sub) into b (a reused lookup key: a range reads many records). */
export function writeRevKey(b: Buffer, main: number, sub: number): void {
  b.writeUInt32BE(Math.floor(main / TWO_32), 0);
  b.writeUInt32BE(main >>> 0, 4);
  b[8] = SEPARATOR;
  b.writeUInt32BE(Math.floor(sub / TWO_32), 9);
  b.writeUInt32BE(sub >>> 0, 13);
}

export function revKeyMain(b: Uint8Array): number {
  return ((b[0]! * 0x100_0000 + b[1]! * 0x1_0000 + b[2]! * 0x100 + b[3]!) * TWO_32) +
    (b[4]! * 0x100_0000 + b[5]! * 0x1_0000 + b[6]! * 0x100 + b[7]!);
}

export function revKeySub(b: Uint8Array): number {
  return ((b[9]! * 0x100_0000 + b[10]! * 0x1_0000 + b[11]! * 0x100 + b[12]!) * TWO_32) +
    (b[13]! * 0x100_0000 + b[14]! * 0x1_0000 + b[15]! * 0x100 + b[16]!);
}

export function isTombstoneKey(b: Uint8Array): boolean {
  return b.length === REV_KEY_BYTES + 1 && b[REV_KEY_BYTES] === TOMBSTONE_MARK;
}

/** The smallest record key of a main revision: range scans start here. */
export function revKeyLowerBound(main: number): Buffer {
  return encodeRevKey(main, 0, false);
}
