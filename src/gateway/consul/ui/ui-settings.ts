// Whether this agent serves the web UI, and where: Consul's ui_config block (or the legacy top-level
// `ui`, `ui_content_path`, `ui_dir` and the -ui / -ui-content-path / -ui-dir flags, which the
// agent's configuration loader folds into ui_config). -dev turns the UI on, as Consul's dev mode does.
import type { AgentIdentity } from '../context.js';

export interface UiSettings {
  enabled: boolean;
  /** The URL path the UI is served under, with a leading and a trailing slash (Consul's default /ui/). */
  contentPath: string;
  /** ui_config.dir: a directory of UI files to serve instead of the built-in ones ('' = built-in). */
  dir: string;
}

function lookup(config: Record<string, unknown>, path: string): unknown {
  let v: unknown = config;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function truthy(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Consul keeps the content path as a directory path: "/" added in front and at the end when missing. */
export function normalizeContentPath(raw: string): string {
  let p = raw === '' ? '/ui/' : raw;
  if (!p.startsWith('/')) p = `/${p}`;
  if (!p.endsWith('/')) p = `${p}/`;
  return p;
}

export function uiSettingsOf(agent: AgentIdentity): UiSettings {
  const cfg = agent.config ?? {};
  const enabled = truthy(lookup(cfg, 'ui_config.enabled')) ?? truthy(lookup(cfg, 'ui')) ?? false;
  return {
    enabled,
    contentPath: normalizeContentPath(text(lookup(cfg, 'ui_config.content_path')) || text(lookup(cfg, 'ui_content_path'))),
    dir: text(lookup(cfg, 'ui_config.dir')) || text(lookup(cfg, 'ui_dir')),
  };
}
