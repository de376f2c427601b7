// The web UI's files as the agent serves them: the built-in bundle that `npm run build`
// (scripts/ui-build.mjs) writes to dist/ui, or the directory of ui_config.dir. index.html carries
// the content path (the UI's base URL) as a placeholder, filled per agent at serving time.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** index.html's placeholder for the content path ("/ui/" unless ui_config.content_path moves it). */
export const CONTENT_PATH_PLACEHOLDER = '%DCSGW_UI_CONTENT_PATH%';

/** Go's built-in MIME table (what Consul's file server answers); other files are labelled as Go sniffs text. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Where the built-in UI lives: dist/ui beside the compiled sources (dist/src/gateway/consul/ui ->
 * dist/ui), or, when this module runs from src/ (tests under vitest), the repository's dist/ui.
 */
export function builtInUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../../ui'), resolve(here, '../../../../dist/ui')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

export interface UiFile {
  body: Buffer;
  contentType: string;
  modified: Date;
}

/**
 * The file at `relPath` under `root`, or undefined when there is none (or the path would leave
 * the root: a request for ../ never reads outside the UI's directory).
 */
export async function readUiFile(dir: string, relPath: string): Promise<UiFile | undefined> {
  const root = resolve(dir);
  const full = resolve(root, `.${sep}${relPath}`);
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  try {
    const st = await stat(full);
    if (!st.isFile()) return undefined;
    return { body: await readFile(full), contentType: contentTypeOf(full), modified: st.mtime };
  } catch {
    return undefined;
  }
}
