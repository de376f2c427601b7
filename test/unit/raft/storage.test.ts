import { describe, expect, it } from 'vitest';
import {
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
  type Entry,
  EntryType,
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  MemoryStorage,
} from '../../../src/native/raft/index.js';

const ent = (index: number, term: number, data = ''): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new TextEncoder().encode(data),
});

describe('MemoryStorage', () => {
  it('appends, answers terms and entries, and truncates a conflicting suffix', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([1, 3]);
    expect(s.term(3)).toBe(2);
    s.append([ent(3, 3), ent(4, 3)]); // index 3 rewritten by a newer leader
    expect(s.entries(1, 5, Infinity).map((e) => e.term)).toEqual([1, 1, 3, 3]);
    expect(() => s.term(9)).toThrow(ErrUnavailable);
    expect(() => s.append([ent(7, 3)])).toThrow(/missing log entry/);
  });

  it('limits entries by size but always returns one', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, 'x'.repeat(100)), ent(2, 1, 'y'.repeat(100)), ent(3, 1)]);
    expect(s.entries(1, 4, 10)).toHaveLength(1);
    expect(s.entries(1, 4, 240)).toHaveLength(2); // 116 + 116 fit, the third (16) would not
  });

  it('snapshots and compacts: older indexes answer ErrCompacted', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
    const snap = s.createSnapshot(3, { voters: [1n], learners: [] }, new Uint8Array([9]));
    expect(snap.metadata).toEqual({ index: 3, term: 2, confState: { voters: [1n], learners: [] } });
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(2); // the compaction point keeps its term
    expect(() => s.term(2)).toThrow(ErrCompacted);
    expect(() => s.entries(2, 4, Infinity)).toThrow(ErrCompacted);
    expect(() => s.createSnapshot(2, undefined, new Uint8Array())).toThrow(ErrSnapOutOfDate);
    expect(s.initialState().confState).toEqual({ voters: [1n], learners: [] });
  });

  it('applySnapshot replaces the log (a follower catching up)', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1)]);
    s.applySnapshot({ metadata: { index: 10, term: 4, confState: { voters: [1n, 2n], learners: [3n] } }, data: new Uint8Array() });
    expect([s.firstIndex(), s.lastIndex(), s.term(10)]).toEqual([11, 10, 4]);
    expect(() => s.applySnapshot({ metadata: { index: 5, term: 1, confState: { voters: [], learners: [] } }, data: new Uint8Array() })).toThrow(ErrSnapOutOfDate);
  });
});

describe('conf change entry bytes', () => {
  it('round-trips every field, including 64-bit ids and context', () => {
    const cc = { type: ConfChangeType.AddLearnerNode, nodeId: 0xfedcba9876543210n, context: new TextEncoder().encode('{"name":"n4"}') };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
  });

  it('rejects garbage', () => {
    expect(() => decodeConfChange(new Uint8Array([1, 2]))).toThrow(/too short/);
    expect(() => decodeConfChange(new Uint8Array(9).fill(7))).toThrow(/unknown conf change type/);
  });
});
