// /debug/vars as Go's expvar writes it: sorted keys one per line, raft.status in etcd's JSON shape,
// the fd limit from /proc/self/limits. (The live page is compared with genuine etcd in conformance.)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Backend, RaftStatusView } from '../../../src/adapters/backend.js';
import { debugVarsBody, fileDescriptorLimit } from '../../../src/gateway/etcd/debug-vars.js';
import { GC_RING, trackGarbageCollection } from '../../../src/gateway/etcd/gc-stats.js';

interface MemStats {
  NumGC: number;
  NumForcedGC: number;
  PauseTotalNs: number;
  LastGC: number;
  PauseNs: number[];
  PauseEnd: number[];
}
const memstats = () => (JSON.parse(debugVarsBody({} as Backend)) as { memstats: MemStats }).memstats;

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63432                63432                processes
Max open files            1024                 524288               files
`;

describe('/debug/vars', () => {
  it('file_descriptor_limit is the soft limit; unlimited is the largest safe integer', () => {
    expect(fileDescriptorLimit(LIMITS)).toBe(1024);
    expect(fileDescriptorLimit(LIMITS.replace('1024 ', 'unlimited'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(fileDescriptorLimit('nothing here')).toBe(0);
  });

  it('raft.status is etcd raft.Status JSON: hex IDs, progress keyed by hex ID', () => {
    const status: RaftStatusView = {
      id: 0xabcn,
      term: 3,
      vote: 0xabcn,
      commit: 9,
      lead: 0xabcn,
      raftState: 'StateLeader',
      applied: 8,
      progress: [
        { id: 0xabcn, match: 9, next: 10, state: 'StateReplicate' },
        { id: 0x12n, match: 0, next: 1, state: 'StateProbe' },
      ],
      leadTransferee: 0n,
    };
    const body = debugVarsBody({ raftStatus: () => status } as unknown as Backend);
    expect(body.startsWith('{\n"cmdline": [')).toBe(true);
    expect(body.endsWith('\n}\n')).toBe(true);
    expect([...body.matchAll(/^"([^"]+)": /gm)].map((m) => m[1])).toEqual(['cmdline', 'file_descriptor_limit', 'memstats', 'raft.status']);
    expect(body).toContain(
      '"raft.status": {"id":"abc","term":3,"vote":"abc","commit":9,"lead":"abc","raftState":"StateLeader","applied":8,' +
        '"progress":{"abc":{"match":9,"next":10,"state":"StateReplicate"},"12":{"match":0,"next":1,"state":"StateProbe"}},"leadtransferee":"0"}',
    );
    const parsed = JSON.parse(body) as { cmdline: string[]; memstats: Record<string, unknown> };
    expect(parsed.cmdline).toEqual(process.argv);
    expect(parsed.memstats['HeapAlloc']).toBeGreaterThan(0);
  });

  it('a backend without a raft of its own has no raft.status', () => {
    const body = debugVarsBody({} as Backend);
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['cmdline', 'file_descriptor_limit', 'memstats']);
  });

  it('memstats counts V8 collections as Go counts GCs: NumGC, forced ones, the pause rings, LastGC', async () => {
    trackGarbageCollection();
    const before = memstats();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const startedMs = Date.now();
    let after = memstats();
    while (after.NumForcedGC === before.NumForcedGC && Date.now() - startedMs < 5_000) {
      await new Promise((r) => setTimeout(r, 20));
      after = memstats();
    }
    expect(after.NumForcedGC).toBeGreaterThan(before.NumForcedGC);
    expect(after.NumGC).toBeGreaterThan(before.NumGC);
    expect(after.PauseTotalNs).toBeGreaterThan(before.PauseTotalNs);
    // the most recent pause sits at (NumGC+255)%256 and ended at LastGC, a Unix time in ns
    const last = (after.NumGC + GC_RING - 1) % GC_RING;
    expect(after.PauseEnd[last]).toBe(after.LastGC);
    expect(after.PauseNs[last]).toBeGreaterThan(0);
    expect(Math.abs(after.LastGC / 1e6 - Date.now())).toBeLessThan(10_000);
    expect(after.PauseNs).toHaveLength(GC_RING);
  });
});
