// A Range built in slices across event-loop turns (MvccStore.rangeSliced) answers exactly what the
// store answered when it was called, while writes, deletes and compactions are applied between its
// slices; and both forms answer what etcd 3.4's applier Range computes from the history (a model
// of it below, written from etcd's documented semantics: count before limit and filters, limit + 1
// fetched for `more` unless it sorts or filters, ascending sort by default for a non-key target,
// keys-only answers without values). Keys-only answers come from the key index alone, so they are
// checked against the model's create/mod revision, version and lease at the read revision.
import { afterEach, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, SortOrder, SortTarget, type KeyValue, type RangeRequest, type TxnRequest } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import type { RangeResult } from '../../../src/native/mvcc/api.js';
import { b, cmp, Harness, rangeReq } from './harness.js';

const made: Harness[] = [];
function harness(extra: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = new Harness({ rangeSliceKeys: 7, ...extra });
  made.push(h);
  return h;
}
afterEach(() => {
  for (const h of made.splice(0)) h.destroy();
});

interface ModelKv {
  createRevision: number;
  modRevision: number;
  version: number;
  value: string;
  lease: bigint;
}

/** Every put and delete the test applies, with its revision: the oracle's input. */
class Model {
  private readonly log: { rev: number; key: string; put?: { value: string; lease: bigint } }[] = [];

  put(rev: number, key: string, value: string, lease = 0n): void {
    this.log.push({ rev, key, put: { value, lease } });
  }

  del(rev: number, key: string): void {
    this.log.push({ rev, key });
  }

  stateAt(rev: number): Map<string, ModelKv> {
    const m = new Map<string, ModelKv>();
    for (const e of this.log) {
      if (e.rev > rev) break;
      if (!e.put) {
        m.delete(e.key);
        continue;
      }
      const old = m.get(e.key);
      m.set(e.key, {
        createRevision: old ? old.createRevision : e.rev,
        modRevision: e.rev,
        version: old ? old.version + 1 : 1,
        value: e.put.value,
        lease: e.put.lease,
      });
    }
    return m;
  }

  /** etcd 3.4's Range at `rev` (the read revision), as a user sees it. */
  range(req: RangeRequest, rev: number): { kvs: KeyValue[]; more: boolean; count: number } {
    const from = req.key.toString('latin1');
    const to = req.rangeEnd.length === 0 ? undefined : req.rangeEnd.length === 1 && req.rangeEnd[0] === 0 ? '\u0100' : req.rangeEnd.toString('latin1');
    const all = [...this.stateAt(rev)]
      .filter(([k]) => (to === undefined ? k === from : k >= from && k < to))
      .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))
      .map(([k, v]): KeyValue => ({ key: b(k), createRevision: v.createRevision, modRevision: v.modRevision, version: v.version, value: b(v.value), lease: v.lease }));
    if (req.countOnly) return { kvs: [], more: false, count: all.length };
    const filtered = req.minModRevision !== 0 || req.maxModRevision !== 0 || req.minCreateRevision !== 0 || req.maxCreateRevision !== 0;
    let kvs = req.limit > 0 && req.sortOrder === SortOrder.NONE && !filtered ? all.slice(0, req.limit + 1) : all;
    kvs = kvs.filter(
      (kv) =>
        (req.maxModRevision === 0 || kv.modRevision <= req.maxModRevision) &&
        (req.minModRevision === 0 || kv.modRevision >= req.minModRevision) &&
        (req.maxCreateRevision === 0 || kv.createRevision <= req.maxCreateRevision) &&
        (req.minCreateRevision === 0 || kv.createRevision >= req.minCreateRevision),
    );
    const order = req.sortTarget !== SortTarget.KEY && req.sortOrder === SortOrder.NONE ? SortOrder.ASCEND : req.sortOrder;
    if (order !== SortOrder.NONE) {
      const field = (kv: KeyValue): number | Buffer =>
        [kv.key, kv.version, kv.createRevision, kv.modRevision, kv.value][req.sortTarget]!;
      const cmp = (x: KeyValue, y: KeyValue) => {
        const [p, q] = [field(x), field(y)];
        return typeof p === 'number' ? p - (q as number) : Buffer.compare(p, q as Buffer);
      };
      kvs.sort(order === SortOrder.DESCEND ? (x, y) => cmp(y, x) : cmp);
    }
    let more = false;
    if (req.limit > 0 && kvs.length > req.limit) {
      kvs = kvs.slice(0, req.limit);
      more = true;
    }
    if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
    return { kvs, more, count: all.length };
  }
}

const name = (i: number) => `k/${String(i).padStart(3, '0')}`;

