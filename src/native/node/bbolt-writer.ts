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

/** A streamed bucket's leaves, reserved at planning time and written when the file is sent. */
interface ReservedLeaves {
  source: StreamedBucket;
  firstPgid: number;
  leaves: LeafPlan[];
}

interface LeafPlan {
  count: number;
  /** bytes used (header, elements, keys and values); the leaf spans ceil(size / PAGE) pages */
  size: number;
}

class PageWriter {
  /** The file from page 3 on, in page order: built pages, or leaves of a streamed bucket to build while sending. */
  readonly chunks: Array<Buffer | ReservedLeaves> = [];
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

  /** Reserves the pages of a streamed bucket's leaves; returns their tree nodes (first key, page id). */
  reserve(source: StreamedBucket, leaves: LeafPlan[], firstKeys: Buffer[]): Node[] {
    const firstPgid = this.next;
    const nodes = leaves.map((l, i) => {
      const pgid = this.next;
      this.next += Math.max(1, Math.ceil(l.size / PAGE));
      return { firstKey: firstKeys[i]!, pgid };
    });
    this.chunks.push({ source, firstPgid, leaves });
    return nodes;
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
  const level: Node[] = [];
  let i = 0;
  for (const leaf of packLeaves(items)) {
    const { buf, pgid } = w.alloc(leafSize(leaf));
    writeLeaf(buf, leaf, flags?.slice(i, i + leaf.length));
    i += leaf.length;
    level.push({ firstKey: leaf[0]![0], pgid });
  }
  return writeBranches(w, level);
}

/** Writes the branch levels above `level` (the leaves, in key order); returns the root page id. */
function writeBranches(w: PageWriter, level: Node[]): number {
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
  const root = writeBuckets(w, buckets, new Map());
  return Buffer.concat([headPages(root, w.next), ...(w.chunks as Buffer[])]);
}

/** Writes every bucket's tree (streamed ones from their leaf plans) and the root bucket; returns the root's page id. */
function writeBuckets(w: PageWriter, buckets: Map<string, BoltItems | StreamedBucket>, plans: Map<string, StreamPlan>): number {
  const rootItems: BoltItems = [];
  for (const name of [...buckets.keys()].sort((a, b) => cmp(Buffer.from(a), Buffer.from(b)))) {
    const content = buckets.get(name)!;
    const plan = plans.get(name);
    const items = plan ? undefined : [...(content as BoltItems)].sort((a, b) => cmp(a[0], b[0]));
    let value: Buffer;
    if (plan ? plan.leaves.length === 0 : items!.length === 0) {
      // Inline empty bucket: header {root 0, sequence 0} + an empty leaf page.
      value = Buffer.alloc(16 + PAGE_HEADER);
      value.writeUInt16LE(LEAF_FLAG, 16 + 8);
    } else {
      value = Buffer.alloc(16);
      const rootPgid = plan ? writeBranches(w, w.reserve(content as StreamedBucket, plan.leaves, plan.firstKeys)) : writeTree(w, items!);
      value.writeBigUInt64LE(BigInt(rootPgid), 0);
    }
    rootItems.push([Buffer.from(name), value]);
  }
  if (rootItems.length > 0) return writeTree(w, rootItems, rootItems.map(() => BUCKET_LEAF_FLAG));
  const { buf, pgid } = w.alloc(PAGE_HEADER);
  buf.writeUInt16LE(LEAF_FLAG, 8);
  return pgid;
}

/** Pages 0-2: the two meta pages (txid 0 and 1) and the empty freelist. */
function headPages(root: number, highWater: number): Buffer {
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
    head.writeBigUInt64LE(BigInt(highWater), m + 40); // high water mark
    head.writeBigUInt64LE(BigInt(txid), m + 48);
    head.writeBigUInt64LE(fnv1a64(head.subarray(m, m + 56)), m + 56);
  }
  head.writeBigUInt64LE(2n, 2 * PAGE);
  head.writeUInt16LE(FREELIST_FLAG, 2 * PAGE + 8);
  return head;
}

// ---- streamed files --------------------------------------------------------------------------
// A bucket too large to hold twice in memory (etcd's "key" bucket of a big store) is read twice
// from one consistent source instead: a first pass measures every item, which fixes the leaves, the
// branch pages and so the meta page (root and high-water mark), all written before the first leaf
// of the second pass is built. The file's size is known before its first byte is sent.

