// Helpers of the ACL tests: a Consul face started with an acl block (as `dcsgw agent` reads it from
// its configuration), and HTTP calls that carry a token the ways clients send one.
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dirs.js';

export interface AclFace extends ConsulFace {
  /** The agent's data_dir (where the bootstrap reset file goes). */
  agentDataDir: string;
}

export async function startAclFace(acl: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<AclFace> {
  const agentDataDir = makeTempDir('dcsgw-acl-agent-');
  const face = await startConsulFace({ agent: { nodeName: 'acl-node', config: { data_dir: agentDataDir, acl, ...extra } } });
  const closeFace = face.close;
  const close = async (): Promise<void> => {
    await closeFace();
    removeTempDir(agentDataDir);
  };
  return Object.assign(face, { agentDataDir, close });
}

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
  json<T = unknown>(): T;
}

export type TokenVia = 'header' | 'query' | 'bearer';

/** One request; `token` goes in X-Consul-Token unless `via` says ?token= or Authorization: Bearer. */
export async function call(base: string, method: string, path: string, opts: { token?: string; via?: TokenVia; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  let url = `${base}${path}`;
  if (opts.token !== undefined) {
    if (opts.via === 'query') url += `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(opts.token)}`;
    else if (opts.via === 'bearer') headers.Authorization = `Bearer ${opts.token}`;
    else headers['X-Consul-Token'] = opts.token;
  }
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: <T>() => JSON.parse(text) as T };
}

export const ANONYMOUS_DENIAL_SUFFIX = '. The anonymous token is used implicitly when a request does not specify a token.';

/** Creates a policy with `rules` and a token holding it; returns the token's secret and accessor. */
export async function tokenWithRules(base: string, management: string, name: string, rules: string): Promise<{ secret: string; accessor: string }> {
  const p = await call(base, 'PUT', '/v1/acl/policy', { token: management, body: { Name: name, Rules: rules } });
  if (p.status !== 200) throw new Error(`policy ${name}: ${p.status} ${p.text}`);
  const t = await call(base, 'PUT', '/v1/acl/token', { token: management, body: { Description: name, Policies: [{ Name: name }] } });
  if (t.status !== 200) throw new Error(`token ${name}: ${t.status} ${t.text}`);
  const tok = t.json<{ SecretID: string; AccessorID: string }>();
  return { secret: tok.SecretID, accessor: tok.AccessorID };
}
