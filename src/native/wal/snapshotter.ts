// Raft snapshot files: `<term:016x>-<index:016x>.snap` in the snapshot directory, as etcd names them.
//
// File: [crc: u32 LE][metaLen: u32 LE][meta: JSON][data]; the CRC-32C covers everything after it.
// `meta` holds the raft snapshot metadata plus whatever JSON the host stores beside it (the member list).
// A file is written to a temporary name, fdatasynced, then renamed, so a crash never leaves a
// half-written snapshot under a valid name; a file that fails its CRC anyway is renamed to
// `.broken` and the next older one is used (etcd does the same).
import { promises as fsp, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SnapshotMetadata } from '../raft/api.js';
import { crc32c } from '../crc32c.js';

export interface StoredSnapshot<Extra> {
  metadata: SnapshotMetadata;
  extra: Extra;
  data: Buffer;
}

const SNAP_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const hex = (n: number) => n.toString(16).padStart(16, '0');

interface MetaJson {
  index: number;
  term: number;
  voters: string[];
  learners: string[];
  extra: unknown;
}

export class Snapshotter<Extra> {
  constructor(
    readonly dir: string,
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async save(snap: StoredSnapshot<Extra>): Promise<string> {
    const meta: MetaJson = {
      index: snap.metadata.index,
      term: snap.metadata.term,
      voters: snap.metadata.confState.voters.map(String),
      learners: snap.metadata.confState.learners.map(String),
      extra: snap.extra,
    };
    const metaBuf = Buffer.from(JSON.stringify(meta));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(metaBuf.length, 4);
    let crc = crc32c(head, 0, 4, 8);
    crc = crc32c(metaBuf, crc);
    crc = crc32c(snap.data, crc);
    head.writeUInt32LE(crc, 0);
    const name = `${hex(snap.metadata.term)}-${hex(snap.metadata.index)}.snap`;
    const tmp = join(this.dir, `${name}.tmp`);
    const h = await fsp.open(tmp, 'w');
    try {
      await h.writev([head, metaBuf, snap.data]);
      await h.datasync();
    } finally {
      await h.close();
    }
    await fsp.rename(tmp, join(this.dir, name));
    const d = await fsp.open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
    return name;
  }

  /** The newest snapshot that passes its CRC (optionally the newest at or below maxIndex), or undefined. */
  async loadNewest(maxIndex = Number.MAX_SAFE_INTEGER): Promise<StoredSnapshot<Extra> | undefined> {
    const names = this.list().filter((n) => n.index <= maxIndex);
    for (const n of names) {
      const path = join(this.dir, n.name);
      const buf = await fsp.readFile(path);
      const snap = this.decode(buf);
      if (snap) return snap;
      this.logger?.warn({ path }, 'snapshotter: snapshot file fails its checksum; renaming to .broken');
      await fsp.rename(path, `${path}.broken`);
    }
    return undefined;
  }

  /** Deletes all but the newest `keep` snapshot files (etcd keeps 5 by default). */
  async purge(keep: number): Promise<void> {
    for (const n of this.list().slice(keep)) await fsp.rm(join(this.dir, n.name), { force: true });
  }

  /** Snapshot files, newest (highest index) first. */
  list(): { name: string; term: number; index: number }[] {
    const out: { name: string; term: number; index: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = SNAP_RE.exec(name);
      if (m) out.push({ name, term: parseInt(m[1]!, 16), index: parseInt(m[2]!, 16) });
    }
    return out.sort((a, b) => b.index - a.index || b.term - a.term);
  }

  private decode(buf: Buffer): StoredSnapshot<Extra> | undefined {
    if (buf.length < 8) return undefined;
    const metaLen = buf.readUInt32LE(4);
    if (8 + metaLen > buf.length) return undefined;
    if (crc32c(buf, 0, 4, buf.length) !== buf.readUInt32LE(0)) return undefined;
    const meta = JSON.parse(buf.subarray(8, 8 + metaLen).toString('utf8')) as MetaJson;
    return {
      metadata: {
        index: meta.index,
        term: meta.term,
        confState: { voters: meta.voters.map((v) => BigInt(v)), learners: meta.learners.map((v) => BigInt(v)) },
      },
      extra: meta.extra as Extra,
      data: buf.subarray(8 + metaLen),
    };
  }
}