/**
 * A bucket whose items are produced by reading a source, in key order, the same items on every
 * call of entries(). Values are converted while written (e.g. a store record -> etcd's protobuf).
 */
export interface StreamedBucket {
  entries(): Iterable<{ key: Buffer; value: Buffer }>;
  valueLength(key: Buffer, value: Buffer): number;
  writeValue(key: Buffer, value: Buffer, out: Buffer, off: number): void;
}

interface StreamPlan {
  leaves: LeafPlan[];
  firstKeys: Buffer[];
}

export interface BoltStream {
  /** bytes of the whole file */
  size: number;
  /**
   * The file in order, in chunks of about `chunkSize` bytes (a leaf larger than that goes whole).
   * With `reuseBuffers`, a chunk is valid only until the next one is asked for.
   */
  chunks: AsyncGenerator<Buffer>;
}

export interface StreamOptions {
  chunkSize: number;
  /** the longest run of reading and converting between two event-loop turns */
  sliceMs: number;
  /**
   * Chunks are written into the same buffer over and over (the caller copies or sends each
   * chunk before asking for the next): a file of gigabytes then allocates no gigabytes of buffers,
   * whose external memory would set off full garbage collections of the server's whole heap.
   */
  reuseBuffers?: boolean;
}

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A bbolt file streamed in chunks: the in-memory buckets as writeBoltDb writes them, the streamed
 * ones measured here (first pass, in slices of `sliceMs`) and built while `chunks` is read.
 */
export async function streamBoltDb(buckets: Map<string, BoltItems | StreamedBucket>, opts: StreamOptions): Promise<BoltStream> {
  const plans = new Map<string, StreamPlan>();
  for (const [name, content] of buckets) {
    if (!Array.isArray(content)) plans.set(name, await planLeaves(content, opts.sliceMs));
  }
  const w = new PageWriter();
  const root = writeBuckets(w, buckets, plans);
  const size = w.next * PAGE;
  return { size, chunks: streamChunks(new FileFiller(headPages(root, w.next), w.chunks), opts) };
}

/**
 * The first pass: leaves packed as packLeaves packs them, from the items' sizes alone. A plain loop
 * that looks at the clock every 256 items (an await per item cost more than the measuring).
 */
async function planLeaves(source: StreamedBucket, sliceMs: number): Promise<StreamPlan> {
  const leaves: LeafPlan[] = [];
  const firstKeys: Buffer[] = [];
  let count = 0;
  let size = PAGE_HEADER;
  let seen = 0;
  let sliceEnd = performance.now() + sliceMs;
  const items = source.entries()[Symbol.iterator]();
  for (let next = items.next(); !next.done; next = items.next()) {
    const { key, value } = next.value;
    const add = ELEMENT + key.length + source.valueLength(key, value);
    if (count > 0 && size + add > PAGE) {
      leaves.push({ count, size });
      count = 0;
      size = PAGE_HEADER;
    }
    if (count === 0) firstKeys.push(Buffer.from(key));
    count++;
    size += add;
    if ((++seen & 255) === 0 && performance.now() > sliceEnd) {
      await nextTurn();
      sliceEnd = performance.now() + sliceMs;
    }
  }
  if (count > 0) leaves.push({ count, size });
  return { leaves, firstKeys };
}

/**
 * Writes the file from page 0 on into the buffers it is given, synchronously, as far as each one
 * has room: built pages are copied (split across buffers where needed), a streamed bucket's leaves
 * are built whole in place from its source's second pass.
 */
class FileFiller {
  private readonly pieces: Array<Buffer | ReservedLeaves>;
  private piece = 0;
  /** bytes of the current built piece already written */
  private offset = 0;
  /** the current streamed bucket's items, leaf and page id */
  private items: Iterator<{ key: Buffer; value: Buffer }> | undefined;
  private leaf = 0;
  private pgid = 0;

  constructor(head: Buffer, pages: Array<Buffer | ReservedLeaves>) {
    this.pieces = [head, ...pages];
  }

  get done(): boolean {
    return this.piece >= this.pieces.length;
  }

  /** Room the next write needs at least: a streamed leaf goes whole. */
  need(): number {
    const p = this.pieces[this.piece];
    if (p === undefined || Buffer.isBuffer(p)) return PAGE;
    return leafPages(p.leaves[this.leaf]!) * PAGE;
  }

