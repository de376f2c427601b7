// Atomicity and order on the Redis backend under contention: two Backend instances (as two dcsgw
// gateways) over one genuine redis-server race compare-and-swap txns on one counter. Every
// successful CAS must be one increment (no lost update), every revision handed out once, and a
// watch must see exactly the committed values in revision order; then Redis is killed (-9) and
// restarted from its append-only file: acknowledged writes are all there, the watch goes on.
import { afterAll, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, type Event } from '../../../src/adapters/backend.js';
import { parseBackendUrl } from '../../../src/adapters/backend-url.js';
import { openBackend, type OpenedBackend } from '../../../src/adapters/open-backend.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { stopAllProcesses, waitFor } from '../../support/index.js';
import { skipUnlessRedis, startRedis } from './redis-server.js';

const b = (s: string) => Buffer.from(s);
const KEY = b('atomic/counter');

async function casIncrement(be: OpenedBackend): Promise<number> {
  for (;;) {
    const cur = await be.range(rangeRequest(KEY));
    const kv = cur.kvs[0];
    const n = kv ? Number(kv.value.toString()) : 0;
    const res = await be.txn({
      compare: [{ result: CompareResult.EQUAL, target: CompareTarget.MOD, key: KEY, rangeEnd: Buffer.alloc(0), modRevision: kv?.modRevision ?? 0 }],
      success: [{ requestPut: putRequest(KEY, b(String(n + 1))) }],
      failure: [],
    });
    if (res.succeeded) return res.header.revision;
  }
}

describe.skipIf(skipUnlessRedis())('the Redis backend under contention and a Redis crash (genuine redis-server)', () => {
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('racing CAS txns from two gateways lose no update; the watch sees every value in order, across a kill -9 of Redis', async () => {
    const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const [a, c] = [openBackend(parseBackendUrl(redis.url)), openBackend(parseBackendUrl(redis.url))];
    try {
      await Promise.all([a.ready(10_000), c.ready(10_000)]);
      const seen: Event[] = [];
      let canceled: string | undefined;
      const w = c.watch({ key: KEY, rangeEnd: Buffer.alloc(0), startRevision: 0, prevKv: true, filters: [] }, {
        onEvents: (evs) => seen.push(...evs),
        onCompacted: () => undefined,
        onCanceled: (reason) => {
          canceled = reason;
        },
      });
      await waitFor(() => w.isSynced(), { what: 'watch synced' });
      const PER_WORKER = 25;
      const revisions = (await Promise.all([a, c, a, c].map(async (be) => {
        const mine: number[] = [];
        for (let i = 0; i < PER_WORKER; i++) mine.push(await casIncrement(be));
        return mine;
      }))).flat();
      expect(new Set(revisions).size).toBe(4 * PER_WORKER);
      expect((await a.range(rangeRequest(KEY))).kvs[0]!.value.toString()).toBe(String(4 * PER_WORKER));
      await waitFor(() => seen.length >= 4 * PER_WORKER, { what: 'every increment watched' });
      expect(seen.map((e) => Number(e.kv.value.toString()))).toEqual(Array.from({ length: 4 * PER_WORKER }, (_, i) => i + 1));
      expect(seen.map((e) => e.kv.modRevision)).toEqual([...revisions].sort((x, y) => x - y));
      for (const e of seen.slice(1)) expect(Number(e.prevKv!.value.toString())).toBe(Number(e.kv.value.toString()) - 1);

      // kill -9 and restart from the append-only file: every acknowledged write is there, the watch goes on
      await redis.restart('SIGKILL');
      const after = await waitFor(() => a.put(putRequest(KEY, b('after-crash'))).catch(() => undefined), { what: 'a put after the restart', timeoutMs: 20_000 });
      expect(after.header.revision).toBe(Math.max(...revisions) + 1);
      await waitFor(() => seen.some((e) => e.kv.value.toString() === 'after-crash'), { what: 'the watch hearing the put after the restart' });
      expect(seen.length).toBe(4 * PER_WORKER + 1);
      expect(canceled).toBeUndefined();
      w.cancel();
    } finally {
      await Promise.all([a.close(), c.close()]);
      await redis.stop();
    }
  }, 90_000);
});
