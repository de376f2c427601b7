// bbolt (go.etcd.io/bbolt) database files, read and written a page at a time so an etcd snapshot
// of any size passes through bounded memory. Format facts used (bbolt's on-disk layout, amd64):
//   page header  id u64 | flags u16 (branch 0x01, leaf 0x02, meta 0x04, freelist 0x10) | count u16 | overflow u32
//   meta         magic 0xED0CDAED u32 | version 2 u32 | page size u32 | flags u32 | root bucket {root u64, sequence u64}
//                | freelist u64 | high-water pgid u64 | txid u64 | FNV-1a 64 checksum of the preceding 56 bytes
//   leaf element flags u32 (bucket 0x01) | pos u32 (from the element) | key size u32 | value size u32
//   branch elem  pos u32 | key size u32 | child pgid u64
//   bucket value root pgid u64 | sequence u64, then (root 0) an inline page holding the bucket's leaf
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { fnv1a64, writeBranch, writeLeaf } from '../../native/node/bbolt-writer.js';

const HEADER = 16;
const ELEMENT = 16;
const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const FREELIST = 0x10;
const BUCKET_FLAG = 0x01;
const MAGIC = 0xed0cdaed;


export class BoltFormatError extends Error {}

/** Where one leaf entry sits: its page and element index (for reading it again later). */
export interface EntryPlace {
  pgid: number;
  index: number;
}

export class BoltReader {
  private readonly fd: number;
  pageSize = 4096;
  private rootPgid = 0;
  private cache = new Map<number, Buffer>();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.readMeta();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private readMeta(): void {
    const first = Buffer.alloc(4096 * 2);
    const n = readSync(this.fd, first, 0, first.length, 0);
    if (n < HEADER + 64 || first.readUInt32LE(HEADER) !== MAGIC) throw new BoltFormatError(`${this.path}: not a bbolt database (an etcd snapshot file)`);
    this.pageSize = first.readUInt32LE(HEADER + 8);
    let best: { txid: bigint; root: number } | undefined;
    for (const pg of [0, 1]) {
      const buf = pg === 0 ? first : Buffer.alloc(this.pageSize);
      if (pg === 1) readSync(this.fd, buf, 0, this.pageSize, this.pageSize);
      const m = buf.subarray(HEADER, HEADER + 64);
      if ((buf.readUInt16LE(8) & META) === 0 || m.readUInt32LE(0) !== MAGIC) continue;
      if (fnv1a64(m.subarray(0, 56)) !== m.readBigUInt64LE(56)) continue;
      const txid = m.readBigUInt64LE(48);
      if (!best || txid > best.txid) best = { txid, root: Number(m.readBigUInt64LE(16)) };
    }
    if (!best) throw new BoltFormatError(`${this.path}: both bbolt meta pages are invalid`);
    this.rootPgid = best.root;
  }

  /** A page with its overflow pages; the last few are cached (a snapshot's reads go page after page). */
  page(pgid: number): Buffer {
    const hit = this.cache.get(pgid);
    if (hit) return hit;
    const head = Buffer.alloc(HEADER);
    readSync(this.fd, head, 0, HEADER, pgid * this.pageSize);
    const pages = head.readUInt32LE(12) + 1;
    const buf = Buffer.alloc(pages * this.pageSize);
    readSync(this.fd, buf, 0, buf.length, pgid * this.pageSize);
    if (this.cache.size >= 64) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(pgid, buf);
    return buf;
  }

  /** Every leaf entry of the tree rooted at `page` in key order. */
  private *walk(page: Buffer, pgid: number): Generator<{ key: Buffer; value: Buffer; flags: number; place: EntryPlace }> {
    const flags = page.readUInt16LE(8);
    const count = page.readUInt16LE(10);
    if (flags & BRANCH) {
      for (let i = 0; i < count; i++) {
        const child = Number(page.readBigUInt64LE(HEADER + i * ELEMENT + 8));
        yield* this.walk(this.page(child), child);
      }
      return;
    }
    if (!(flags & LEAF)) throw new BoltFormatError(`${this.path}: page ${pgid} is neither branch nor leaf`);
    for (let i = 0; i < count; i++) yield { ...leafEntry(page, i), place: { pgid, index: i } };
  }

  /** The root page of a top-level bucket (an inline bucket's page is returned from its value), or undefined. */
  private bucketRoot(name: string): { page: Buffer; pgid: number } | undefined {
    for (const e of this.walk(this.page(this.rootPgid), this.rootPgid)) {
      if (e.key.toString('latin1') !== name || !(e.flags & BUCKET_FLAG)) continue;
      const root = Number(e.value.readBigUInt64LE(0));
      return root === 0 ? { page: Buffer.from(e.value.subarray(16)), pgid: -1 } : { page: this.page(root), pgid: root };
    }
    return undefined;
  }

  *entries(bucket: string): Generator<{ key: Buffer; value: Buffer; place: EntryPlace }> {
    const root = this.bucketRoot(bucket);
    if (!root) return;
    for (const e of this.walk(root.page, root.pgid)) yield { key: e.key, value: e.value, place: e.place };
  }

