// The UI's only way to the agent: the public HTTP API (/v1/...) plus the read-only
// /v1/internal/ui/etcd/* endpoints that show the etcd view of the same store.

/** A KV key as a URL path: every segment escaped, the slashes kept. */
export function kvPath(key) {
  return key.split('/').map(encodeURIComponent).join('/');
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body ? `${status}: ${body.trim()}` : `HTTP ${status}`);
    this.status = status;
  }
}

const TOKEN_KEY = 'dcsgw-ui:acl-token';

/** The ACL token the user entered (kept in this browser only), sent as X-Consul-Token; '' = none (the agent's default token applies). */
export function aclToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setAclToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Headers every request of the UI carries. */
export function authHeaders() {
  const token = aclToken();
  return token ? { 'X-Consul-Token': token } : {};
}

async function send(method, path, body) {
  const headers = { ...authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'text/plain; charset=utf-8' }) };
  const res = await fetch(path, { method, body, headers });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, text);
  return text === '' ? null : JSON.parse(text);
}

export const api = {
  get: (path) => send('GET', path),
  put: (path, body) => send('PUT', path, body),
  del: (path) => send('DELETE', path),
};

/** A KV entry's Value (base64 or null) as text, or undefined when the bytes are not UTF-8. */
export function decodeValue(b64) {
  if (b64 === null || b64 === undefined) return '';
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function byteLength(b64) {
  return b64 ? atob(b64).length : 0;
}

/** etcd writes uint64 member IDs as decimal strings in JSON; etcdctl shows them in hex. */
export function hexId(decimal) {
  if (decimal === undefined || decimal === null || decimal === '') return '0';
  return BigInt(decimal).toString(16);
}

/** The text of an etcd JSON gateway key (base64). */
export function decodeKey(b64) {
  return b64 ? decodeValue(b64) ?? b64 : '';
}