/** 200 keys with three generations of history, leases on some, deletes, a two-put txn: returns the model. */
function build(h: Harness): Model {
  const m = new Model();
  const rev = () => h.store.currentRevision();
  h.ok({ kind: 'leaseGrant', req: { id: 7n, ttl: 600 } });
  h.ok({ kind: 'leaseGrant', req: { id: 9n, ttl: 600 } });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200; i++) {
      if ((i + round) % 5 === 0) continue;
      const lease = i % 7 === round ? 7n : i % 11 === round ? 9n : 0n;
      // Values in reverse key order now and then, so a value sort differs from a key sort.
      const value = `v${round}-${(997 * i) % 200}`;
      h.put(name(i), value, { lease });
      m.put(rev(), name(i), value, lease);
    }
    for (let i = round; i < 200; i += 9) {
      if (h.get(name(i)).count === 0) continue;
      h.del(name(i));
      m.del(rev(), name(i));
    }
  }
  h.txn({ success: [{ requestPut: { key: b(name(3)), value: b('t1'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }, { requestPut: { key: b(name(4)), value: b('t2'), lease: 9n, prevKv: false, ignoreValue: false, ignoreLease: false } }] });
  m.put(rev(), name(3), 't1');
  m.put(rev(), name(4), 't2', 9n);
  return m;
}

/** The requests a test runs: every option alone and in the combinations users send. */
function requests(midRev: number, oldRev: number): RangeRequest[] {
  const out: RangeRequest[] = [];
  const whole = { rangeEnd: b('k0') };
  for (const revision of [0, midRev, oldRev]) {
    for (const limit of [0, 1, 13, 150]) {
      for (const keysOnly of [false, true]) {
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, sortOrder: SortOrder.DESCEND }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, sortTarget: SortTarget.VALUE }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, sortTarget: SortTarget.MOD, sortOrder: SortOrder.DESCEND }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, sortTarget: SortTarget.VERSION }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, sortTarget: SortTarget.CREATE, sortOrder: SortOrder.ASCEND }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, minModRevision: oldRev, maxCreateRevision: midRev }));
        out.push(rangeReq('k/', { ...whole, revision, limit, keysOnly, maxModRevision: midRev, minCreateRevision: 10 }));
      }
    }
    out.push(rangeReq('k/', { ...whole, revision, countOnly: true }));
    out.push(rangeReq('k/050', { rangeEnd: b('k/120'), revision, limit: 20 }));
    out.push(rangeReq('k/', { rangeEnd: Buffer.from([0]), revision, keysOnly: true }));
    out.push(rangeReq(name(4), { revision }));
    out.push(rangeReq(name(10), { revision, keysOnly: true }));
  }
  return out;
}

const plain = (r: { kvs: KeyValue[]; more: boolean; count: number }) => ({
  kvs: r.kvs.map((kv) => ({ ...kv, key: kv.key.toString('latin1'), value: kv.value.toString('latin1') })),
  more: r.more,
  count: r.count,
});

