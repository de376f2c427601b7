// kill -9 in the middle of applying: the reopened store is exactly the state of some whole batch,
// its consistent index says which, and nothing the child saw committed is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChild } from './bundle-child.js';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openMvccStore } from '../../../src/native/mvcc/index.js';
import { rangeReq } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mvcc-crash-'));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(join(work, 'node_modules'), { force: true }); // the link only, never what it points to
  rmSync(work, { recursive: true, force: true });
});

describe('crash consistency', () => {
  it('after SIGKILL mid-apply, reopening finds a whole-batch state at its consistent index', async () => {
    const bundle = await bundleChild(work, 'crash-child.ts', 'child.mjs');
    if (!bundle) {
      console.log('skipped: rolldown (bundler for the child process) is not installed');
      return;
    }
    const dir = join(work, 'db');
    const proc = (child = spawn(process.execPath, [bundle, dir], { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(here, '../../..') }));
    let lastReported = 0;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) lastReported = Number(l);
        if (lastReported >= 3000) resolve();
      });
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGKILL');
    await exited;

    const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
    try {
      const ci = store.consistentIndex();
      expect(ci).toBeGreaterThanOrEqual(lastReported);
      expect(ci % 10).toBe(0); // whole batches only
      expect(store.currentRevision()).toBe(ci + 1); // one revision per put
      expect(store.range(rangeReq('k', { rangeEnd: Buffer.from('l'), countOnly: true })).count).toBe(ci);
      expect(store.range(rangeReq(`k${ci}`)).kvs[0]?.modRevision).toBe(ci + 1);
      expect(store.range(rangeReq(`k${ci + 1}`)).kvs).toEqual([]);
    } finally {
      store.close();
    }
  });
});
