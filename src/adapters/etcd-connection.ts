// The gRPC connection of the etcd adapter to a genuine etcd cluster: one @grpc/grpc-js channel per
// endpoint, messages encoded with the project's own etcd codecs (the same ones the etcd face uses,
// so requests and responses keep the Backend model's shapes end to end), etcd's errors turned into
// EtcdError with the code and text genuine etcd sent, failover to the next endpoint when one is
// unreachable, and the auth token of a user named in the backend URL.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { binaryCodec } from '../gateway/etcd/codec/index.js';
import { EtcdError, GrpcCode } from './errors.js';

export interface EtcdConnectionOptions {
  /** host:port of each member's client URL, tried in order. */
  endpoints: string[];
  tls?: { caFile?: string; certFile?: string; keyFile?: string; insecureSkipVerify?: boolean };
  credentials?: { user: string; password: string };
  /** Per-call deadline for unary calls (default 30 s). */
  callTimeoutMs?: number;
}

/** A method of etcd's gRPC API: its path and the message names of its request and response. */
export interface EtcdMethod {
  path: string;
  request: string;
  response: string;
}

export function method(service: string, name: string, request = `${name}Request`, response = `${name}Response`): EtcdMethod {
  return { path: `/etcdserverpb.${service}/${name}`, request, response };
}

/** A transport failure (the endpoint is down or unreachable), as opposed to an answer of etcd. */
export function isUnreachable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: number; message?: string; details?: string };
  if (e.code !== grpc.status.UNAVAILABLE) return false;
  // "etcdserver: no leader" and friends are etcd's own answers: the endpoint is up
  const text = e.details ?? e.message ?? '';
  return !text.startsWith('etcdserver:');
}

/** A grpc-js error (or anything thrown) as the EtcdError a client of genuine etcd would have seen. */
export function toEtcdError(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  const e = err as { code?: number; details?: string; message?: string };
  const code = typeof e.code === 'number' && e.code >= 0 && e.code <= 16 ? (e.code as GrpcCode) : GrpcCode.UNKNOWN;
  return new EtcdError(code, e.details ?? e.message ?? String(err));
}

export class EtcdConnection {
  private readonly clients: (grpc.Client | undefined)[];
  private current = 0;
  private token: string | undefined;
  private closed = false;
  private readonly channelCredentials: grpc.ChannelCredentials;

  constructor(readonly options: EtcdConnectionOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd backend: no endpoint given');
    this.clients = options.endpoints.map(() => undefined);
    const tls = options.tls;
    this.channelCredentials = tls
      ? grpc.credentials.createSsl(
          tls.caFile ? readFileSync(tls.caFile) : null,
          tls.keyFile ? readFileSync(tls.keyFile) : null,
          tls.certFile ? readFileSync(tls.certFile) : null,
          tls.insecureSkipVerify ? { checkServerIdentity: () => undefined } : undefined,
        )
      : grpc.credentials.createInsecure();
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.options.endpoints[this.current]!;
  }

  /** The client of the current endpoint (made on first use). */
  client(index = this.current): grpc.Client {
    if (this.closed) throw new EtcdError(GrpcCode.UNAVAILABLE, 'etcd backend: closed');
    let c = this.clients[index];
    if (!c) {
      c = new grpc.Client(this.options.endpoints[index]!, this.channelCredentials, {
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 1000,
      });
      this.clients[index] = c;
    }
    return c;
  }

  /** Moves to the next endpoint (after `failed` proved unreachable; a no-op if another call already moved on). */
  failover(failed: number): void {
    if (this.current === failed) this.current = (failed + 1) % this.options.endpoints.length;
  }

  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('token', this.token);
    return md;
  }

  /** One unary call, tried on each endpoint in turn while they are unreachable. */
  async unary<Req, Res>(m: EtcdMethod, req: Req): Promise<Res> {
    await this.authenticateOnce();
    let lastErr: unknown;
    for (let tries = 0; tries < this.options.endpoints.length; tries++) {
      const index = this.current;
      try {
        return await this.unaryOn<Req, Res>(index, m, req);
      } catch (err) {
        lastErr = err;
        if (isUnreachable(err)) {
          this.failover(index);
          continue;
        }
        const e = toEtcdError(err);
        if (this.options.credentials && e.message === 'etcdserver: invalid auth token') {
          // tokens of genuine etcd's simple provider expire: sign in again, once
          this.token = undefined;
          await this.authenticateOnce();
          try {
            return await this.unaryOn<Req, Res>(index, m, req);
          } catch (again) {
            throw toEtcdError(again);
          }
        }
        throw e;
      }
    }
    throw toEtcdError(lastErr);
  }

  private unaryOn<Req, Res>(index: number, m: EtcdMethod, req: Req): Promise<Res> {
    const reqCodec = binaryCodec<Req>(m.request);
    const resCodec = binaryCodec<Res>(m.response);
    const client = this.client(index);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Req, Res>(
        m.path,
        (r) => reqCodec.encode(r),
        (b) => resCodec.decode(b),
        req,
        this.metadata(),
        { deadline: Date.now() + (this.options.callTimeoutMs ?? 30_000) },
        (err, res) => (err ? reject(err) : resolve(res!)),
      );
    });
  }

  /** A bidirectional stream on the current endpoint. */
  bidi<Req, Res>(m: EtcdMethod): { stream: grpc.ClientDuplexStream<Req, Res>; index: number } {
    const reqCodec = binaryCodec<Req>(m.request);
    const resCodec = binaryCodec<Res>(m.response);
    const index = this.current;
    const stream = this.client(index).makeBidiStreamRequest<Req, Res>(
      m.path,
      (r) => reqCodec.encode(r),
      (b) => resCodec.decode(b),
      this.metadata(),
    );
    return { stream, index };
  }

  /** A server stream (Snapshot) on the current endpoint. */
  serverStream<Req, Res>(m: EtcdMethod, req: Req): grpc.ClientReadableStream<Res> {
    const reqCodec = binaryCodec<Req>(m.request);
    const resCodec = binaryCodec<Res>(m.response);
    return this.client().makeServerStreamRequest<Req, Res>(
      m.path,
      (r) => reqCodec.encode(r),
      (b) => resCodec.decode(b),
      req,
      this.metadata(),
    );
  }

  /** Signs in with the URL's credentials when there is no token yet. */
  async authenticateOnce(): Promise<void> {
    const cred = this.options.credentials;
    if (!cred || this.token) return;
    const auth = method('Auth', 'Authenticate');
    let lastErr: unknown;
    for (let tries = 0; tries < this.options.endpoints.length; tries++) {
      const index = this.current;
      try {
        const res = await this.unaryOn<{ name: string; password: string }, { token: string }>(index, auth, { name: cred.user, password: cred.password });
        this.token = res.token;
        return;
      } catch (err) {
        lastErr = err;
        if (!isUnreachable(err)) throw toEtcdError(err);
        this.failover(index);
      }
    }
    throw toEtcdError(lastErr);
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients) c?.close();
  }
}
