// A blocking ?recurse list on a prefix must wake with a higher index when everything under the
// prefix is deleted (the Go client's Semaphore and Lock monitors wait exactly so). The tombstone
// that raises the list index must be known as soon as the 'kvs' index moves, even when the
// backend delivers one watch's events later than another's (a busy process does): here every watch
// but the tracker's two is delivered 300 ms late.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/adapters/backend.js';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import { IndexTracker } from '../../../src/compat/index-tracker.js';
import { ConsulKv } from '../../../src/compat/kv.js';
import { singleMemberConfig } from '../../integration/native/helpers.js';

const b = (s: string) => Buffer.from(s);
let dir: string;
let be: NativeBackend;
let tracker: IndexTracker;
let kv: ConsulKv;

/** `inner`, except that every watch after the first two sees its events `lagMs` late. */
function laggingWatches(inner: Backend, lagMs: number): Backend {
  let watches = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'watch') {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return (req: Parameters<Backend['watch']>[0], cb: Parameters<Backend['watch']>[1]) => {
        if (++watches <= 2) return target.watch(req, cb);
        return target.watch(req, { ...cb, onEvents: (events, rev) => void setTimeout(() => cb.onEvents(events, rev), lagMs) });
      };
    },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kv-list-delete-'));
  be = await createNativeBackend(singleMemberConfig({ dataDir: dir, memberId: 0x31n, clusterId: 0x32n, clientURL: 'http://127.0.0.1:1', peerURL: 'http://127.0.0.1:2' }));
  await be.ready();
  const lagging = laggingWatches(be, 300);
  tracker = new IndexTracker(lagging);
  kv = new ConsulKv(lagging, tracker);
});
afterAll(async () => {
  tracker.close();
  await be.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Consul KV: a list woken by a delete-tree reports a higher index', () => {
  it('the first list after the kvs index moves past the delete-tree answers an index past the old one', async () => {
    expect(await kv.set(b('test/semaphore/.lock'), b('{"Limit":2}'), 0n)).toBe(true);
    expect(await kv.set(b('test/semaphore/4b0f'), b(''), 0n)).toBe(true);
    const before = await kv.list(b('test/semaphore'), true);
    expect(before.value).toHaveLength(2);

    const woke = tracker.waitForChange(['kvs'], tracker.maxIndex(['kvs']), 10_000);
    expect(await kv.deleteTree(b('test/semaphore'))).toBe(true);
    await woke;
    const after = await kv.list(b('test/semaphore'), true);
    expect(after.value).toEqual([]);
    expect(after.index).toBeGreaterThan(before.index);
  });
});
