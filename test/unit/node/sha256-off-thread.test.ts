// The snapshot stream's sha256 computed on a worker thread must be the sha256 of the bytes given,
// in order, whatever the sizes of the pieces and however often the ring of slots fills up.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inlineSha256, offThreadSha256 } from '../../../src/native/node/sha256-off-thread.js';

function pieces(total: number, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let left = total;
  let x = seed;
  while (left > 0) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = Math.min(left, 1 + (x % 70_000));
    out.push(randomBytes(n));
    left -= n;
  }
  return out;
}

describe('sha256 of a stream, off the event loop', () => {
  it.each([
    ['nothing', 0],
    ['less than a slot', 10_000],
    ['many times the ring', 3_000_000],
  ])('equals createHash over the same bytes (%s)', async (_name, total) => {
    const parts = pieces(total, total + 7);
    const expected = createHash('sha256');
    for (const p of parts) expected.update(p);
    const want = expected.digest();
    // small slots: the ring (4 x 64 KiB) fills up and update() has to wait for the worker
    const off = offThreadSha256(64 * 1024, 4);
    const inline = inlineSha256();
    for (const p of parts) {
      const room = off.update(p);
      if (room) await room;
      expect(inline.update(p)).toBeUndefined();
    }
    expect((await off.digest()).equals(want)).toBe(true);
    expect((await inline.digest()).equals(want)).toBe(true);
  });

  it('copies what it is given before update() returns (the caller may reuse its buffer)', async () => {
    const buf = Buffer.alloc(50_000, 1);
    const off = offThreadSha256(64 * 1024, 2);
    const expected = createHash('sha256');
    for (let i = 0; i < 20; i++) {
      buf.fill(i);
      expected.update(buf);
      const room = off.update(buf);
      if (room) await room;
    }
    expect((await off.digest()).equals(expected.digest())).toBe(true);
  });
});
