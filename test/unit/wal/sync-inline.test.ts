// Wal.syncInline: the WAL write done on the calling thread (no thread-pool hand-off), as the
// member does for a Ready of one entry when no other write is in flight.
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ent, meta, segmentFile, tempDirs, text } from './wal-fixtures.js';
import { Wal } from '../../../src/native/wal/wal.js';

const tmp = tempDirs('dcsgw-wal-inline-');

describe('Wal.syncInline', () => {
  it('writes on the calling thread: the bytes are in the file when it returns, and a reopen finds them', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save({ term: 1, vote: 7n, commit: 0 }, [ent(1, 1)]);
    const before = statSync(segmentFile(dir)).size;
    expect(wal.syncInline()).toBe(true);
    expect(statSync(segmentFile(dir)).size).toBeGreaterThan(before);
    expect(wal.hasPending()).toBe(false);
    wal.save({ term: 1, vote: 7n, commit: 1 }, [ent(2, 1)]);
    await wal.sync();
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.entries.map(text)).toEqual(['v1', 'v2']);
    expect(state.hardState).toEqual({ term: 1, vote: 7n, commit: 1 });
    await w2.close();
  });

  it('declines while a sync is in flight, so writes stay in order', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta);
    wal.save(undefined, [ent(1, 1)]);
    const inFlight = wal.sync();
    wal.save(undefined, [ent(2, 1)]);
    expect(wal.canSyncInline()).toBe(false);
    expect(wal.syncInline()).toBe(false);
    expect(wal.hasPending()).toBe(true);
    await inFlight;
    expect(wal.canSyncInline()).toBe(true);
    expect(wal.syncInline()).toBe(true);
    await wal.close();
    const { wal: w2, state } = await Wal.open(dir);
    expect(state.entries.map(text)).toEqual(['v1', 'v2']);
    await w2.close();
  });

  it('leaves a write that would end the segment to sync(), which starts the next one', async () => {
    const dir = tmp();
    const wal = await Wal.create(dir, meta, { segmentBytes: 256 });
    wal.save(undefined, [ent(1, 1, 'x'.repeat(300))]);
    expect(wal.canSyncInline()).toBe(false);
    expect(wal.syncInline()).toBe(false);
    await wal.sync();
    expect(wal.segmentNames()).toHaveLength(2);
    await wal.close();
  });
});
