#!/usr/bin/env node
// Pre-step of `npm start` and `npm test` on a fresh clone: install the locked dependencies when
// they are missing or stale, and compile TypeScript when any source is newer than the last build.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const installed = join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(join(root, 'package-lock.json'))) {
  console.error('[ensure-ready] installing dependencies (npm ci)');
  run('npm ci --no-audit --no-fund');
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const stamp = join(root, 'dist', '.build-stamp');
const sources = Math.max(
  ...['src', 'bench', 'proto', 'test/support'].map((d) => newest(join(root, d))),
  mtime(join(root, 'tsconfig.json')),
  mtime(join(root, 'tsconfig.build.json')),
);
if (mtime(stamp) < sources) {
  console.error('[ensure-ready] building (tsc -p tsconfig.build.json)');
  run('npx tsc -p tsconfig.build.json');
  writeFileSync(stamp, new Date().toISOString() + '\n');
}
