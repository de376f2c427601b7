// A Consul HTTP client as the workloads use it: plain fetch with a timeout, an answer other than
// the expected status is an error, and an error says whether the request surely never reached
// the agent (connection refused: the operation had no effect) or its outcome is unknown.

export class ConsulHttpError extends Error {
  constructor(
    message: string,
    /** True when the request surely had no effect (it never reached a listening agent). */
    readonly definite: boolean,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 3_000;

export async function call(base: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    throw new ConsulHttpError(`${method} ${base}${path}: ${code ?? (err as Error).message}`, code === 'ECONNREFUSED');
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new ConsulHttpError(`${method} ${base}${path}: body lost: ${(err as Error).message}`, false);
  }
  return { status: res.status, text };
}

/** A call that must answer 200 (any other status: unknown outcome, e.g. 500 No cluster leader). */
export async function ok(base: string, method: string, path: string, body?: string): Promise<string> {
  const r = await call(base, method, path, body);
  if (r.status !== 200) throw new ConsulHttpError(`${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`, false);
  return r.text;
}

export function isDefinite(err: unknown): boolean {
  return err instanceof ConsulHttpError && err.definite;
}

export interface KvEntry {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

/** GET /v1/kv/<key>?consistent: the entry, or null on 404. */
export async function readKey(base: string, key: string): Promise<KvEntry | null> {
  const r = await call(base, 'GET', `/v1/kv/${key}?consistent`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new ConsulHttpError(`GET ${key}: ${r.status} ${r.text.slice(0, 200)}`, false);
  const [e] = JSON.parse(r.text) as KvEntry[];
  return { ...e!, Value: e!.Value === null ? null : Buffer.from(e!.Value, 'base64').toString('utf8') };
}

/** A PUT that answers true or false (plain write, ?cas, ?acquire, ?release). */
export async function putBool(base: string, path: string, body: string): Promise<boolean> {
  const text = (await ok(base, 'PUT', path, body)).trim();
  if (text !== 'true' && text !== 'false') throw new ConsulHttpError(`PUT ${path}: unexpected answer ${text}`, false);
  return text === 'true';
}
