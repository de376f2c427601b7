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
  try {
    run('npm ci --no-audit --no-fund');
  } catch {
    // The registry this project installs from lacks some other platforms' optional prebuilt
    // packages (msgpackr-extract for darwin/win32/linux-arm answer 404), so npm 11's `npm ci`
    // judges the lock out of sync. `npm install` accepts missing optional packages and installs
    // the same locked versions.
    console.error('[ensure-ready] npm ci refused the lock (missing optional platform packages); using npm install');
    run('npm install --no-audit --no-fund');
  }
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
  console.error('[ensure-ready] building (npm run build: tsc, then the web UI bundle)');
  run('npm run build');
  writeFileSync(stamp, new Date().toISOString() + '\n');
}
