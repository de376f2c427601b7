// Writes a bbolt (go.etcd.io/bbolt) database file from scratch: what genuine etcd's
// Maintenance.Snapshot streams, so `etcdctl snapshot status` and `etcdctl snapshot restore` (and a
// genuine etcd started on the restored data dir) can read a snapshot taken from dcsgw.
//
// Layout written (page size 4096, little-endian as bbolt on amd64):
//   page 0, 1  meta pages (txid 0 and 1; bbolt uses the valid one with the higher txid)
//   page 2     freelist (empty)
//   page 3...  every bucket's B+tree, bottom-up (leaves, then branch levels), then the root bucket
// A node larger than a page spans contiguous pages (`overflow` = extra pages), as bbolt allows.
// Empty buckets are written inline (bucket header with root 0 + an empty page), as bbolt does.

const PAGE = 4096;
const PAGE_HEADER = 16;
const ELEMENT = 16;
const BRANCH_FLAG = 0x01;
const LEAF_FLAG = 0x02;
const META_FLAG = 0x04;
const FREELIST_FLAG = 0x10;
const BUCKET_LEAF_FLAG = 0x01;
const MAGIC = 0xed0cdaed;
const VERSION = 2;

export type BoltItems = [Buffer, Buffer][];

interface Node {
  firstKey: Buffer;
  pgid: number;
}

class PageWriter {
  readonly chunks: Buffer[] = [];
  next = 3;

  /** Allocates pages for a node of `size` bytes; returns the buffer (all pages) and its first page id. */
  alloc(size: number): { buf: Buffer; pgid: number } {
    const pages = Math.max(1, Math.ceil(size / PAGE));
    const buf = Buffer.alloc(pages * PAGE);
    const pgid = this.next;
    this.next += pages;
    buf.writeBigUInt64LE(BigInt(pgid), 0);
    buf.writeUInt32LE(pages - 1, 12);
    this.chunks.push(buf);
    return { buf, pgid };
  }
}

function leafSize(items: BoltItems): number {
  let n = PAGE_HEADER;
  for (const [k, v] of items) n += ELEMENT + k.length + v.length;
  return n;
}

/** Fills a leaf page body at `buf` (page header already holds id/overflow when paged). */
export function writeLeaf(buf: Buffer, items: BoltItems, flags: number[] | undefined): void {
  buf.writeUInt16LE(LEAF_FLAG, 8);
  buf.writeUInt16LE(items.length, 10);
  let data = PAGE_HEADER + items.length * ELEMENT;
  items.forEach(([k, v], i) => {
    const el = PAGE_HEADER + i * ELEMENT;
    buf.writeUInt32LE(flags?.[i] ?? 0, el);
    buf.writeUInt32LE(data - el, el + 4);
    buf.writeUInt32LE(k.length, el + 8);
    buf.writeUInt32LE(v.length, el + 12);
    k.copy(buf, data);
    v.copy(buf, data + k.length);
    data += k.length + v.length;
  });
}