  /** Writes at out[pos...] until done, out of room, or past `until` (performance.now()); returns the new pos. */
  fill(out: Buffer, pos: number, until: number): number {
    while (this.piece < this.pieces.length) {
      const p = this.pieces[this.piece]!;
      if (Buffer.isBuffer(p)) {
        const n = Math.min(out.length - pos, p.length - this.offset);
        if (n === 0) return pos;
        p.copy(out, pos, this.offset, this.offset + n);
        pos += n;
        this.offset += n;
        if (this.offset === p.length) this.nextPiece();
        continue;
      }
      if (this.items === undefined) {
        this.items = p.source.entries()[Symbol.iterator]();
        this.leaf = 0;
        this.pgid = p.firstPgid;
      }
      while (this.leaf < p.leaves.length) {
        const bytes = leafPages(p.leaves[this.leaf]!) * PAGE;
        if (pos + bytes > out.length) return pos;
        writeStreamedLeaf(p, p.leaves[this.leaf]!, this.items, out.subarray(pos, pos + bytes), this.pgid);
        pos += bytes;
        this.pgid += bytes / PAGE;
        this.leaf++;
        if (performance.now() > until) {
          if (this.leaf === p.leaves.length) this.endStreamed();
          return pos;
        }
      }
      this.endStreamed();
    }
    return pos;
  }

  private endStreamed(): void {
    if (!this.items!.next().done) throw new Error('bbolt stream: the source grew between its two passes');
    this.items = undefined;
    this.nextPiece();
  }

  private nextPiece(): void {
    this.piece++;
    this.offset = 0;
  }
}

function leafPages(leaf: LeafPlan): number {
  return Math.max(1, Math.ceil(leaf.size / PAGE));
}

/** One leaf of a streamed bucket, built from its next `leaf.count` items into `buf` (its pages). */
function writeStreamedLeaf(p: ReservedLeaves, leaf: LeafPlan, items: Iterator<{ key: Buffer; value: Buffer }>, buf: Buffer, pgid: number): void {
  buf.writeBigUInt64LE(BigInt(pgid), 0);
  buf.writeUInt16LE(LEAF_FLAG, 8);
  buf.writeUInt16LE(leaf.count, 10);
  buf.writeUInt32LE(buf.length / PAGE - 1, 12);
  let data = PAGE_HEADER + leaf.count * ELEMENT;
  for (let i = 0; i < leaf.count; i++) {
    const next = items.next();
    if (next.done) throw new Error('bbolt stream: the source ended before its measured items');
    const { key, value } = next.value;
    const vl = p.source.valueLength(key, value);
    if (data + key.length + vl > leaf.size) throw new Error('bbolt stream: the source changed between its two passes');
    const el = PAGE_HEADER + i * ELEMENT;
    buf.writeUInt32LE(0, el);
    buf.writeUInt32LE(data - el, el + 4);
    buf.writeUInt32LE(key.length, el + 8);
    buf.writeUInt32LE(vl, el + 12);
    buf.set(key, data);
    p.source.writeValue(key, value, buf, data + key.length);
    data += key.length + vl;
  }
  if (data !== leaf.size) throw new Error('bbolt stream: the source changed between its two passes');
  buf.fill(0, data);
}

/** The chunks: filled in slices of `sliceMs`, each handed over when full (or at the end). */
async function* streamChunks(file: FileFiller, opts: StreamOptions): AsyncGenerator<Buffer> {
  const spare: Buffer[] = [];
  let sliceEnd = performance.now() + opts.sliceMs;
  while (!file.done) {
    const size = Math.max(opts.chunkSize, file.need());
    const out = opts.reuseBuffers && size === opts.chunkSize && spare.length > 0 ? spare.pop()! : Buffer.allocUnsafe(size);
    let pos = 0;
    for (;;) {
      pos = file.fill(out, pos, sliceEnd);
      if (file.done || pos + file.need() > out.length) break;
      await nextTurn();
      sliceEnd = performance.now() + opts.sliceMs;
    }
    yield out.subarray(0, pos);
    // Asked for the next chunk: the caller is done with this one's buffer.
    if (opts.reuseBuffers && out.length === opts.chunkSize) spare.push(out);
    if (performance.now() > sliceEnd) {
      await nextTurn();
      sliceEnd = performance.now() + opts.sliceMs;
    }
  }
}
