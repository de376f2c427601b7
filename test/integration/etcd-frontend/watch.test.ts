// Watch over gRPC: the stream semantics recorded from genuine etcd 3.4.23 (see the header of
// src/gateway/etcd/services/watch.ts), on the in-memory backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../support/memory-backend.js';
import { startFrontend, type Frontend } from './harness.js';
import { call, duplex, rawClients, type Msg, type RawClients } from './raw-client.js';

const b = (s: string) => Buffer.from(s);
let fe: Frontend;
let c: RawClients;
const backend = new MemoryBackend();

beforeAll(async () => {
  fe = await startFrontend(backend, { maxRequestBytes: 300, watchProgressIntervalMs: 200 });
  c = rawClients(fe.grpcAddress);
});
afterAll(async () => {
  c?.close();
  await fe?.close();
});

const rev = (m: Msg) => Number((m['header'] as { revision: string }).revision);
const keys = (m: Msg) => (m['events'] as { kv: { key: Buffer } }[]).map((e) => e.kv.key.toString());

describe('Watch service', () => {
  it('creates, streams events per revision, assigns IDs, refuses duplicates and empty ranges, cancels', async () => {
    const w = duplex(c.Watch, 'Watch');
    try {
      w.send({ create_request: { key: b('w/'), range_end: b('w0') } });
      const created = await w.next();
      expect(created).toMatchObject({ watch_id: '0', created: true, canceled: false });
      const startRev = rev(created);

      w.send({ create_request: { key: b('w/'), range_end: b('w0'), watch_id: 7, prev_kv: true } });
      expect(await w.next()).toMatchObject({ watch_id: '7', created: true });
      w.send({ create_request: { key: b('w/'), watch_id: 7 } });
      expect(await w.next()).toMatchObject({
        watch_id: '-1',
        created: true,
        canceled: true,
        cancel_reason: 'mvcc: duplicate watch ID provided on the WatchStream',
      });
      w.send({ create_request: { key: b('w/b'), range_end: b('w/a') } });
      expect(await w.next()).toMatchObject({ watch_id: '-1', canceled: true, cancel_reason: 'mvcc: watcher range is empty' });
      // the next automatic ID skips the taken 0
      w.send({ create_request: { key: b('w/x'), filters: [0] } });
      expect(await w.next()).toMatchObject({ watch_id: '1', created: true });

      await call(c.KV, 'Put', { key: b('w/a'), value: b('1') });
      await call(c.KV, 'Txn', { success: [{ request_put: { key: b('w/b'), value: b('2') } }, { request_put: { key: b('w/x'), value: b('3') } }] });
      await call(c.KV, 'Put', { key: b('w/a'), value: b('4') });
      const got: Msg[] = [];
      for (let i = 0; i < 6; i++) got.push(await w.next());
      const of = (id: string) => got.filter((m) => m['watch_id'] === id);
      expect(of('0').map(keys)).toEqual([['w/a'], ['w/b', 'w/x'], ['w/a']]);
      expect(of('0').map(rev)).toEqual([startRev + 1, startRev + 2, startRev + 3]);
      const withPrev = of('7');
      expect(withPrev).toHaveLength(3); // watcher 7 started at its creation revision + 1 too
      const last = (withPrev[2]!['events'] as { prev_kv: { value: Buffer } | null }[])[0]!;
      expect(last.prev_kv?.value.toString()).toBe('1');
      expect(of('1')).toHaveLength(0); // NOPUT filter

      w.send({ cancel_request: { watch_id: 99 } }); // unknown: no answer
      w.send({ cancel_request: { watch_id: 7 } });
      expect(await w.next()).toMatchObject({ watch_id: '7', canceled: true, created: false });
      w.send({ progress_request: {} });
      const progress = await w.next();
      expect(progress).toMatchObject({ watch_id: '-1', created: false, canceled: false, events: [] });
      expect(rev(progress)).toBe(startRev + 3);
      // 3 + 4 events went out on this stream
      const text = await fe.deps.metrics.registry.metrics();
      expect(Number(/^etcd_debugging_mvcc_events_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(7);
    } finally {
      w.cancel();
    }
  });

  it('answers a compacted start revision with compact_revision and canceled', async () => {
    await call(c.KV, 'Put', { key: b('c1'), value: b('x') });
    const r = await call(c.KV, 'Put', { key: b('c1'), value: b('y') });
    await call(c.KV, 'Compact', { revision: rev(r) });
    const w = duplex(c.Watch, 'Watch');
    try {
      w.send({ create_request: { key: b('c1'), start_revision: 1 } });
      expect(await w.next()).toMatchObject({ created: true, canceled: false });
      const m = await w.next();
      expect(m).toMatchObject({ canceled: true, compact_revision: String(rev(r)), created: false });
      expect(rev(m)).toBe(0); // etcd sends this one with a zero header revision
    } finally {
      w.cancel();
    }
  });

  it('replays history from start_revision and fragments large batches when asked', async () => {
    // Written straight to the backend: through the front end this proposal would be "too large".
    const value = Buffer.alloc(100, 118);
    const put = (k: string) => ({ requestPut: { key: b(k), value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } });
    const r = await backend.txn({ compare: [], success: ['f/1', 'f/2', 'f/3', 'f/4'].map(put), failure: [] });
    const rev = (m: Msg | typeof r) => Number((m['header'] as { revision: string | number }).revision);
    const w = duplex(c.Watch, 'Watch');
    try {
      w.send({ create_request: { key: b('f/'), range_end: b('f0'), start_revision: rev(r), fragment: true } });
      expect(await w.next()).toMatchObject({ created: true });
      const parts: Msg[] = [];
      do parts.push(await w.next());
      while (parts[parts.length - 1]!['fragment'] === true);
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.flatMap(keys)).toEqual(['f/1', 'f/2', 'f/3', 'f/4']);
      expect(parts.every((p) => rev(p) === rev(r))).toBe(true);
      // without fragment: one response
      w.send({ create_request: { key: b('f/'), range_end: b('f0'), start_revision: rev(r) } });
      expect(await w.next()).toMatchObject({ created: true });
      expect(keys(await w.next())).toHaveLength(4);
    } finally {
      w.cancel();
    }
  });

  it('sends progress notifications to synced progress_notify watchers', async () => {
    const w = duplex(c.Watch, 'Watch');
    try {
      w.send({ create_request: { key: b('p'), progress_notify: true } });
      const created = await w.next();
      const note = await w.next(3000);
      expect(note).toMatchObject({ watch_id: created['watch_id'], events: [], created: false, canceled: false });
    } finally {
      w.cancel();
    }
  });
});
