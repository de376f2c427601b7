// `consul kv export` files: a JSON array of {"key", "flags", "value" (base64)}, as Consul writes
// it (tab-indented, Go's escaping of <, > and &). Read as a stream — one entry at a time, however
// large the file — and written as a stream; a resumed write cuts the file back to the last
// checkpointed entry.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { type KvRecord, type RecordPage } from './record.js';
import { RecordRejected, type RecordLookup, type RecordSink, type RecordSource, type SourceOpening } from './stores.js';
import { KeyMapping } from './key-mapping.js';

const CHUNK = 1 << 20;
const PAGE_RECORDS = 500;

interface ExportEntry {
  key: string;
  flags: string | number;
  value: string | null;
}

/** Go's encoding/json string form: JSON.stringify plus \u003c \u003e \u0026 and the two line separators escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function exportEntryText(r: KvRecord): string {
  return `\t{\n\t\t"key": ${goJsonString(r.key.toString('utf8'))},\n\t\t"flags": ${r.flags.toString()},\n\t\t"value": "${r.value.toString('base64')}"\n\t}`;
}

/** One entry's JSON object text -> record; flags are read from the text so all 64 bits survive. */
function parseEntry(text: string, where: string): KvRecord {
  let e: ExportEntry;
  try {
    e = JSON.parse(text.replace(/("flags"\s*:\s*)(\d+)/, '$1"$2"')) as ExportEntry;
  } catch (err) {
    throw new Error(`${where}: not a consul kv export entry: ${(err as Error).message}`);
  }
  if (typeof e.key !== 'string') throw new Error(`${where}: entry without a "key" string`);
  const flags = e.flags === undefined ? 0n : BigInt(e.flags);
  return { key: Buffer.from(e.key, 'utf8'), value: e.value ? Buffer.from(e.value, 'base64') : Buffer.alloc(0), flags };
}

/**
 * Yields each top-level array element's text with the byte offset just past it. Tracks strings
 * and nesting so braces inside values do not count.
 */
function* scanEntries(fd: number, startOffset: number): Generator<{ text: string; end: number; index: number }> {
  const buf = Buffer.alloc(CHUNK);
  let pos = startOffset;
  let depth = startOffset === 0 ? 0 : 1;
  let inString = false;
  let escaped = false;
  let entry: Buffer[] = [];
  let entryStart = -1;
  let index = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    let segStart = entryStart >= 0 ? 0 : -1;
    for (let i = 0; i < n; i++) {
      const c = buf[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        depth++;
        if (depth === 2 && c === 0x7b) {
          entryStart = pos + i;
          segStart = i;
          entry = [];
        }
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
        if (depth === 1 && c === 0x7d && entryStart >= 0) {
          entry.push(Buffer.from(buf.subarray(segStart, i + 1)));
          yield { text: Buffer.concat(entry).toString('utf8'), end: pos + i + 1, index: index++ };
          entry = [];
          entryStart = -1;
          segStart = -1;
        }
      }
    }
    if (entryStart >= 0 && segStart >= 0) entry.push(Buffer.from(buf.subarray(segStart, n)));
    pos += n;
  }
  if (depth !== 0) throw new Error('the file ends inside the JSON array (truncated?)');
}

export class ExportJsonSource implements RecordSource {
  readonly warnings: string[] = [];
  constructor(
    private readonly path: string,
    private readonly mapping: KeyMapping,
  ) {}

  private size = 0;

  async open(): Promise<SourceOpening> {
    this.size = fileSize(this.path);
    return { revision: 0 };
  }

  fractionAt(cursor: string): number {
    return this.size > 0 ? Number(cursor.split(':')[1]) / this.size : 1;
  }