  /**
   * Every leaf page of a top-level bucket in key order, for a reader that looks at each page once
   * (an import): the file is read in windows of a few MiB, one read call for many pages and no
   * buffer per page (a page by page read was two reads and a zeroed buffer each). The page handed
   * to `visit` is valid only during the call: the window is reused. Returns false when the bucket
   * does not exist.
   */
  scanLeaves(bucket: string, visit: (page: Buffer) => void, windowBytes = 8 * 1024 * 1024): boolean {
    const root = this.bucketRoot(bucket);
    if (!root) return false;
    if (root.pgid < 0) {
      visit(root.page);
      return true;
    }
    // A bbolt tree is balanced: its leaves are at one depth. The branch pages above them are read
    // one by one (a few per thousand leaves), so the window moves only forward along the leaves.
    let leafDepth = 0;
    for (let page = this.page(root.pgid); page.readUInt16LE(8) & BRANCH; leafDepth++) page = this.page(Number(page.readBigUInt64LE(HEADER + 8)));
    const window = new PageWindow(this.fd, this.pageSize, windowBytes);
    const descend = (pgid: number, depth: number): void => {
      const page = depth < leafDepth ? this.page(pgid) : window.page(pgid);
      const flags = page.readUInt16LE(8);
      if (flags & BRANCH && depth < leafDepth) {
        const count = page.readUInt16LE(10);
        for (let i = 0; i < count; i++) descend(Number(page.readBigUInt64LE(HEADER + i * ELEMENT + 8)), depth + 1);
        return;
      }
      if (!(flags & LEAF) || depth !== leafDepth) throw new BoltFormatError(`${this.path}: page ${pgid} is not a leaf at depth ${leafDepth} of bucket ${bucket}`);
      visit(page);
    };
    descend(root.pgid, 0);
    return true;
  }

  /** The entry at `place` (of a bucket that is not inline). */
  entryAt(place: EntryPlace): { key: Buffer; value: Buffer } {
    return leafEntry(this.page(place.pgid), place.index);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Large reads of the file, one window at a time; a page asked for outside it moves the window there. */
class PageWindow {
  private buf: Buffer;
  /** The window's first page id and the count of pages read into it. */
  private first = 0;
  private pages = 0;

  constructor(
    private readonly fd: number,
    private readonly pageSize: number,
    bytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(pageSize, bytes - (bytes % pageSize)));
  }

  page(pgid: number): Buffer {
    if (pgid < this.first || pgid >= this.first + this.pages) this.fill(pgid, 1);
    let at = (pgid - this.first) * this.pageSize;
    const span = this.buf.readUInt32LE(at + 12) + 1; // the page and its overflow pages
    if (pgid + span > this.first + this.pages) {
      this.fill(pgid, span);
      at = 0;
    }
    return this.buf.subarray(at, at + span * this.pageSize);
  }

  private fill(pgid: number, span: number): void {
    if (span * this.pageSize > this.buf.length) this.buf = Buffer.allocUnsafe(span * this.pageSize);
    let got = 0;
    while (got < this.buf.length) {
      const n = readSync(this.fd, this.buf, got, this.buf.length - got, pgid * this.pageSize + got);
      if (n === 0) break;
      got += n;
    }
    if (got < span * this.pageSize) throw new BoltFormatError(`page ${pgid}: the file ends inside it`);
    this.first = pgid;
    this.pages = Math.floor(got / this.pageSize);
  }
}

function leafEntry(page: Buffer, i: number): { key: Buffer; value: Buffer; flags: number } {
  const el = HEADER + i * ELEMENT;
  const flags = page.readUInt32LE(el);
  const pos = el + page.readUInt32LE(el + 4);
  const ksize = page.readUInt32LE(el + 8);
  const vsize = page.readUInt32LE(el + 12);
  return { flags, key: page.subarray(pos, pos + ksize), value: page.subarray(pos + ksize, pos + ksize + vsize) };
}

export type BoltItems = Array<[Buffer, Buffer]>;

interface ChildRef {
  firstKey: Buffer;
  pgid: number;
}

/**
 * Writes a bbolt file page by page. One big bucket (etcd's "key") is streamed in ascending key
 * order with appendToStreamed(); the small buckets are given whole at finish(). Only the first key
 * and page id of each leaf stay in memory.
 */
export class BoltStreamWriter {
  private readonly fd: number;
  private next = 3;
  private leaf: BoltItems = [];
  private leafBytes = HEADER;
  private readonly leaves: ChildRef[] = [];
  private readonly pageSize = 4096;

  constructor(
    readonly path: string,
    private readonly streamedBucket: string,
  ) {
    this.fd = openSync(path, 'w');
  }

