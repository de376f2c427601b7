// Reading the MVCC store's own dump (MvccStore.snapshotData): 'DCSMVCC1', then consistent index,
// revision and compact revision as doubles, then four sections (kv, lease, meta, auth), each a u32
// count of (u32 key length, u32 value length, key, value). One parser for the raft-snapshot restore
// and the replicated restore of a Consul snapshot, which must refuse a damaged dump before touching
// anything rather than fail half-way through.

export const STORE_DUMP_MAGIC = Buffer.from('DCSMVCC1');
export const STORE_DUMP_SECTIONS = 4;

export interface StoreDumpEntry {
  key: Buffer;
  value: Buffer;
}

export interface StoreDump {
  consistentIndex: number;
  revision: number;
  compactRevision: number;
  /** kv, lease, meta, auth: views into the dump's buffer. */
  sections: StoreDumpEntry[][];
}

/** Parses a dump; throws an Error saying what is wrong when it is not a whole, well-formed one. */
export function parseStoreDump(data: Buffer): StoreDump {
  const head = STORE_DUMP_MAGIC.length + 24;
  if (data.length < head || !data.subarray(0, STORE_DUMP_MAGIC.length).equals(STORE_DUMP_MAGIC)) {
    throw new Error('not a dcsgw mvcc snapshot');
  }
  const need = (off: number, n: number) => {
    if (off + n > data.length) throw new Error('dcsgw mvcc snapshot is truncated');
  };
  let off = head;
  const sections: StoreDumpEntry[][] = [];
  for (let s = 0; s < STORE_DUMP_SECTIONS; s++) {
    need(off, 4);
    const n = data.readUInt32LE(off);
    off += 4;
    const entries: StoreDumpEntry[] = [];
    for (let i = 0; i < n; i++) {
      need(off, 8);
      const kl = data.readUInt32LE(off);
      const vl = data.readUInt32LE(off + 4);
      off += 8;
      need(off, kl + vl);
      entries.push({ key: data.subarray(off, off + kl), value: data.subarray(off + kl, off + kl + vl) });
      off += kl + vl;
    }
    sections.push(entries);
  }
  if (off !== data.length) throw new Error('dcsgw mvcc snapshot has trailing bytes');
  return {
    consistentIndex: data.readDoubleLE(STORE_DUMP_MAGIC.length),
    revision: data.readDoubleLE(STORE_DUMP_MAGIC.length + 8),
    compactRevision: data.readDoubleLE(STORE_DUMP_MAGIC.length + 16),
    sections,
  };
}

/**
 * The store's replicated state at one point in time, readable in slices across event-loop turns
 * while applies go on (an LMDB read transaction): what a streamed snapshot reads instead of a dump.
 * The numbers are the 'state' record of the same point in time.
 */
export interface StoreSnapshotView {
  consistentIndex: number;
  revision: number;
  compactRevision: number;
  /**
   * Section `i` (0 kv, 1 lease, 2 meta, 3 auth) in key order; each call reads it from the start. An
   * item's key and value may be views valid only until the next item is read: copy what is kept.
   */
  section(i: number): Iterable<StoreDumpEntry>;
  /** Releases the point in time (the read transaction); the view must not be read afterwards. */
  done(): void;
}

/** A view over a dump already in memory (a state machine without read transactions). */
export function dumpView(data: Buffer): StoreSnapshotView {
  const dump = parseStoreDump(data);
  return {
    consistentIndex: dump.consistentIndex,
    revision: dump.revision,
    compactRevision: dump.compactRevision,
    section: (i) => dump.sections[i]!,
    done: () => undefined,
  };
}
