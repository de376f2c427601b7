// How a watch of the Consul adapter turns Consul's blocking answers into etcd events when several
// writes land between two answers (consul-watch.ts): this process's own writes come from its write
// journal, every revision with the value before it; what the entries show beyond them (another
// client's write, a lease expiring) is computed from the entries. Consul's answers are scripted
// here so that the coalescing is certain rather than a matter of timing.
import { describe, expect, it } from 'vitest';
import { EventType, type Event } from '../../../src/adapters/backend.js';
import type { ConsulAnswer, ConsulHttp } from '../../../src/adapters/consul-http.js';
import type { ConsulEntry } from '../../../src/adapters/consul-keyspace.js';
import { ConsulWatches } from '../../../src/adapters/consul-watch.js';
import { WriteJournal } from '../../../src/adapters/consul-write-journal.js';

/** An entry as this process's own writes record it (with the version it gave the key). */
const entry = (Key: string, value: string, CreateIndex: number, ModifyIndex: number, Version: number): ConsulEntry => ({
  Key,
  Value: Buffer.from(value).toString('base64'),
  Flags: '0',
  CreateIndex,
  ModifyIndex,
  LockIndex: 0,
  Version,
});

/**
 * A Consul agent that answers the listing, then one blocking answer, then blocks until aborted;
 * the version shadows (_dcsgw/ver/...) read after each answer are absent.
 */
function scriptedConsul(answers: Array<{ index: number; entries: ConsulEntry[] }>): ConsulHttp {
  let n = 0;
  const call = (_m: string, path: string, _q: unknown, _b: unknown, signal?: AbortSignal): Promise<ConsulAnswer> => {
    if (path.includes('/_dcsgw/ver/')) return Promise.resolve({ status: 404, index: 1, text: '', bytes: Buffer.alloc(0) });
    const a = answers[n++];
    if (!a) return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const text = JSON.stringify(a.entries);
    return Promise.resolve({ status: 200, index: a.index, text, bytes: Buffer.from(text) });
  };
  return { call } as unknown as ConsulHttp;
}

