// Through the Backend a front end calls: a compaction of more keys than one compaction step holds
// (etcd's batch limit, 1000) with --physical answers once the old revisions are gone; a
// defragmentation then gives the space back, so the DB SIZE that `etcdctl endpoint status`
// shows goes down as genuine etcd's does; every value survives a restart on the same data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Errors } from '../../../src/adapters/errors.js';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import { putReq, rangeReq, singleMemberConfig } from './helpers.js';

const dirs: string[] = [];
const backends: NativeBackend[] = [];
afterEach(async () => {
  for (const x of backends.splice(0)) await x.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dataDir: string): Promise<NativeBackend> {
  const be = await createNativeBackend(
    singleMemberConfig({ dataDir, memberId: 0x8e9e05c52164694dn, clusterId: 0xcdf818194e3a8c32n, clientURL: 'http://127.0.0.1:1', peerURL: 'http://127.0.0.1:2' }),
  );
  backends.push(be);
  await be.ready();
  return be;
}

const KEYS = 2500;
const key = (i: number) => `/scale/${String(i).padStart(5, '0')}`;

describe('compaction and defragmentation at more keys than one compaction step', () => {
  it('compaction --physical waits for the removal; defrag shrinks DB SIZE; a restart keeps every value', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-compact-defrag-'));
    dirs.push(dataDir);
    let be = await open(dataDir);
    const big = 'o'.repeat(1500);
    const writeAll = async (value: (i: number) => string) => {
      for (let i = 0; i < KEYS; i += 250) await Promise.all(Array.from({ length: 250 }, (_, j) => be.put(putReq(key(i + j), value(i + j)))));
    };
    await writeAll(() => big);
    await writeAll((i) => `new-${i}`);
    const rev = (await be.range(rangeReq(key(0)))).header.revision;
    const grown = (await be.status()).dbSize;
    await be.compact({ revision: rev, physical: true });
    await expect(be.range(rangeReq(key(1), { revision: rev - 1 }))).rejects.toThrow(Errors.Compacted.message);
    await be.defragment();
    const shrunk = (await be.status()).dbSize;
    expect(shrunk).toBeLessThan(grown / 2);
    // still serving writes after the swap, and all of it is on disk
    await be.put(putReq('/after-defrag', 'yes'));
    await be.close();
    backends.splice(0);
    be = await open(dataDir);
    const all = await be.range(rangeReq('/scale/', { rangeEnd: Buffer.from('/scale0') }));
    expect(all.kvs.length).toBe(KEYS);
    expect(all.kvs[7]!.value.toString()).toBe('new-7');
    expect((await be.range(rangeReq('/after-defrag'))).kvs[0]!.value.toString()).toBe('yes');
    expect((await be.status()).dbSize).toBeLessThan(grown / 2);
    const hkv = await be.hashKV(0);
    expect(hkv.compactRevision).toBe(rev);
  });
});
