// Interrupting `dcsgw migrate` (SIGTERM once, then kill -9) at random points and running the same command again:
// it resumes from its checkpoint (not from the start), and the result is whole — nothing lost,
// nothing duplicated (an etcd destination holds each key once, with the source's value; a JSON
// file holds each entry once) — and its verification is clean.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateSummary } from '../../../src/compat/migrate/migrate.js';
import { etcdctl, skipUnlessBinaries, startEtcd, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';
import { mulberry32 } from '../../support/prng.js';
import { PORTS, diffContent, etcdContent, loadIntoEtcd, randomDataset, removeTempDirs, spawnDcsgw, tempDir } from './migrate-support.js';

const KEYS = 12_000;
const KILLS = 3;
const SEED = Number(process.env.MIGRATE_SEED ?? Date.now() % 100_000);

interface Checkpoint {
  keys: number;
}

function readCheckpoint(path: string): Checkpoint | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch {
    return undefined; // not written yet (or between write and rename: the old one is still there)
  }
}

/**
 * Runs the command KILLS times, each time SIGKILLing it once its checkpoint passes a random number
 * of keys beyond the previous run's; then once more to the end. Returns the last run's summary.
 */
async function interruptAndResume(args: string[], cwd: string, checkpoint: string, rnd: () => number): Promise<{ summary: MigrateSummary; kills: number; killedAt: number[] }> {
  const killedAt: number[] = [];
  let done = 0;
  for (let k = 0; k < KILLS; k++) {
    const threshold = done + 1 + Math.floor(rnd() * ((KEYS - done) / (KILLS - k + 1)));
    const p = spawnDcsgw([...args, '--checkpoint', checkpoint, '--quiet', '--json'], cwd);
    const reached = await waitFor(() => (!p.alive() ? 'exited' : (readCheckpoint(checkpoint)?.keys ?? 0) >= threshold ? 'reached' : undefined), { timeoutMs: 60_000, intervalMs: 2, what: () => p.output() });
    expect(reached, `run ${k} ended before its checkpoint reached ${threshold} keys: ${p.output()}`).toBe('reached');
    // the kill lands at a random moment after that checkpoint: between pages, mid-page or mid-transaction
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * 40)));
    // the first interruption is a polite one (SIGTERM, as from a service manager), the others kill -9
    if (k === 0) {
      p.kill('SIGTERM');
      expect(await p.exited).toBe(143);
      expect(p.output()).toContain('interrupted; run the same command again to resume from its checkpoint');
    } else {
      p.kill('SIGKILL');
      await p.exited;
    }
    done = readCheckpoint(checkpoint)!.keys;
    killedAt.push(done);
  }
  const last = spawnDcsgw([...args, '--checkpoint', checkpoint, '--quiet', '--json'], cwd);
  const code = await last.exited;
  expect(code, last.output()).toBe(0);
  return { summary: JSON.parse(last.stdoutText()) as MigrateSummary, kills: KILLS, killedAt };
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))(`dcsgw migrate interrupted by kill -9 and resumed (MIGRATE_SEED=${SEED})`, () => {
  let a: RunningMember;
  let b: RunningMember;
  const cwd = tempDir('resume');
  let expected: Map<string, Buffer>;

  beforeAll(async () => {
    [a, b] = await Promise.all([startEtcd({ portRange: PORTS, name: 'src' }), startEtcd({ portRange: PORTS, name: 'dst' })]);
    await loadIntoEtcd(a.clientUrl, randomDataset(SEED, KEYS, 'big/', 1024));
    expected = await etcdContent(a.clientUrl, 'big/');
  }, 120_000);

  afterAll(async () => {
    await stopAllProcesses();
    removeTempDirs();
  });

  it('etcd -> etcd: every key once, with its value; verification clean', async () => {
    const rnd = mulberry32(SEED);
    const cp = join(cwd, 'etcd.checkpoint.json');
    const { summary, killedAt } = await interruptAndResume(['migrate', `etcd://${a.clientUrl.slice(7)}`, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'big/', '--batch', '8'], cwd, cp, rnd);
    expect(summary.resumedAfterKeys).toBe(killedAt[KILLS - 1]);
    expect(summary.keys).toBe(KEYS);
    expect(summary.verify).toMatchObject({ ok: true, checked: KEYS, sourceKeys: KEYS, destinationKeys: KEYS, missing: 0, extra: 0, differing: 0 });
    expect(existsSync(cp)).toBe(false);
    expect(diffContent(expected, await etcdContent(b.clientUrl, 'big/'))).toEqual({ missing: [], differing: [], extra: [] });
    // a key written again after an interruption is the same key (version 2), never a second one;
    // only the keys after each run's last checkpoint are written again
    const r = await etcdctl(b.clientUrl, ['get', 'big/', '--prefix', '--keys-only', '-w', 'json'], { timeoutMs: 60_000 });
    const versions = (JSON.parse(r.stdout) as { kvs: Array<{ version: number }> }).kvs.map((kv) => kv.version);
    const rewritten = versions.filter((v) => v > 1).length;
    expect(versions.length).toBe(KEYS);
    expect(rewritten).toBeLessThan(KEYS / 2);
    console.log(`migrate resume etcd->etcd: ${KEYS} keys, ${summary.bytes} bytes, ${KILLS} faults (1 SIGTERM, ${KILLS - 1} kill -9) at ${killedAt.join(', ')} checkpointed keys, ${rewritten} keys written again after the interruptions, verification clean`);
  }, 240_000);

  it('etcd -> JSON file: the file is cut back to its checkpoint, so each entry is there once', async () => {
    const rnd = mulberry32(SEED + 1);
    const cp = join(cwd, 'json.checkpoint.json');
    const out = join(cwd, 'big.json');
    const { summary, killedAt } = await interruptAndResume(['migrate', `etcd://${a.clientUrl.slice(7)}`, `file:${out}`, '--prefix', 'big/'], cwd, cp, rnd);
    expect(summary.resumedAfterKeys).toBeGreaterThan(0);
    expect(summary.verify).toMatchObject({ ok: true, checked: KEYS, destinationKeys: KEYS });
    const entries = JSON.parse(readFileSync(out, 'utf8')) as Array<{ key: string; value: string }>;
    expect(entries.length).toBe(KEYS);
    expect(new Set(entries.map((e) => e.key)).size).toBe(KEYS);
    const got = new Map(entries.map((e) => [e.key, Buffer.from(e.value, 'base64')]));
    expect(diffContent(expected, got)).toEqual({ missing: [], differing: [], extra: [] });
    console.log(`migrate resume etcd->json: ${KEYS} keys, ${KILLS} faults (1 SIGTERM, ${KILLS - 1} kill -9) at ${killedAt.join(', ')} checkpointed keys, file entries ${entries.length}, verification clean`);
  }, 240_000);
});
