// The Consul nemesis' judges on hand-made histories (no processes): the consul-kv model accepts a
// linearizable history and refuses a stale read, a CAS that should have failed and a ModifyIndex
// naming two values; the lock check finds each kind of violation and lock-delay breach.
import { describe, expect, test } from 'vitest';
import { checkLinearizable } from '../../support/linearizability/index.js';
import { consulKvModel, type ConsulKvOperation } from '../../support/linearizability/models/consul-kv.js';
import { checkLocks, lockDelayBreaches } from './lock-check.js';
import { newLockLog, type Hold } from './lock-workload.js';

const op = (clientId: number, call: number, ret: number, input: ConsulKvOperation['input'], output: ConsulKvOperation['output']): ConsulKvOperation => ({
  clientId,
  call,
  return: ret,
  input,
  output,
});

function check(history: ConsulKvOperation[]): boolean {
  return checkLinearizable(consulKvModel(history), history, { timeoutMs: 5_000 }).ok;
}

describe('consul-kv model', () => {
  const base: ConsulKvOperation[] = [
    op(1, 0, 1, { kind: 'cas', key: 'k', index: 0, value: 'a' }, { kind: 'cas', ok: true }),
    op(2, 2, 3, { kind: 'read', key: 'k' }, { kind: 'read', value: 'a', modifyIndex: 10 }),
    op(1, 4, 5, { kind: 'cas', key: 'k', index: 10, value: 'b' }, { kind: 'cas', ok: true }),
  ];

  test('a linearizable history with an unknown write passes', () => {
    expect(check([...base, op(3, 6, Infinity, { kind: 'put', key: 'k', value: 'c' }, undefined), op(2, 7, 8, { kind: 'read', key: 'k' }, { kind: 'read', value: 'c', modifyIndex: 14 })])).toBe(true);
    expect(check([...base, op(3, 6, Infinity, { kind: 'put', key: 'k', value: 'c' }, undefined), op(2, 7, 8, { kind: 'read', key: 'k' }, { kind: 'read', value: 'b', modifyIndex: 12 })])).toBe(true);
  });

  test('a stale read after a completed CAS fails', () => {
    expect(check([...base, op(2, 6, 7, { kind: 'read', key: 'k' }, { kind: 'read', value: 'a', modifyIndex: 10 })])).toBe(false);
  });

  test('a CAS on an index that was already replaced must not succeed', () => {
    expect(check([...base, op(3, 6, 7, { kind: 'cas', key: 'k', index: 10, value: 'x' }, { kind: 'cas', ok: true })])).toBe(false);
    expect(check([...base, op(3, 6, 7, { kind: 'cas', key: 'k', index: 0, value: 'x' }, { kind: 'cas', ok: true })])).toBe(false);
  });

  test('one ModifyIndex read with two values fails', () => {
    expect(check([...base, op(2, 6, 7, { kind: 'read', key: 'k' }, { kind: 'read', value: 'b', modifyIndex: 10 })])).toBe(false);
  });

  test('an acknowledged write missing from the final read fails', () => {
    expect(check([...base, op(9, 20, 21, { kind: 'read', key: 'k' }, { kind: 'read', value: null })])).toBe(false);
  });
});

function hold(contender: number, session: string, fence: number, acquire: [number, number], seen: Array<[number, number, boolean]>, end: Hold['end']): Hold {
  return {
    contender,
    session,
    behavior: 'release',
    acquireCall: acquire[0],
    acquireReturn: acquire[1],
    fence,
    lockIndex: 1,
    confirmations: seen.map(([call, ret, held]) => ({ call, return: ret, held, modifyIndex: fence })),
    ...(end ? { end } : {}),
  };
}

describe('lock check', () => {
  test('clean hand-overs pass and report their gaps', () => {
    const log = newLockLog();
    log.holds.push(hold(1, 'A', 10, [0, 1], [[1, 2, true]], { how: 'released', call: 5, return: 6 }));
    log.holds.push(hold(2, 'B', 12, [7, 8], [[8, 9, true]], { how: 'abandoned', call: 10, return: 11 }));
    log.holds.push(hold(1, 'C', 15, [1100, 1200], [[1200, 1201, true]], { how: 'released', call: 1300, return: 1301 }));
    const r = checkLocks(log);
    expect(r.violations).toEqual([]);
    expect(r.gaps.afterRelease).toEqual([2]);
    expect(r.gaps.afterAbandon).toEqual([1190]);
    expect(lockDelayBreaches(r)).toEqual([]);
  });

  test('an older holder confirmed after a newer one, a release answered true after another grant, one fence for two sessions, a grant inside lock-delay', () => {
    const stale = newLockLog();
    stale.holds.push(hold(1, 'A', 10, [0, 1], [[1, 2, true], [30, 31, true]], { how: 'released', call: 40, return: 41 }));
    stale.holds.push(hold(2, 'B', 12, [5, 8], [[8, 9, true]], { how: 'released', call: 50, return: 51 }));
    const r = checkLocks(stale);
    expect(r.violations.some((v) => v.startsWith('stale-confirm'))).toBe(true);
    expect(r.violations.some((v) => v.startsWith('double-grant'))).toBe(true);

    const sameFence = newLockLog();
    sameFence.holds.push(hold(1, 'A', 10, [0, 1], [[1, 2, true]], { how: 'lost', call: 3, return: 3 }));
    sameFence.holds.push(hold(2, 'B', 10, [0, 1], [[1, 2, true]], { how: 'lost', call: 3, return: 3 }));
    expect(checkLocks(sameFence).violations.some((v) => v.startsWith('same-fence'))).toBe(true);

    const early = newLockLog();
    early.holds.push(hold(1, 'A', 10, [0, 1], [[1, 2, true]], { how: 'abandoned', call: 5, return: 6 }));
    early.holds.push(hold(2, 'B', 12, [100, 200], [[200, 201, true]], { how: 'released', call: 300, return: 301 }));
    expect(lockDelayBreaches(checkLocks(early))).toEqual([195]);
  });
});
