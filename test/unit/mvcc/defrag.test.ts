// Defragmentation (store.ts "defragmentation", defrag-copy.ts: the copy on a worker thread, the
// swap on the main one) racing what a member does meanwhile: writes on every event-loop turn, a
// compaction inside an apply, a restore, close(); and a kill -9 in the middle of one. Every case
// ends with the records of a twin store that got the same commands and never defragmented
// (Maintenance.Hash covers every stored record), before and after a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChild } from './bundle-child.js';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/native/mvcc/api.js';
import { DEFRAG_COPY_LIMITS } from '../../../src/native/mvcc/defrag-copy.js';
import { openMvccStore, type MvccStore } from '../../../src/native/mvcc/index.js';
import { Harness, putReq, rangeReq } from './harness.js';

const limits = { ...DEFRAG_COPY_LIMITS };
const made: Harness[] = [];
function harness(): Harness {
  const h = new Harness();
  made.push(h);
  return h;
}
afterEach(() => {
  for (const h of made.splice(0)) h.destroy();
  Object.assign(DEFRAG_COPY_LIMITS, limits);
});

const defragment = (s: MvccStore): Promise<void> => (s as unknown as { defragment(): Promise<void> }).defragment();
const physical = (s: MvccStore, rev: number) => (s as unknown as { waitPhysicalCompaction(r: number): Promise<void> }).waitPhysicalCompaction(rev);
const turn = () => new Promise<void>((r) => setImmediate(r));

/** The same commands into both stores. */
function both(a: Harness, b: Harness, cmds: Command[]): void {
  for (const h of [a, b]) {
    for (const r of h.applyAll(cmds)) if (!r.ok) throw r.error;
  }
}

const value = 'v'.repeat(700);
/** 2 x 2500 puts of 700 B (the first round is garbage after the compaction): several MB to copy. */
async function loadAndCompact(a: Harness, b: Harness): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 2500; i += 500) {
      both(a, b, Array.from({ length: 500 }, (_, j) => ({ kind: 'put', req: putReq(`k/${String(i + j).padStart(5, '0')}`, `${round}${value}`) })));
    }
  }
  const rev = a.store.currentRevision();
  both(a, b, [{ kind: 'compaction', req: { revision: rev, physical: true } }]);
  await Promise.all([physical(a.store, rev), physical(b.store, rev)]);
}

const leftovers = (h: Harness) => readdirSync(h.dir).filter((n) => n !== 'data.mdb' && n !== 'lock.mdb');

