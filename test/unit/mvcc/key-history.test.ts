// KeyHistory (one key's generations of revisions) against a plain model: the flat list of the
// key's revisions, each with the version and create revision it had. Random puts, deletes and
// compactions; after each step every read revision from the compacted one on must agree, the
// revisions a compaction drops must be exactly etcd's, and a history rebuilt from the surviving
// records (as a restart does) must answer the same.
import { describe, expect, it } from 'vitest';
import { KeyHistory } from '../../../src/native/mvcc/key-history.js';
import { mulberry32 as rng } from '../../support/prng.js';

interface Rev {
  main: number;
  sub: number;
  tomb: boolean;
  version: number;
  createdMain: number;
}

function modelAt(revs: Rev[], atRev: number): Rev | undefined {
  let found: Rev | undefined;
  for (const r of revs) if (r.main <= atRev) found = r;
  return found && !found.tomb ? found : undefined;
}

/** Every disagreement between the history and the model (plain comparisons: thousands per seed). */
function differences(h: KeyHistory, revs: Rev[], from: number, to: number): string[] {
  const out: string[] = [];
  for (let at = from; at <= to; at++) {
    const want = modelAt(revs, at);
    const got = h.at(at);
    const w = want && `${want.main}.${want.sub} c${want.createdMain} v${want.version}`;
    const g = got && `${got.main}.${got.sub} c${got.createdMain} v${got.version}`;
    if (w !== g) out.push(`at(${at}): ${g} instead of ${w}`);
    if (h.existsAt(at) !== (want !== undefined)) out.push(`existsAt(${at}) wrong`);
  }
  const last = revs.at(-1);
  const live = last !== undefined && !last.tomb;
  if (h.live() !== live) out.push(`live() ${h.live()}`);
  if (h.isEmpty() !== (revs.length === 0)) out.push(`isEmpty() ${h.isEmpty()}`);
  if (live) {
    const got = `${h.main}.${h.sub} v${h.ver} c${h.createdMain}`;
    const want = `${last.main}.${last.sub} v${last.version} c${last.createdMain}`;
    if (got !== want) out.push(`newest ${got} instead of ${want}`);
    if (!h.isLatest({ main: last.main, sub: last.sub, createdMain: 0, version: 0 })) out.push('isLatest() false');
  }
  return out;
}

describe('KeyHistory', () => {
  it('a key put, deleted, created again and compacted answers every revision as etcd keeps it', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = rng(seed);
      const h = new KeyHistory('k');
      let revs: Rev[] = [];
      let rev = 0;
      let compacted = 0;
      for (let step = 0; step < 60; step++) {
        const last = revs.at(-1);
        const live = last !== undefined && !last.tomb;
        const r = rand();
        if (r < 0.6) {
          rev += 1 + Math.floor(rand() * 3);
          const sub = Math.floor(rand() * 3);
          h.put(rev, sub);
          revs.push({ main: rev, sub, tomb: false, version: live ? last.version + 1 : 1, createdMain: live ? last.createdMain : rev });
        } else if (r < 0.8 && live) {
          rev++;
          h.tombstone(rev, 0);
          revs.push({ main: rev, sub: 0, tomb: true, version: 0, createdMain: 0 });
        } else if (rev > compacted) {
          const at = compacted + 1 + Math.floor(rand() * (rev - compacted));
          // etcd: drop every revision before the one current at `at`, and that one too when it is a tombstone.
          let c = -1;
          revs.forEach((x, i) => {
            if (x.main <= at) c = i;
          });
          const dropN = c < 0 ? 0 : revs[c]!.tomb ? c + 1 : c;
          const want = revs.slice(0, dropN).map((x) => [x.main, x.sub, x.tomb]);
          const dropped: [number, number, boolean][] = [];
          const empty = h.compact(at, (m, s, t) => dropped.push([m, s, t]));
          if (JSON.stringify(dropped) !== JSON.stringify(want)) expect(dropped, `seed ${seed} compact(${at})`).toEqual(want);
          revs = revs.slice(dropN);
          if (empty !== (revs.length === 0)) expect(empty, `seed ${seed} compact(${at}) empty`).toBe(revs.length === 0);
          compacted = at;
        }
        const diff = differences(h, revs, compacted, rev + 1);
        if (diff.length > 0) expect(diff, `seed ${seed} step ${step}`).toEqual([]);
      }
      // A restart rebuilds the history from the records that survived, in revision order.
      const rebuilt = new KeyHistory('k');
      for (const x of revs) {
        if (x.tomb) rebuilt.tombstone(x.main, x.sub);
        else rebuilt.restorePut(x.main, x.sub, x.createdMain, x.version);
      }
      expect(differences(rebuilt, revs, compacted, rev + 1), `seed ${seed} rebuilt`).toEqual([]);
    }
  });

  it('gives out the key bytes as latin1 (every byte value), a new buffer each time', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const h = new KeyHistory(bytes.toString('latin1'));
    expect(h.key.equals(bytes)).toBe(true);
    expect(h.key).not.toBe(h.key);
  });
});
