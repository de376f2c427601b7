// The archive /v1/snapshot exchanges, shaped as Consul's: a gzip'd tar holding `meta.json` (raft's
// snapshot metadata: Version, ID, Index, Term, Size, ...), `state.bin` (the state) and `SHA256SUMS`
// (sha256sum lines over the other two), so `consul snapshot save` can verify what it saved and
// report its index. Here state.bin is the backend's own dump (Backend.consulSnapshot), not Consul's
// FSM encoding: a dcsgw archive restores into dcsgw only, and a genuine Consul archive is refused
// with a message that says so. The tar is plain ustar, written and read here (no dependency).
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

const BLOCK = 512;
const META = 'meta.json';
const STATE = 'state.bin';
const SUMS = 'SHA256SUMS';

/** Raft's SnapshotMeta as Consul's archive carries it (the fields `consul snapshot inspect` shows). */
export interface SnapshotMeta {
  Version: number;
  ID: string;
  Index: number;
  Term: number;
  Size: number;
}

export class SnapshotArchiveError extends Error {}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar header block for a regular file. */
function tarHeader(name: string, size: number, mtimeSec: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o600, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(mtimeSec, 12), 136, 'latin1');
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h[156] = 0x30; // '0': regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function tar(files: [string, Buffer][], mtimeSec: number): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    parts.push(tarHeader(name, data.length, mtimeSec), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end of archive
  return Buffer.concat(parts);
}

function untar(data: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let off = 0;
  while (off + BLOCK <= data.length) {
    const h = data.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return files;
    const nameEnd = h.indexOf(0);
    const name = h.toString('utf8', 0, nameEnd >= 0 && nameEnd < 100 ? nameEnd : 100);
    const sizeText = h.toString('latin1', 124, 136).replace(/[\0 ]+$/g, '').trim();
    if (!/^[0-7]+$/.test(sizeText)) throw new SnapshotArchiveError('failed to read snapshot file: archive/tar: invalid header');
    const size = parseInt(sizeText, 8);
    off += BLOCK;
    if (off + size > data.length) throw new SnapshotArchiveError('failed to read snapshot file: unexpected EOF');
    const type = h[156];
    if (type === 0x30 || type === 0) files.set(name, data.subarray(off, off + size));
    off += size + ((BLOCK - (size % BLOCK)) % BLOCK);
  }
  throw new SnapshotArchiveError('failed to read snapshot file: unexpected EOF');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The archive for `state` taken at raft `index` / `term`. */
export function writeSnapshotArchive(state: Buffer, index: number, term: number, nowMs = Date.now()): Buffer {
  const meta: SnapshotMeta = { Version: 1, ID: `${term}-${index}-${nowMs}`, Index: index, Term: term, Size: state.length };
  const metaJson = Buffer.from(JSON.stringify(meta));
  const sums = Buffer.from(`${sha256(metaJson)}  ${META}\n${sha256(state)}  ${STATE}\n`);
  return gzipSync(tar([[META, metaJson], [STATE, state], [SUMS, sums]], Math.floor(nowMs / 1000)));
}

/** Reads and verifies an archive: every file named in SHA256SUMS present and matching, nothing else in it. */
export function readSnapshotArchive(archive: Buffer): { meta: SnapshotMeta; state: Buffer } {
  let tarData: Buffer;
  try {
    tarData = gunzipSync(archive);
  } catch (err) {
    throw new SnapshotArchiveError(`failed to decompress snapshot: ${(err as Error).message}`);
  }
  const files = untar(tarData);
  for (const name of files.keys()) {
    if (name !== META && name !== STATE && name !== SUMS) throw new SnapshotArchiveError(`unexpected file "${name}" in snapshot`);
  }
  const metaJson = files.get(META);
  const state = files.get(STATE);
  const sums = files.get(SUMS);
  if (!metaJson || !state || !sums) throw new SnapshotArchiveError('snapshot is missing meta.json, state.bin or SHA256SUMS');
  const expected = new Map<string, string>();
  for (const line of sums.toString('utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) expected.set(m[2]!, m[1]!);
  }
  for (const [name, data] of [[META, metaJson], [STATE, state]] as const) {
    const want = expected.get(name);
    if (want === undefined) throw new SnapshotArchiveError(`file missing hash for "${name}"`);
    if (want !== sha256(data)) throw new SnapshotArchiveError(`hash check failed for "${name}"`);
  }
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(metaJson.toString('utf8')) as SnapshotMeta;
  } catch (err) {
    throw new SnapshotArchiveError(`failed to decode snapshot metadata: ${(err as Error).message}`);
  }
  return { meta, state };
}
