// The remote Backend: what a client agent (and a server that is not a voter yet) uses instead of a
// store of its own. Every Backend call travels over the server RPC (src/gateway/rpc) to one of the
// servers' server ports (8300); the server answers from its native store, which forwards writes and
// linearizable reads to the raft leader itself.
//
// Connection life: it picks a server at random from the list it was given, learns the servers the
// cluster currently has from the one it reached (and from setServers), and fails over to another
// when the connection drops. With no server reachable it keeps redialling forever, with a short
// capped backoff; a request made meanwhile waits a little for a server, then fails as Consul's
// client agent does, "No known Consul servers". Watches survive a failover: they are re-created on
// the next server from the revision after the last one delivered, so a watcher sees no gap.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  Keyspace,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddRequest,
  MemberAddResponse,
  MemberChangeResponse,
  MemberListResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  SnapshotChunk,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  WatchHandle,
  WatchListener,
  WatchOptions,
} from './backend.js';
import { EtcdError, GrpcCode } from './errors.js';
import type { OpenedBackend } from './open-backend.js';
import { RPC_PREFACE, encodeMessage, errorFromWire, messageReader, type RpcReply, type RpcRequest } from '../gateway/rpc/wire.js';

/** Consul's answer when a client agent has no server to forward to. */
export const NO_SERVERS = 'No known Consul servers';

export interface RemoteBackendOptions {
  /** host:port of servers' server ports (8300). */
  servers: string[];
  logger?: Logger;
  /** Opens a connection to a server (plain TCP by default; TLS plugs in here). */
  dial?: (host: string, port: number) => Socket;
  /** How long a request waits for a server connection before failing with "No known Consul servers" (default 3 s). */
  connectWaitMs?: number;
  /** A request without an answer for this long fails (default 60 s; the store's own timeouts are shorter). */
  callTimeoutMs?: number;
  /** Called with the server list learned from the cluster. */
  onServers?: (servers: string[]) => void;
}

export interface RemoteBackend extends OpenedBackend {
  /** Replaces the list of servers to use (the connection moves only when its server left the list). */
  setServers(servers: string[]): void;
  servers(): string[];
  /** The server currently connected (host:port), if any. */
  connectedServer(): string | undefined;
  /** A call beyond the Backend, served by the server's RPC extensions (cluster membership...). */
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  /** Drops the connection so the next one is dialled anew (a certificate obtained by auto_encrypt is shown on it). */
  reconnect(): void;
}