  private writePage(size: number, fill: (buf: Buffer) => void): number {
    const pages = Math.max(1, Math.ceil(size / this.pageSize));
    const buf = Buffer.alloc(pages * this.pageSize);
    const pgid = this.next;
    this.next += pages;
    buf.writeBigUInt64LE(BigInt(pgid), 0);
    buf.writeUInt32LE(pages - 1, 12);
    fill(buf);
    writeSync(this.fd, buf, 0, buf.length, pgid * this.pageSize);
    return pgid;
  }

  private writeLeaf(items: BoltItems, flags?: number[]): number {
    let size = HEADER;
    for (const [k, v] of items) size += ELEMENT + k.length + v.length;
    return this.writePage(size, (buf) => writeLeaf(buf, items, flags));
  }

  appendToStreamed(key: Buffer, value: Buffer): void {
    const add = ELEMENT + key.length + value.length;
    if (this.leaf.length > 0 && this.leafBytes + add > this.pageSize) this.flushLeaf();
    this.leaf.push([Buffer.from(key), Buffer.from(value)]);
    this.leafBytes += add;
  }

  private flushLeaf(): void {
    if (this.leaf.length === 0) return;
    this.leaves.push({ firstKey: this.leaf[0]![0], pgid: this.writeLeaf(this.leaf) });
    this.leaf = [];
    this.leafBytes = HEADER;
  }

  /** Branch levels over `level` until one root remains. */
  private branches(level: ChildRef[]): number {
    while (level.length > 1) {
      const parents: ChildRef[] = [];
      let group: ChildRef[] = [];
      let size = HEADER;
      const flush = () => {
        const g = group;
        const pgid = this.writePage(size, (buf) => writeBranch(buf, g));
        parents.push({ firstKey: g[0]!.firstKey, pgid });
        group = [];
        size = HEADER;
      };
      for (const c of level) {
        const add = ELEMENT + c.firstKey.length;
        if (group.length > 1 && size + add > this.pageSize) flush();
        group.push(c);
        size += add;
      }
      if (group.length > 0) flush();
      level = parents;
    }
    return level[0]!.pgid;
  }

  /** A small bucket's tree (its items sorted here); 0 when empty (written inline). */
  private smallTree(items: BoltItems): number {
    if (items.length === 0) return 0;
    const sorted = [...items].sort((a, b) => Buffer.compare(a[0], b[0]));
    const leaves: ChildRef[] = [];
    let cur: BoltItems = [];
    let size = HEADER;
    for (const it of sorted) {
      const add = ELEMENT + it[0].length + it[1].length;
      if (cur.length > 0 && size + add > this.pageSize) {
        leaves.push({ firstKey: cur[0]![0], pgid: this.writeLeaf(cur) });
        cur = [];
        size = HEADER;
      }
      cur.push(it);
      size += add;
    }
    leaves.push({ firstKey: cur[0]![0], pgid: this.writeLeaf(cur) });
    return this.branches(leaves);
  }

  /** Writes the remaining pages and both meta pages; the file is then a complete bbolt database. */
  finish(smallBuckets: Map<string, BoltItems>): void {
    this.flushLeaf();
    const roots = new Map<string, number>();
    roots.set(this.streamedBucket, this.leaves.length === 0 ? 0 : this.branches(this.leaves));
    for (const [name, items] of smallBuckets) roots.set(name, this.smallTree(items));
    const rootItems: BoltItems = [...roots.entries()]
      .sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])))
      .map(([name, root]) => {
        if (root !== 0) {
          const v = Buffer.alloc(16);
          v.writeBigUInt64LE(BigInt(root), 0);
          return [Buffer.from(name), v];
        }
        // an empty bucket is inline: header {root 0, sequence 0} and an empty leaf page
        const v = Buffer.alloc(16 + HEADER);
        v.writeUInt16LE(LEAF, 16 + 8);
        return [Buffer.from(name), v];
      });
    const root = this.writeLeaf(
      rootItems,
      rootItems.map(() => BUCKET_FLAG),
    );
    const head = Buffer.alloc(3 * this.pageSize);
    for (const txid of [0, 1]) {
      const off = txid * this.pageSize;
      head.writeBigUInt64LE(BigInt(txid), off);
      head.writeUInt16LE(META, off + 8);
      const m = off + HEADER;
      head.writeUInt32LE(MAGIC, m);
      head.writeUInt32LE(2, m + 4);
      head.writeUInt32LE(this.pageSize, m + 8);
      head.writeBigUInt64LE(BigInt(root), m + 16);
      head.writeBigUInt64LE(2n, m + 32);
      head.writeBigUInt64LE(BigInt(this.next), m + 40);
      head.writeBigUInt64LE(BigInt(txid), m + 48);
      head.writeBigUInt64LE(fnv1a64(head.subarray(m, m + 56)), m + 56);
    }
    head.writeBigUInt64LE(2n, 2 * this.pageSize);
    head.writeUInt16LE(FREELIST, 2 * this.pageSize + 8);
    writeSync(this.fd, head, 0, head.length, 0);
  }

  /** Bytes of the database (pages written). */
  get size(): number {
    return this.next * this.pageSize;
  }

  close(): void {
    closeSync(this.fd);
  }
}

