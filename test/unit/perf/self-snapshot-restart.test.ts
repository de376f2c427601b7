// A member whose store persists itself snapshots without copying the store into the snapshot file
// (as etcd's bolt db is its own snapshot): after several snapshots and WAL releases, a restart must
// still serve every write, and a store that lost its files is refused with a clear error.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NativeBackend, type NativeBackendConfig, createNativeBackend } from '../../../src/adapters/native.js';
import { putReq, rangeReq, singleMemberConfig } from '../../integration/native/helpers.js';

const ID = 0x8e9e05c52164694dn;
const dirs: string[] = [];
const open: NativeBackend[] = [];
afterEach(async () => {
  for (const be of open.splice(0)) await be.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cfg(dataDir: string): NativeBackendConfig {
  return singleMemberConfig(
    { dataDir, memberId: ID, clusterId: 0xcdf818194e3a8c32n, clientURL: 'http://127.0.0.1:29461', peerURL: 'http://127.0.0.1:29462' },
    { snapshotCount: 40, snapshotCatchUpEntries: 5, walSegmentBytes: 4096 },
  );
}
async function start(dataDir: string): Promise<NativeBackend> {
  const be = await createNativeBackend(cfg(dataDir));
  open.push(be);
  await be.ready();
  return be;
}
async function stop(be: NativeBackend): Promise<void> {
  open.splice(open.indexOf(be), 1);
  await be.close();
}
const snapFiles = (dir: string): string[] => readdirSync(join(dir, 'member', 'snap')).filter((f) => f.endsWith('.snap'));

describe('snapshots of a self-persisting store', () => {
  it('restart after several snapshots serves every write; snapshot files do not grow with the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcsgw-perf-'));
    dirs.push(dir);
    const be = await start(dir);
    const value = 'v'.repeat(200);
    for (let i = 0; i < 200; i++) await be.put(putReq(`key${i % 50}`, `${value}${i}`));
    const rev = (await be.range(rangeReq('key0'))).header.revision;
    await stop(be);
    const snaps = snapFiles(dir);
    expect(snaps.length).toBeGreaterThan(0);
    for (const f of snaps) expect(statSync(join(dir, 'member', 'snap', f)).size).toBeLessThan(4096);

    const again = await start(dir);
    const res = await again.range(rangeReq('key', { rangeEnd: Buffer.from('kez') }));
    expect(res.count).toBe(50);
    expect(res.header.revision).toBe(rev);
    expect(res.kvs.find((kv) => kv.key.toString() === 'key49')?.value.toString()).toBe(`${value}199`);
    await again.put(putReq('after', 'restart'));
    expect((await again.range(rangeReq('after'))).kvs[0]?.value.toString()).toBe('restart');
  });

  it('a store whose files are gone is refused with a clear error instead of serving an empty store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcsgw-perf-'));
    dirs.push(dir);
    const be = await start(dir);
    for (let i = 0; i < 60; i++) await be.put(putReq(`k${i}`, 'v'));
    await stop(be);
    expect(snapFiles(dir).length).toBeGreaterThan(0);
    rmSync(join(dir, 'member', 'snap', 'db'), { recursive: true, force: true }); // the store, where etcd keeps its bolt db
    await expect(createNativeBackend(cfg(dir))).rejects.toThrow(/behind the snapshot at index \d+: its database files are missing or damaged/);
  });
});
