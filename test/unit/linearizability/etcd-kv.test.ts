// Hand-written histories for the etcd KV model: what a linearizable etcd may answer, and the
// classic anomalies it must refute (stale read, lost write, revision going backwards or skipping,
// a read of a value never written), plus the lost-acknowledged-write check.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  checkLinearizable,
  etcdKvModel,
  findLostWrites,
  HistoryRecorder,
  loadHistory,
  saveHistory,
  type KvInput,
  type KvOperation,
  type KvOutput,
} from '../../support/linearizability/index.js';

function op(clientId: number, call: number, ret: number, input: KvInput, output?: KvOutput): KvOperation {
  return { clientId, call, return: ret, input, output };
}
const put = (key: string, value: string): KvInput => ({ kind: 'put', key, value });
const get = (key: string): KvInput => ({ kind: 'get', key });
// Every history is checked twice: with the fast necessary-condition checks, and by the search alone.
describe.each([
  ['with prechecks', true],
  ['search only', false],
] as const)('etcd KV model (%s)', (_, precheck) => {
  const model = etcdKvModel({ precheck }); // fresh etcd: revision 1

  test('sequential puts, gets, delete and cas with consecutive revisions are linearizable', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 2, 3, get('a'), { kind: 'get', revision: 2, value: 'x', modRevision: 2 }),
      op(0, 4, 5, { kind: 'cas', key: 'a', compare: { target: 'modRevision', modRevision: 2 }, value: 'y' }, { kind: 'cas', revision: 3, succeeded: true }),
      op(1, 6, 7, { kind: 'cas', key: 'a', compare: { target: 'value', value: 'x' }, value: 'z' }, { kind: 'cas', revision: 3, succeeded: false }),
      op(0, 8, 9, { kind: 'delete', key: 'a' }, { kind: 'delete', revision: 4, deleted: 1 }),
      op(1, 10, 11, { kind: 'delete', key: 'a' }, { kind: 'delete', revision: 4, deleted: 0 }),
      op(0, 12, 13, get('a'), { kind: 'get', revision: 4 }),
    ];
    expect(checkLinearizable(model, h)).toMatchObject({ ok: true, timedOut: false });
  });

  test('concurrent puts may apply in either order, as their revisions tell', () => {
    const h = [
      op(0, 0, 10, put('a', 'x'), { kind: 'put', revision: 3 }),
      op(1, 1, 9, put('a', 'y'), { kind: 'put', revision: 2 }),
      op(2, 11, 12, get('a'), { kind: 'get', revision: 3, value: 'x', modRevision: 3 }),
    ];
    expect(checkLinearizable(model, h).ok).toBe(true);
  });

  test('a stale read (old value after a completed overwrite) is refuted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(0, 2, 3, put('a', 'y'), { kind: 'put', revision: 3 }),
      op(1, 4, 5, get('a'), { kind: 'get', revision: 2, value: 'x', modRevision: 2 }),
    ];
    const result = checkLinearizable(model, h);
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    // the overwrite cannot be placed before it returned while the stale read still needs rev 2
    expect(result.counterexample?.blockedOperation).toMatch(/put a="y" -> rev 3|get a -> "x"/);
    if (!precheck) expect(result.counterexample?.stateAfterPrefix).toBe('rev 2 {a="x"@2}');
  });

  test('a lost write (acknowledged, then a later read at a newer revision misses it) is refuted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(0, 2, 3, put('b', 'y'), { kind: 'put', revision: 3 }),
      op(1, 4, 5, get('a'), { kind: 'get', revision: 3 }),
    ];
    expect(checkLinearizable(model, h).ok).toBe(false);
  });

  test('a revision going backwards is refuted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 3 }),
      op(1, 2, 3, put('b', 'y'), { kind: 'put', revision: 2 }),
    ];
    expect(checkLinearizable(model, h).ok).toBe(false);
  });

  test('a revision skipping a number needs a write that may explain it', () => {
    const skip = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(0, 2, 3, put('a', 'y'), { kind: 'put', revision: 4 }),
    ];
    expect(checkLinearizable(model, skip).ok).toBe(false);
    // A put that timed out (unknown outcome) may have taken revision 3.
    const explained = [...skip, op(1, 0.5, Infinity, put('b', 'z'))];
    expect(checkLinearizable(model, explained).ok).toBe(true);
    // ...but not if it was invoked after revision 4 was already acknowledged.
    const tooLate = [...skip, op(1, 3.5, Infinity, put('b', 'z'))];
    expect(checkLinearizable(model, tooLate).ok).toBe(false);
  });

  test('a read of a value never written is refuted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 2, 3, get('a'), { kind: 'get', revision: 2, value: 'ghost', modRevision: 2 }),
    ];
    expect(checkLinearizable(model, h).ok).toBe(false);
  });

  test('a read whose header revision lies in the future of a later read is refuted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 2, 3, get('a'), { kind: 'get', revision: 3, value: 'x', modRevision: 2 }),
    ];
    expect(checkLinearizable(model, h).ok).toBe(false);
  });

  test('a cas that succeeded although its compare was false is refuted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 2, 3, { kind: 'cas', key: 'a', compare: { target: 'value', value: 'nope' }, value: 'y' }, { kind: 'cas', revision: 3, succeeded: true }),
    ];
    expect(checkLinearizable(model, h).ok).toBe(false);
  });

  test('initial state: pre-existing keys and revision', () => {
    const seeded = etcdKvModel({ precheck, initialRevision: 7, initialRecords: new Map([['a', { value: 'v', modRevision: 7, createRevision: 5 }]]) });
    const h = [op(0, 0, 1, get('a'), { kind: 'get', revision: 7, value: 'v', modRevision: 7 })];
    expect(checkLinearizable(seeded, h).ok).toBe(true);
    expect(checkLinearizable(model, h).ok).toBe(false);
  });
});

