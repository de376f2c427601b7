// Alarms: NOSPACE raised by the write that would exceed the quota; while active, puts, txns with
// puts and lease grants fail with NoSpace, while deletes, reads and compaction still work;
// DEACTIVATE lifts it. Plus the alarm command's GET / ACTIVATE / DEACTIVATE answers.
import { afterEach, describe, expect, it } from 'vitest';
import { AlarmAction, AlarmType } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import { Harness, op } from './harness.js';

let h: Harness;
afterEach(() => h.destroy());

const MEMBER = 0x8e9e05c52164694dn;

describe('NOSPACE', () => {
  it('the write that would exceed the quota fails and raises the alarm; deletes and compaction still work', () => {
    h = new Harness({ quotaBackendBytes: 20_000, memberId: MEMBER });
    const value = 'x'.repeat(1000);
    let written = 0;
    let failure: unknown;
    for (let i = 0; i < 100 && !failure; i++) {
      const r = h.apply({ kind: 'put', req: { key: Buffer.from(`k${i}`), value: Buffer.from(value), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } });
      if (r.ok) written++;
      else failure = r.error;
    }
    expect(failure).toBe(Errors.NoSpace);
    expect(written).toBeGreaterThan(5);
    expect(written).toBeLessThan(20);
    expect(h.store.alarms()).toEqual([{ memberID: MEMBER, alarm: AlarmType.NOSPACE }]);
    const rev = h.store.currentRevision();

    // while the alarm is active even a tiny put, a txn with a put and a lease grant fail
    expect(() => h.put('tiny', '')).toThrow(Errors.NoSpace);
    expect(() => h.txn({ success: [op.put('t', '1')] })).toThrow(Errors.NoSpace);
    expect(() => h.ok({ kind: 'leaseGrant', req: { id: 1n, ttl: 10 } })).toThrow(Errors.NoSpace);
    expect(h.store.currentRevision()).toBe(rev);

    // reads, deletes, read-only txns and compaction work
    expect(h.get('k0').count).toBe(1);
    expect(h.txn({ success: [op.get('k0')] })).toMatchObject({ kind: 'txn', succeeded: true });
    h.del('k', 'l');
    h.ok({ kind: 'compaction', req: { revision: h.store.currentRevision(), physical: true } });

    // the operator disarms the alarm (etcdctl alarm disarm) and writes work again
    const disarm = h.ok({ kind: 'alarm', req: { action: AlarmAction.DEACTIVATE, memberID: MEMBER, alarm: AlarmType.NOSPACE } });
    expect(disarm).toEqual({ kind: 'alarm', alarms: [{ memberID: MEMBER, alarm: AlarmType.NOSPACE }] });
    expect(h.store.alarms()).toEqual([]);
    h.put('after', 'ok');
    expect(h.val('after')).toBe('ok');
  });

  it('a negative quota disables the check', () => {
    h = new Harness({ quotaBackendBytes: -1 });
    for (let i = 0; i < 50; i++) h.put(`k${i}`, 'y'.repeat(2000));
    expect(h.store.alarms()).toEqual([]);
  });
});

describe('alarm command', () => {
  it('GET lists, ACTIVATE answers the alarm (once), DEACTIVATE of a missing alarm answers nothing', () => {
    h = new Harness();
    const act = { kind: 'alarm', req: { action: AlarmAction.ACTIVATE, memberID: 1n, alarm: AlarmType.NOSPACE } } as const;
    expect(h.ok(act)).toEqual({ kind: 'alarm', alarms: [{ memberID: 1n, alarm: AlarmType.NOSPACE }] });
    expect(h.ok(act)).toEqual({ kind: 'alarm', alarms: [{ memberID: 1n, alarm: AlarmType.NOSPACE }] });
    h.ok({ kind: 'alarm', req: { action: AlarmAction.ACTIVATE, memberID: 2n, alarm: AlarmType.CORRUPT } });
    expect(h.ok({ kind: 'alarm', req: { action: AlarmAction.GET, memberID: 0n, alarm: AlarmType.NONE } })).toEqual({
      kind: 'alarm',
      alarms: [
        { memberID: 1n, alarm: AlarmType.NOSPACE },
        { memberID: 2n, alarm: AlarmType.CORRUPT },
      ],
    });
    expect(h.ok({ kind: 'alarm', req: { action: AlarmAction.GET, memberID: 0n, alarm: AlarmType.CORRUPT } })).toMatchObject({ alarms: [{ memberID: 2n }] });
    // CORRUPT refuses writes (etcd's corrupt applier)
    expect(() => h.put('a', '1')).toThrow(Errors.Corrupt);
    expect(h.ok({ kind: 'alarm', req: { action: AlarmAction.DEACTIVATE, memberID: 9n, alarm: AlarmType.CORRUPT } })).toEqual({ kind: 'alarm', alarms: [] });
  });
});

describe('sizes', () => {
  it('dbSize is the file size, dbSizeInUse the used pages; both grow with data', () => {
    h = new Harness();
    const size0 = h.store.dbSizeInUse();
    for (let i = 0; i < 200; i++) h.put(`k${i}`, 'z'.repeat(1000));
    expect(h.store.dbSizeInUse()).toBeGreaterThan(size0 + 150_000);
    expect(h.store.dbSize()).toBeGreaterThanOrEqual(h.store.dbSizeInUse());
  });
});
