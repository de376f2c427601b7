// Raw gRPC calls through @grpc/grpc-js (the reference client) with the project's proto/ files,
// answers rendered as stable JSON: every field (defaults included), 64-bit numbers as decimal
// strings, bytes as UTF-8 text when printable (else "base64:..."), errors as code + message.
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir } from '../../../gateway/etcd/codec/proto-root.js';

type UnaryFn = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type StreamFn = (meta: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientDuplexStream<unknown, unknown>;
type ServerStreamFn = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

const PACKAGES: Record<string, string> = {
  KV: 'etcdserverpb', Watch: 'etcdserverpb', Lease: 'etcdserverpb', Cluster: 'etcdserverpb',
  Maintenance: 'etcdserverpb', Auth: 'etcdserverpb', Lock: 'v3lockpb', Election: 'v3electionpb',
};

let loaded: grpc.GrpcObject | undefined;
function protos(): grpc.GrpcObject {
  if (loaded) return loaded;
  const dir = protoDir();
  const files = ['rpc.proto', 'v3lock.proto', 'v3election.proto'].filter((f) => existsSync(`${dir}/${f}`));
  const def = protoLoader.loadSync(files, { includeDirs: [dir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  loaded = grpc.loadPackageDefinition(def);
  return loaded;
}

/** Plain-data form of a decoded message: Buffers become text, keys sorted for a stable rendering. */
export function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buf = Buffer.from(value);
    const text = buf.toString('utf8');
    return /^[\x20-\x7e\n\t]*$/.test(text) && Buffer.from(text, 'utf8').equals(buf) ? text : `base64:${buf.toString('base64')}`;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = plain((value as Record<string, unknown>)[k]);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function describeGrpcError(err: grpc.ServiceError): string {
  return `ERROR code=${err.code} (${grpc.status[err.code] ?? '?'}) message=${JSON.stringify(err.details)}`;
}

/** One connection to a target, shared by every service client. */
export class GrpcTarget {
  private readonly clients = new Map<string, grpc.Client>();
  /** `credentials`: TLS for a target serving https (default: plaintext). */
  constructor(
    private readonly address: string,
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {}

  private client(service: string): grpc.Client {
    let c = this.clients.get(service);
    if (!c) {
      const pkg = PACKAGES[service];
      if (!pkg) throw new Error(`unknown gRPC service ${service}`);
      const ctor = (protos()[pkg] as grpc.GrpcObject)[service] as grpc.ServiceClientConstructor;
      c = new ctor(this.address, this.credentials);
      this.clients.set(service, c);
    }
    return c;
  }

  /** `Service.Method` unary call; resolves with the rendered answer (never rejects for gRPC errors). */
  unary(fullMethod: string, req: unknown, timeoutMs = 5_000, token?: string): Promise<{ text: string; value?: unknown; error?: grpc.ServiceError }> {
    const [service, method] = fullMethod.split('.') as [string, string];
    const c = this.client(service) as unknown as Record<string, UnaryFn>;
    const fn = c[method];
    if (typeof fn !== 'function') throw new Error(`no method ${fullMethod}`);
    return new Promise((resolve) => {
      const meta = new grpc.Metadata();
      if (token !== undefined) meta.set('token', token); // etcd's auth token header
      fn.call(c, req, meta, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) resolve({ text: describeGrpcError(err), error: err });
        else resolve({ text: JSON.stringify(plain(res)), value: res });
      });
    });
  }

  /** Streaming call: writes `send`, gathers up to `count` answers or until `ms` (a bound for slow
   * machines: scenarios expect exactly `count` answers, or set `ms` when they expect fewer), then cancels. */
  stream(fullMethod: string, send: unknown[], count: number, ms = 5_000): Promise<string> {
    const [service, method] = fullMethod.split('.') as [string, string];
    const c = this.client(service) as unknown as Record<string, StreamFn | ServerStreamFn>;
    const fn = c[method];
    if (typeof fn !== 'function') throw new Error(`no method ${fullMethod}`);
    const serverStreaming = fullMethod === 'Maintenance.Snapshot' || fullMethod === 'Election.Observe';
    return new Promise((resolve) => {
      const answers: string[] = [];
      let done = false;
      const call = serverStreaming
        ? (fn as ServerStreamFn).call(c, send[0] ?? {}, new grpc.Metadata(), {})
        : (fn as StreamFn).call(c, new grpc.Metadata(), {});
      const finish = (tail?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (tail) answers.push(tail);
        call.cancel();
        resolve(answers.join('\n'));
      };
      const timer = setTimeout(() => finish(`(${answers.length} answers within the window)`), ms);
      call.on('data', (msg: unknown) => {
        answers.push(JSON.stringify(plain(msg)));
        if (answers.length >= count) finish();
      });
      call.on('error', (err: grpc.ServiceError) => finish(describeGrpcError(err)));
      call.on('end', () => finish('(stream ended by server)'));
      if (!serverStreaming) {
        const duplex = call as grpc.ClientDuplexStream<unknown, unknown>;
        for (const m of send) duplex.write(m);
      }
    });
  }

  /** A call by path with raw bytes (methods absent from our protos, e.g. etcd 3.5's): answer as hex. */
  raw(path: string, body: Buffer, timeoutMs = 5_000): Promise<string> {
    let c = this.clients.get('#raw');
    if (!c) {
      c = new grpc.Client(this.address, this.credentials);
      this.clients.set('#raw', c);
    }
    const client = c;
    return new Promise((resolve) => {
      client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        resolve(err ? describeGrpcError(err) : `hex:${(res ?? Buffer.alloc(0)).toString('hex')}`);
      });
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