/** Splits sorted items into leaves of at most one page each (at least one item per leaf). */
function packLeaves(items: BoltItems): BoltItems[] {
  const out: BoltItems[] = [];
  let cur: BoltItems = [];
  let size = PAGE_HEADER;
  for (const it of items) {
    const add = ELEMENT + it[0].length + it[1].length;
    if (cur.length > 0 && size + add > PAGE) {
      out.push(cur);
      cur = [];
      size = PAGE_HEADER;
    }
    cur.push(it);
    size += add;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Writes a bucket's tree (items sorted, non-empty); returns the root page id. */
function writeTree(w: PageWriter, items: BoltItems, flags?: number[]): number {
  let level: Node[] = [];
  let i = 0;
  for (const leaf of packLeaves(items)) {
    const { buf, pgid } = w.alloc(leafSize(leaf));
    writeLeaf(buf, leaf, flags?.slice(i, i + leaf.length));
    i += leaf.length;
    level.push({ firstKey: leaf[0]![0], pgid });
  }
  while (level.length > 1) {
    const parents: Node[] = [];
    let group: Node[] = [];
    let size = PAGE_HEADER;
    const flush = () => {
      const { buf, pgid } = w.alloc(size);
      writeBranch(buf, group);
      parents.push({ firstKey: group[0]!.firstKey, pgid });
      group = [];
      size = PAGE_HEADER;
    };
    for (const n of level) {
      const add = ELEMENT + n.firstKey.length;
      if (group.length > 1 && size + add > PAGE) flush();
      group.push(n);
      size += add;
    }
    if (group.length > 0) flush();
    level = parents;
  }
  return level[0]!.pgid;
}

/** Fills a branch page body at `buf`: one element (first key, child page) per child. */
export function writeBranch(buf: Buffer, children: ReadonlyArray<{ firstKey: Buffer; pgid: number }>): void {
  buf.writeUInt16LE(BRANCH_FLAG, 8);
  buf.writeUInt16LE(children.length, 10);
  let data = PAGE_HEADER + children.length * ELEMENT;
  children.forEach((c, j) => {
    const el = PAGE_HEADER + j * ELEMENT;
    buf.writeUInt32LE(data - el, el);
    buf.writeUInt32LE(c.firstKey.length, el + 4);
    buf.writeBigUInt64LE(BigInt(c.pgid), el + 8);
    c.firstKey.copy(buf, data);
    data += c.firstKey.length;
  });
}

/** bbolt's meta page checksum: FNV-1a 64 of the meta fields. */
export function fnv1a64(buf: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of buf) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

const cmp = (a: Buffer, b: Buffer) => Buffer.compare(a, b);

/** A bbolt file holding the given top-level buckets (names and keys are sorted here). */
export function writeBoltDb(buckets: Map<string, BoltItems>): Buffer {
  const w = new PageWriter();
  const rootItems: BoltItems = [];
  for (const name of [...buckets.keys()].sort((a, b) => cmp(Buffer.from(a), Buffer.from(b)))) {
    const items = [...buckets.get(name)!].sort((a, b) => cmp(a[0], b[0]));
    let value: Buffer;
    if (items.length === 0) {
      // Inline empty bucket: header {root 0, sequence 0} + an empty leaf page.
      value = Buffer.alloc(16 + PAGE_HEADER);
      value.writeUInt16LE(LEAF_FLAG, 16 + 8);
    } else {
      value = Buffer.alloc(16);
      value.writeBigUInt64LE(BigInt(writeTree(w, items)), 0);
    }
    rootItems.push([Buffer.from(name), value]);
  }
  const root =
    rootItems.length > 0
      ? writeTree(
          w,
          rootItems,
          rootItems.map(() => BUCKET_LEAF_FLAG),
        )
      : (() => {
          const { buf, pgid } = w.alloc(PAGE_HEADER);
          buf.writeUInt16LE(LEAF_FLAG, 8);
          return pgid;
        })();

  const head = Buffer.alloc(3 * PAGE);
  for (const txid of [0, 1]) {
    const off = txid * PAGE;
    head.writeBigUInt64LE(BigInt(txid), off);
    head.writeUInt16LE(META_FLAG, off + 8);
    const m = off + PAGE_HEADER;
    head.writeUInt32LE(MAGIC, m);
    head.writeUInt32LE(VERSION, m + 4);
    head.writeUInt32LE(PAGE, m + 8);
    head.writeUInt32LE(0, m + 12);
    head.writeBigUInt64LE(BigInt(root), m + 16);
    head.writeBigUInt64LE(0n, m + 24);
    head.writeBigUInt64LE(2n, m + 32); // freelist page
    head.writeBigUInt64LE(BigInt(w.next), m + 40); // high water mark
    head.writeBigUInt64LE(BigInt(txid), m + 48);
    head.writeBigUInt64LE(fnv1a64(head.subarray(m, m + 56)), m + 56);
  }
  head.writeBigUInt64LE(2n, 2 * PAGE);
  head.writeUInt16LE(FREELIST_FLAG, 2 * PAGE + 8);
  return Buffer.concat([head, ...w.chunks]);
}
