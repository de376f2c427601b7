// Temp dirs (data dirs, certificates, snapshot files) that a test file creates, removed by
// `stopAllProcesses()` in its afterAll. A process 'exit' hook is not enough: vitest ends its fork
// workers without running it, and a full CI run once filled /tmp with leftover data dirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** A fresh dir `<tmpdir>/<prefix>XXXXXX`, removed by `removeTempDirs()` (which `stopAllProcesses()` calls). */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes `dir` (made elsewhere, e.g. by a process) with the dirs `makeTempDir` made. */
export function adoptTempDir(dir: string): void {
  created.add(dir);
}

/** Removes one dir made by `makeTempDir` now (e.g. between the cases of a test). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  created.delete(dir);
}

/** Removes every dir `makeTempDir` made in this test file that is still there. */
export function removeTempDirs(): void {
  for (const dir of created) removeTempDir(dir);
}

// the last resort when a worker exits normally without its afterAll (e.g. a test file run on its own by node)
process.on('exit', removeTempDirs);
