// The lessor: grant (TTL clamping, limits, duplicates), attach/detach, revoke deleting keys in one
// revision, TimeToLive, leader-only expiry driven by the node's clock, checkpoints.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Errors } from '../../../src/adapters/errors.js';
import { Harness, Recorder, b, prefixEnd, watchOpts } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

const grant = (id: bigint, ttl: number) => h.ok({ kind: 'leaseGrant', req: { id, ttl } });

describe('grant', () => {
  it('answers the granted TTL, raised to the minimum TTL', () => {
    expect(grant(1n, 60)).toEqual({ kind: 'leaseGrant', id: 1n, ttl: 60 });
    expect(grant(2n, 1)).toEqual({ kind: 'leaseGrant', id: 2n, ttl: 2 });
    expect(h.store.leaseIds().sort()).toEqual([1n, 2n]);
    // a grant does not touch the KV revision
    expect(h.store.currentRevision()).toBe(1);
  });

  it('refuses an existing ID, a TTL above 9000000000, and ID 0', () => {
    grant(1n, 60);
    expect(() => grant(1n, 60)).toThrow(Errors.LeaseExist);
    expect(() => grant(3n, 9_000_000_001)).toThrow(Errors.LeaseTTLTooLarge);
    expect(grant(4n, 9_000_000_000)).toMatchObject({ ttl: 9_000_000_000 });
    expect(() => grant(0n, 60)).toThrow(Errors.LeaseNotFound);
  });
});

describe('attach and revoke', () => {
  it('revoke deletes every attached key in ONE revision, and watchers see them together', () => {
    grant(7n, 60);
    h.put('s/1', 'a', { lease: 7n }); // 2
    h.put('s/2', 'b', { lease: 7n }); // 3
    h.put('other', 'c'); // 4
    const r = new Recorder();
    h.store.watch(watchOpts('s/', { rangeEnd: b(prefixEnd('s/')), prevKv: true }), r);
    h.ok({ kind: 'leaseRevoke', id: 7n });
    expect(h.store.currentRevision()).toBe(5);
    expect(h.val('s/1')).toBeUndefined();
    expect(h.val('s/2')).toBeUndefined();
    expect(h.val('other')).toBe('c');
    expect(r.calls.length).toBe(1);
    expect(r.lines).toEqual(['DELETE s/1@5', 'DELETE s/2@5']);
    expect(r.events[1]!.prevKv!.value.toString()).toBe('b');
    expect(h.store.leaseExists(7n)).toBe(false);
    expect(() => h.ok({ kind: 'leaseRevoke', id: 7n })).toThrow(Errors.LeaseNotFound);
  });

  it('revoking a lease without keys does not bump the revision', () => {
    grant(8n, 60);
    h.ok({ kind: 'leaseRevoke', id: 8n });
    expect(h.store.currentRevision()).toBe(1);
  });

  it('re-attaching a key to another lease detaches it from the old one; deleting detaches it', () => {
    grant(1n, 60);
    grant(2n, 60);
    h.put('k', 'v', { lease: 1n });
    h.put('k2', 'v', { lease: 1n });
    h.put('k', 'v', { lease: 2n });
    expect(h.store.leaseInfo(1n, true)!.keys.map(String)).toEqual(['k2']);
    expect(h.store.leaseInfo(2n, true)!.keys.map(String)).toEqual(['k']);
    h.del('k2');
    expect(h.store.leaseInfo(1n, true)!.keys).toEqual([]);
    // revoking the old lease no longer touches k
    h.ok({ kind: 'leaseRevoke', id: 1n });
    expect(h.val('k')).toBe('v');
  });
});

describe('expiry (leader only, node clock)', () => {
  it('a follower never expires leases; after promote they expire at now + TTL', () => {
    grant(1n, 10);
    expect(h.store.expiredLeases(h.clock + 1e9)).toEqual([]);
    h.store.promote(h.clock);
    expect(h.store.expiredLeases(h.clock + 9_999)).toEqual([]);
    expect(h.store.expiredLeases(h.clock + 10_000)).toEqual([1n]);
    h.store.demote();
    expect(h.store.expiredLeases(h.clock + 10_000)).toEqual([]);
  });

  it('renew pushes expiry to now + TTL and answers the TTL; an expired or unknown lease is not found', () => {
    h.store.promote(h.clock);
    grant(1n, 10);
    expect(h.store.leaseRenew(1n, h.clock + 5_000)).toBe(10);
    expect(h.store.expiredLeases(h.clock + 14_000)).toEqual([]);
    expect(h.store.expiredLeases(h.clock + 15_000)).toEqual([1n]);
    expect(() => h.store.leaseRenew(1n, h.clock + 15_000)).toThrow(Errors.LeaseNotFound);
    expect(() => h.store.leaseRenew(99n, h.clock)).toThrow(Errors.LeaseNotFound);
  });

  it('TimeToLive reports granted and remaining seconds and the keys', () => {
    h.store.promote(h.clock);
    grant(1n, 60);
    h.put('x', '1', { lease: 1n });
    expect(h.store.leaseInfo(1n, true, h.clock + 10_500)).toEqual({ id: 1n, grantedTtl: 60, remainingTtl: 49, keys: [b('x')] });
    expect(h.store.leaseInfo(1n, false, h.clock + 61_000)).toMatchObject({ remainingTtl: -1, keys: [] });
    expect(h.store.leaseInfo(2n, false)).toBeUndefined();
  });

  it('a checkpointed remaining TTL survives leadership change and restart', () => {
    grant(1n, 600);
    h.ok({ kind: 'leaseCheckpoint', checkpoints: [{ id: 1n, remainingTtl: 30 }, { id: 404n, remainingTtl: 5 }] });
    h.reopen();
    h.store.promote(h.clock);
    expect(h.store.expiredLeases(h.clock + 30_000)).toEqual([1n]);
    expect(h.store.leaseCheckpoints!(h.clock + 10_000)).toEqual([{ id: 1n, remainingTtl: 20 }]);
  });
});
