// WAL damage on dcsgw's data dir (<data-dir>/member/wal/*.wal, see src/native/wal/wal.ts):
// - the last segment cut short by a few bytes, or a bit flipped in its last record (a torn tail,
//   what a crash mid-write leaves): dcsgw starts, logs that it truncated the torn record, and
//   keeps every write acknowledged before the last one;
// - a bit flipped in the middle of the log: dcsgw refuses to start, exits non-zero and names the
//   corrupt file and offset ("wal: corrupt record in ... refusing to start").
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdctl, hasDcsgwBuild, startDcsgw, stopAllProcesses, type RunningMember } from '../../support/index.js';

const RANGE = { from: 23950, to: 23999 };
const KEYS = 30;

function lastSegment(dataDir: string): string {
  const dir = join(dataDir, 'member', 'wal');
  const names = readdirSync(dir).filter((n) => n.endsWith('.wal')).sort();
  const last = names.at(-1);
  if (!last) throw new Error(`no WAL segment in ${dir}`);
  return join(dir, last);
}

async function writeKeys(m: RunningMember): Promise<void> {
  for (let i = 0; i < KEYS; i++) {
    const r = await etcdctl(m.endpoints, ['put', `wal/k${String(i).padStart(2, '0')}`, `v${i}`]);
    expect(r.code, r.stderr).toBe(0);
  }
}

async function countKeys(m: RunningMember): Promise<number> {
  const r = await etcdctl(m.endpoints, ['get', 'wal/', '--prefix', '--keys-only', '--limit=1', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return Number((JSON.parse(r.stdout) as { count?: number }).count ?? 0);
}

/** Starts dcsgw, writes KEYS keys, kills it (SIGKILL: no clean shutdown), returns the member. */
async function crashedWithData(): Promise<RunningMember> {
  const m = await startDcsgw({ name: 'wal', portRange: RANGE });
  await writeKeys(m);
  m.kill('SIGKILL');
  await m.process.exited;
  return m;
}

if (!hasDcsgwBuild()) console.warn('SKIP: dcsgw not built (node scripts/ensure-ready.mjs); WAL damage tests skipped');

describe.skipIf(!hasDcsgwBuild())('durability: WAL damage', () => {
  afterAll(stopAllProcesses);

  it('repairs a tail cut short by a few bytes, with a log line, and keeps the earlier writes', async () => {
    const m = await crashedWithData();
    const seg = lastSegment(m.dataDir);
    truncateSync(seg, statSync(seg).size - 3);
    const again = await m.restart();
    expect(again.output()).toContain('wal: truncating a torn record at the tail of the log');
    expect(await countKeys(again)).toBeGreaterThanOrEqual(KEYS - 1);
    await again.stop();
    await m.stop();
  });

  it('repairs a bit flipped in the last record, with a log line', async () => {
    const m = await crashedWithData();
    const seg = lastSegment(m.dataDir);
    const buf = readFileSync(seg);
    buf[buf.length - 2] = (buf[buf.length - 2] as number) ^ 0x10;
    writeFileSync(seg, buf);
    const again = await m.restart();
    expect(again.output()).toContain('wal: truncating a torn record at the tail of the log');
    expect(await countKeys(again)).toBeGreaterThanOrEqual(KEYS - 1);
    await again.stop();
    await m.stop();
  });

  it('refuses to start on a bit flipped in the middle of the log, naming file and offset, exit non-zero', async () => {
    const m = await crashedWithData();
    const seg = lastSegment(m.dataDir);
    const buf = readFileSync(seg);
    const mid = Math.floor(buf.length / 2);
    buf[mid] = (buf[mid] as number) ^ 0x01;
    writeFileSync(seg, buf);
    const err = await m.restart({ readyTimeoutMs: 10_000 }).then(
      () => new Error('dcsgw started on a corrupt WAL'),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/wal: corrupt record in .*\.wal at offset \d+/);
    expect(err.message).toMatch(/process exited \((?!0\))[^)]+\)/); // a non-zero exit code (or a signal), not 0
    await m.stop();
  });
});