describe('sliced range', () => {
  it('answers what etcd computes from the history, sliced or not, for every option', async () => {
    const h = harness();
    const m = build(h);
    const cur = h.store.currentRevision();
    const reqs = requests(Math.floor(cur / 2), Math.floor(cur / 5));
    for (const req of reqs) {
      const rev = req.revision > 0 ? req.revision : cur;
      const want = plain(m.range(req, rev));
      expect(plain(h.store.range(req)), JSON.stringify({ ...req, key: req.key.toString() })).toEqual(want);
      const sliced = await h.store.rangeSliced(req);
      expect(plain(sliced)).toEqual(want);
      expect(sliced.revision).toBe(cur);
    }
  });

  it('keeps the answer of its revision while writes and deletes land between slices', async () => {
    const h = harness();
    const m = build(h);
    const cur = h.store.currentRevision();
    let n = 0;
    for (const req of requests(Math.floor(cur / 2), Math.floor(cur / 5)).filter((_, i) => i % 3 === 0)) {
      const startRev = h.store.currentRevision();
      const rev = req.revision > 0 ? req.revision : startRev;
      const want = plain(m.range(req, rev));
      let settled = false;
      const pending = h.store.rangeSliced(req).finally(() => (settled = true));
      while (!settled) {
        // Between slices: overwrite, delete and create keys inside the range.
        const i = (n++ * 37) % 260;
        if (i % 4 === 0 && h.get(name(i)).count > 0) {
          h.del(name(i));
          m.del(h.store.currentRevision(), name(i));
        } else {
          h.put(name(i), `w${n}`);
          m.put(h.store.currentRevision(), name(i), `w${n}`);
        }
        await new Promise((r) => setImmediate(r));
      }
      const got = await pending;
      expect(plain(got)).toEqual(want);
      expect(got.revision).toBe(startRev);
    }
    expect(n).toBeGreaterThan(50); // the reads did span many turns
  });

  it('holds the background compactor back until its last slice, then lets it finish', async () => {
    // compactionBatchLimit 50: the keyspace is larger, so a compaction goes to the background compactor.
    const h = harness({ compactionBatchLimit: 50 });
    const m = build(h);
    const cur = h.store.currentRevision();
    const old = Math.floor(cur / 5);
    const req = rangeReq('k/', { rangeEnd: b('k0'), revision: old });
    const want = plain(m.range(req, old));
    let settled = false;
    const pending = h.store.rangeSliced(req).finally(() => (settled = true));
    // A compaction above the read revision, applied while the read is between slices.
    h.ok({ kind: 'compaction', req: { revision: Math.floor(cur / 2), physical: true } });
    let turns = 0;
    while (!settled) {
      turns++;
      await new Promise((r) => setImmediate(r));
    }
    expect(turns).toBeGreaterThan(5);
    expect(plain(await pending)).toEqual(want);
    await h.store.waitPhysicalCompaction(Math.floor(cur / 2));
    await expect(h.store.rangeSliced(req)).rejects.toBe(Errors.Compacted);
    const now = rangeReq('k/', { rangeEnd: b('k0') });
    expect(plain(await h.store.rangeSliced(now))).toEqual(plain(m.range(now, cur)));
  });

  it('fails with "required revision has been compacted" when a compaction removed its revision meanwhile', async () => {
    // A large batch limit: the compaction removes the revisions inside its apply, at once.
    const h = harness({ compactionBatchLimit: 100_000 });
    build(h);
    const old = Math.floor(h.store.currentRevision() / 3);
    const pending = h.store.rangeSliced(rangeReq('k/', { rangeEnd: b('k0'), revision: old }));
    h.ok({ kind: 'compaction', req: { revision: old + 1, physical: true } });
    await expect(pending).rejects.toBe(Errors.Compacted);
    // Its own revision still below the new compact revision: refused at once, as range() does.
    await expect(h.store.rangeSliced(rangeReq('k/', { rangeEnd: b('k0'), revision: old }))).rejects.toBe(Errors.Compacted);
    expect(() => h.store.range(rangeReq('k/', { rangeEnd: b('k0'), revision: old }))).toThrow(Errors.Compacted);
  });

  it('answers a read-only txn with the ranges of its branch at the revision of the call', async () => {
    const h = harness();
    const m = build(h);
    const cur = h.store.currentRevision();
    const all = rangeReq('k/', { rangeEnd: b('k0') });
    const req: TxnRequest = {
      compare: [cmp(name(4), CompareTarget.VALUE, CompareResult.EQUAL, { value: b('t2') })],
      success: [
        { requestRange: { ...all, keysOnly: true } },
        { requestRange: { ...all, limit: 17, sortTarget: SortTarget.MOD, sortOrder: SortOrder.DESCEND, revision: Math.floor(cur / 2) } },
        { requestRange: { ...all, countOnly: true } },
      ],
      failure: [{ requestRange: all }],
    };
    const want = h.store.readOnlyTxn(req);
    let settled = false;
    const pending = h.store.readOnlyTxnSliced(req).finally(() => (settled = true));
    let n = 0;
    while (!settled) {
      h.put(name(n % 200), `x${n}`);
      // The compare's key changes too: the branch was decided at the call.
      if (n++ === 0) h.put(name(4), 'changed');
      await new Promise((r) => setImmediate(r));
    }
    const got = await pending;
    expect(n).toBeGreaterThan(10);
    expect(got.succeeded).toBe(true);
    expect(got.revision).toBe(cur);
    expect(got).toEqual(want);
    expect(plain(got.responses[0]!.responseRange!)).toEqual(plain(m.range({ ...all, keysOnly: true }, cur)));
    expect(plain(got.responses[1]!.responseRange!)).toEqual(plain(m.range(req.success[1]!.requestRange!, Math.floor(cur / 2))));
    expect(got.responses[2]!.responseRange!.count).toBe(m.range(all, cur).count);
  });

  it('answers a small range in its first slice and refuses future revisions like range()', async () => {
    const h = harness({ rangeSliceKeys: 1000 });
    const m = build(h);
    const cur = h.store.currentRevision();
    const req = rangeReq('k/', { rangeEnd: b('k0'), limit: 5 });
    let settled = false;
    const pending = h.store.rangeSliced(req).then((r: RangeResult) => ((settled = true), r));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(plain(await pending)).toEqual(plain(m.range(req, cur)));
    await expect(h.store.rangeSliced(rangeReq('k/', { revision: cur + 1 }))).rejects.toBe(Errors.FutureRev);
  });
});
