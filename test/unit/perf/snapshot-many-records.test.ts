// A store that has taken etcd's default snapshot count of writes (100 000) without a compaction
// holds that many revisions: snapshotting it must not overflow the stack (it stopped the member).
import { afterEach, describe, expect, it } from 'vitest';
import type { CommittedCommand } from '../../../src/native/mvcc/api.js';
import { Harness } from '../mvcc/harness.js';

let h: Harness | undefined;
afterEach(() => h?.destroy());

describe('mvcc snapshot of a long history', () => {
  it('snapshotData of 60 000 revisions restores into another store', async () => {
    h = new Harness();
    const value = Buffer.alloc(8, 97);
    for (let batch = 0; batch < 60; batch++) {
      const cmds: CommittedCommand[] = [];
      for (let i = 0; i < 1000; i++) {
        const key = Buffer.from(`k${(batch * 1000 + i) % 500}`);
        cmds.push({ index: ++h.index, term: 1, command: { kind: 'put', req: { key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } } });
      }
      h.store.applyBatch(cmds);
    }
    const data = await h.store.snapshotData();
    const other = new Harness();
    try {
      other.store.restore(data);
      expect(other.store.currentRevision()).toBe(60_001);
      expect(other.store.hashKV(0)).toEqual(h.store.hashKV(0));
    } finally {
      other.destroy();
    }
  });
});