describe('defragmentation racing the store', () => {
  it('writes applied on every turn while it runs are all kept; the file shrinks', async () => {
    const h = harness();
    const twin = harness();
    await loadAndCompact(h, twin);
    const before = h.store.dbSize();
    let done = false;
    const running = defragment(h.store).finally(() => (done = true));
    let batches = 0;
    while (!done) {
      both(h, twin, Array.from({ length: 20 }, (_, j) => ({ kind: 'put', req: putReq(`w/${batches}/${j}`, 'during') })));
      batches++;
      await turn();
    }
    await running;
    expect(batches).toBeGreaterThan(1);
    expect(h.store.dbSize()).toBeLessThan(before * 0.75);
    expect(leftovers(h)).toEqual([]);
    expect(h.store.hash()).toBe(twin.store.hash());
    expect(h.get('w/', { rangeEnd: Buffer.from('w0'), countOnly: true }).count).toBe(batches * 20);
    h.put('after', 'swap');
    twin.put('after', 'swap');
    expect(h.store.hash()).toBe(twin.store.hash());
    h.reopen();
    expect(h.store.hash()).toBe(twin.store.hash());
  });

  it('small chunks, and no catch-up on the worker: every write since its read transaction goes through the swap', async () => {
    DEFRAG_COPY_LIMITS.chunkRecords = 97;
    DEFRAG_COPY_LIMITS.maxCatchUpRounds = 0;
    DEFRAG_COPY_LIMITS.catchUpAfterFsync = false;
    const h = harness();
    const twin = harness();
    await loadAndCompact(h, twin);
    let done = false;
    const running = defragment(h.store).finally(() => (done = true));
    let batches = 0;
    while (!done) {
      both(h, twin, Array.from({ length: 20 }, (_, j) => ({ kind: 'put', req: putReq(`w/${batches}/${j}`, 'during') })));
      batches++;
      await turn();
    }
    await running;
    expect(batches).toBeGreaterThan(1);
    expect(h.store.hash()).toBe(twin.store.hash());
    h.reopen();
    expect(h.store.hash()).toBe(twin.store.hash());
  });

  it('a compaction inside an apply while it copies makes it copy again, and nothing is lost', async () => {
    const h = harness();
    const twin = harness();
    await loadAndCompact(h, twin);
    both(h, twin, [{ kind: 'put', req: putReq('small', '1') }]);
    both(h, twin, [{ kind: 'put', req: putReq('small', '2') }]);
    const running = defragment(h.store);
    await turn();
    both(h, twin, [{ kind: 'compaction', req: { revision: h.store.currentRevision(), physical: true } }]);
    both(h, twin, [{ kind: 'put', req: putReq('small', '3') }]);
    await running;
    await Promise.all([physical(h.store, h.store.compactRevision()), physical(twin.store, twin.store.compactRevision())]);
    expect(h.store.hash()).toBe(twin.store.hash());
    expect(h.val('small')).toBe('3');
    expect(leftovers(h)).toEqual([]);
    h.reopen();
    expect(h.store.hash()).toBe(twin.store.hash());
  });

  it('a restore while it copies wins: the store holds the restored state afterwards', async () => {
    const h = harness();
    const source = harness();
    const scratch = harness();
    await loadAndCompact(h, scratch);
    for (let i = 0; i < 300; i++) source.put(`restored/${i}`, `r${i}`);
    const dump = await source.store.snapshotData();
    const running = defragment(h.store);
    await turn();
    h.store.restore(dump);
    await running;
    expect(h.store.hash()).toBe(source.store.hash());
    expect(h.get('k/', { rangeEnd: Buffer.from('k0'), countOnly: true }).count).toBe(0);
    expect(h.val('restored/7')).toBe('r7');
    expect(leftovers(h)).toEqual([]);
    h.reopen();
    expect(h.store.hash()).toBe(source.store.hash());
  });

  it('close() while it copies: defragment fails with the stopped error, the copy is removed, the store reopens whole', async () => {
    const h = harness();
    const twin = harness();
    await loadAndCompact(h, twin);
    const running = defragment(h.store);
    await turn();
    h.store.close();
    await expect(running).rejects.toThrow(/stopped/);
    expect(leftovers(h)).toEqual([]);
    h.store = h.open();
    expect(h.store.hash()).toBe(twin.store.hash());
    // and defragments fine after the restart
    await defragment(h.store);
    expect(h.store.hash()).toBe(twin.store.hash());
  });

  it('two calls at once share one defragmentation; one after it runs again', async () => {
    const h = harness();
    const twin = harness();
    await loadAndCompact(h, twin);
    const a = defragment(h.store);
    const b = defragment(h.store);
    expect(b).toBe(a);
    await a;
    const size = h.store.dbSize();
    await defragment(h.store);
    // the same records again: the same compact size (give or take LMDB's bookkeeping pages)
    expect(h.store.dbSize()).toBeLessThan(size * 1.05);
    expect(h.store.hash()).toBe(twin.store.hash());
  });
});

// ---- kill -9 in the middle of a defragmentation (a child process, as crash.test.ts runs one)

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mvcc-defrag-crash-'));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(join(work, 'node_modules'), { force: true }); // the link only, never what it points to
  rmSync(work, { recursive: true, force: true });
});

describe('kill -9 during defragmentation', () => {
  it('the reopened store has every batch the child saw committed, and no copy is left beside it', async () => {
    const bundle = await bundleChild(work, 'defrag-crash-child.ts', 'defrag-child.mjs');
    if (!bundle) {
      console.log('skipped: rolldown (bundler for the child process) is not installed');
      return;
    }
    const dir = join(work, 'db');
    const proc = (child = spawn(process.execPath, [bundle, dir], { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(here, '../../..') }));
    let lastReported = 0;
    let defrags = 0;
    let buf = '';
    // killed in the middle of the second defragmentation's copy or swap, with writes going on
    await new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          if (l === 'defrag') defrags++;
          else lastReported = Number(l);
        }
        if (defrags >= 2) resolve();
      });
    });
    // a few more batches into the running defragmentation
    const target = lastReported + 200;
    await new Promise<void>((resolve) => {
      const check = () => (lastReported >= target ? resolve() : undefined);
      proc.stdout!.on('data', check);
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGKILL');
    await exited;

    const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
    try {
      expect(readdirSync(dir).sort()).toEqual(['data.mdb', 'lock.mdb']);
      const ci = store.consistentIndex();
      expect(ci).toBeGreaterThanOrEqual(lastReported);
      // the child's history: puts of k<index> (one revision each) only
      expect(store.currentRevision()).toBe(ci + 1);
      expect(store.range(rangeReq('k', { rangeEnd: Buffer.from('l'), countOnly: true })).count).toBe(ci);
      expect(store.range(rangeReq(`k${ci}`)).kvs[0]?.modRevision).toBe(ci + 1);
      expect(store.range(rangeReq(`k${lastReported}`)).kvs[0]?.value.length).toBe(300);
    } finally {
      store.close();
    }
  });
});