describe('the fast checks name the violation', () => {
  const model = etcdKvModel();
  const reasonOf = (h: KvOperation[]): string | undefined => checkLinearizable(model, h).counterexample?.reason;

  test('stale read', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(0, 2, 3, put('a', 'y'), { kind: 'put', revision: 3 }),
      op(1, 4, 5, get('a'), { kind: 'get', revision: 3, value: 'x', modRevision: 2 }),
    ];
    expect(reasonOf(h)).toMatch(/^stale: mod_revision 2/);
  });

  test('two writes with one revision', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 0, 1, put('b', 'y'), { kind: 'put', revision: 2 }),
    ];
    expect(reasonOf(h)).toMatch(/revision 2 was also returned by another write/);
  });

  test('revision going backwards in real time', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 3 }),
      op(1, 2, 3, put('b', 'y'), { kind: 'put', revision: 2 }),
    ];
    expect(reasonOf(h)).toMatch(/invoked after .* had returned, yet it applied at revision 1 < 3/);
  });

  test('lost write: absent although written and never deleted', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 2, 3, get('a'), { kind: 'get', revision: 2 }),
    ];
    expect(reasonOf(h)).toMatch(/key absent at revision 2/);
    // an unknown delete passes the fast check; the search then finds it would need revision 3
    const explained = [...h, op(2, 0.5, Infinity, { kind: 'delete', key: 'a' })];
    const result = checkLinearizable(model, explained);
    expect(result.ok).toBe(false);
    expect(result.counterexample?.reason).toBeUndefined();
  });

  test('a value never written', () => {
    const h = [op(1, 2, 3, get('a'), { kind: 'get', revision: 1, value: 'ghost', modRevision: 1 })];
    expect(reasonOf(h)).toMatch(/no write of this value/);
  });
});

