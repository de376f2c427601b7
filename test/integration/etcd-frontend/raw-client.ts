// A plain @grpc/grpc-js client of etcd's .proto files (proto-loader, snake_case fields, 64-bit as
// strings): what any generated etcd client sends, with no library behaviour in between.
import grpc from '@grpc/grpc-js';
import loader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const protoDir = fileURLToPath(new URL('../../../proto/etcd', import.meta.url));

export type Msg = Record<string, unknown>;
export interface RawClients {
  KV: grpc.Client;
  Watch: grpc.Client;
  Lease: grpc.Client;
  Cluster: grpc.Client;
  Maintenance: grpc.Client;
  Auth: grpc.Client;
  Lock: grpc.Client;
  Election: grpc.Client;
  close(): void;
}

export function rawClients(address: string): RawClients {
  const def = loader.loadSync(['rpc.proto', 'v3lock.proto', 'v3election.proto'], {
    includeDirs: [protoDir],
    keepCase: true,
    longs: String,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as Record<string, Record<string, typeof grpc.Client>>;
  const creds = grpc.credentials.createInsecure();
  const mk = (p: string, s: string) => new pkg[p]![s]!(address, creds);
  const c = {
    KV: mk('etcdserverpb', 'KV'),
    Watch: mk('etcdserverpb', 'Watch'),
    Lease: mk('etcdserverpb', 'Lease'),
    Cluster: mk('etcdserverpb', 'Cluster'),
    Maintenance: mk('etcdserverpb', 'Maintenance'),
    Auth: mk('etcdserverpb', 'Auth'),
    Lock: mk('v3lockpb', 'Lock'),
    Election: mk('v3electionpb', 'Election'),
  };
  return { ...c, close: () => Object.values(c).forEach((x) => x.close()) };
}

/** A unary call: the response, or {code, details} of the error status. */
export function call(
  client: grpc.Client,
  method: string,
  req: Msg,
  opts: { deadlineMs?: number; metadata?: Record<string, string> } = {},
): Promise<Msg> {
  const fn = (client as unknown as Record<string, (r: Msg, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Msg) => void) => void>)[method]!;
  const o: grpc.CallOptions = opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {};
  return new Promise((resolve) =>
    fn.call(client, req, metadataOf(opts.metadata), o, (err, res) => resolve(err ? { code: err.code, details: err.details } : res)),
  );
}

function metadataOf(md: Record<string, string> = {}): grpc.Metadata {
  const m = new grpc.Metadata();
  for (const [k, v] of Object.entries(md)) m.set(k, v);
  return m;
}

/** A bidi stream with a queue of received messages. */
export function duplex(client: grpc.Client, method: string, metadata?: Record<string, string>) {
  const s = (client as unknown as Record<string, (md: grpc.Metadata) => grpc.ClientDuplexStream<Msg, Msg>>)[method]!.call(
    client,
    metadataOf(metadata),
  );
  const got: Msg[] = [];
  let waiter: (() => void) | undefined;
  let error: { code: number; details: string } | undefined;
  s.on('data', (d: Msg) => {
    got.push(d);
    waiter?.();
  });
  s.on('error', (e: grpc.ServiceError) => {
    error = { code: e.code, details: e.details };
    waiter?.();
  });
  return {
    stream: s,
    send: (m: Msg) => s.write(m),
    get error() {
      return error;
    },
    /** Resolves with the next message (waits up to ms). */
    async next(ms = 2000): Promise<Msg> {
      const deadline = Date.now() + ms;
      while (got.length === 0) {
        if (error) throw new Error(`stream error ${error.code}: ${error.details}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no message in time');
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, left);
        });
      }
      return got.shift()!;
    },
    /** Messages that arrive within ms (for "nothing more is sent" checks). */
    async drain(ms: number): Promise<Msg[]> {
      await new Promise((r) => setTimeout(r, ms));
      return got.splice(0);
    },
    cancel: () => s.cancel(),
  };
}

/** Retries an assertion until it passes or `ms` elapse (for effects that land asynchronously). */
export async function eventually(assertion: () => void | Promise<void>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
