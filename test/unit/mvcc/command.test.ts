// The replicated command codec: every command kind survives encode -> decode unchanged.
import { describe, expect, it } from 'vitest';
import type { Command } from '../../../src/native/mvcc/api.js';
import { decodeCommand, encodeCommand } from '../../../src/native/mvcc/index.js';
import { b, cmp, delReq, op, putReq, rangeReq } from './harness.js';

const roundTrip = (c: Command) => decodeCommand(encodeCommand(c));

describe('command codec', () => {
  const cases: [string, Command][] = [
    ['put', { kind: 'put', req: putReq('key', 'value') }],
    ['put with options and a lease', { kind: 'put', req: putReq('k', '', { lease: 0x7fff_ffff_ffff_fff0n, prevKv: true, ignoreValue: true, ignoreLease: false }) }],
    ['put with binary key and a large value', { kind: 'put', req: { ...putReq('', ''), key: Buffer.from([0, 255, 1]), value: Buffer.alloc(5_000, 7) } }],
    ['deleteRange', { kind: 'deleteRange', req: delReq('a', '\0', true) }],
    [
      'nested txn with every compare target and a range',
      {
        kind: 'txn',
        req: {
          compare: [
            cmp('a', 0, 0, { version: 3 }),
            cmp('a', 1, 1, { createRevision: 2 ** 40 }),
            cmp('a', 2, 2, { modRevision: 5 }),
            { ...cmp('a', 3, 3, { value: b('v') }), rangeEnd: b('b') },
            cmp('a', 4, 0, { lease: -5n }),
            cmp('a', 0, 0, {}),
          ],
          success: [op.put('x', 'y'), op.get('r', { limit: -1, revision: 9, sortOrder: 2, sortTarget: 4, keysOnly: true, countOnly: true, serializable: true, minModRevision: 1, maxModRevision: 2, minCreateRevision: 3, maxCreateRevision: 4 }), op.txn({ success: [op.del('z', 'zz')] })],
          failure: [{ requestRange: rangeReq('f') }],
        },
      },
    ],
    ['compaction', { kind: 'compaction', req: { revision: 123456789012, physical: true } }],
    ['leaseGrant', { kind: 'leaseGrant', req: { id: 0x694d7c0b2b1c3f01n, ttl: 60 } }],
    ['leaseRevoke', { kind: 'leaseRevoke', id: 12345n }],
    ['leaseCheckpoint', { kind: 'leaseCheckpoint', checkpoints: [{ id: 1n, remainingTtl: 30 }, { id: 2n, remainingTtl: 0 }] }],
    ['alarm with a uint64 member ID', { kind: 'alarm', req: { action: 1, memberID: 0x9e5ab8ae9f0be7f1n, alarm: 1 } }],
    ['noop', { kind: 'noop' }],
    ['auth enable', { kind: 'auth', req: { op: 'authEnable' } }],
    ['auth userAdd', { kind: 'auth', req: { op: 'userAdd', name: 'üser', hashedPassword: b('hash'), noPassword: false } }],
    ['auth userGrantRole', { kind: 'auth', req: { op: 'userGrantRole', user: 'u', role: 'r' } }],
    ['auth roleGrantPermission', { kind: 'auth', req: { op: 'roleGrantPermission', name: 'r', perm: { permType: 2, key: b('a'), rangeEnd: Buffer.from([0]) } } }],
    ['auth roleRevokePermission', { kind: 'auth', req: { op: 'roleRevokePermission', role: 'r', key: b('a'), rangeEnd: b('') } }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      expect(roundTrip(c)).toEqual(c);
    });
  }

  it('decoded buffers are copies, independent of the encoded bytes', () => {
    const data = encodeCommand({ kind: 'put', req: putReq('key', 'value') });
    const decoded = decodeCommand(data);
    (data as Uint8Array).fill(0);
    expect(decoded.kind === 'put' && decoded.req.value.toString()).toBe('value');
  });

  it('rejects garbage', () => {
    expect(() => decodeCommand(Uint8Array.of(200))).toThrow(/unknown tag/);
    expect(() => decodeCommand(Uint8Array.of(1, 0, 10, 1))).toThrow(/truncated/);
  });
});
