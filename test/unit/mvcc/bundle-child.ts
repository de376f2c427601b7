// Crash tests kill -9 a child process that runs the store; the child is TypeScript, so it is
// bundled with rolldown (vite's bundler, present wherever vitest is) before it is started.
import { symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles test/unit/mvcc/`childFile` into `work`/`outName`; undefined when rolldown is not installed. */
export async function bundleChild(work: string, childFile: string, outName: string): Promise<string | undefined> {
  let rolldown: typeof import('rolldown');
  try {
    rolldown = await import('rolldown');
  } catch {
    return undefined;
  }
  // The bundle keeps packages external: let it resolve them from the repository's node_modules.
  symlinkSync(join(here, '../../../node_modules'), join(work, 'node_modules'), 'dir');
  const out = join(work, outName);
  await rolldown.build({
    input: join(here, childFile),
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    platform: 'node',
    output: { file: out, format: 'esm' },
    logLevel: 'silent',
  });
  return out;
}
