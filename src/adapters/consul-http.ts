// The HTTP connection of the Consul adapter to a genuine Consul cluster: one undici dispatcher,
// several agents tried in order (the first that accepts a connection serves until it stops doing
// so), the ACL token as X-Consul-Token, the datacenter as ?dc=, TLS from files.
//
// A request that reached an agent is never sent again to another one (a write could apply twice);
// only a failure to connect moves on to the next agent. Consul's error answers are turned into the
// etcd errors a client of the etcd face understands where one fits (no leader), and otherwise into
// an error that quotes Consul.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { EtcdError, Errors, GrpcCode } from './errors.js';
import { parseConsulJson } from './consul-keyspace.js';

export interface ConsulBackendOptions {
  /** host:port of each agent, tried in order. */
  agents: string[];
  token?: string;
  datacenter?: string;
  /** Present = HTTPS. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; insecureSkipVerify?: boolean };
}

export interface ConsulAnswer {
  status: number;
  /** X-Consul-Index (0 when absent). */
  index: number;
  text: string;
  bytes: Buffer;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && e; i++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

export class ConsulHttp {
  private readonly dispatcher: Agent;
  private readonly origins: string[];
  private current = 0;
  private closed = false;

  constructor(private readonly options: ConsulBackendOptions) {
    const scheme = options.tls ? 'https' : 'http';
    this.origins = options.agents.map((a) => `${scheme}://${a}`);
    const t = options.tls;
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      // a blocking query waits up to its ?wait plus Consul's jitter: the body timeout is above that
      bodyTimeout: 15 * 60_000,
      headersTimeout: 15 * 60_000,
      ...(t
        ? {
            connect: {
              ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
              ...(t.certFile ? { cert: readFileSync(t.certFile) } : {}),
              ...(t.keyFile ? { key: readFileSync(t.keyFile) } : {}),
              rejectUnauthorized: !t.insecureSkipVerify,
            },
          }
        : {}),
    });
  }

  /** The agent currently talked to (http(s)://host:port). */
  get origin(): string {
    return this.origins[this.current]!;
  }

  /**
   * One HTTP call. `query` values of '' are sent as presence flags (`?recurse`). Answers every
   * status to the caller except those that mean the cluster cannot serve (thrown as EtcdError).
   */
  async call(method: 'GET' | 'PUT' | 'DELETE', path: string, query: Record<string, string | number | undefined> = {}, body?: string | Buffer, signal?: AbortSignal): Promise<ConsulAnswer> {
    const qs: string[] = [];
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.push(v === '' ? k : `${k}=${encodeURIComponent(String(v))}`);
    if (this.options.datacenter) qs.push(`dc=${encodeURIComponent(this.options.datacenter)}`);
    const pathAndQuery = `${path}${qs.length ? `?${qs.join('&')}` : ''}`;
    const headers: Record<string, string> = {};
    if (this.options.token) headers['x-consul-token'] = this.options.token;
    if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/json' : 'application/octet-stream';
    let lastErr: unknown;
    for (let tried = 0; tried < this.origins.length; tried++) {
      if (this.closed) throw Errors.Stopped;
      const origin = this.origins[this.current]!;
      try {
        const res = await request(`${origin}${pathAndQuery}`, { method, headers, body, dispatcher: this.dispatcher, signal });
        const bytes = Buffer.from(await res.body.arrayBuffer());
        const idx = res.headers['x-consul-index'];
        const answer = { status: res.statusCode, index: idx ? Number(idx) : 0, text: bytes.toString('utf8'), bytes };
        if (answer.status >= 500 || answer.status === 403 || answer.status === 401) throw consulError(answer, method, path);
        return answer;
      } catch (err) {
        if (err instanceof EtcdError) throw err;
        if (signal?.aborted) throw err;
        const code = errorCode(err);
        // GETs are safe to send again anywhere; anything else only when it never left
        if (!(code && CONNECT_ERRORS.has(code)) && method !== 'GET') throw unreachable([origin], err);
        lastErr = err;
        this.current = (this.current + 1) % this.origins.length;
      }
    }
    throw unreachable(this.origins, lastErr);
  }

  /** call() and JSON.parse of a 200 answer; `null` for 404. */
  async json<T>(method: 'GET' | 'PUT', path: string, query: Record<string, string | number | undefined> = {}, body?: string): Promise<{ value: T | null; index: number }> {
    const res = await this.call(method, path, query, body);
    if (res.status === 404) return { value: null, index: res.index };
    if (res.status !== 200) throw consulError(res, method, path);
    return { value: parseConsulJson<T>(res.text), index: res.index };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.dispatcher.destroy().catch(() => undefined);
  }
}

export function unreachable(origins: string[], err: unknown): EtcdError {
  const why = err instanceof Error ? (errorCode(err) ?? err.message) : String(err);
  return new EtcdError(GrpcCode.UNAVAILABLE, `dcsgw: no Consul agent answers (${origins.join(', ')}): ${why}`);
}

/** Consul's error answer as the EtcdError an etcd client is shown. */
export function consulError(res: ConsulAnswer, method: string, path: string): EtcdError {
  const body = res.text.trim();
  if (/No cluster leader/i.test(body)) return Errors.NoLeader;
  if (res.status === 403 || res.status === 401) return new EtcdError(GrpcCode.PERMISSION_DENIED, `dcsgw: Consul refused ${method} ${path}: ${res.status} (${body})`);
  return new EtcdError(res.status >= 500 ? GrpcCode.UNAVAILABLE : GrpcCode.INVALID_ARGUMENT, `dcsgw: Consul answered ${method} ${path} with ${res.status} (${body})`);
}
