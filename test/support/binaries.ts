// Presence checks for the external programs some suites need, so a suite can skip with ONE clear
// line when e.g. genuine etcd is not installed instead of failing.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string | undefined>();

/** Absolute path of `name` on $PATH (or `name` itself when it is a path), else undefined. */
export function whichBinary(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  let result: string | undefined;
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      result = candidate;
      break;
    } catch {
      // not here; try the next PATH entry
    }
  }
  found.set(name, result);
  return result;
}

export function hasBinary(name: string): boolean {
  return whichBinary(name) !== undefined;
}

const reported = new Set<string>();

/**
 * For `describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))`: true (skip) when any is missing,
 * after printing one line saying which and why.
 */
export function skipUnlessBinaries(...names: string[]): boolean {
  const missing = names.filter((n) => !hasBinary(n));
  if (missing.length === 0) return false;
  const line = `SKIP: ${missing.join(', ')} not installed (apt-get install etcd-server etcd-client); genuine-etcd tests skipped`;
  if (!reported.has(line)) {
    reported.add(line);
    console.warn(line);
  }
  return true;
}

/** The repository root (test/support/ is two levels down; also valid when compiled into dist/). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  // source: <root>/test/support/ ; compiled: <root>/dist/test/support/
  const up2 = join(here, '..', '..');
  return existsSync(join(up2, 'package.json')) ? up2 : join(up2, '..');
}

/** True when `bin/dcsgw` can run (the TypeScript build exists). */
export function hasDcsgwBuild(): boolean {
  return existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js'));
}