  /** The cursor is "<entries read>:<byte offset after them>", so a resumed read seeks straight there. */
  async *pages(cursor: string | undefined): AsyncIterable<RecordPage> {
    const fd = openSync(this.path, 'r');
    try {
      const [, offText] = (cursor ?? '0:0').split(':');
      let records: KvRecord[] = [];
      let last = cursor ?? '0:0';
      let read = Number((cursor ?? '0:0').split(':')[0]);
      for (const e of scanEntries(fd, Number(offText))) {
        read++;
        const r = parseEntry(e.text, `${this.path} entry ${read}`);
        last = `${read}:${e.end}`;
        if (!this.mapping.inSource(r.key)) continue;
        records.push(r);
        if (records.length >= PAGE_RECORDS) {
          yield { records, cursor: last };
          records = [];
        }
      }
      if (records.length > 0) yield { records, cursor: last };
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {}
}

/** Where each key of a written export file sits (key order), so verification can read entries back. */
class ExportJsonLookup implements RecordLookup {
  private keys: Buffer[] = [];
  private offsets = new Map<string, [number, number]>();
  constructor(private readonly path: string) {}

  load(): this {
    const fd = openSync(this.path, 'r');
    try {
      let prevEnd = 0;
      for (const e of scanEntries(fd, 0)) {
        const r = parseEntry(e.text, this.path);
        // an entry is read back from its own bytes only; the index keeps where, not what
        this.offsets.set(r.key.toString('latin1'), [prevEnd, e.end]);
        prevEnd = e.end;
      }
    } finally {
      closeSync(fd);
    }
    // a key written twice counts once, as the store the file is imported into keeps the last
    this.keys = [...this.offsets.keys()].map((k) => Buffer.from(k, 'latin1')).sort(Buffer.compare);
    return this;
  }

  async span(first: Buffer, last: Buffer | undefined): Promise<KvRecord[]> {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Buffer.compare(this.keys[mid]!, first) < 0) lo = mid + 1;
      else hi = mid;
    }
    const out: KvRecord[] = [];
    const fd = openSync(this.path, 'r');
    try {
      for (let i = lo; i < this.keys.length && (!last || Buffer.compare(this.keys[i]!, last) <= 0); i++) {
        const [from, to] = this.offsets.get(this.keys[i]!.toString('latin1'))!;
        const buf = Buffer.alloc(to - from);
        readSync(fd, buf, 0, buf.length, from);
        const text = buf.toString('utf8');
        out.push(parseEntry(text.slice(text.indexOf('{')), this.path));
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  async count(): Promise<number> {
    return this.offsets.size;
  }
}

export class ExportJsonSink implements RecordSink {
  batches = 0;
  readonly warnings: string[] = [];
  readonly rejected: RecordRejected[] = [];
  private fd = -1;
  private offset = 0;
  private entries = 0;

  constructor(private readonly path: string) {}

  async open(state: unknown): Promise<void> {
    const s = state as { offset: number; entries: number } | null | undefined;
    if (s && typeof s.offset === 'number') {
      this.fd = openSync(this.path, 'r+');
      // drop whatever was written after the checkpoint: those entries are written again
      ftruncateSync(this.fd, s.offset);
      this.offset = s.offset;
      this.entries = s.entries;
      return;
    }
    this.fd = openSync(this.path, 'w');
    this.append('[\n');
  }

  private append(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    writeSync(this.fd, buf, 0, buf.length, this.offset);
    this.offset += buf.length;
  }

  async write(records: KvRecord[]): Promise<void> {
    const parts: string[] = [];
    for (const r of records) {
      if (!Buffer.from(r.key.toString('utf8'), 'utf8').equals(r.key)) {
        this.rejected.push(new RecordRejected(r.key, 'the key is not UTF-8: a consul kv export file holds keys as JSON strings'));
        continue;
      }
      parts.push((this.entries++ === 0 ? '' : ',\n') + exportEntryText(r));
    }
    if (parts.length > 0) this.append(parts.join(''));
    this.batches++;
  }

  async checkpointState(): Promise<unknown> {
    fsyncSync(this.fd);
    return { offset: this.offset, entries: this.entries };
  }

  async finish(): Promise<void> {
    // an empty export is "[]", as Go's MarshalIndent writes an empty slice
    if (this.entries === 0) this.offset = 1;
    this.append(this.entries === 0 ? ']\n' : '\n]\n');
    fsyncSync(this.fd);
    ftruncateSync(this.fd, this.offset);
  }

  async lookup(): Promise<RecordLookup> {
    return new ExportJsonLookup(this.path).load();
  }

  async close(): Promise<void> {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export function fileSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}