describe('Consul adapter watches: own writes from the journal, other changes from the entries', () => {
  it('three writes of one key between two answers are three events; a foreign write and a vanished key are computed', async () => {
    const journal = new WriteJournal();
    const v1 = entry('app/k', 'v1', 5, 5, 1);
    const gone = entry('app/gone', 'x', 4, 4, 1);
    const v2 = entry('app/k', 'v2', 5, 6, 2);
    const v3 = entry('app/k', 'v3', 5, 7, 3);
    const v4 = entry('app/k', 'v4', 5, 8, 4);
    const foreign = entry('app/other', 'theirs', 9, 9, 1);
    const http = scriptedConsul([
      { index: 5, entries: [gone, v1] },
      { index: 10, entries: [v4, foreign] },
    ]);
    const watches = new ConsulWatches({
      http,
      journal,
      leaseOfSession: () => 0n,
      learnSessionsOf: async () => undefined,
      isRecent: () => true,
      currentRevision: () => 5,
      seen: () => undefined,
    });
    const events: Array<[number, Event]> = [];
    const h = watches.watch(
      { key: Buffer.from('app/'), rangeEnd: Buffer.from('app0'), startRevision: 0, prevKv: true, filters: [] },
      { onEvents: (e, rev) => events.push(...e.map((x): [number, Event] => [rev, x])), onCompacted: () => undefined, onCanceled: () => undefined },
    );
    // this process committed v2, v3, v4 (revisions 6-8) before the blocking answer of index 10 came back
    journal.record(6, [{ key: 'app/k', entry: v2, prev: v1 }]);
    journal.record(7, [{ key: 'app/k', entry: v3, prev: v2 }]);
    journal.record(8, [{ key: 'app/k', entry: v4, prev: v3 }]);
    // polled until the five events are in (a generous bound: a loaded machine is slow)
    const until = Date.now() + 20_000;
    while (events.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    h.cancel();
    watches.close();
    const shown = events.map(([rev, e]) => [rev, e.type === EventType.PUT ? 'PUT' : 'DELETE', e.kv.key.toString(), e.kv.value.toString(), e.kv.version, e.prevKv?.value.toString()]);
    expect(shown).toEqual([
      [6, 'PUT', 'app/k', 'v2', 2, 'v1'],
      [7, 'PUT', 'app/k', 'v3', 3, 'v2'],
      [8, 'PUT', 'app/k', 'v4', 4, 'v3'],
      // another client's write: at its ModifyIndex; a key gone without a journal entry: at the answer's index
      [9, 'PUT', 'app/other', 'theirs', 1, undefined],
      [10, 'DELETE', 'app/gone', '', 0, 'x'],
    ]);
  });

  const watchesOver = (http: ConsulHttp, journal: WriteJournal, current: number) =>
    new ConsulWatches({ http, journal, leaseOfSession: () => 0n, learnSessionsOf: async () => undefined, isRecent: () => false, currentRevision: () => current, seen: () => undefined });
  const collect = () => {
    const got = { events: [] as Array<[number, string, string]>, compacted: [] as number[] };
    const listener = {
      onEvents: (e: Event[], rev: number) => got.events.push(...e.map((x): [number, string, string] => [rev, x.type === EventType.PUT ? 'PUT' : 'DELETE', x.kv.key.toString()])),
      onCompacted: (c: number) => got.compacted.push(c),
      onCanceled: () => undefined,
    };
    return { got, listener };
  };
  // until the watch has told something (a generous bound: a loaded machine is slow)
  const settle = async (done: () => boolean) => {
    const until = Date.now() + 20_000;
    while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  };

  /** A watch from revision 4 of w/, where this process wrote w/ready at 4 and knew revision `current` when the watch came. */
  const watchOwnWriteAtFour = async (current: number) => {
    const journal = new WriteJournal();
    const ready = entry('w/ready', 'x', 4, 4, 1);
    journal.record(4, [{ key: 'w/ready', entry: ready, prev: null }]);
    const watches = watchesOver(scriptedConsul([{ index: 4, entries: [ready] }]), journal, current);
    const { got, listener } = collect();
    const h = watches.watch({ key: Buffer.from('w/'), rangeEnd: Buffer.from('w0'), startRevision: 4, prevKv: false, filters: [] }, listener);
    await settle(() => got.events.length > 0 || got.compacted.length > 0);
    h.cancel();
    watches.close();
    return got;
  };

  it("a watch from revision S whose first listing already shows this process's own write at S gets that write as an event, not a compaction", async () => {
    // the watch was asked for "from now" when this process last knew revision 3; Consul's first answer is at 4
    expect(await watchOwnWriteAtFour(3)).toEqual({ events: [[4, 'PUT', 'w/ready']], compacted: [] });
  });

  it('the same watch waits for a write of this process that Consul has answered but the journal has not recorded yet', async () => {
    const journal = new WriteJournal();
    const ready = entry('w/ready', 'x', 4, 4, 1);
    const inFlight = journal.begin();
    const watches = watchesOver(scriptedConsul([{ index: 4, entries: [ready] }]), journal, 3);
    const { got, listener } = collect();
    const h = watches.watch({ key: Buffer.from('w/'), rangeEnd: Buffer.from('w0'), startRevision: 4, prevKv: false, filters: [] }, listener);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual({ events: [], compacted: [] });
    journal.record(4, [{ key: 'w/ready', entry: ready, prev: null }]);
    inFlight();
    await settle(() => got.events.length > 0 || got.compacted.length > 0);
    h.cancel();
    watches.close();
    expect(got).toEqual({ events: [[4, 'PUT', 'w/ready']], compacted: [] });
  });

  it("a watch from a revision S already past (etcdctl watch --rev=S started as this process's write of S landed) gets that write from the journal", async () => {
    // this process already knows revision 4 when the watch from 4 arrives
    expect(await watchOwnWriteAtFour(4)).toEqual({ events: [[4, 'PUT', 'w/ready']], compacted: [] });
  });

  it("when another client wrote since S (a gap in this process's revisions), the watch is told S is compacted, as before", async () => {
    const journal = new WriteJournal();
    const ours = entry('w/a', 'x', 4, 4, 1);
    const theirs = entry('w/b', 'y', 5, 5, 1);
    journal.record(4, [{ key: 'w/a', entry: ours, prev: null }]);
    const watches = watchesOver(scriptedConsul([{ index: 5, entries: [ours, theirs] }]), journal, 3);
    const { got, listener } = collect();
    watches.watch({ key: Buffer.from('w/'), rangeEnd: Buffer.from('w0'), startRevision: 4, prevKv: false, filters: [] }, listener);
    await settle(() => got.events.length > 0 || got.compacted.length > 0);
    watches.close();
    expect(got).toEqual({ events: [], compacted: [6] });
  });
});
