// The server side of the server RPC: one client agent's connection, served from this server's
// Backend (the native store, which forwards writes and linearizable reads to the raft leader
// itself). Every Backend method a client may call is listed here; watches and the snapshot stream
// are streams of their own on the same connection, keyed by the client's request id.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Backend, WatchHandle, WatchOptions } from '../../adapters/backend.js';
import { EtcdError, GrpcCode } from '../../adapters/errors.js';
import { encodeMessage, errorToWire, messageReader, type RpcReply, type RpcRequest } from './wire.js';

/** The Backend methods served, as called: (args) => result. */
const CALLS = new Set([
  'range',
  'put',
  'deleteRange',
  'txn',
  'compact',
  'progressHeader',
  'leaseGrant',
  'leaseRevoke',
  'leaseKeepAlive',
  'leaseTimeToLive',
  'leaseLeases',
  'memberList',
  'memberAdd',
  'memberRemove',
  'memberUpdate',
  'memberPromote',
  'status',
  'hash',
  'hashKV',
  'alarm',
  'defragment',
  'moveLeader',
  'consulSnapshot',
  'restoreConsulSnapshot',
  'ready',
]);

/** Calls beyond the Backend a server offers its clients (the cluster's: the server list, heartbeats...). */
export type RpcExtensions = Record<string, (...args: unknown[]) => Promise<unknown>>;

export interface RpcServerOptions {
  /** The store to serve; undefined while this server has none yet (still forming the cluster). */
  backend: () => Backend | undefined;
  extensions?: RpcExtensions;
  logger: Logger;
  /** Set for a connection without a certificate from the CA under verify_incoming: only these methods are served. */
  allowOnly?: ReadonlySet<string>;
}

/** The refusal a connection without a CA-signed certificate gets for anything but asking for one. */
export const CERTIFICATE_REQUIRED = 'Permission denied: this connection presented no certificate signed by the CA (verify_incoming)';

export function serveRpcConnection(socket: Socket, opts: RpcServerOptions): void {
  const storeOrRefuse = (): Backend => {
    const b = opts.backend();
    // Consul's answer while a server has not joined a cluster with a leader
    if (!b) throw new EtcdError(GrpcCode.UNAVAILABLE, 'No cluster leader');
    return b;
  };
  const watches = new Map<number, WatchHandle>();
  let closed = false;
  const send = (msg: RpcReply): void => {
    if (!closed && !socket.destroyed) socket.write(encodeMessage(msg));
  };
  const onMessage = (msg: RpcRequest): void => {
    if (opts.allowOnly && !(msg.t === 'call' && opts.allowOnly.has(msg.m))) {
      if (msg.t !== 'unwatch') send({ t: 'err', id: msg.id, e: errorToWire(new EtcdError(GrpcCode.PERMISSION_DENIED, CERTIFICATE_REQUIRED)) });
      return;
    }
    switch (msg.t) {
      case 'call':
        void call(msg.id, msg.m, msg.a);
        return;
      case 'watch':
        startWatch(msg.id, msg.o as WatchOptions);
        return;
      case 'unwatch':
        watches.get(msg.id)?.cancel();
        watches.delete(msg.id);
        return;
      case 'snapshot':
        void streamSnapshot(msg.id);
        return;
    }
  };
  const call = async (id: number, method: string, args: unknown[]): Promise<void> => {
    try {
      let result: unknown;
      if (CALLS.has(method)) {
        const backend = storeOrRefuse();
        const fn = (backend as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>)[method];
        if (!fn) throw new Error(`server rpc: ${method} is not supported by this server's store`);
        // JSON has no undefined: an absent optional argument (a keyspace) arrives as null
        result = await fn.apply(backend, args.map((a) => (a === null ? undefined : a)));
      } else if (method === 'raftStatus') {
        result = storeOrRefuse().raftStatus?.();
      } else if (opts.extensions?.[method]) {
        result = await opts.extensions[method]!(...args);
      } else {
        throw new Error(`server rpc: unknown method ${method}`);
      }
      send({ t: 'ok', id, r: result });
    } catch (err) {
      send({ t: 'err', id, e: errorToWire(err) });
    }
  };
  const startWatch = (id: number, o: WatchOptions): void => {
    try {
      const backend = storeOrRefuse();
      const handle = backend.watch(o, {
        onEvents: (ev, rev) => send({ t: 'events', id, ev, rev, synced: handle.isSynced() }),
        onCompacted: (compactRev, rev) => {
          watches.delete(id);
          send({ t: 'compacted', id, compactRev, rev });
        },
        onCanceled: (reason) => {
          watches.delete(id);
          send({ t: 'canceled', id, reason });
        },
      });
      if (closed) {
        handle.cancel();
        return;
      }
      watches.set(id, handle);
      send({ t: 'watching', id, rev: backend.header().revision, synced: handle.isSynced() });
    } catch (err) {
      send({ t: 'err', id, e: errorToWire(err) });
    }
  };
  const streamSnapshot = async (id: number): Promise<void> => {
    try {
      for await (const chunk of storeOrRefuse().snapshot()) {
        if (closed) return;
        send({ t: 'chunk', id, r: chunk });
      }
      send({ t: 'ok', id });
    } catch (err) {
      send({ t: 'err', id, e: errorToWire(err) });
    }
  };
  const read = messageReader<RpcRequest>(onMessage);
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    try {
      read(chunk);
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, remote: socket.remoteAddress }, 'server rpc: malformed message; closing the connection');
      socket.destroy();
    }
  });
  const end = (): void => {
    if (closed) return;
    closed = true;
    for (const h of watches.values()) h.cancel();
    watches.clear();
  };
  socket.on('close', end);
  socket.on('error', () => socket.destroy());
}