describe('many operations of unknown outcome (a nemesis run)', () => {
  const model = etcdKvModel();
  // 40 puts that timed out, all in flight during 200 acknowledged puts and gets: without the
  // revision pruning the search explores subsets of the unknown puts and never ends.
  function busyHistory(): KvOperation[] {
    const h: KvOperation[] = [];
    for (let c = 0; c < 40; c++) h.push(op(100 + c, c * 0.01, Infinity, put('k', `lost-${c}`)));
    let revision = 1;
    for (let i = 0; i < 200; i++) {
      const t = 1 + i;
      if (i % 2 === 0) h.push(op(0, t, t + 0.5, put('k', `v${i}`), { kind: 'put', revision: ++revision }));
      else h.push(op(1, t, t + 0.5, get('k'), { kind: 'get', revision, value: `v${i - 1}`, modRevision: revision }));
    }
    return h;
  }

  test('are placed (or not) without blowing up the search', () => {
    const result = checkLinearizable(model, busyHistory(), { timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: true, timedOut: false });
  });

  test('one of them taking effect explains one revision gap, and is then observable', () => {
    const h = busyHistory();
    // the last put's revision jumps by one: one lost put took the revision before it...
    const last = h[h.length - 2]!;
    const lastOut = last.output as { kind: 'put'; revision: number };
    h[h.length - 2] = { ...last, output: { kind: 'put', revision: lastOut.revision + 1 } };
    h[h.length - 1] = op(1, 300, 301, get('k'), { kind: 'get', revision: lastOut.revision + 1, value: 'v198', modRevision: lastOut.revision + 1 });
    expect(checkLinearizable(model, h, { timeoutMs: 10_000 })).toMatchObject({ ok: true, timedOut: false });
    // ...but a stale read after everything is still refuted, quickly.
    h.push(op(2, 400, 401, get('k'), { kind: 'get', revision: 3, value: 'v0', modRevision: 2 }));
    expect(checkLinearizable(model, h, { timeoutMs: 10_000 })).toMatchObject({ ok: false, timedOut: false });
  });
});

describe('findLostWrites', () => {
  const history = [
    op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
    op(0, 2, 3, put('b', 'y'), { kind: 'put', revision: 3 }),
    op(1, 2, 3, put('a', 'z'), { kind: 'put', revision: 4 }),
  ];

  test('no problem when every acknowledged write is visible or overwritten', () => {
    const final = new Map([
      ['a', { value: 'z', modRevision: 4 }],
      ['b', { value: 'y', modRevision: 3 }],
    ]);
    expect(findLostWrites(history, final)).toEqual([]);
  });

  test('reports an acknowledged write missing at the end', () => {
    const final = new Map([
      ['a', { value: 'x', modRevision: 2 }],
      ['b', {}],
    ]);
    const problems = findLostWrites(history, final);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/a="z" acknowledged at rev 4 but the final mod_revision is 2/);
    expect(problems.join('\n')).toMatch(/b="y" acknowledged at rev 3 but the key is absent/);
  });
});

describe('saveHistory / loadHistory', () => {
  test('round-trips a history with unknown outcomes', () => {
    const h = [
      op(0, 0, 1, put('a', 'x'), { kind: 'put', revision: 2 }),
      op(1, 0.5, Infinity, put('a', 'y')),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const file = join(dir, 'h.json');
    saveHistory(file, h);
    const back = loadHistory<KvInput, KvOutput>(file);
    rmSync(dir, { recursive: true, force: true });
    expect(back).toEqual(h);
    expect(checkLinearizable(etcdKvModel(), back).ok).toBe(true);
  });
});

describe('HistoryRecorder', () => {
  test('records outputs with call/return times and failures as unknown outcomes', async () => {
    const recorder = new HistoryRecorder<KvInput, KvOutput>();
    await recorder.record(0, put('a', 'x'), async () => ({ kind: 'put', revision: 2 }) as const);
    await recorder.record(1, put('a', 'y'), async () => {
      throw new Error('deadline exceeded');
    });
    const [ok, unknown] = recorder.history();
    expect(ok?.output).toEqual({ kind: 'put', revision: 2 });
    expect(ok!.return).toBeGreaterThanOrEqual(ok!.call);
    expect(unknown?.output).toBeUndefined();
    expect(unknown?.return).toBe(Infinity);
    await recorder.record(1, get('a'), () => Promise.reject(new Error('unavailable')), { failureHasNoEffect: true });
    expect(recorder.history()).toHaveLength(2);
    expect(recorder.counts()).toEqual({ total: 2, acknowledged: 1, unknown: 1, dropped: 1 });
  });
});
