#!/usr/bin/env node
// Builds the web UI the agent serves on /ui (src/gateway/consul/ui/app -> dist/ui): esbuild bundles
// the preact + htm components and the stylesheet; index.html and robots.txt are copied. Run by
// `npm run build` after tsc (so by scripts/ensure-ready.mjs on a fresh clone too).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src', 'gateway', 'consul', 'ui', 'app');
const out = join(root, 'dist', 'ui');

mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: join(src, 'main.js'), style: join(src, 'app.css') },
  outdir: join(out, 'assets'),
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2020'],
  jsx: 'preserve',
  logLevel: 'warning',
  metafile: true,
});
for (const name of ['index.html', 'robots.txt']) copyFileSync(join(src, name), join(out, name));
const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .map(([file, o]) => `${file.slice(file.lastIndexOf('/') + 1)} ${(o.bytes / 1024).toFixed(1)} KiB`);
console.error(`[ui-build] dist/ui: ${sizes.join(', ')}`);
