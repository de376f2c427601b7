import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ent, meta, segmentFile, tempDirs, text } from './wal-fixtures.js';
import { Wal, WalCorruptError } from '../../../src/native/wal/wal.js';
import { Snapshotter } from '../../../src/native/wal/snapshotter.js';

const tmp = tempDirs('dcsgw-wal-');
const warnings: string[] = [];
const logger = { info: () => undefined, warn: (_o: object, msg: string) => void warnings.push(msg) } as never;

describe('Wal', () => {
  it('round-trips metadata, hard state and entries across close and open', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save({ term: 1, vote: 7n, commit: 0 }, [ent(1, 1), ent(2, 1)]);
    wal.save({ term: 2, vote: 7n, commit: 2 }, [ent(3, 2)]);
    await wal.sync();
    await wal.close();

    const { wal: w2, state } = await Wal.open(dir);
    expect(state.metadata).toEqual(meta);
    expect(state.hardState).toEqual({ term: 2, vote: 7n, commit: 2 });
    expect(state.entries.map((e) => [e.index, e.term, text(e)])).toEqual([
      [1, 1, 'v1'],
      [2, 1, 'v2'],
      [3, 2, 'v3'],
    ]);
    await w2.close();
  });

  it('writes nothing before sync, and one sync makes many buffered batches durable', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    const before = statSync(segmentFile(dir)).size;
    for (let i = 1; i <= 50; i++) wal.save({ term: 1, vote: 1n, commit: i - 1 }, [ent(i, 1)]);
    expect(statSync(segmentFile(dir)).size).toBe(before);
    // Concurrent syncs: the first carries all 50 batches, the second finds nothing new.
    await Promise.all([wal.sync(), wal.sync()]);
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.entries).toHaveLength(50);
    expect(state.hardState?.commit).toBe(49);
    await w2.close();
  });

  it('keeps only the newest version of an overwritten suffix', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save(undefined, [ent(1, 1), ent(2, 1, 'old2'), ent(3, 1, 'old3')]);
    wal.save(undefined, [ent(2, 2, 'new2')]);
    await wal.sync();
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.entries.map(text)).toEqual(['v1', 'new2']);
    await w2.close();
  });

  it('returns only entries after the last snapshot marker', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save(undefined, [ent(1, 1), ent(2, 1), ent(3, 1)]);
    wal.saveSnapshot({ index: 2, term: 1 });
    wal.save(undefined, [ent(4, 1)]);
    await wal.sync();
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.snapshot).toEqual({ index: 2, term: 1 });
    expect(state.entries.map((e) => e.index)).toEqual([3, 4]);
    await w2.close();
  });

  it('truncates a half-written last record and keeps appending after it', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save(undefined, [ent(1, 1), ent(2, 1)]);
    await wal.sync();
    await wal.close();
    const file = segmentFile(dir);
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, full.length - 3)); // the crash cut the last record short
    warnings.length = 0;
    const { wal: w2, state } = await Wal.open(dir, { logger });
    expect(state.entries.map((e) => e.index)).toEqual([1]);
    expect(warnings.some((w) => w.includes('torn'))).toBe(true);
    w2.save(undefined, [ent(2, 1, 'again')]);
    await w2.sync();
    await w2.close();
    const { wal: w3, state: s3 } = await Wal.open(dir);
    expect(s3.entries.map(text)).toEqual(['v1', 'again']);
    await w3.close();
  });

  it('repairs a bit flip inside the last record', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save(undefined, [ent(1, 1), ent(2, 1, 'last-record')]);
    await wal.sync();
    await wal.close();
    const file = segmentFile(dir);
    const buf = readFileSync(file);
    buf[buf.length - 2]! ^= 0x10;
    writeFileSync(file, buf);
    const { wal: w2, state } = await Wal.open(dir, { logger });
    expect(state.entries.map((e) => e.index)).toEqual([1]);
    expect(statSync(file).size).toBeLessThan(buf.length);
    await w2.close();
  });

  it('refuses to open when a record in the middle fails its checksum, naming file and offset', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save(undefined, [ent(1, 1, 'first-entry'), ent(2, 1, 'second-entry'), ent(3, 1, 'third-entry')]);
    await wal.sync();
    await wal.close();
    const file = segmentFile(dir);
    const buf = readFileSync(file);
    const at = buf.indexOf('second-entry');
    buf[at]! ^= 0x01;
    writeFileSync(file, buf);
    const err = await Wal.open(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).file).toBe(file);
    expect((err as Error).message).toMatch(/corrupt record in .*\.wal at offset \d+/);
    // The file was left as it was: nothing was repaired.
    expect(readFileSync(file).equals(buf)).toBe(true);
  });

  it('rolls segments, repeats state at each segment start, and releases old segments', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta, { segmentBytes: 2048 });
    const big = 'x'.repeat(300);
    for (let i = 1; i <= 40; i++) {
      wal.save({ term: 1, vote: 1n, commit: i }, [ent(i, 1, big)]);
      await wal.sync();
    }
    expect(wal.segmentNames().length).toBeGreaterThan(3);
    wal.saveSnapshot({ index: 30, term: 1 });
    await wal.sync();
    await wal.releaseTo(30);
    const left = readdirSync(dir).filter((n) => n.endsWith('.wal'));
    expect(left.length).toBeLessThan(8);
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.metadata).toEqual(meta);
    expect(state.snapshot).toEqual({ index: 30, term: 1 });
    expect(state.hardState?.commit).toBe(40);
    expect(state.entries.map((e) => e.index)).toEqual([31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
    await w2.close();
  });
});

describe('Snapshotter', () => {
  it('loads the newest valid snapshot and skips a damaged one', async () => {
    const dir = tmp();
    const s = new Snapshotter<{ members: string[] }>(dir);
    const md = (index: number) => ({ index, term: 2, confState: { voters: [1n, 0xffffffffffffffffn], learners: [] } });
    await s.save({ metadata: md(10), extra: { members: ['a'] }, data: Buffer.from('ten') });
    await s.save({ metadata: md(20), extra: { members: ['b'] }, data: Buffer.from('twenty') });
    expect((await s.loadNewest())?.data.toString()).toBe('twenty');
    const newest = join(dir, s.list()[0]!.name);
    const buf = readFileSync(newest);
    buf[buf.length - 1]! ^= 0xff;
    writeFileSync(newest, buf);
    const got = await new Snapshotter<{ members: string[] }>(dir).loadNewest();
    expect(got?.data.toString()).toBe('ten');
    expect(got?.metadata).toEqual(md(10));
    expect(got?.extra).toEqual({ members: ['a'] });
  });
});

describe('Wal.close', () => {
  it('writes out what was saved but not yet synced', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save({ term: 3, vote: 1n, commit: 9 }, [ent(1, 3)]);
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.hardState).toEqual({ term: 3, vote: 1n, commit: 9 });
    expect(state.entries).toHaveLength(1);
    await w2.close();
  });
});

describe('Wal.open on a foreign log', () => {
  it('refuses a directory whose first segment does not start with our metadata record', async () => {
    const dir = tmp();
    // The shape of genuine etcd's first WAL segment: an 8-byte frame length, then protobuf records.
    const etcdLike = Buffer.alloc(4096);
    etcdLike.writeBigUInt64LE(0x8400000000000010n, 0);
    writeFileSync(join(dir, '0000000000000000-0000000000000000.wal'), etcdLike);
    await expect(Wal.open(dir)).rejects.toThrow(/is not a dcsgw WAL/);
  });
});
