// The receiving half of HPACK (RFC 7541) for one connection: turns each complete header block
// (HEADERS + CONTINUATION payloads, joined) into its field list, keeping the dynamic table in
// step with the peer's encoder. It runs once per request on the hot path, so it reads the block
// in place (no cursor objects, strings cut straight from the buffer as latin1, since header
// octets map one to one onto latin1 chars and a char count is then the octet count HPACK sizes
// use) and keeps the table in a ring of preallocated slots.
import { HeaderListTooLargeError, HpackError } from './hpack-error.js';
import { huffmanDecodeLatin1 } from './hpack-huffman.js';
import { STATIC_COUNT, STATIC_TABLE } from './hpack-static-table.js';

export { HeaderListTooLargeError, HpackError } from './hpack-error.js';

/**
 * The largest decoded header list accepted (RFC 9113 §6.5.2 size: name + value + 32 per field):
 * grpc-go's server default, which is what genuine etcd accepts. The block itself is small (the
 * transport bounds it), but indexed fields can repeat a 4 KiB table entry a byte each, so this is
 * what keeps a hostile block from expanding into gigabytes of field references.
 */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 16 << 20;

/** An HPACK integer is at most this many continuation bytes long here (values < 2^35, far past any use). */
const MAX_INTEGER_CONTINUATIONS = 5;

/** Bytes an entry takes in the dynamic table (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

export class HpackDecoder {
  // The dynamic table, newest entry at `head`, older ones following it around the ring.
  private readonly names: string[];
  private readonly values: string[];
  private head = 0;
  private count = 0;
  private size = 0;
  /** The size the peer chose with its last table size update (at most `limit`). */
  private maxSize: number;

  // The block being decoded and the read position in it.
  private block: Buffer = Buffer.alloc(0);
  private pos = 0;

  /**
   * @param limit SETTINGS_HEADER_TABLE_SIZE as we advertise it: the table's initial size and the
   *   most a size update may ask for.
   * @param maxHeaderListSize the decoded list size above which a block is refused.
   */
  constructor(
    private readonly limit = 4096,
    private readonly maxHeaderListSize = DEFAULT_MAX_HEADER_LIST_SIZE,
  ) {
    this.maxSize = limit;
    const slots = Math.floor(limit / ENTRY_OVERHEAD) + 1;
    this.names = new Array<string>(slots).fill('');
    this.values = new Array<string>(slots).fill('');
  }

  /** Decodes one complete header block. Throws HpackError (HeaderListTooLargeError: table still in step). */
  decode(block: Buffer): Array<[string, string]> {
    this.block = block;
    this.pos = 0;
    const end = block.length;
    const fields: Array<[string, string]> = [];
    let listSize = 0;
    let tooLarge = false;
    let sawField = false;
    while (this.pos < end) {
      const first = block[this.pos] as number;
      let name: string;
      let value: string;
      if (first & 0x80) {
        // Indexed field (§6.1)
        const index = this.readInteger(7);
        if (index === 0) throw new HpackError('hpack: index 0 in an indexed field');
        if (index <= STATIC_COUNT) {
          const entry = STATIC_TABLE[index] as readonly [string, string];
          name = entry[0];
          value = entry[1];
        } else {
          const slot = this.slotOf(index);
          name = this.names[slot] as string;
          value = this.values[slot] as string;
        }
      } else if (first & 0x40) {
        // Literal with incremental indexing (§6.2.1)
        const index = this.readInteger(6);
        name = index === 0 ? this.readString() : this.nameAt(index);
        value = this.readString();
        this.insert(name, value);
      } else if (first & 0x20) {
        // Dynamic table size update (§6.3): only before the block's first field (§4.2).
        if (sawField) throw new HpackError('hpack: dynamic table size update after a header field');
        const size = this.readInteger(5);
        if (size > this.limit) throw new HpackError(`hpack: dynamic table size update to ${size}, above the ${this.limit} allowed`);
        this.maxSize = size;
        this.evictFor(0);
        continue;
      } else {
        // Literal without indexing (0000) or never indexed (0001) (§6.2.2, §6.2.3)
        const index = this.readInteger(4);
        name = index === 0 ? this.readString() : this.nameAt(index);
        value = this.readString();
      }
      sawField = true;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.maxHeaderListSize) tooLarge = true;
      else fields.push([name, value]);
    }
    this.block = EMPTY;
    if (tooLarge) throw new HeaderListTooLargeError(this.maxHeaderListSize);
    return fields;
  }

  /** Octets in the dynamic table (RFC 7541 §4.1). */
  get tableSize(): number {
    return this.size;
  }

  /** The dynamic table, newest first (index 62 onwards): for tests and diagnostics. */
  tableEntries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.names.length;
      out.push([this.names[slot] as string, this.values[slot] as string]);
    }
    return out;
  }

  private readInteger(prefixBits: number): number {
    const block = this.block;
    const mask = (1 << prefixBits) - 1;
    let value = (block[this.pos++] as number) & mask;
    if (value < mask) return value;
    let multiplier = 1;
    for (let i = 0; i < MAX_INTEGER_CONTINUATIONS; i++) {
      if (this.pos >= block.length) throw new HpackError('hpack: truncated integer');
      const b = block[this.pos++] as number;
      value += (b & 127) * multiplier;
      if (b < 128) return value;
      multiplier *= 128;
    }
    throw new HpackError('hpack: integer too large');
  }

  private readString(): string {
    const block = this.block;
    if (this.pos >= block.length) throw new HpackError('hpack: truncated string');
    const huffman = ((block[this.pos] as number) & 0x80) !== 0;
    const length = this.readInteger(7);
    const start = this.pos;
    if (length > block.length - start) throw new HpackError('hpack: string longer than the header block');
    this.pos = start + length;
    return huffman ? huffmanDecodeLatin1(block, start, this.pos) : block.toString('latin1', start, this.pos);
  }

  private nameAt(index: number): string {
    if (index <= STATIC_COUNT) return (STATIC_TABLE[index] as readonly [string, string])[0];
    return this.names[this.slotOf(index)] as string;
  }

  private slotOf(index: number): number {
    const back = index - STATIC_COUNT - 1;
    if (back >= this.count) throw new HpackError(`hpack: index ${index} past the end of the table`);
    return (this.head + back) % this.names.length;
  }

  private insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    // An entry larger than the whole table empties it and is not added (§4.4).
    this.evictFor(entrySize);
    if (entrySize > this.maxSize) return;
    const slots = this.names.length;
    this.head = (this.head + slots - 1) % slots;
    this.names[this.head] = name;
    this.values[this.head] = value;
    this.count++;
    this.size += entrySize;
  }

  private evictFor(incoming: number): void {
    const slots = this.names.length;
    while (this.count > 0 && this.size + incoming > this.maxSize) {
      const oldest = (this.head + this.count - 1) % slots;
      this.size -= (this.names[oldest] as string).length + (this.values[oldest] as string).length + ENTRY_OVERHEAD;
      this.names[oldest] = '';
      this.values[oldest] = '';
      this.count--;
    }
  }
}

const EMPTY = Buffer.alloc(0);
