// A start on `etcdctl snapshot restore` output reads etcd's "key" bucket leaf page by leaf page
// through a window of large reads (BoltReader.scanLeaves) instead of a read per page. Whatever the
// window's size against the pages (overflow pages of large values crossing its end, branch pages
// two levels deep elsewhere in the file), it must hand over exactly the entries, in the order,
// that the page-by-page walk (BoltReader.entries) reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoltReader, BoltStreamWriter } from '../../../src/compat/migrate/bbolt-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dcsgw-bbolt-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function revKey(i: number): Buffer {
  const b = Buffer.alloc(17);
  b.writeUInt32BE(i, 4);
  b[8] = 0x5f;
  return b;
}

/** 20 000 entries (about 400 leaves under two levels of branch pages), every 97th value 9 000 B (overflow pages). */
function writeFile(path: string): void {
  const w = new BoltStreamWriter(path, 'key');
  for (let i = 0; i < 20_000; i++) w.appendToStreamed(revKey(i), Buffer.alloc(i % 97 === 0 ? 9_000 : 40 + (i % 13), i & 0xff));
  w.finish(new Map([['meta', [[Buffer.from('consistent_index'), Buffer.alloc(8, 1)]]], ['members_removed', []]]));
  w.close();
}

function scanned(db: BoltReader, bucket: string, windowBytes?: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  db.scanLeaves(
    bucket,
    (page) => {
      const count = page.readUInt16LE(10);
      for (let i = 0; i < count; i++) {
        const el = 16 + i * 16;
        const at = el + page.readUInt32LE(el + 4);
        const keySize = page.readUInt32LE(el + 8);
        out.push([page.toString('hex', at, at + keySize), page.toString('hex', at + keySize, at + keySize + page.readUInt32LE(el + 12))]);
      }
    },
    windowBytes,
  );
  return out;
}

describe('BoltReader.scanLeaves', () => {
  const path = join(dir, 'snap.db');
  writeFile(path);

  it.each([
    ['one page', 4096],
    ['three pages (overflow pages cross its end)', 3 * 4096],
    ['64 KiB', 64 * 1024],
    ['the default (8 MiB: the whole file)', undefined],
  ])('with a window of %s: the entries of the page-by-page walk, in order', (_, windowBytes) => {
    const db = new BoltReader(path);
    try {
      const walked = [...db.entries('key')].map((e): [string, string] => [e.key.toString('hex'), e.value.toString('hex')]);
      expect(walked).toHaveLength(20_000);
      expect(scanned(db, 'key', windowBytes)).toEqual(walked);
    } finally {
      db.close();
    }
  });

  it('reads a bucket of one page and an inline (empty) bucket; a missing bucket is false', () => {
    const db = new BoltReader(path);
    try {
      expect(scanned(db, 'meta')).toEqual([[Buffer.from('consistent_index').toString('hex'), Buffer.alloc(8, 1).toString('hex')]]);
      expect(scanned(db, 'members_removed')).toEqual([]);
      expect(db.scanLeaves('no-such-bucket', () => expect.unreachable())).toBe(false);
    } finally {
      db.close();
    }
  });
});
