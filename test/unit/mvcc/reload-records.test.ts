// A restart rebuilds the key index from the stored records, read in place (views of LMDB's memory,
// not copies): every record size LMDB hands over differently (inline, overflow pages, values over
// its read buffer), leases, tombstones, the system keyspace and key bytes above 0x7f must come
// back exactly as they were before the restart.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../src/adapters/backend.js';
import { Harness } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.destroy());

const SYS = { keyspace: 'system' } as const;
const ALL = Buffer.from([0]);
// LMDB's read buffer starts at 64 KiB-ish and grows: the largest value is read through a new one
const SIZES = [0, 1, 255, 4000, 5000, 70_000, 300_000, 1024 * 1024];

function valueOf(size: number, seed: number): string {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = 97 + ((i + seed) % 26);
  return b.toString('latin1');
}

/** Everything a client can see of both keyspaces: the keys at every revision, the values now. */
function observed(s: Harness) {
  const rev = s.store.currentRevision();
  // values compared by digest (a deep equality of megabyte Buffers walks them element by element)
  const digested = (kvs: KeyValue[]) => kvs.map((kv) => ({ ...kv, value: createHash('sha256').update(kv.value).digest('hex') }));
  const out: unknown[] = [digested(s.get('\0', { rangeEnd: ALL }).kvs), digested(s.get('\0', { rangeEnd: ALL, ...SYS }).kvs)];
  for (let r = 1; r <= rev; r++) {
    out.push(s.get('\0', { rangeEnd: ALL, revision: r, keysOnly: true }).kvs);
    out.push(s.get('\0', { rangeEnd: ALL, revision: r, keysOnly: true, ...SYS }).kvs);
  }
  out.push(s.store.leaseInfo(7n, true), s.store.leaseInfo(8n, true), s.store.hashKV(0), s.store.hash());
  return out;
}

describe('restart: the key index rebuilt from records read in place', () => {
  it('gives back every key, revision, version, lease and value of every size', () => {
    h.ok({ kind: 'leaseGrant', req: { id: 7n, ttl: 100 } });
    h.ok({ kind: 'leaseGrant', req: { id: 8n, ttl: 100, keyspace: 'system' } });
    SIZES.forEach((size, i) => {
      h.put(`k${i}`, valueOf(size, i), i % 2 === 0 ? { lease: 7n } : {});
      h.put(`k${i}`, valueOf(size, i + 1)); // a second revision: version 2, lease dropped
    });
    h.put('k0', 'third', { lease: 7n });
    h.del('k1');
    h.put('k1', 'reborn');
    h.del('k2');
    // key bytes above 0x7f (latin1 strings in the index)
    h.ok({ kind: 'put', req: { key: Buffer.from([0xff, 0x80, 0x00, 0x41]), value: Buffer.from(valueOf(70_000, 3)), lease: 7n, prevKv: false, ignoreValue: false, ignoreLease: false } });
    h.put('sys/a', valueOf(300_000, 5), { ...SYS, lease: 8n });
    h.put('sys/a', 'small', { ...SYS, lease: 8n });
    h.put('k3', 'same bytes, user keyspace');
    const before = observed(h);
    h.reopen();
    expect(observed(h)).toEqual(before);
    // the versions and create revisions continue from the records
    h.put('k0', 'fourth');
    expect(h.get('k0').kvs[0]).toMatchObject({ version: 4, createRevision: 2 });
    expect(h.get('k1').kvs[0]).toMatchObject({ version: 1, value: Buffer.from('reborn') });
    h.put('k2', 'new generation');
    expect(h.get('k2').kvs[0]).toMatchObject({ version: 1 });
  });
});
