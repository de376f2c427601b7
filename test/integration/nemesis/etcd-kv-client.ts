// A deliberately plain etcd v3 KV client for the nemesis workload: one gRPC channel to ONE member,
// no retries, no failover (a client library that retries a put on another member could apply it
// twice, which a linearizability check would then rightly flag: here every request is sent once).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KvCompare, KvOutput } from '../../support/linearizability/index.js';

const require = createRequire(import.meta.url);
// The etcd3 package ships etcd's own rpc.proto; using it keeps this client independent of ours.
const PROTO_DIR = join(dirname(require.resolve('etcd3/package.json')), 'proto');

interface Header {
  revision: string;
}
interface KeyValueMsg {
  key: Buffer;
  value: Buffer;
  mod_revision: string;
}
type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
interface KvStub extends grpc.Client {
  Range(req: object, opts: grpc.CallOptions, cb: Callback<{ header: Header; kvs: KeyValueMsg[] }>): void;
  Put(req: object, opts: grpc.CallOptions, cb: Callback<{ header: Header }>): void;
  Txn(req: object, opts: grpc.CallOptions, cb: Callback<{ header: Header; succeeded: boolean }>): void;
  DeleteRange(req: object, opts: grpc.CallOptions, cb: Callback<{ header: Header; deleted: string }>): void;
}
interface ClusterStub extends grpc.Client {
  MemberList(req: object, opts: grpc.CallOptions, cb: Callback<{ members: { ID: string; name: string }[] }>): void;
}
interface MaintenanceStub extends grpc.Client {
  Status(req: object, opts: grpc.CallOptions, cb: Callback<{ header: { member_id: string }; leader: string }>): void;
}
type StubCtor<T> = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => T;

let services: { KV: StubCtor<KvStub>; Cluster: StubCtor<ClusterStub>; Maintenance: StubCtor<MaintenanceStub> } | undefined;
function loadServices(): NonNullable<typeof services> {
  if (!services) {
    const def = protoLoader.loadSync('rpc.proto', { includeDirs: [PROTO_DIR], keepCase: true, longs: String, enums: Number, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      etcdserverpb: { KV: StubCtor<KvStub>; Cluster: StubCtor<ClusterStub>; Maintenance: StubCtor<MaintenanceStub> };
    };
    services = pkg.etcdserverpb;
  }
  return services;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // come back quickly after a member restarts
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 500,
};

const COMPARE_EQUAL = 0;
const TARGET_MOD = 2;
const TARGET_VALUE = 3;

function call<T>(fn: (opts: grpc.CallOptions, cb: Callback<T>) => void, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    fn({ deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
  });
}

export class EtcdKvClient {
  private readonly kv: KvStub;
  private readonly cluster: ClusterStub;
  private readonly maintenance: MaintenanceStub;

  constructor(
    readonly endpoint: string,
    private readonly timeoutMs = 1_500,
  ) {
    const s = loadServices();
    const address = endpoint.replace(/^https?:\/\//, '');
    this.kv = new s.KV(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.cluster = new s.Cluster(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.maintenance = new s.Maintenance(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  /** True when the channel is connected; starts connecting when it is not. */
  isConnected(): boolean {
    return this.kv.getChannel().getConnectivityState(true) === grpc.connectivityState.READY;
  }

  async put(key: string, value: string): Promise<KvOutput> {
    const res = await call<{ header: Header }>((o, cb) => this.kv.Put({ key: Buffer.from(key), value: Buffer.from(value) }, o, cb), this.timeoutMs);
    return { kind: 'put', revision: Number(res.header.revision) };
  }

  /** A linearizable read, unless `serializable` (served from the member's local state). */
  async get(key: string, options: { serializable?: boolean } = {}): Promise<KvOutput> {
    const res = await call<{ header: Header; kvs: KeyValueMsg[] }>(
      (o, cb) => this.kv.Range({ key: Buffer.from(key), serializable: options.serializable ?? false }, o, cb),
      this.timeoutMs,
    );
    const kv = res.kvs[0];
    return kv
      ? { kind: 'get', revision: Number(res.header.revision), value: kv.value.toString('utf8'), modRevision: Number(kv.mod_revision) }
      : { kind: 'get', revision: Number(res.header.revision) };
  }

  async delete(key: string): Promise<KvOutput> {
    const res = await call<{ header: Header; deleted: string }>((o, cb) => this.kv.DeleteRange({ key: Buffer.from(key) }, o, cb), this.timeoutMs);
    return { kind: 'delete', revision: Number(res.header.revision), deleted: Number(res.deleted) };
  }

  /** Txn: if (compare) put key=value. */
  async cas(key: string, compare: KvCompare, value: string): Promise<KvOutput> {
    const cmp =
      compare.target === 'value'
        ? { result: COMPARE_EQUAL, target: TARGET_VALUE, key: Buffer.from(key), value: Buffer.from(compare.value) }
        : { result: COMPARE_EQUAL, target: TARGET_MOD, key: Buffer.from(key), mod_revision: String(compare.modRevision) };
    const res = await call<{ header: Header; succeeded: boolean }>(
      (o, cb) =>
        this.kv.Txn({ compare: [cmp], success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(value) } }], failure: [] }, o, cb),
      this.timeoutMs,
    );
    return { kind: 'cas', revision: Number(res.header.revision), succeeded: res.succeeded };
  }

  /** Member IDs (as etcd's hex strings) by name. */
  async memberIds(): Promise<Map<string, string>> {
    const res = await call<{ members: { ID: string; name: string }[] }>((o, cb) => this.cluster.MemberList({}, o, cb), this.timeoutMs);
    return new Map(res.members.map((m) => [m.name, BigInt(m.ID).toString(16)]));
  }

  /** This member's ID and the leader's ID it knows (hex; "0" = no leader). */
  async status(): Promise<{ memberId: string; leader: string }> {
    const res = await call<{ header: { member_id: string }; leader: string }>((o, cb) => this.maintenance.Status({}, o, cb), this.timeoutMs);
    return { memberId: BigInt(res.header.member_id).toString(16), leader: BigInt(res.leader).toString(16) };
  }

  close(): void {
    this.kv.close();
    this.cluster.close();
    this.maintenance.close();
  }
}
