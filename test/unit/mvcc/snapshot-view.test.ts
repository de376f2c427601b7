// The etcd snapshot stream and snapshotData() read the store through a view (one read transaction)
// across event-loop turns. Writes, a defragmentation that swaps the environment and close() may
// happen meanwhile: the view keeps reading the point in time it was taken at, to the end.
import { afterEach, describe, expect, it } from 'vitest';
import { isSystemRecord, decodeKvRecord } from '../../../src/native/mvcc/kv-record.js';
import { Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.destroy());

/** The user keys of section 0 (kv) with their values, as the view reads them. */
function keysOf(section: Iterable<{ key: Buffer; value: Buffer }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const { value } of section) {
    if (isSystemRecord(value)) continue;
    const kv = decodeKvRecord(value);
    out.set(kv.key.toString(), kv.value.toString());
  }
  return out;
}

describe('store snapshot view', () => {
  it('reads the point in time it was taken at while writes, a defragmentation and a slice boundary pass', async () => {
    h = new Harness();
    for (let i = 0; i < 300; i++) h.put(`k/${i}`, `v${i}`);
    const view = h.store.snapshotView();
    const revision = view.revision;
    expect(revision).toBe(h.store.currentRevision());
    const iter = view.section(0)[Symbol.iterator]();
    const firstHalf: Array<{ key: Buffer; value: Buffer }> = [];
    for (let i = 0; i < 150; i++) {
      const n = iter.next();
      firstHalf.push({ key: Buffer.from(n.value!.key), value: Buffer.from(n.value!.value) });
    }
    h.put('k/0', 'changed');
    h.put('later', 'x');
    await (h.store as unknown as { defragment(): Promise<void> }).defragment();
    await new Promise((r) => setImmediate(r));
    const rest: Array<{ key: Buffer; value: Buffer }> = [];
    for (let n = iter.next(); !n.done; n = iter.next()) rest.push({ key: Buffer.from(n.value.key), value: Buffer.from(n.value.value) }); // items are views until the next read
    const seen = keysOf([...firstHalf, ...rest]);
    view.done();
    expect(seen.size).toBe(300);
    expect(seen.get('k/0')).toBe('v0');
    expect(seen.has('later')).toBe(false);
    // the store itself moved on
    expect(h.val('k/0')).toBe('changed');
  });

  it('a section first read after a defragmentation swapped the environment still reads the point in time of the view', async () => {
    // the etcd snapshot stream reads section 0 twice (sizes, then bytes): the second pass may start after a swap
    h = new Harness();
    for (let i = 0; i < 300; i++) h.put(`k/${i}`, `v${i}`);
    const view = h.store.snapshotView();
    const first = keysOf(view.section(0));
    h.put('k/0', 'changed');
    h.put('later', 'x');
    await (h.store as unknown as { defragment(): Promise<void> }).defragment();
    const second = new Map<string, string>();
    for (const { value } of view.section(0)) {
      const kv = decodeKvRecord(value);
      second.set(kv.key.toString(), kv.value.toString());
    }
    view.done();
    expect(second).toEqual(first);
    expect(second.get('k/0')).toBe('v0');
    expect(second.has('later')).toBe(false);
  });

  it('snapshotData taken before writes holds the state of that moment', async () => {
    h = new Harness();
    for (let i = 0; i < 2000; i++) h.put(`k/${i}`, 'x'.repeat(100));
    const pending = h.store.snapshotData();
    h.put('after', 'y');
    const data = await pending;
    const other = new Harness();
    try {
      other.store.restore(data);
      expect(other.store.currentRevision()).toBe(h.store.currentRevision() - 1);
      expect(other.val('after')).toBeUndefined();
      expect(other.val('k/1999')).toBe('x'.repeat(100));
    } finally {
      other.destroy();
    }
  });
});
