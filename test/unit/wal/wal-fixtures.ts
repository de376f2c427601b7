// What the WAL unit tests share: temporary WAL dirs removed after each test, a member's metadata,
// entries whose data is their text, and the newest segment file of a dir.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Entry } from '../../../src/native/raft/api.js';

/** A maker of temporary dirs named `<prefix>...`, each removed after the test that made it. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

export const meta = { memberId: 0xbf912ccae49ece96n, clusterId: 0x88bc2d3e8a4f4a8en };
export const ent = (index: number, term: number, text = `v${index}`): Entry => ({
  index,
  term,
  type: 0,
  data: new Uint8Array(Buffer.from(text)),
});
export const text = (e: Entry) => Buffer.from(e.data).toString();
export const segmentFile = (dir: string) => join(dir, readdirSync(dir).filter((n) => n.endsWith('.wal')).sort().at(-1)!);