/** Calls that change nothing: safe to send again to the next server after a connection drop. */
const RETRYABLE = new Set([
  'range',
  'status',
  'memberList',
  'leaseTimeToLive',
  'leaseLeases',
  'leaseKeepAlive',
  'hash',
  'hashKV',
  'progressHeader',
  'ready',
  'consulSnapshot',
  'cluster.servers',
]);

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onChunk?: (c: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface RemoteWatch {
  opts: WatchOptions;
  listener: WatchListener;
  /** The revision to resume from after a failover (0 = not known yet). */
  nextRev: number;
  synced: boolean;
  done: boolean;
}

function splitHostPort(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) throw new Error(`server address "${s}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

const ZERO_HEADER: ResponseHeader = { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 };

export function createRemoteBackend(opts: RemoteBackendOptions): RemoteBackend {
  return new RemoteBackendImpl(opts);
}

class RemoteBackendImpl implements RemoteBackend {
  private serverList: string[];
  private socket: Socket | undefined;
  private socketServer: string | undefined;
  private connecting: Promise<void> | undefined;
  private connectedWaiters: Array<() => void> = [];
  private readonly pending = new Map<number, Pending>();
  private readonly watches = new Map<number, RemoteWatch>();
  private nextId = 1;
  private lastHeader: ResponseHeader = ZERO_HEADER;
  private closed = false;
  private readonly connectWaitMs: number;
  private readonly callTimeoutMs: number;
  private lastDialError = '';

  constructor(private readonly opts: RemoteBackendOptions) {
    this.serverList = [...new Set(opts.servers)];
    this.connectWaitMs = opts.connectWaitMs ?? 3000;
    this.callTimeoutMs = opts.callTimeoutMs ?? 60_000;
    this.ensureConnecting();
  }

  // ---- connection -----------------------------------------------------------------------------

  setServers(servers: string[]): void {
    const next = [...new Set(servers)];
    if (next.length === 0) return;
    this.serverList = next;
    this.ensureConnecting();
  }

  servers(): string[] {
    return [...this.serverList];
  }

  connectedServer(): string | undefined {
    return this.socket ? this.socketServer : undefined;
  }

  reconnect(): void {
    this.socket?.destroy();
  }

  private ensureConnecting(): void {
    if (this.closed || this.socket || this.connecting) return;
    this.connecting = this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
  }

  private async connectLoop(): Promise<void> {
    let backoff = 100;
    while (!this.closed && !this.socket) {
      const list = this.serverList;
      const start = Math.floor(Math.random() * Math.max(1, list.length));
      for (let i = 0; i < list.length && !this.closed && !this.socket; i++) {
        const server = list[(start + i) % list.length]!;
        try {
          const socket = await this.dialOne(server);
          if (this.closed) {
            socket.destroy();
            return;
          }
          this.adopt(socket, server);
          return;
        } catch (err) {
          this.lastDialError = `${server}: ${(err as Error).message}`;
        }
      }
      if (list.length > 0) this.opts.logger?.debug({ error: this.lastDialError }, 'remote backend: no server answered; retrying');
      await new Promise((r) => setTimeout(r, backoff).unref());
      backoff = Math.min(2000, backoff * 2);
    }
  }

  private dialOne(server: string): Promise<Socket> {
    const { host, port } = splitHostPort(server);
    return new Promise<Socket>((resolve, reject) => {
      const socket = this.opts.dial ? this.opts.dial(host, port) : connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('i/o timeout'));
      }, 2000);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(socket);
      });
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', onError);
    });
  }

  private adopt(socket: Socket, server: string): void {
    this.socket = socket;
    this.socketServer = server;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    socket.write(RPC_PREFACE);
    const read = messageReader<RpcReply>((m) => this.onReply(m));
    socket.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onSocketClosed(socket));
    this.opts.logger?.debug({ server }, 'remote backend: connected');
    for (const [id, w] of this.watches) this.sendWatch(id, w);
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const w of waiters) w();
    // learn the cluster's current servers from the one reached
    this.call<string[]>('cluster.servers')
      .then((list) => {
        if (Array.isArray(list) && list.length > 0) {
          this.serverList = [...new Set(list)];
          this.opts.onServers?.(this.servers());
        }
      })
      .catch(() => undefined);
  }

  private onSocketClosed(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    const server = this.socketServer;
    this.socketServer = undefined;
    const lost = new EtcdError(GrpcCode.UNAVAILABLE, `rpc error making call: connection to ${server ?? 'server'} lost (EOF)`);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(lost);
    }
    if (!this.closed) this.ensureConnecting();
  }

  /** Resolves once connected, or rejects with Consul's "No known Consul servers" after waitMs. */
  private whenConnected(waitMs: number): Promise<void> {
    if (this.socket) return Promise.resolve();
    if (this.closed) return Promise.reject(new EtcdError(GrpcCode.UNAVAILABLE, 'remote backend closed'));
    this.ensureConnecting();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((w) => w !== done);
        reject(new EtcdError(GrpcCode.UNAVAILABLE, NO_SERVERS));
      }, waitMs);
      timer.unref();
      this.connectedWaiters.push(done);
    });
  }

  private send(msg: RpcRequest): boolean {
    if (!this.socket) return false;
    this.socket.write(encodeMessage(msg));
    return true;
  }

  private onReply(m: RpcReply): void {
    switch (m.t) {
      case 'ok':
      case 'err': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (p.timer) clearTimeout(p.timer);
        if (m.t === 'ok') {
          this.noteHeader(m.r);
          p.resolve(m.r);
        } else {
          p.reject(errorFromWire(m.e));
        }
        return;
      }
      case 'chunk':
        this.pending.get(m.id)?.onChunk?.(m.r);
        return;
      case 'watching': {
        const w = this.watches.get(m.id);
        if (!w) return;
        if (w.nextRev === 0) w.nextRev = m.rev + 1;
        w.synced = m.synced;
        return;
      }
      case 'events': {
        const w = this.watches.get(m.id);
        if (!w || w.done) return;
        w.nextRev = m.rev + 1;
        w.synced = m.synced;
        w.listener.onEvents(m.ev as Parameters<WatchListener['onEvents']>[0], m.rev);
        return;
      }
      case 'compacted': {
        const w = this.watches.get(m.id);
        if (!w) return;
        this.finishWatch(m.id, w);
        w.listener.onCompacted(m.compactRev, m.rev);
        return;
      }
      case 'canceled': {
        const w = this.watches.get(m.id);
        if (!w) return;
        this.finishWatch(m.id, w);
        w.listener.onCanceled(m.reason);
        return;
      }
    }
  }

  private noteHeader(r: unknown): void {
    const h = (r as { header?: ResponseHeader } | undefined)?.header;
    if (h && typeof h.revision === 'number' && h.revision >= this.lastHeader.revision) this.lastHeader = h;
  }

  private async callOnce<T>(method: string, args: unknown[]): Promise<T> {
    await this.whenConnected(this.connectWaitMs);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { resolve: resolve as (v: unknown) => void, reject };
      p.timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EtcdError(GrpcCode.DEADLINE_EXCEEDED, `rpc error making call: ${method} timed out`));
      }, this.callTimeoutMs);
      p.timer.unref();
      this.pending.set(id, p);
      if (!this.send({ t: 'call', id, m: method, a: args })) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        reject(new EtcdError(GrpcCode.UNAVAILABLE, NO_SERVERS));
      }
    });
  }

  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return await this.callOnce<T>(method, args);
    } catch (err) {
      // a read cut by a failover is asked again of the next server; a write is not (it may have applied)
      if (RETRYABLE.has(method) && err instanceof EtcdError && err.code === GrpcCode.UNAVAILABLE && err.message !== NO_SERVERS && !this.closed) {
        return await this.callOnce<T>(method, args);
      }
      throw err;
    }
  }

  // ---- Backend --------------------------------------------------------------------------------

  range(req: RangeRequest): Promise<RangeResponse> {
    return this.call('range', req);
  }
  put(req: PutRequest): Promise<PutResponse> {
    return this.call('put', req);
  }
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    return this.call('deleteRange', req);
  }
  txn(req: TxnRequest): Promise<TxnResponse> {
    return this.call('txn', req);
  }
  compact(req: CompactionRequest): Promise<CompactionResponse> {
    return this.call('compact', req);
  }

  watch(opts: WatchOptions, listener: WatchListener): WatchHandle {
    const id = this.nextId++;
    const w: RemoteWatch = { opts, listener, nextRev: opts.startRevision, synced: false, done: false };
    this.watches.set(id, w);
    this.sendWatch(id, w);
    if (!this.socket) this.ensureConnecting();
    return {
      cancel: () => {
        if (w.done) return;
        this.finishWatch(id, w);
        this.send({ t: 'unwatch', id });
      },
      isSynced: () => w.synced,
    };
  }

  private sendWatch(id: number, w: RemoteWatch): void {
    if (w.done) return;
    // the reply to the watch request itself is only an error (a watch that could not start)
    this.pending.set(id, {
      resolve: () => undefined,
      reject: (e) => {
        if (this.watches.get(id) === w && !w.done && !(e instanceof EtcdError && e.code === GrpcCode.UNAVAILABLE)) {
          this.finishWatch(id, w);
          w.listener.onCanceled(e.message);
        }
      },
    });
    this.send({ t: 'watch', id, o: { ...w.opts, startRevision: w.nextRev } });
  }

  private finishWatch(id: number, w: RemoteWatch): void {
    w.done = true;
    this.watches.delete(id);
    this.pending.delete(id);
  }

  progressHeader(): Promise<ResponseHeader> {
    return this.call('progressHeader');
  }

  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    return this.call('leaseGrant', req);
  }
  leaseRevoke(id: bigint, keyspace?: Keyspace): Promise<LeaseRevokeResponse> {
    return this.call('leaseRevoke', id, keyspace);
  }
  leaseKeepAlive(id: bigint, keyspace?: Keyspace): Promise<LeaseKeepAliveResponse> {
    return this.call('leaseKeepAlive', id, keyspace);
  }
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    return this.call('leaseTimeToLive', req);
  }
  leaseLeases(keyspace?: Keyspace): Promise<LeaseLeasesResponse> {
    return this.call('leaseLeases', keyspace);
  }

  memberList(linearizable: boolean): Promise<MemberListResponse> {
    return this.call('memberList', linearizable);
  }
  memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    return this.call('memberAdd', req);
  }
  memberRemove(id: bigint): Promise<MemberChangeResponse> {
    return this.call('memberRemove', id);
  }
  memberUpdate(id: bigint, peerURLs: string[]): Promise<MemberChangeResponse> {
    return this.call('memberUpdate', id, peerURLs);
  }
  memberPromote(id: bigint): Promise<MemberChangeResponse> {
    return this.call('memberPromote', id);
  }

  status(): Promise<StatusResponse> {
    return this.call('status');
  }
  hash(): Promise<HashResponse> {
    return this.call('hash');
  }
  hashKV(revision: number): Promise<HashKVResponse> {
    return this.call('hashKV', revision);
  }
  alarm(req: AlarmRequest): Promise<AlarmResponse> {
    return this.call('alarm', req);
  }
  defragment(): Promise<{ header: ResponseHeader }> {
    return this.call('defragment');
  }
  moveLeader(targetID: bigint): Promise<{ header: ResponseHeader }> {
    return this.call('moveLeader', targetID);
  }
  consulSnapshot(opts: { stale: boolean }): Promise<{ data: Buffer; index: number }> {
    return this.call('consulSnapshot', opts);
  }
  restoreConsulSnapshot(data: Buffer): Promise<void> {
    return this.call('restoreConsulSnapshot', data);
  }

  async *snapshot(): AsyncIterable<SnapshotChunk> {
    await this.whenConnected(this.connectWaitMs);
    const id = this.nextId++;
    const queue: SnapshotChunk[] = [];
    let finished = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    this.pending.set(id, {
      resolve: () => {
        finished = true;
        wake?.();
      },
      reject: (e) => {
        failure = e;
        wake?.();
      },
      onChunk: (c) => {
        queue.push(c as SnapshotChunk);
        wake?.();
      },
    });
    this.send({ t: 'snapshot', id });
    for (;;) {
      if (queue.length) {
        yield queue.shift()!;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }

  header(): ResponseHeader {
    return this.lastHeader;
  }

  async ready(timeoutMs?: number): Promise<void> {
    const wait = timeoutMs ?? 2 ** 31 - 1;
    const deadline = Date.now() + wait;
    for (;;) {
      try {
        await this.whenConnected(Math.max(1, deadline - Date.now()));
        await this.call('ready');
        return;
      } catch (err) {
        if (this.closed || Date.now() >= deadline) throw err;
        await new Promise((r) => setTimeout(r, 200).unref());
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, w] of this.watches) this.finishWatch(id, w);
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    const closedErr = new EtcdError(GrpcCode.UNAVAILABLE, 'remote backend closed');
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(closedErr);
    }
    this.pending.clear();
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    void waiters;
  }
}
