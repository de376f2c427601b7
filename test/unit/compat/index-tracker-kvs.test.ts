// The 'kvs' table index follows every user-keyspace write (an etcd client's put, delete, txn) on
// the native store, deletions included, and only those; system records move their own tables.
// A blocking query on 'kvs' wakes on an etcd client's delete.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import type { DeleteRangeRequest } from '../../../src/adapters/backend.js';
import { putRequest } from '../../../src/adapters/requests.js';
import { IndexTracker } from '../../../src/compat/index-tracker.js';
import { singleMemberConfig, until } from '../../integration/native/helpers.js';

const b = (s: string) => Buffer.from(s);
const deleteRangeRequest = (key: Buffer): DeleteRangeRequest => ({ key, rangeEnd: Buffer.alloc(0), prevKv: false });
let dir: string;
let be: NativeBackend;
let tracker: IndexTracker;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracker-kvs-'));
  be = await createNativeBackend(singleMemberConfig({ dataDir: dir, memberId: 0x11n, clusterId: 0x22n, clientURL: 'http://127.0.0.1:1', peerURL: 'http://127.0.0.1:2' }));
  await be.ready();
  tracker = new IndexTracker(be);
});
afterAll(async () => {
  tracker.close();
  await be.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("IndexTracker: the 'kvs' index", () => {
  it('moves to the revision of each user put, delete and txn; system writes move their table only', async () => {
    const p = await be.put(putRequest(b('app/a'), b('1')));
    await until('kvs at the put', () => tracker.index('kvs') === p.header.revision);

    const s = await be.put({ ...putRequest(b('session/4b0f6b1c'), b('{}')), keyspace: 'system' });
    await until('sessions at the system put', () => tracker.index('sessions') === s.header.revision);
    expect(tracker.index('kvs')).toBe(p.header.revision);

    const d = await be.deleteRange(deleteRangeRequest(b('app/a')));
    expect(d.deleted).toBe(1);
    await until('kvs at the delete', () => tracker.index('kvs') === d.header.revision);

    const t = await be.txn({ compare: [], success: [{ requestPut: putRequest(b('app/b'), b('2')) }], failure: [] });
    await until('kvs at the txn', () => tracker.index('kvs') === t.header.revision);

    // a delete that removes nothing writes no revision: the index stays
    const none = await be.deleteRange(deleteRangeRequest(b('app/missing')));
    expect(none.deleted).toBe(0);
    expect(tracker.index('kvs')).toBe(t.header.revision);
  });

  it("a blocking wait on 'kvs' wakes on an etcd client's delete, not on a system write", async () => {
    const at = tracker.index('kvs');
    let woke = false;
    const waiting = tracker.waitForChange(['kvs'], at, 10_000).then(() => (woke = true));
    await be.put({ ...putRequest(b('node/n1'), b('{}')), keyspace: 'system' });
    await new Promise((r) => setTimeout(r, 100));
    expect(woke).toBe(false);
    const d = await be.deleteRange(deleteRangeRequest(b('app/b')));
    await waiting;
    expect(tracker.index('kvs')).toBe(d.header.revision);
  });
});
